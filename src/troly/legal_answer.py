"""Answers to citizens' legal questions from retrieved articles (no LLM).

:func:`answer_legal` takes the question and the search results (article chunks made by
:mod:`troly.chunking.articles`; other kinds are ignored) and returns a
:class:`troly.schema.Answer` that

* quotes the governing khoản/điểm verbatim (not the whole article): each retrieved
  article is re-parsed into its units and the unit whose wording best covers the
  question is quoted, with the khoản's lead-in when the quoted unit is an điểm;
* cites it the Vietnamese way: "Theo quy định tại điểm a khoản 2 Điều 12 Luật Cư trú
  năm 2020: “…” [1]", the citation's location being
  "Luật Cư trú 2020 › Điều 12 › khoản 2 › điểm a";
* adds a short note that this is general information, and where to get advice, when the
  question is about the asker's own case ("tôi", "vợ tôi", "nhà em" …);
* refuses (``refused=True``) only when no retrieved article shares enough wording with
  the question to govern it.

Yes/no and multiple-choice questions get the deciding rule; no verdict ("Đúng"/"Sai",
an option) is given, since none has been measured as grounded yet.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from troly.documents.legal import parse_legal, unit_kind, unit_number, unit_text
from troly.schema import Answer, Chunk, Citation, SearchResult, Section
from troly.text import fold

# Syllables that carry no content in questions (folded).
_STOP = frozenset(
    [
        "va",
        "cua",
        "cac",
        "la",
        "duoc",
        "nhung",
        "mot",
        "voi",
        "trong",
        "thi",
        "co",
        "khong",
        "hay",
        "dung",
        "sai",
        "nao",
        "gi",
        "ai",
        "khi",
        "bi",
        "de",
        "tai",
        "theo",
        "quy",
        "dinh",
        "luat",
        "bo",
        "nay",
        "do",
        "cho",
        "tu",
        "den",
        "ve",
        "nhu",
        "the",
        "nao",
        "bao",
        "nhieu",
        "phai",
        "nguoi",
        "se",
        "da",
        "dang",
        "neu",
        "hoac",
        "cung",
        "con",
        "toi",
        "em",
        "minh",
        "vay",
        "a",
        "oi",
        "xin",
        "hoi",
        "cho",
    ]
)
_WORD = re.compile(r"[0-9a-z]+")
PERSONAL = re.compile(
    r"\b(tôi|tui|của em|nhà em|vợ em|chồng em|bố em|mẹ em|của mình|nhà mình)\b",
    re.IGNORECASE,
)
LABELS = {"dieu": "Điều", "khoan": "khoản", "diem": "điểm"}
MIN_OVERLAP = 0.34  # share of the question's content syllables an article must contain
SECOND_ARTICLE_RATIO = 0.85

GENERAL_NOTE = (
    "Lưu ý: đây là thông tin pháp luật chung, không thay thế ý kiến tư vấn cho trường hợp "
    "cụ thể của anh/chị. Để được hướng dẫn theo hồ sơ của mình, anh/chị có thể liên hệ "
    "Trung tâm Trợ giúp pháp lý nhà nước, Phòng Tư pháp cấp huyện hoặc một luật sư."
)
REFUSAL = (
    "Xin lỗi anh/chị, thư viện văn bản pháp luật của trợ lý hiện chưa có quy định điều "
    "chỉnh nội dung này, nên trợ lý không thể trả lời chính xác. Anh/chị vui lòng liên hệ "
    "cơ quan tư pháp địa phương hoặc Trung tâm Trợ giúp pháp lý nhà nước để được hướng dẫn."
)


def _terms(text: str) -> tuple[set[str], set[str]]:
    toks = [t for t in _WORD.findall(fold(text)) if t not in _STOP]
    return set(toks), {f"{a}_{b}" for a, b in itertools.pairwise(toks)}


def _coverage(q: tuple[set[str], set[str]], text: str) -> float:
    """Share of the question's content syllables (bigrams count double) in ``text``."""
    qs, qb = q
    if not qs:
        return 0.0
    ts, tb = _terms(text)
    return (len(qs & ts) + 2 * len(qb & tb)) / (len(qs) + 2 * len(qb))


@dataclass
class Quote:
    units: list[Section]  # article → khoản → điểm chain of the quoted unit
    text: str
    coverage: float


def best_unit(question: str, article_text: str) -> Quote | None:
    """The khoản or điểm of an article (given as chunk text) that best covers a question.

    Units are scored by coverage of the question's content words, with a small bonus for
    shorter units (the most specific unit that still covers the question wins); the
    article body is quoted only when it has no khoản.
    """
    parsed = parse_legal(article_text.split("\n"))
    articles = parsed.articles()
    if not articles:
        return None
    art = articles[0]
    q = _terms(question)
    # A list article ("… khi thuộc một trong các trường hợp sau đây:") keeps its lead-in.
    lead = art.text if art.text.rstrip().endswith(":") else ""
    best: tuple[float, list[Section], str] | None = None
    for k in art.children:
        if unit_kind(k) != "khoan":
            continue
        full = unit_text(k)
        cand = (_coverage(q, f"{lead}\n{full}"), [art, k], full)
        points = [d for d in k.children if unit_kind(d) == "diem"]
        if points:
            # the most specific unit that still covers the question: a điểm (with the
            # khoản's lead-in) when it keeps most of the khoản's coverage
            d_best = max(
                ((_coverage(q, f"{lead}\n{k.heading}\n{unit_text(d)}"), d) for d in points),
                key=lambda x: x[0],
            )
            if d_best[0] >= 0.8 * cand[0]:
                cand = (cand[0], [art, k, d_best[1]], f"{k.heading}\n{unit_text(d_best[1])}")
        if best is None or cand[0] > best[0]:
            best = cand
    if best is None:
        body = unit_text(art)
        return Quote([art], body[len(art.heading) :].strip() or body, _coverage(q, body))
    score, units, text = best
    return Quote(units, f"{lead}\n{text}" if lead else text, score)


def _law_names(chunk: Chunk) -> tuple[str, str]:
    """("Luật Cư trú năm 2020", "Luật Cư trú 2020") from the chunk's fields."""
    law = chunk.fields.get("law") or chunk.title
    if chunk.year and str(chunk.year) not in law:
        return f"{law} năm {chunk.year}", f"{law} {chunk.year}"
    return law, law


def citation_phrase(units: Sequence[Section], law_name: str) -> str:
    parts = []
    for s in reversed(units):
        kind = unit_kind(s)
        if kind == "diem":
            parts.append(f"điểm {unit_number(s)}")
        elif kind == "khoan":
            parts.append(f"khoản {unit_number(s)}")
        elif kind == "dieu":
            parts.append(f"Điều {unit_number(s)}")
    return f"{' '.join(parts)} {law_name}"


def _location(chunk: Chunk, units: Sequence[Section], label: str) -> str:
    chapter = chunk.fields.get("chapter", "")
    parts = [label, chapter]
    for s in units:
        parts.append(f"{LABELS[unit_kind(s)]} {unit_number(s)}")
    return " › ".join(p for p in parts if p)


def is_personal(question: str) -> bool:
    return PERSONAL.search(question) is not None


def answer_legal(question: str, results: Sequence[SearchResult], max_articles: int = 2) -> Answer:
    """A cited answer quoting the governing khoản/điểm (see the module doc)."""
    t0 = time.perf_counter()
    arts = [r for r in results if r.chunk.kind == "article"]
    picked: list[tuple[SearchResult, Quote]] = []
    seen: set[tuple[str, str]] = set()
    for r in arts:
        if len(picked) >= max_articles:
            break
        key = (r.chunk.doc_id, r.chunk.fields.get("article", r.chunk.path))
        if key in seen:
            continue
        seen.add(key)
        quote = best_unit(question, r.chunk.text)
        if quote is None:
            continue
        article_cov = _coverage(_terms(question), r.chunk.text)
        if article_cov < MIN_OVERLAP:
            continue
        if picked and (r.score < SECOND_ARTICLE_RATIO * picked[0][0].score):
            break
        picked.append((r, quote))
    if not picked:
        return Answer(
            question=question,
            answer=REFUSAL,
            refused=True,
            took_ms=(time.perf_counter() - t0) * 1000,
            mode="extractive",
            intent="legal",
        )
    lines: list[str] = []
    citations: list[Citation] = []
    for n, (r, quote) in enumerate(picked, start=1):
        name, label = _law_names(r.chunk)
        phrase = citation_phrase(quote.units, name)
        lead = "Theo quy định tại" if n == 1 else "Ngoài ra, theo"
        lines.append(f"{lead} {phrase}:\n“{quote.text}” [{n}]")
        citations.append(
            Citation(
                n=n,
                doc_id=r.chunk.doc_id,
                title=r.chunk.title,
                location=_location(r.chunk, quote.units, label),
                kind="article",
                text=quote.text,
                score=r.score,
                chunk_id=r.chunk.id,
            )
        )
    if is_personal(question):
        lines.append(GENERAL_NOTE)
    return Answer(
        question=question,
        answer="\n\n".join(lines),
        refused=False,
        citations=citations,
        took_ms=(time.perf_counter() - t0) * 1000,
        mode="extractive",
        intent="legal",
        context={
            "articles": [
                {"doc_id": r.chunk.doc_id, "article": unit_number(q.units[0])} for r, q in picked
            ]
        },
    )


__all__ = ["GENERAL_NOTE", "REFUSAL", "answer_legal", "best_unit", "citation_phrase", "is_personal"]
