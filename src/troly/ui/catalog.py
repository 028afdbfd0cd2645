"""What the index holds, for the chat's filters, coverage line and example questions.

Read from the index itself (the chunks' payloads), not from the bundled manifest, so a
plan uploaded through ``POST /api/v1/admin/ingest`` shows up at the next page load or
filter refresh, and a bundled plan that was never ingested does not.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from troly.schema import FilterKind

if TYPE_CHECKING:
    from troly.services import Services


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    title: str
    province: str
    year: int | None
    law: bool = False  # a legal document (its chunks are articles), not a plan


_lock = threading.Lock()
# per store object (an entry goes with its store: a new store never reads an old one's
# entry, as it could with an id() key), with the store's version token
_cache: weakref.WeakKeyDictionary[Any, tuple[Any, list[IndexedDocument]]] = (
    weakref.WeakKeyDictionary()
)


def indexed_documents(services: Services) -> list[IndexedDocument]:
    """One entry per document in the index, sorted by province, then newest year first.

    Cached per store while its version (published generation and point count, one cheap
    read) is unchanged; the full scan runs again after an ingest or upload, even one that
    keeps the number of points. Raises :class:`troly.index_store.IndexUnavailable` when
    Qdrant cannot be reached.
    """
    store = services.store
    version = store.content_token()
    with _lock:
        hit = _cache.get(store)
        if hit is not None and hit[0] == version:
            return hit[1]
    docs: dict[str, IndexedDocument] = {}
    for c in store.chunks():
        if c.doc_id not in docs:
            docs[c.doc_id] = IndexedDocument(
                c.doc_id, c.title or c.doc_id, c.province or "", c.year, c.kind == "article"
            )
    out = sorted(docs.values(), key=lambda d: (d.province, -(d.year or 0), d.doc_id))
    with _lock:
        _cache[store] = (version, out)
    return out


def coverage(docs: list[IndexedDocument]) -> dict[str, list[int]]:
    """Province → years (ascending) of the indexed plans; provinces without a year keep []."""
    out: dict[str, set[int]] = {}
    for d in docs:
        if d.province and not d.law:
            out.setdefault(d.province, set())
            if d.year:
                out[d.province].add(d.year)
    return {p: sorted(out[p]) for p in sorted(out)}


def coverage_text(docs: list[IndexedDocument]) -> str:
    """'Bình Phước (2024), Hà Tĩnh (2025), …' — what the assistant can answer about."""
    parts = []
    for province, years in coverage(docs).items():
        parts.append(f"{province} ({', '.join(map(str, years))})" if years else province)
    return ", ".join(parts)


# Question shapes that the extractive answerer handles for any plan (lead agency of a
# standard task, the satisfaction target, the digital-transformation task list).
EXAMPLE_TEMPLATES = (
    "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm {year} ở {province}?",
    "{province} đặt mục tiêu mức độ hài lòng của người dân bao nhiêu phần trăm năm {year}?",
    "{province} có những nhiệm vụ nào về chuyển đổi số năm {year}?",
)


def example_questions(docs: list[IndexedDocument], limit: int = 3) -> list[str]:
    """``limit`` example questions about the indexed plans, one province after another."""
    plans = [(p, ys[-1]) for p, ys in coverage(docs).items() if ys]
    out: list[str] = []
    for i, template in enumerate(EXAMPLE_TEMPLATES[:limit]):
        if not plans:
            break
        province, year = plans[i % len(plans)]
        out.append(template.format(province=province, year=year))
    return out


# -- the library filter ("Thư viện"): plans, legal documents or both ----------------------

#: (label shown, value) for the /ui/ dropdown; the widget's ``data-library`` takes the values.
LIBRARIES: tuple[tuple[str, str], ...] = (
    ("Cả hai", "both"),
    ("Kế hoạch", "plans"),
    ("Văn bản pháp luật", "laws"),
)
_LIBRARY_KIND: dict[str, FilterKind | None] = {"plans": "plan", "laws": "article", "both": None}


def library_kind(library: str | None) -> FilterKind | None:
    """The search ``kind`` filter for a library choice: "plans" → ``plan`` (the plans'
    sections and task rows), "laws" → ``article``; "both", empty or unknown → no filter."""
    return _LIBRARY_KIND.get((library or "").strip().lower())


def holds_laws(docs: list[IndexedDocument]) -> bool:
    """Whether the index holds legal documents (then the library filter is offered)."""
    return any(d.law for d in docs)
