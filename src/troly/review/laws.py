"""Draft provisions compared with the laws of the index (article chunks).

When the index holds laws (chunks of kind ``article``, see :mod:`troly.chunking.articles`),
each draft item is searched among them (``search(text, k)``, the hybrid retriever
filtered to ``kind=article``); every retrieved article is re-parsed into khoản/điểm and
its sentences, and the item is aligned with the unit or sentence it is closest to
(Dice of folded word unigrams + bigrams). Then:

* **contradiction** — the aligned texts agree (similarity ≥ ``CONTRADICTION_SIM``) but a
  figure with the same unit differs ("tối đa là 03 năm" vs "02 năm"), or one side
  negates what the other states ("không được" vs "được"), or a bound is reversed
  ("tối đa" vs "tối thiểu");
* **duplicate** — otherwise, a similarity ≥ ``DUPLICATE``: the draft repeats the law
  (a lower-level text should refer to the article rather than copy it).

Each finding cites the article the way lawyers do ("khoản 2 Điều 27 Luật Cư trú năm
2020") with the unit's text verbatim.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from troly.documents.legal import parse_legal, unit_kind, unit_number, unit_text
from troly.review.internal import clip, item_citation
from troly.review.items import Item
from troly.review.model import FieldDiff, Finding
from troly.review.normalize import split_sentences
from troly.schema import Chunk, Citation, SearchResult, Section
from troly.text import fold

DUPLICATE = 0.80
CONTRADICTION_SIM = 0.55
ARTICLES_PER_ITEM = 4
MIN_WORDS = 6  # shorter draft items (headings, "Điều 3. Thời hạn") are not compared

_WORD = re.compile(r"[0-9a-z]+")
# a figure and the word after it: "02 năm", "30 ngày", "18 tuổi", "5 %"
_FIGURE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(%|[^\W\d_]+)")
_NEG = frozenset(["khong", "chua", "cam"])
_MODAL = frozenset(["can", "duoc", "phai", "bi", "co", "the"])
_BOUNDS = (("toi da", "toi thieu"), ("tro len", "tro xuong"), ("khong qua", "it nhat"))

Search = Callable[[str, int], Sequence[SearchResult]]


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _grams(text: str) -> set[str]:
    w = _words(text)
    return set(w) | {f"{a}_{b}" for a, b in itertools.pairwise(w)}


def similarity(a: str, b: str) -> float:
    """Dice of folded word unigrams and bigrams (1.0: same wording)."""
    ga, gb = _grams(a), _grams(b)
    if not ga or not gb:
        return 0.0
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def figures(text: str) -> dict[str, set[float]]:
    """Figures by the word that follows them (folded): {"nam": {2.0}, "ngay": {30.0}}."""
    out: dict[str, set[float]] = {}
    for m in _FIGURE.finditer(text):
        try:
            value = float(m[1].replace(",", "."))
        except ValueError:
            continue
        out.setdefault(fold(m[2]).lower(), set()).add(value)
    return out


def _figure_text(text: str, unit: str) -> str:
    for m in _FIGURE.finditer(text):
        if fold(m[2]).lower() == unit:
            return m.group(0)
    return ""


def _negated(words: list[str]) -> set[tuple[str, ...]]:
    """Phrases right after a negation ("không được phép" → ("duoc", "phep"), and past a
    modal word: ("phep", …))."""
    out: set[tuple[str, ...]] = set()
    for i, w in enumerate(words):
        if w not in _NEG:
            continue
        j = i + 1
        while j < len(words) and words[j] in _NEG:
            j += 1
        if j + 1 < len(words):
            out.add((words[j], words[j + 1]))
        k = j
        while k < len(words) and words[k] in _MODAL:
            k += 1
        if k > j and k + 1 < len(words):
            out.add((words[k], words[k + 1]))
            out.add((words[k - 1], words[k]))
    return out


def _occurs(words: list[str], phrase: tuple[str, ...], negated: bool) -> bool:
    n = len(phrase)
    for j in range(len(words) - n + 1):
        if tuple(words[j : j + n]) != phrase:
            continue
        before = words[max(0, j - 3) : j]
        neg = any(w in _NEG for w in before)
        if neg == negated:
            return True
    return False


def negation_flip(a: list[str], b: list[str]) -> bool:
    """One text negates a phrase the other states (both given as folded words)."""
    for x, y in ((a, b), (b, a)):
        for p in _negated(x):
            if _occurs(y, p, negated=False) and not _occurs(y, p, negated=True):
                return True
    return False


def conflicts(draft: str, law: str) -> list[FieldDiff]:
    """What differs between two aligned texts: figures, negation, reversed bounds."""
    out: list[FieldDiff] = []
    fd, fl = figures(draft), figures(law)
    for unit in sorted(set(fd) & set(fl)):
        if fd[unit] != fl[unit] and not (fd[unit] & fl[unit]):
            out.append(
                FieldDiff(
                    "value",
                    _figure_text(draft, unit),
                    _figure_text(law, unit),
                    detail="con số khác với văn bản pháp luật",
                )
            )
    if negation_flip(_words(draft), _words(law)):
        out.append(
            FieldDiff(
                "text",
                clip(draft, 120),
                clip(law, 120),
                detail="một bên phủ định (không/chưa/cấm) điều bên kia quy định",
            )
        )
    jd, jl = " ".join(_words(draft)), " ".join(_words(law))
    for x, y in _BOUNDS:
        if (x in jd and y in jl and x not in jl) or (y in jd and x in jl and y not in jl):
            out.append(
                FieldDiff(
                    "text",
                    clip(draft, 120),
                    clip(law, 120),
                    detail="giới hạn ngược chiều (tối đa/tối thiểu, trở lên/trở xuống)",
                )
            )
            break
    return out


@dataclass
class _Unit:
    units: list[Section]  # article → khoản → điểm
    text: str  # the unit's text (verbatim)
    match: str  # what was aligned: the unit or one of its sentences


@dataclass
class LawMatch:
    item: Item
    chunk: Chunk
    unit: _Unit
    score: float
    diffs: list[FieldDiff]


def _units(chunk: Chunk) -> list[_Unit]:
    arts = parse_legal(chunk.text.split("\n")).articles()
    if not arts:
        return []
    art = arts[0]
    out: list[_Unit] = []

    def add(chain: list[Section], text: str) -> None:
        body = text.split("\n", 1)[1] if text.startswith(art.heading) else text
        out.append(_Unit(chain, body, body))
        sents = split_sentences(" ".join(body.split()))
        if len(sents) > 1:
            out.extend(_Unit(chain, body, s) for s in sents)

    if art.text.strip():
        add([art], art.text)
    for k in art.children:
        if unit_kind(k) != "khoan":
            continue
        add([art, k], unit_text(k))
        for d in k.children:
            if unit_kind(d) == "diem":
                add([art, k, d], unit_text(d))
    if not out:
        add([art], unit_text(art))
    return out


def _strip_number(text: str) -> str:
    """A draft provision without its own numbering ("2. ", "a) ", "Điều 3. …")."""
    return re.sub(r"^\s*(?:Điều\s+\d+[a-zđ]?\.\s*|\d+\.\s+|[a-zđ]\)\s+)", "", text)


def best_match(item: Item, results: Sequence[SearchResult]) -> LawMatch | None:
    """The law unit (or sentence) a draft item is closest to, among retrieved articles."""
    text = _strip_number(item.match_text)
    best: LawMatch | None = None
    for r in results:
        if r.chunk.kind != "article":
            continue
        for u in _units(r.chunk):
            s = similarity(text, u.match)
            if best is None or s > best.score:
                best = LawMatch(item, r.chunk, u, s, [])
    if best is not None:
        best.diffs = conflicts(text, best.unit.match)
    return best


def citation_name(chunk: Chunk, units: Sequence[Section]) -> str:
    """ "khoản 2 Điều 27 Luật Cư trú năm 2020"."""
    law = chunk.fields.get("law") or chunk.title
    if chunk.year and str(chunk.year) not in law:
        law = f"{law} năm {chunk.year}"
    parts = []
    for s in reversed(units):
        kind = unit_kind(s)
        label = {"diem": "điểm", "khoan": "khoản", "dieu": "Điều"}.get(kind)
        if label:
            parts.append(f"{label} {unit_number(s)}")
    return f"{' '.join(parts)} {law}"


def _location(chunk: Chunk, units: Sequence[Section]) -> str:
    law = chunk.fields.get("law") or chunk.title
    label = f"{law} {chunk.year}" if chunk.year and str(chunk.year) not in law else law
    labels = {"diem": "điểm", "khoan": "khoản", "dieu": "Điều"}
    parts = [label, chunk.fields.get("chapter", "")]
    parts += [f"{labels[unit_kind(s)]} {unit_number(s)}" for s in units if unit_kind(s) in labels]
    return " › ".join(p for p in parts if p)


def finding_for(m: LawMatch, draft_title: str) -> Finding | None:
    name = citation_name(m.chunk, m.unit.units)
    cite = Citation(
        n=1,
        doc_id=m.chunk.doc_id,
        title=m.chunk.title,
        location=_location(m.chunk, m.unit.units),
        kind="article",
        text=m.unit.text,
        score=m.score,
        chunk_id=m.chunk.id,
    )
    scores = {"lexical": m.score}
    if m.score >= CONTRADICTION_SIM and m.diffs:
        what = "; ".join(
            f"dự thảo ghi «{clip(f.draft, 80)}», luật ghi «{clip(f.corpus, 80)}» ({f.detail})"
            for f in m.diffs
        )
        return Finding(
            kind="law_contradiction",
            explanation=(
                f"Nội dung này tương ứng với {name} (độ tương đồng {m.score:.2f}) nhưng khác "
                f"quy định của luật: {what}. Xin vui lòng kiểm tra lại cho phù hợp với {name}."
            ),
            draft=item_citation(m.item, draft_title),
            citations=[cite],
            fields=m.diffs,
            similarity=m.score,
            scores=scores,
            draft_excerpt=m.item.text,
            corpus_excerpts=[m.unit.text],
            order=m.item.order,
        )
    if m.score >= DUPLICATE and not m.diffs:
        return Finding(
            kind="law_duplicate",
            explanation=(
                f"Nội dung này nhắc lại {name} (độ tương đồng {m.score:.2f}); xin cân nhắc "
                f"dẫn chiếu “theo quy định tại {name}” thay vì chép lại quy định của luật."
            ),
            draft=item_citation(m.item, draft_title),
            citations=[cite],
            similarity=m.score,
            scores=scores,
            draft_excerpt=m.item.text,
            corpus_excerpts=[m.unit.text],
            order=m.item.order,
        )
    return None


def law_findings(
    items: Sequence[Item], search: Search, draft_title: str
) -> tuple[list[Finding], list[str]]:
    """Findings of the draft items against the laws, and the laws compared with."""
    out: list[Finding] = []
    laws: dict[str, None] = {}
    for item in items:
        if item.task is not None or len(_words(item.match_text)) < MIN_WORDS:
            continue
        results = [r for r in search(item.match_text[:1500], ARTICLES_PER_ITEM)]
        for r in results:
            laws.setdefault(r.chunk.doc_id)
        m = best_match(item, results)
        if m is None:
            continue
        f = finding_for(m, draft_title)
        if f is not None:
            out.append(f)
    return out, list(laws)


__all__ = [
    "CONTRADICTION_SIM",
    "DUPLICATE",
    "best_match",
    "citation_name",
    "conflicts",
    "figures",
    "law_findings",
    "similarity",
]
