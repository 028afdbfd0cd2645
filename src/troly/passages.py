"""Passage-level lexical scoring of legal articles (MaxP) and the re-ranking that uses it.

An article is as relevant as its best passage: BM25 over each khoản/điểm line (with the
law's name and the article's heading in front of it), the article scored by its best
line. Article-level scoring dilutes a long article's one matching khoản among the others;
the best line does not. The article candidates of a search (40 lexical + 40 dense) are
re-ordered by best passage + 0.3 × dense similarity + 0.5 × the fused score of the first
stage (each min-max normalised over the candidates). The fused score keeps what the first
stage knows and the passages do not (paraphrases, compounds, the heading boost).

Chosen on dev splits only. Through the product on the 17 laws (ALQAC 2023/2024 dev, 265
questions): hit@1 / hit@5 0.872 / 0.962 without re-ranking, 0.925 / 0.977 with weight 0
on the fused score, 0.913 / 0.974 with 0.5. On the citizens' dev questions (62), weight 0
lost ground (0.710 / 0.952 → 0.694 / 0.919) and 0.5 gained (0.742 / 0.952); 0.5 has the
best hit@5 over both sets together. In-process (``troly eval-legal``, its own article
BM25 as first stage), best passage alone: 0.906 / 0.962 → 0.917 / 0.970.

Terms are syllables and syllable bigrams with their accents (diacritics carry meaning in
legal text); a question typed without diacritics is matched on folded terms instead, on
statistics of the folded passages.

:class:`PassageIndex` holds the statistics; :func:`rerank_articles` re-orders the article
candidates of a fused result list in the slots they hold, so the place of articles among
plan chunks (which decides whether a question takes the legal route) does not change.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from troly.documents.legal import normalize_legal_text
from troly.schema import Chunk, SearchResult
from troly.text import fold, has_diacritics

_TOKEN = re.compile(r"\w+", re.UNICODE)

# Words of the question form, not of its subject ("…, đúng hay sai?", "nào sau đây").
QUERY_STOP = frozenset(
    "đúng hay sai nào sau đây gì ai bao nhiêu những trường hợp".split()  # noqa: SIM905
)
QUERY_STOP_FOLDED = frozenset(fold(w) for w in QUERY_STOP)

PASSAGE_K1 = 1.2
PASSAGE_B = 0.75


def syllable_terms(text: str, bigrams: bool = True) -> list[str]:
    """Lower-case syllables (accents kept) plus syllable bigrams."""
    toks = _TOKEN.findall(normalize_legal_text(text).lower())
    if not bigrams:
        return toks
    return toks + [f"{a}_{b}" for a, b in itertools.pairwise(toks)]


def drop_form_words(terms: list[str], stop: frozenset[str] = QUERY_STOP) -> list[str]:
    """Question terms without the words (and bigrams made only of words) of its form."""
    return [t for t in terms if not all(p in stop for p in t.split("_"))]


class BM25:
    """Okapi BM25 over term lists (own statistics; tens of thousands of passages)."""

    def __init__(self, docs: Sequence[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg = float(self.lengths.mean()) if self.n else 0.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.counts: list[Counter[str]] = []
        for i, d in enumerate(docs):
            counts = Counter(d)
            self.counts.append(counts)
            for term, tf in counts.items():
                self.postings[term].append((i, tf))

    def idf(self, term: str) -> float:
        df = len(self.postings.get(term, ()))
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5)) if df else 0.0

    def score_docs(self, query: list[str], docs: Sequence[int]) -> np.ndarray:
        """The scores of ``docs`` only (a search's candidates: cheaper than all)."""
        idf = {t: w for t in set(query) if (w := self.idf(t))}
        out = np.zeros(len(docs), dtype=np.float32)
        for j, d in enumerate(docs):
            counts = self.counts[d]
            norm = self.k1 * (1 - self.b + self.b * self.lengths[d] / max(self.avg, 1e-9))
            out[j] = sum(
                w * tf * (self.k1 + 1) / (tf + norm)
                for t, w in idf.items()
                if (tf := counts.get(t, 0))
            )
        return out

    def scores(self, query: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.avg, 1e-9))
        for term in set(query):
            post = self.postings.get(term)
            if not post:
                continue
            df = len(post)
            idf = self.idf(term)
            idx = np.fromiter((p[0] for p in post), dtype=np.int64, count=df)
            tf = np.fromiter((p[1] for p in post), dtype=np.float32, count=df)
            out[idx] += idf * tf * (self.k1 + 1) / (tf + norm[idx])
        return out


def passages_of(label: str, text: str) -> list[str]:
    """An article's passages: each line after its heading, with the law's name and the
    heading in front; an article of one line is its own passage."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return []
    head, body = lines[0], lines[1:] or [""]
    return [f"{label}\n{head}\n{line}".rstrip("\n") for line in body]


def law_label_of(chunk: Chunk) -> str:
    """ "Luật Cư trú 2020": the law as an article chunk's citation path names it."""
    return chunk.location.split(" › ", 1)[0]


class PassageIndex:
    """Best-passage BM25 of articles given as ``(key, law label, text)``."""

    def __init__(self, articles: Iterable[tuple[str, str, str]]) -> None:
        self.keys: list[str] = []
        self._passages: list[str] = []
        self._ranges: dict[str, tuple[int, int]] = {}  # key → its passages
        owner: list[int] = []
        for key, label, text in articles:
            ps = passages_of(label, text)
            if not ps:
                continue
            self._ranges[key] = (len(self._passages), len(self._passages) + len(ps))
            self.keys.append(key)
            self._passages.extend(ps)
            owner.extend([len(self.keys) - 1] * len(ps))
        self._owner = np.asarray(owner, dtype=np.int64)
        self._stats: dict[bool, BM25] = {}  # folded or not → passage statistics

    def __len__(self) -> int:
        return len(self.keys)

    def _of(self, folded: bool) -> BM25:
        if folded not in self._stats:
            docs = [
                syllable_terms(fold(normalize_legal_text(p)) if folded else p)
                for p in self._passages
            ]
            self._stats[folded] = BM25(docs, PASSAGE_K1, PASSAGE_B)
        return self._stats[folded]

    def _query(self, question: str) -> tuple[BM25, list[str]]:
        folded = not has_diacritics(question)
        text = fold(normalize_legal_text(question)) if folded else question
        stop = QUERY_STOP_FOLDED if folded else QUERY_STOP
        return self._of(folded), drop_form_words(syllable_terms(text), stop)

    def scores(self, question: str) -> np.ndarray:
        """Each article's best-passage score for ``question`` (order of ``keys``)."""
        out = np.zeros(len(self.keys), dtype=np.float32)
        if not self.keys:
            return out
        stats, terms = self._query(question)
        np.maximum.at(out, self._owner, stats.scores(terms))
        return out

    def score_map(self, question: str, keys: Iterable[str] | None = None) -> dict[str, float]:
        """Best-passage score by key: of all articles, or of ``keys`` only (the ones
        the index holds)."""
        if keys is None:
            return dict(zip(self.keys, self.scores(question).tolist(), strict=True))
        wanted = [k for k in dict.fromkeys(keys) if k in self._ranges]
        if not wanted:
            return {}
        stats, terms = self._query(question)
        spans = [self._ranges[k] for k in wanted]
        per_passage = stats.score_docs(terms, [i for a, b in spans for i in range(a, b)])
        out, at = {}, 0
        for k, (a, b) in zip(wanted, spans, strict=True):
            out[k] = float(per_passage[at : at + b - a].max())
            at += b - a
        return out


def _minmax(values: Sequence[float]) -> list[float]:
    lo, hi = min(values), max(values)
    return [(v - lo) / (hi - lo) if hi > lo else 0.0 for v in values]


def rerank_articles(
    results: list[SearchResult],
    passage_scores: dict[str, float],
    dense_weight: float,
    fused_weight: float = 0.0,
) -> list[SearchResult]:
    """``results`` with its article candidates re-ordered, in the slots they hold, by
    best-passage score + ``dense_weight`` × dense similarity + ``fused_weight`` × fused
    score (each min-max normalised over the article candidates; a candidate the dense
    ranking did not return counts 0 there). Scores stay with the slots, so they still
    fall along the list (the answer compares a second article's score with the first's).
    Without a passage signal (all scores equal) the list is left as it is."""
    slots = [i for i, r in enumerate(results) if r.chunk.kind == "article"]
    if len(slots) < 2:
        return results
    arts = [results[i] for i in slots]
    raw = [passage_scores.get(r.chunk.id, 0.0) for r in arts]
    if max(raw) == min(raw):
        return results
    lex = _minmax(raw)
    known = [r.dense_score for r in arts if r.dense_score is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
    dense = [
        (r.dense_score - lo) / (hi - lo) if r.dense_score is not None and hi > lo else 0.0
        for r in arts
    ]
    fused = _minmax([r.score for r in arts])
    total = [lex[j] + dense_weight * dense[j] + fused_weight * fused[j] for j in range(len(arts))]
    order = sorted(range(len(arts)), key=lambda j: (-total[j], j))
    slot_scores = [r.score for r in arts]
    out = list(results)
    for n, (slot, j) in enumerate(zip(slots, order, strict=True)):
        out[slot] = replace(arts[j], score=slot_scores[n])
    for i, r in enumerate(out, start=1):
        r.rank = i
    return out


__all__ = [
    "BM25",
    "QUERY_STOP",
    "PassageIndex",
    "drop_form_words",
    "law_label_of",
    "passages_of",
    "rerank_articles",
    "syllable_terms",
]
