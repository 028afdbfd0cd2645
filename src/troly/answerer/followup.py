"""Follow-up questions ("còn Hà Tĩnh thì sao?", "ai phối hợp?", "thời hạn?"): whether
a question continues the previous turn, and how it is rewritten against it."""

from __future__ import annotations

import re
from typing import Any

from troly.answerer.analysis import FIELD_WORDS, FOLLOWUP_CUE, detect_field
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


def swap_province(question: str, old: list[str], new: str, detect: Any) -> str:
    """The previous question about another province: "… ở Phú Yên" → "… ở Hà Tĩnh"."""
    base = question
    for p in old:
        base = re.sub(re.escape(p), new, base, flags=re.IGNORECASE)
        base = re.sub(re.escape(fold(p)), new, base, flags=re.IGNORECASE)
    if not detect(base):
        base = f"{base} ở tỉnh {new}"
    return base
