"""Checks of one plan against itself: numbering, issue dates, repeated items, indicators.

* **duplicate numbering** — sections whose ``key`` carries "#2" (two items "8." in one
  section); only the topmost repeat is reported, its renumbered children follow from it;
* **issue date / number** — the header date ("Phú Yên, ngày 15 tháng 12 năm 2023") and
  the document's references to itself ("Ban hành kèm theo Kế hoạch số: 275/KH-UBND ngày
  25/12/2023") must agree;
* **repeated items** — the same task row twice (same content and lead agencies), or the
  same paragraph twice within one section or among sibling sections;
* **indicator values** — the same indicator given different values in two places
  (typically the body's targets and the appendix), never two numbers of one sentence.
"""

from __future__ import annotations

from collections.abc import Mapping

from troly.documents.structure import PLAN_HEAD, PREAMBLE
from troly.review.items import Item, TargetSentence, section_location
from troly.review.model import FieldDiff, Finding
from troly.review.normalize import (
    Measure,
    SelfReference,
    agency_diff,
    align_measures,
    header_date,
    normalize_doc_number,
    same_value,
    self_references,
    weighted_dice,
)
from troly.schema import Citation, DocumentTree, Section

INDICATOR_THRESHOLD = 0.85
REPEAT_THRESHOLD = 0.95
MIN_REPEAT_WORDS = 6


def clip(text: str, width: int = 90) -> str:
    t = " ".join(text.split())
    return t if len(t) <= width else t[: width - 1].rstrip() + "…"


def item_citation(item: Item, title: str, n: int = 0, score: float = 0.0) -> Citation:
    chunk = ""
    if item.task is not None:
        from troly.chunking import chunk_id

        chunk = chunk_id(item.doc_id, "task", item.task.id, 0)
    return Citation(
        n=n,
        doc_id=item.doc_id,
        title=title,
        location=item.location,
        kind=item.cite_kind,
        text=item.text,
        score=score,
        chunk_id=chunk,
    )


def section_citation(doc_id: str, title: str, sec: Section, text: str, n: int = 0) -> Citation:
    return Citation(
        n=n, doc_id=doc_id, title=title, location=section_location(sec), kind="section", text=text
    )


# --------------------------------------------------------------------------- numbering


def duplicate_numbering(tree: DocumentTree, title: str) -> list[Finding]:
    out: list[Finding] = []
    first_by_key: dict[str, Section] = {}
    parent_of: dict[int, Section | None] = {}

    def walk(sec: Section, parent: Section | None) -> None:
        parent_of[id(sec)] = parent
        first_by_key.setdefault(sec.key, sec)
        for c in sec.children:
            walk(c, sec)

    for root in tree.sections:
        walk(root, None)
    for sec in tree.iter_sections():
        if "#" not in sec.key:
            continue
        parent = parent_of.get(id(sec))
        if parent is not None and "#" in parent.key:
            continue  # renumbered because its parent's number repeats
        first = first_by_key.get(sec.key.split("#", 1)[0])
        if first is None:
            continue
        number = sec.path.rsplit(".", 1)[-1]
        where = sec.path.rsplit(".", 1)[0] if "." in sec.path else ""
        in_part = f" trong mục {where}" if where else ""
        renumber = " (kèm các mục con của nó)" if any("#" in c.key for c in sec.children) else ""
        first_text = first.heading or first.title
        second_text = sec.heading or sec.title
        out.append(
            Finding(
                kind="duplicate_numbering",
                explanation=(
                    f"Số thứ tự «{number}.»{in_part} được dùng cho hai mục khác nhau "
                    f"(«{clip(first.title, 60)}» và «{clip(sec.title, 60)}»); "
                    f"xin vui lòng đánh số lại mục thứ hai{renumber} và các mục sau."
                ),
                draft=section_citation(tree.doc_id, title, sec, second_text),
                citations=[section_citation(tree.doc_id, title, first, first_text, n=1)],
                fields=[
                    FieldDiff(
                        "numbering",
                        f"{sec.path}. {clip(sec.title, 80)}",
                        f"{first.path}. {clip(first.title, 80)}",
                        detail=f"khoá nội bộ {sec.key} / {first.key}",
                    )
                ],
                draft_excerpt=second_text,
                corpus_excerpts=[first_text],
                order=sec.line,
            )
        )
    return out


# --------------------------------------------------------------------------- dates


def reference_dates(tree: DocumentTree, title: str) -> list[Finding]:
    """Header date and number vs the document's references to itself."""
    headers: list[tuple[Section, str, str]] = []  # (section, date, line)
    refs: list[tuple[Section, SelfReference, str]] = []  # (section, reference, line)
    for sec in tree.iter_sections():
        lines = [sec.heading or sec.title, *sec.text.split("\n")]
        for line in lines:
            if sec.path in (PREAMBLE, PLAN_HEAD):
                d = header_date(line)
                if d:
                    headers.append((sec, d, line.strip().strip("|").strip()))
            refs += [(sec, r, line.strip()) for r in self_references(line)]
    issued = tree.meta.issued
    header_sec: Section | None = headers[0][0] if headers else None
    header_line = headers[0][2] if headers else ""
    if headers:
        issued = headers[0][1]
    number = normalize_doc_number(tree.meta.number) if tree.meta.number else None
    out: list[Finding] = []
    if not issued and not number:
        return out
    for sec, ref, line in refs:
        if not ref.formula and ref.number != number:
            continue  # a reference to another document
        where = section_location(sec)
        fields: list[FieldDiff] = []
        if issued and ref.date != issued:
            fields.append(
                FieldDiff("issued", ref.date, issued, detail=f"{where} / phần đầu văn bản")
            )
        if number and ref.number != number:
            fields.append(FieldDiff("number", ref.number, number, detail=where))
        if not fields:
            continue
        where_header = "phần đầu văn bản" if header_sec is not None else "thông tin văn bản"
        parts = []
        for f in fields:
            if f.field == "issued":
                parts.append(
                    f"ngày ban hành ở {where_header} là {f.corpus} nhưng {section_location(sec)} "
                    f"ghi ngày {f.draft}"
                )
            else:
                parts.append(
                    f"số văn bản là {f.corpus} nhưng {section_location(sec)} ghi {f.draft}"
                )
        other = (
            section_citation(tree.doc_id, title, header_sec, header_line, n=1)
            if header_sec is not None
            else Citation(
                n=1,
                doc_id=tree.doc_id,
                title=title,
                location="Thông tin văn bản",
                kind="section",
                text=f"Số {tree.meta.number}, ngày {tree.meta.issued}",
            )
        )
        out.append(
            Finding(
                kind="internal_contradiction",
                explanation=(
                    "Thông tin ban hành không thống nhất: "
                    + "; ".join(parts)
                    + ". Xin vui lòng kiểm tra và thống nhất lại."
                ),
                draft=section_citation(tree.doc_id, title, sec, line),
                citations=[other],
                fields=fields,
                draft_excerpt=line,
                corpus_excerpts=[other.text],
                order=sec.line,
            )
        )
    return out


# --------------------------------------------------------------------------- repeats


def _parent_key(key: str) -> str:
    base = key.split("#", 1)[0]
    return base.rsplit(".", 1)[0] if "." in base else ""


def repeated_items(items: list[Item], title: str, idf: Mapping[str, float]) -> list[Finding]:
    out: list[Finding] = []
    tasks = [i for i in items if i.task is not None and i.size >= MIN_REPEAT_WORDS]
    paras = [
        i for i in items if i.kind == "paragraph" and i.matchable and i.size >= MIN_REPEAT_WORDS
    ]
    for a_idx, a in enumerate(tasks):
        for b in tasks[a_idx + 1 :]:
            assert a.task is not None and b.task is not None
            sim = weighted_dice(a.terms, b.terms, idf)
            if sim < REPEAT_THRESHOLD:
                continue
            only_a, only_b = agency_diff(a.task.lead, b.task.lead)
            if only_a or only_b:
                continue  # the same work given to different agencies
            targets = ""
            if a.task.target and b.task.target and a.task.target != b.task.target:
                targets = " (ở hai mục tiêu khác nhau; nếu chủ ý, có thể gộp thành một nhiệm vụ)"
            out.append(
                _repeat(b, a, sim, title, f"Nhiệm vụ này lặp lại nhiệm vụ {a.location}{targets}")
            )
    for a_idx, a in enumerate(paras):
        for b in paras[a_idx + 1 :]:
            if a.part != b.part:
                continue
            near = a.key == b.key or _parent_key(a.key) == _parent_key(b.key)
            sim = weighted_dice(a.terms, b.terms, idf)
            if (sim >= 0.999 and a.size >= 10) or (near and sim >= REPEAT_THRESHOLD):
                out.append(_repeat(b, a, sim, title, f"Đoạn này lặp lại đoạn ở mục {a.location}"))
    return out


def _repeat(later: Item, first: Item, sim: float, title: str, what: str) -> Finding:
    return Finding(
        kind="internal_duplicate",
        explanation=f"{what} (độ tương đồng {sim:.2f}); xin vui lòng xem xét gộp hoặc lược bỏ.",
        draft=item_citation(later, title),
        citations=[item_citation(first, title, n=1, score=sim)],
        similarity=sim,
        scores={"lexical": sim},
        order=later.order,
    )


# --------------------------------------------------------------------------- indicators


def _indicator_name(m: Measure, width: int = 70) -> str:
    return clip(m.span, width)


def measure_conflicts(
    left: list[tuple[Item, TargetSentence]],
    right: list[tuple[Item, TargetSentence]],
    idf: Mapping[str, float],
    threshold: float = INDICATOR_THRESHOLD,
    same_doc: bool = False,
) -> list[tuple[Item, TargetSentence, Item, TargetSentence, Measure, Measure, float]]:
    """Aligned measures of different sentences that name one indicator with two values."""
    out = []
    for li, (ia, sa) in enumerate(left):
        for rj, (ib, sb) in enumerate(right):
            if same_doc and (rj <= li or sa.sid == sb.sid or sa.text == sb.text):
                continue
            for ma, mb, sim in align_measures(sa.measures, sb.measures, threshold, idf):
                if not same_value(ma, mb):
                    out.append((ia, sa, ib, sb, ma, mb, sim))
    return out


def value_explanation(
    ma: Measure,
    mb: Measure,
    sa: TargetSentence,
    sb: TargetSentence,
    where_a: str,
    where_b: str,
    internal: bool,
) -> str:
    """One polite line: same indicator, two values; which numbers were left out and why."""
    if ma.context == mb.context:
        named = f"«{_indicator_name(mb)}»"
    else:
        named = f"«{_indicator_name(ma)}» ~ «{_indicator_name(mb)}»"
    text = (
        f"Cùng một chỉ tiêu ({named}) nhưng {where_a} ghi {ma.display}, còn {where_b} ghi "
        f"{mb.display}"
    )
    others = [m for m in sb.measures if m is not mb] + [m for m in sa.measures if m is not ma]
    notes = []
    if others:
        listed = "; ".join(f"{m.display} («{_indicator_name(m, 60)}»)" for m in others[:3])
        notes.append(f"các số khác trong cùng câu là chỉ tiêu khác nên không so sánh: {listed}")
    if ma.scoped != mb.scoped:
        scoped, sent = (mb, sb) if mb.scoped else (ma, sa)
        base = sent.measures[scoped.index - 1] if scoped.index > 0 else None
        group = f" của vế trước («{_indicator_name(base, 70)}»)" if base is not None else ""
        notes.append(
            f"lưu ý {scoped.display} được tính «trong số đó», tức trên nhóm{group}, nên hai "
            "con số có thể khác cơ sở tính — xin xác nhận"
        )
    tail = f" ({'; '.join(notes)})" if notes else ""
    verb = "thống nhất số liệu trong văn bản" if internal else "thống nhất với kế hoạch hiện hành"
    return f"{text}{tail}. Xin vui lòng kiểm tra và {verb}."
