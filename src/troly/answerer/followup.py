"""Follow-up questions ("còn Hà Tĩnh thì sao?", "ai phối hợp?", "thời hạn?", "thế còn
bảng giá đất thì khi nào ban hành?"): whether a question continues the previous turn, and
how it is rewritten against it."""

from __future__ import annotations

import re
from typing import Any

from troly.answerer.analysis import ASK, FIELD_WORDS, FOLLOWUP_CUE, detect_field
from troly.composer import content_terms
from troly.text import clean_ws, fold


def history_questions(history: list[Any] | None) -> list[str]:
    """The user's earlier questions from a history of strings or chat messages."""
    out: list[str] = []
    for h in history or []:
        if isinstance(h, str):
            out.append(h)
        elif isinstance(h, dict) and h.get("question"):
            out.append(str(h["question"]))
        elif isinstance(h, dict) and h.get("role") == "user" and h.get("content"):
            out.append(str(h["content"]))
    return [clean_ws(x) for x in out if clean_ws(x)]


def is_followup(q: str, named: list[str], provinces: list[str]) -> bool:
    fq = fold(q)
    terms = content_terms(q, provinces)
    # "Thời hạn hoàn thành là khi nào?", "Cơ quan nào phối hợp?": only field words
    field_only = detect_field(fq) is not None and (
        len(terms) <= 3 or all(t in FIELD_WORDS for t in terms)
    )
    return bool(
        FOLLOWUP_CUE.search(fq.strip())
        or field_only
        or (named and len(terms) <= 2)
        or len(terms) <= 1
    )


# "thế còn …", "còn …": the contrastive topic marker that opens a follow-up
_CONTRAST = re.compile(r"^\s*(?:thế\s+|the\s+|vậy\s+|vay\s+)?(?:còn|con)\s+", re.IGNORECASE)


def new_topic(q: str, provinces: list[str]) -> str | None:
    """A follow-up that opens a topic of its own and asks about it ("thế còn bảng hệ số
    điều chỉnh giá đất năm 2025 thì khi nào ban hành?"): the question without the
    marker, to be asked on its own in the previous turn's plans; ``None`` for one that
    only swaps a name ("còn Sở Nội vụ thì sao?") or asks a field ("còn thời hạn?") —
    those are read with the previous question."""
    m = _CONTRAST.match(q)
    if not m:
        return None
    rest = q[m.end() :].strip()
    frest = fold(rest)
    topic = [t for t in content_terms(rest, provinces) if t not in FIELD_WORDS]
    asks = ASK.search(re.sub(r"\bthi sao\b", " ", frest))
    return rest if asks and len(topic) >= 3 else None


def swap_province(question: str, old: list[str], new: str, detect: Any) -> str:
    """The previous question about another province: "… ở Phú Yên" → "… ở Hà Tĩnh"."""
    base = question
    for p in old:
        base = re.sub(re.escape(p), new, base, flags=re.IGNORECASE)
        base = re.sub(re.escape(fold(p)), new, base, flags=re.IGNORECASE)
    if not detect(base):
        base = f"{base} ở tỉnh {new}"
    return base
