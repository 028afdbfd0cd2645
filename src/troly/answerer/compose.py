"""Composition: the answer text from gathered evidence, with [n] markers.

Drafts (:class:`Draft`) carry the text, the evidence cited, the intent and an
explanation (``explain``: why each sentence was chosen or why the answer is a refusal).
:func:`plain_lead` writes the one plain sentence a citizen reads first ("Có, …",
"Kế hoạch của tỉnh không đặt tỷ lệ cụ thể; …"), before the verbatim quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from troly.answerer.evidence import heading_subject
from troly.composer import Evidence, Scored, figures, plan_name, section_answer
from troly.schema import Chunk
from troly.text import fold


@dataclass
class Turn:
    """What a previous turn resolved to: its province(s), task and topic."""

    question: str
    provinces: list[str] = field(default_factory=list)
    task_chunk: Chunk | None = None
    topic_chunk: Chunk | None = None


@dataclass
class Draft:
    text: str
    evidence: Evidence
    refused: bool = False
    intent: str = ""
    turn: Turn | None = None
    support: float = 0.0
    explain: list[str] = field(default_factory=list)
    lead: str = ""


def explain_sentences(picked: list[Scored]) -> list[str]:
    return [
        f"chose “{s.text[:90]}…” from {s.chunk.doc_id} › {s.chunk.location}: "
        f"coverage {s.coverage:.2f}, score {s.score:.2f}"
        + (", has a figure" if s.has_figure else "")
        for s in picked
    ]


_QUOTE = re.compile(r"“([^”]{12,})”")


def first_quote(text: str) -> str:
    """The first passage an answer quotes (“…”), or ``""``; a quoted question (the hint
    "hỏi “Sở X chủ trì những nhiệm vụ nào?”") is no passage."""
    for m in _QUOTE.finditer(text):
        if not m.group(1).rstrip().endswith("?"):
            return m.group(1)
    return ""


def sentences_draft(picked: list[Scored], intent: str = "section") -> Draft:
    ev = Evidence()
    picked = [replace(p, subject=heading_subject(p.chunk, p.text)) for p in picked]
    text = section_answer(picked, ev)
    top = picked[0].chunk
    return Draft(
        text,
        ev,
        intent=intent,
        turn=Turn("", [top.province], topic_chunk=top),
        support=picked[0].coverage,
        explain=explain_sentences(picked),
    )


_YES_NO = re.compile(r"\b(co|khong)\b.*\b(khong|chua)\s*\??$|\bco phai\b|\bco .* khong\b")


def plain_lead(question: str, draft: Draft) -> str:
    """One plain Vietnamese sentence that answers first, before the verbatim quote
    (for citizens). Built only from what the cited evidence says."""
    if draft.refused:
        return ""
    fq = fold(question)
    chunks = draft.evidence.chunks
    if not chunks:
        return ""
    plan = plan_name(chunks[0])
    if draft.intent.endswith("list"):
        n = len(chunks)
        return f"Có {n} nhiệm vụ phù hợp trong {plan}."
    figs = [f for f in figures(draft.text.split("[", 1)[0]) if "%" in f] or figures(
        draft.text.split("[", 1)[0]
    )
    asks_figure = bool(re.search(r"bao nhieu|ty le|phan tram|may ", fq))
    if asks_figure and not figs:
        return f"{plan} không đặt con số cụ thể cho nội dung này; dưới đây là nội dung liên quan."
    if _YES_NO.search(fq):
        return f"Có, {plan} có nêu nội dung này."
    if asks_figure and figs:
        return f"Theo {plan}, con số là {figs[0]}."
    return f"Theo {plan}:"
