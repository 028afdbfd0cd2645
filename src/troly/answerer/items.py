"""A prose section's items a), b), … (or "-" items), quoted together.

"… có những nhiệm vụ gì về chuyển đổi số?" over a section whose heading the question
names is answered with every item of it, not just the best sentence; so is an agency's
own heading in "Tổ chức thực hiện" ("5. Sở Tài chính: a) …, b) …"). Items are found
either inside one chunk (its lines) or as sibling chunks under one parent heading (a
section chunked item by item: II.1.a, II.1.b, …).
"""

from __future__ import annotations

import re

from troly.answerer.compose import Draft, Turn
from troly.composer import Evidence, coverage, plan_name, quote
from troly.schema import Chunk

SECTION_LIST_CUE = re.compile(
    r"nhung (nhiem vu|noi dung|viec|giai phap|hoat dong) (gi|nao)|gom nhung|co nhung (gi|nhiem vu)"
    r"|nhiem vu gi|noi dung gi|giai phap gi"
)
ITEM_LINE = re.compile(r"^([a-zđ]\)|[-+•]\s)")
# share of the question's topic words a section's heading must hold to be "named"
HEADING_NAMED = 0.6


def item_parent(c: Chunk) -> list[str] | None:
    """The heading path above a section chunk that is one item a), b), … of a list
    ("1. Công tác chỉ đạo, điều hành" › "a) …"); ``None`` for any other chunk."""
    if c.kind != "section" or len(c.headings) < 2:
        return None
    return c.headings[:-1] if ITEM_LINE.match(c.headings[-1].strip()) else None


def items_under(sections: list[Chunk], doc_id: str, parent: list[str]) -> list[list[Chunk]]:
    """The items a), b), … directly under the heading path ``parent`` in a plan, in
    document order, each as its chunks (a long item is cut into pieces that share its
    headings and location)."""
    groups: dict[str, list[Chunk]] = {}
    for s in sections:
        if s.doc_id == doc_id and item_parent(s) == parent:
            groups.setdefault(s.location, []).append(s)
    return list(groups.values())


def items_text(first: Chunk, items: list[list[Chunk]], ev: Evidence) -> list[str]:
    """ "Theo <plan> (mục II.1), gồm 5 nội dung:" and one quoted line per item."""
    loc = first.location
    where = loc.rsplit(".", 1)[0] if "." in loc else f"“{first.headings[-2]}”"
    lines = [f"Theo {plan_name(first)} (mục {where}), gồm {len(items)} nội dung:"]
    for pieces in items[:12]:
        n = ev.mark(pieces[0])
        text = " ".join(p.text.strip() for p in pieces)
        lines.append(f"- {quote(text, 400)} [{n}]")
    return lines


def section_items(
    q: str, folded: str, chunks: list[Chunk], terms: list[str], sections: list[Chunk]
) -> Draft | None:
    """A list question (``folded`` is the question without diacritics) over the first
    retrieved ``chunks``: every item of a section whose heading it names, or ``None``.
    ``sections`` are all the section chunks (to find items chunked one by one)."""
    if not SECTION_LIST_CUE.search(folded):
        return None
    for c in chunks:
        if c.kind != "section" or not c.headings:
            continue
        head_cov = coverage(terms, " ".join(c.headings[-2:]))
        items = [x.strip() for x in c.text.split("\n") if ITEM_LINE.match(x.strip())]
        if head_cov < HEADING_NAMED or len(items) < 2:
            continue
        ev = Evidence()
        n = ev.mark(c)
        lines = [f"Theo {plan_name(c)} (mục {c.location}), gồm {len(items)} nội dung [{n}]:"]
        lines += [f"- {quote(x, 400)}" for x in items[:12]]
        return _items_draft(
            q,
            c,
            lines,
            ev,
            head_cov,
            f"list question over prose section {c.location}: heading covers "
            f"{head_cov:.2f} of the topic words; {len(items)} items quoted",
        )
    return _sibling_items(q, chunks, terms, sections)


def _sibling_items(
    q: str, chunks: list[Chunk], terms: list[str], sections: list[Chunk]
) -> Draft | None:
    """The same list question over a section whose items a), b), … were chunked one by
    one ("1. Công tác chỉ đạo, điều hành" → II.1.a, II.1.b, …): the question names the
    parent heading, so every item under it is quoted, in document order."""
    for c in chunks:
        parent = item_parent(c)
        if parent is None:
            continue
        head_cov = coverage(terms, parent[-1])
        if head_cov < HEADING_NAMED:
            continue
        items = items_under(sections, c.doc_id, parent)
        if len(items) < 2:
            continue
        ev = Evidence()
        return _items_draft(
            q,
            c,
            items_text(c, items, ev),
            ev,
            head_cov,
            f"list question over section “{parent[-1][:60]}”: heading covers "
            f"{head_cov:.2f} of the topic words; its {len(items)} items quoted",
        )
    return None


def _items_draft(
    q: str, c: Chunk, lines: list[str], ev: Evidence, support: float, why: str
) -> Draft:
    """The answer to a list question over a plan's section: its items, quoted."""
    return Draft(
        "\n".join(lines),
        ev,
        intent="section_items",
        turn=Turn(q, [c.province], topic_chunk=c),
        support=support,
        explain=[why],
    )


__all__ = [
    "ITEM_LINE",
    "SECTION_LIST_CUE",
    "item_parent",
    "items_text",
    "items_under",
    "section_items",
]
