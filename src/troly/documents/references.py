"""References between legal documents and articles, parsed into links.

Two sources:

* "Căn cứ …" lines of a preamble: each names a document the text is based on
  ("Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;", "Căn cứ Nghị định số
  82/2018/NĐ-CP ngày 22 tháng 5 năm 2018 của Chính phủ …").
* In-text references: "theo quy định tại Điều 5 Luật này", "điểm a khoản 2 Điều 12 của
  Luật Cư trú", "khoản 1 Điều này", "Nghị định số 82/2018/NĐ-CP".

A :class:`Reference` names the target document (``this`` for "Luật này"/"Bộ luật này",
else its type + number and/or name) and optionally the article, khoản and điểm.
:func:`resolve` links it to a document of the library by number or by folded name, or
says it is not in the library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from troly.documents.legal import normalize_legal_text
from troly.text import fold

DOC_TYPES = (
    "Hiến pháp",
    "Bộ luật",
    "Luật",
    "Pháp lệnh",
    "Nghị quyết liên tịch",
    "Nghị quyết",
    "Nghị định",
    "Quyết định",
    "Thông tư liên tịch",
    "Thông tư",
    "Chỉ thị",
    "Lệnh",
)
_TYPE = "|".join(re.escape(t) for t in DOC_TYPES)
# "68/2020/QH14", "82/2018/NĐ-CP", "01/VBHN-VPQH", "275/KH-UBND"
NUMBER = r"\d{1,4}/(?:\d{4}/)?[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*"
_NUMBER_RE = re.compile(NUMBER)
_DATE = r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"

# A document named by type + number: "Nghị định số 82/2018/NĐ-CP".
DOC_BY_NUMBER = re.compile(rf"(?P<type>{_TYPE})\s+(?:số\s+)?(?P<number>{NUMBER})")
# A document named by type + name: "Luật Cư trú", "Bộ luật Dân sự", "Luật này".
# The name runs in capitalised words, "và"/"," joining them, up to a stop word.
_NAME_WORD = r"(?:[A-ZĐÂĂÊÔƠƯ][\wÀ-ỹ]*|và|chống|của|về|,)"
DOC_BY_NAME = re.compile(
    rf"(?P<type>{_TYPE})(?:\s+(?P<this>này)\b|\s+(?P<name>[A-ZĐ][\wÀ-ỹ]*(?:\s+[\wÀ-ỹ]+){{0,8}}))?"
)
ARTICLE_REF = re.compile(
    r"(?:(?:điểm|Điểm)\s+(?P<point>[a-zđ])(?:\s*,\s*[a-zđ])*\s+)?"
    r"(?:(?:khoản|Khoản)\s+(?P<clause>\d+)(?:\s*,\s*\d+)*\s+)?"
    r"Điều\s+(?:(?P<article>\d+[a-zđ]?)\b|(?P<self>này)\b)"
    r"(?P<tail>\s+(?:này\b|(?:của\s+)?(?:" + _TYPE + r")\b"
    r"(?:\s+này\b|(?:\s+(?!Điều\b|điểm\b|khoản\b|và\b|hoặc\b)[\wÀ-ỹ/-]+){0,8})))?"
)
_TYPE_WORD = re.compile(rf"(?<![\wÀ-ỹ])(?:{_TYPE})(?![\wÀ-ỹ])")
BASIS_LINE = re.compile(r"^Căn\s+cứ\s+(?P<rest>.+?)[;.]?\s*$", re.IGNORECASE)
# Words that end a document name in running text.
_NAME_STOP = re.compile(
    r"\s+(?:số|ngày|năm|đã|được|của|quy|và\s+các|thì|về\s+việc|hoặc|có|sửa|này|để|"
    r"theo|tại|khi|mà|do|trong|đối|là)\b|[,;.:()]"
)


@dataclass
class Reference:
    """One reference. ``target`` is "this" (the citing document itself), or the named
    document ("Nghị định 82/2018/NĐ-CP", "Luật Cư trú"); ``doc_id`` is set by
    :func:`resolve` when the document is in the library."""

    kind: str  # "basis" | "article" | "document"
    raw: str
    target: str
    doc_type: str = ""
    number: str = ""
    name: str = ""
    article: str = ""
    clause: str = ""
    point: str = ""
    doc_id: str = ""
    in_library: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def location(self) -> str:
        parts = []
        if self.point:
            parts.append(f"điểm {self.point}")
        if self.clause:
            parts.append(f"khoản {self.clause}")
        if self.article:
            parts.append(f"Điều {self.article}")
        return " ".join(parts)


def _doc_name(doc_type: str, rest: str) -> str:
    """ "Luật" + "Cư trú ngày 13 …" → "Luật Cư trú"."""
    m = _NAME_STOP.search(rest)
    name = (rest[: m.start()] if m else rest).strip()
    words = name.split()[:9]
    return f"{doc_type} {' '.join(words)}".strip() if words else doc_type


def parse_basis(lines: Iterable[str]) -> list[Reference]:
    """The documents named by "Căn cứ …" lines (one reference per named document)."""
    out: list[Reference] = []
    for line in lines:
        line = normalize_legal_text(line).strip()
        m = BASIS_LINE.match(line)
        if not m:
            continue
        rest = m["rest"]
        found = False
        for d in DOC_BY_NUMBER.finditer(rest):
            found = True
            after = rest[d.end() :]
            name_m = re.match(r"\s*(?:" + _DATE + r"\s*)?", after)
            out.append(
                Reference(
                    kind="basis",
                    raw=line,
                    target=f"{d['type']} {d['number']}",
                    doc_type=d["type"],
                    number=d["number"],
                    name=after[name_m.end() :].strip(" ;.") if name_m else "",
                )
            )
        if found:
            continue
        for d in DOC_BY_NAME.finditer(rest):
            if d["this"]:
                continue
            name = _doc_name(d["type"], d["name"] or "")
            if d["type"] == "Hiến pháp":
                name = "Hiến pháp"
            out.append(
                Reference(kind="basis", raw=line, target=name, doc_type=d["type"], name=name)
            )
            break  # the first document named is the basis; the rest describes it
    return out


def parse_references(text: str, current_article: str = "") -> list[Reference]:
    """Article and document references in running text, in order of appearance.

    "khoản 1 Điều này" refers to ``current_article`` (the article the text is in).
    """
    text = normalize_legal_text(text)
    out: list[Reference] = []
    taken: list[tuple[int, int]] = []
    for m in ARTICLE_REF.finditer(text):
        tail = (m["tail"] or "").strip()
        if m["self"]:
            if not (m["clause"] or m["point"]):
                continue  # "Điều này" alone: the article itself, nothing to link
            tail = ""
        if not tail or tail == "này":
            target = "this"
            doc_type = name = number = ""
        else:
            tail = re.sub(r"^của\s+", "", tail)
            t = DOC_BY_NUMBER.match(tail)
            n = DOC_BY_NAME.match(tail)
            if t:
                doc_type, number, name = t["type"], t["number"], ""
                target = f"{doc_type} {number}"
            elif n and n["this"]:
                target, doc_type, number, name = "this", n["type"], "", ""
            elif n:
                doc_type, number = n["type"], ""
                name = _doc_name(n["type"], n["name"] or "")
                target = name
                if name == doc_type and doc_type != "Hiến pháp":
                    continue  # "Điều 5 của Luật" cut by a line break: ambiguous, not linked
            else:
                target, doc_type, number, name = "this", "", "", ""
        out.append(
            Reference(
                kind="article",
                raw=m.group(0).strip(),
                target=target,
                doc_type=doc_type,
                number=number,
                name=name,
                article=m["article"] or current_article,
                clause=m["clause"] or "",
                point=m["point"] or "",
            )
        )
        taken.append(m.span())
    for d in DOC_BY_NUMBER.finditer(text):
        if any(a <= d.start() < b for a, b in taken):
            continue
        out.append(_by_number(d))
    return out


def _by_number(d: re.Match[str]) -> Reference:
    """A document named by type + number (a :data:`DOC_BY_NUMBER` match)."""
    return Reference(
        kind="document",
        raw=d.group(0),
        target=f"{d['type']} {d['number']}",
        doc_type=d["type"],
        number=d["number"],
    )


@dataclass
class LibraryEntry:
    doc_id: str
    title: str
    number: str = ""


def named_documents(text: str) -> list[Reference]:
    """The documents a question or a draft names on their own, not as the tail of an
    article reference: "Theo Luật Cư trú năm 2020, …", "Nghị định số 82/2018/NĐ-CP quy
    định …", "Hiến pháp". ``name`` is cut at the words that end a name in running text
    ("Luật Du lịch về trách nhiệm …" keeps its first words only: in Vietnamese only the
    name's first word is capitalised, so where it ends cannot be read reliably — callers
    match it by prefix, :func:`names_entry`)."""
    text = normalize_legal_text(text)
    found: list[tuple[int, Reference]] = []  # (position in the text, reference)
    taken: list[tuple[int, int]] = []
    for d in DOC_BY_NUMBER.finditer(text):
        taken.append(d.span())
        found.append((d.start(), _by_number(d)))
    starts = [m.start() for m in _TYPE_WORD.finditer(text)]
    for i, start in enumerate(starts):
        # each name runs at most to the next document type ("Luật Cư trú và Luật Đất đai")
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        n = DOC_BY_NAME.match(text, start, end)
        if n is None or n["this"] or any(a <= n.start() < b for a, b in taken):
            continue
        if n["type"] == "Hiến pháp":
            name = "Hiến pháp"
        elif n["name"]:
            name = re.sub(r"(?:\s+(?:và|hoặc)|\s*,)+$", "", _doc_name(n["type"], n["name"]))
        else:
            continue  # "Luật" alone, or followed by a lower-case word ("luật sư")
        found.append(
            (
                start,
                Reference(
                    kind="document", raw=n.group(0), target=name, doc_type=n["type"], name=name
                ),
            )
        )
    return [r for _, r in sorted(found, key=lambda x: x[0])]


def names_entry(name: str, entry: LibraryEntry) -> bool:
    """Whether a document name read from running text names a library entry: the entry's
    folded title starts it ("Luật Cư trú năm 2020 quy …" names "Luật Cư trú"), or every
    word of the title but "và" is among its first words ("Luật Hôn nhân gia đình")."""
    said = fold(name).split()
    title = fold(entry.title).split()
    if not title or not said:
        return False
    if said[: len(title)] == title:
        return True
    core = [w for w in title if w != "va"]
    return len(core) >= 2 and said[0] == title[0] and set(core) <= set(said[: len(title) + 1])


def resolve(
    refs: Iterable[Reference], library: Iterable[LibraryEntry], this_doc: str = ""
) -> list[Reference]:
    """Link each reference to a library document (by number, else by folded title).

    "this" resolves to ``this_doc``. A reference whose document is not in the library
    keeps ``doc_id`` empty and ``in_library`` False, so it can be named as such.
    """
    entries = list(library)
    by_number = {e.number.upper(): e for e in entries if e.number}
    by_title = {fold(e.title): e for e in entries}
    for r in refs:
        entry: LibraryEntry | None = None
        if r.target == "this":
            r.doc_id = this_doc
            r.in_library = bool(this_doc)
            continue
        if r.number:
            entry = by_number.get(r.number.upper())
        if entry is None and r.name:
            key = fold(r.name)
            entry = by_title.get(key)
            if entry is None:  # "Luật Cư trú năm 2020", "Bộ luật Dân sự 2015"
                key = re.sub(r"\s+(?:nam\s+)?\d{4}$", "", key)
                entry = by_title.get(key)
        r.doc_id = entry.doc_id if entry else ""
        r.in_library = entry is not None
    return list(refs) if not isinstance(refs, list) else refs


def library_entries(trees: Iterable[Any]) -> list[LibraryEntry]:
    """Library entries of DocumentTrees (title and number from their metadata)."""
    return [LibraryEntry(t.meta.doc_id, t.meta.title, t.meta.number or "") for t in trees]


def references_of(tree: Any, library: Iterable[LibraryEntry] = ()) -> dict[str, list[Reference]]:
    """All references of a legal DocumentTree: "basis" and per-article in-text ones.

    Keyed by "basis" and by the article's citation label ("Điều 12").
    """
    from troly.documents.legal import unit_kind

    lib = list(library)
    out: dict[str, list[Reference]] = {}
    basis_lines = (tree.meta.extra.get("basis") or "").split("\n")
    basis = parse_basis(line for line in basis_lines if line)
    if basis:
        out["basis"] = resolve(basis, lib, tree.meta.doc_id)
    for root in tree.sections:
        for sec in root.walk():
            if unit_kind(sec) != "dieu":
                continue
            from troly.documents.legal import unit_text

            body = unit_text(sec)
            refs = parse_references(body[len(sec.heading) :], current_article=sec.path[5:])
            if refs:
                out.setdefault(sec.path, []).extend(resolve(refs, lib, tree.meta.doc_id))
    return out


def mapping_of(refs: Mapping[str, list[Reference]]) -> dict[str, list[dict[str, Any]]]:
    return {k: [r.to_dict() for r in v] for k, v in refs.items()}


__all__ = [
    "LibraryEntry",
    "Reference",
    "library_entries",
    "mapping_of",
    "named_documents",
    "names_entry",
    "parse_basis",
    "parse_references",
    "references_of",
    "resolve",
]
