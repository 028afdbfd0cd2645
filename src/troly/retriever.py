"""Hybrid retrieval: dense (e5) and lexical (diacritic-folded terms) rankings, fused.

* Both rankings come from Qdrant under the same payload filter (province, year,
  document, kind, lead agency).
* Fusion is weighted reciprocal-rank fusion. A question typed without diacritics gets
  a much smaller dense weight: e5 does not match unaccented Vietnamese (measured:
  cos("thời gian hoàn thành", "thoi gian hoan thanh") is below an unrelated phrase),
  while the folded lexical index matches it exactly. Unless ``restore_accents`` is off,
  the dense half gets the question with its accents restored from the index's own text
  (:mod:`troly.diacritics`) and the weight ``restored_dense_factor`` instead (chosen on the
  gold set's dev split); the lexical half keeps the question as typed.
* A question that names a province ("ở Hà Tĩnh", "ha tinh", "tỉnh Phú Yên") is
  restricted to it (``province_mode=filter``) or ranked first (``boost``).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from troly.diacritics import DiacriticRestorer
from troly.embedding import Embedder
from troly.index_store import Hit, IndexStore, sparse_from_terms
from troly.paraphrase import canonical_phrases
from troly.paraphrase import expand as expand_paraphrases
from troly.passages import PassageIndex, law_label_of, rerank_articles
from troly.schema import SearchFilters, SearchResult
from troly.settings import RetrievalSettings
from troly.text import clean_ws, fold, has_diacritics, query_terms, spell_out

UNACCENTED_DENSE_FACTOR = 0.05
log = logging.getLogger(__name__)


class QueryError(ValueError):
    """A question that cannot be searched; the message is shown to the user."""


@dataclass
class SearchTrace:
    provinces: list[str] = field(default_factory=list)
    accented: bool = True
    dense_ms: float = 0.0
    lexical_ms: float = 0.0
    total_ms: float = 0.0
    filters: SearchFilters | None = None
    restored: str | None = None
    passages_ms: float = 0.0  # re-ranking of article candidates by their best passage
    question: str = ""  # as validated


def validate_question(question: str, max_chars: int) -> str:
    q = clean_ws(question or "")
    if not q:
        raise QueryError(
            "Câu hỏi đang để trống. Xin vui lòng nhập nội dung cần hỏi. / Empty question."
        )
    if len(q) > max_chars:
        raise QueryError(
            f"Câu hỏi quá dài ({len(q)} ký tự, tối đa {max_chars}). Xin vui lòng rút gọn. / "
            f"Question too long ({len(q)} > {max_chars} characters)."
        )
    if not re.search(r"\w", q):
        raise QueryError("Câu hỏi chưa có nội dung để tìm kiếm. / The question has no words.")
    return q


class ProvinceDetector:
    """Finds the corpus provinces a question names, with or without diacritics."""

    def __init__(self, provinces: list[str]) -> None:
        self.provinces = sorted(set(provinces), key=len, reverse=True)
        self._patterns = [
            (p, re.compile(r"(?<![a-z0-9])" + re.escape(fold(p)) + r"(?![a-z0-9])"))
            for p in self.provinces
        ]

    def detect(self, question: str) -> list[str]:
        """Provinces named in ``question``, in the order they are named."""
        folded = fold(question)
        found = [(m.start(), p) for p, pat in self._patterns if (m := pat.search(folded))]
        return [p for _, p in sorted(found)]

    def without(self, question: str) -> str:
        """``question`` without the provinces it names, however they were typed ("Hà
        Tĩnh", "ha tinh", "Ha Tĩnh"); the rest keeps its accents."""
        question = unicodedata.normalize("NFC", question)  # NFD input folds shorter
        folded = fold(question)
        if len(folded) != len(question):  # positions would not line up
            return question
        spans = sorted(m.span() for _, pat in self._patterns for m in pat.finditer(folded))
        out, last = [], 0
        for a, b in spans:
            if a >= last:
                out.append(question[last:a])
                last = b
        out.append(question[last:])
        return " ".join(" ".join(out).split())


@dataclass
class Candidates:
    """What fusion works on: both rankings, their weights and the provinces to boost."""

    dense: list[Hit]
    lexical: list[Hit]
    dense_weight: float
    lexical_weight: float
    boost: set[str]
    trace: SearchTrace


class Retriever:
    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        settings: RetrievalSettings,
        provinces: list[str],
        max_question_chars: int = 2000,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.provinces = ProvinceDetector(provinces)
        self.max_question_chars = max_question_chars
        self.last_trace = SearchTrace()
        self._restorer: DiacriticRestorer | None = None
        self._restorer_count: int | None = None
        self._passages: PassageIndex | None = None
        self._passages_token: object = None
        self._passages_lock = threading.Lock()
        # a comparison searches each plan with the same question (and may search again
        # with a wider one): its vector is computed once (the model is deterministic)
        self.query_vector = lru_cache(maxsize=256)(self._embed_query)

    def _embed_query(self, text: str) -> np.ndarray:
        vec = self.embedder.embed_queries([text])[0]
        vec.setflags(write=False)  # shared by every search of the same text
        return vec

    def restorer(self) -> DiacriticRestorer:
        """The accent model of what the index holds, rebuilt when its point count changes."""
        try:
            count: int | None = self.store.count()
        except Exception:
            count = None
        if self._restorer is None or count != self._restorer_count:
            try:
                texts = [c.text for c in self.store.chunks()]
            except Exception:
                texts = []
            self._restorer = DiacriticRestorer(texts)
            self._restorer_count = count
        return self._restorer

    def passage_index(self) -> PassageIndex:
        """Best-passage statistics of the indexed articles (:mod:`troly.passages`), kept
        while the store's content token (published generation, point count) is unchanged;
        built once however many searches ask at the same time."""
        try:
            token: object = self.store.content_token()
        except Exception:
            token = None
        with self._passages_lock:
            if self._passages is not None and token == self._passages_token and token:
                return self._passages
            try:
                chunks = self.store.chunks(SearchFilters(kind="article"))
            except Exception:
                log.warning("article chunks unreadable: no re-ranking by best khoản", exc_info=True)
                return PassageIndex([])  # not kept: the next search tries again
            self._passages = PassageIndex((c.id, law_label_of(c), c.text) for c in chunks)
            self._passages_token = token
            return self._passages

    def _rerank_articles(
        self, q: str, results: list[SearchResult], trace: SearchTrace
    ) -> list[SearchResult]:
        """The article candidates re-ordered by best passage, dense similarity and fused
        score (:func:`troly.passages.rerank_articles`)."""
        if sum(r.chunk.kind == "article" for r in results) < 2:
            return results
        t = time.perf_counter()
        # the paraphrase layer's canonical forms count too ("lấy vợ" → "kết hôn"), folded
        # for a question typed without diacritics (it is matched on folded terms)
        extra = canonical_phrases(q)
        if not has_diacritics(q):
            extra = [fold(x) for x in extra]
        ranked = rerank_articles(
            results,
            self.passage_index().score_map(" . ".join([q, *extra]), (r.chunk.id for r in results)),
            self.settings.passage_dense_weight,
            self.settings.passage_fused_weight,
        )
        trace.passages_ms = (time.perf_counter() - t) * 1000
        return ranked

    def search(
        self,
        question: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: str = "hybrid",
    ) -> list[SearchResult]:
        """Top-k chunks for ``question``. ``mode``: hybrid | dense | lexical."""
        t0 = time.perf_counter()
        k = k or self.settings.top_k
        c = self.candidates(question, max(self.settings.candidates, k), filters, mode)
        results = fuse(
            c.dense,
            c.lexical,
            c.dense_weight,
            c.lexical_weight,
            self.settings.rrf_k,
            c.boost,
            method=self.settings.fusion,
        )
        if mode == "hybrid" and self.settings.passage_rerank:
            results = self._rerank_articles(c.trace.question, results, c.trace)
        self.last_trace = c.trace
        c.trace.total_ms = (time.perf_counter() - t0) * 1000
        return results[:k]

    def candidates(
        self,
        question: str,
        n: int,
        filters: SearchFilters | None = None,
        mode: str = "hybrid",
    ) -> Candidates:
        """Both rankings of ``question`` (``n`` each) and the weights fusion gives them."""
        q = validate_question(question, self.max_question_chars)
        flt = replace(filters) if filters else SearchFilters()
        trace = SearchTrace(accented=has_diacritics(q), question=q)
        named = self.provinces.detect(q)
        trace.provinces = named
        boost: set[str] = set()
        if named and not flt.province and not flt.doc_id:
            if self.settings.province_mode == "filter":
                flt.province = "|".join(named)
            elif self.settings.province_mode == "boost":
                boost = set(named)
        trace.filters = flt

        dense: list[Hit] = []
        lexical: list[Hit] = []
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            # the model does not know abbreviations: it gets them spelled out (troly.text)
            dq = q
            if not trace.accented and self.settings.restore_accents:
                dq = trace.restored = self.restorer().restore(q)
            vec = self.query_vector(spell_out(dq))
            dense = self.store.dense_search(vec, flt, n)
            trace.dense_ms = (time.perf_counter() - t) * 1000
        if mode in ("hybrid", "lexical"):
            t = time.perf_counter()
            # paraphrase layer: "online" also searches "trực tuyến" (troly.paraphrase)
            lexical = self.store.lexical_search(
                sparse_from_terms(query_terms(expand_paraphrases(q)), saturate=False), flt, n
            )
            trace.lexical_ms = (time.perf_counter() - t) * 1000

        factor = 1.0
        if not trace.accented:
            factor = (
                self.settings.restored_dense_factor
                if trace.restored is not None
                else UNACCENTED_DENSE_FACTOR
            )
        dw = self.settings.dense_weight * factor
        lw = self.settings.lexical_weight
        if mode == "dense":
            dw, lw = 1.0, 0.0
        elif mode == "lexical":
            dw, lw = 0.0, 1.0
        return Candidates(dense, lexical, dw, lw, boost, trace)


def fuse(
    dense: list[Hit],
    lexical: list[Hit],
    dense_weight: float,
    lexical_weight: float,
    rrf_k: int,
    boost_provinces: set[str] | None = None,
    method: str = "rrf",
) -> list[SearchResult]:
    """Fuse the two rankings; ties broken by the chunk's document order.

    ``rrf``: weighted reciprocal-rank fusion, ``w / (rrf_k + rank)`` from each ranking.
    ``convex``: a weighted sum of each ranking's scores min-max normalised over its
    candidates (0 for a chunk the ranking did not return), which keeps how far ahead the
    first candidate is — rank fusion forgets it.
    """
    by_id: dict[str, SearchResult] = {}
    for hits, weight, attr in (
        (dense, dense_weight, "dense_rank"),
        (lexical, lexical_weight, "lexical_rank"),
    ):
        scores = [h.score for h in hits]
        lo, hi = (min(scores), max(scores)) if scores else (0.0, 0.0)
        for rank, hit in enumerate(hits, start=1):
            r = by_id.setdefault(hit.chunk.id, SearchResult(hit.chunk, 0.0))
            setattr(r, attr, rank)
            if attr == "dense_rank":
                r.dense_score = hit.score
            if method == "convex":
                norm = (hit.score - lo) / (hi - lo) if hi > lo else 1.0
                # a floor keeps a returned candidate above the ones no ranking returned
                r.score += weight * (0.01 + norm)
            else:
                r.score += weight / (rrf_k + rank)
    boost = boost_provinces or set()
    ranked = sorted(
        (r for r in by_id.values() if r.score > 0),
        key=lambda r: (r.chunk.province not in boost, -r.score, r.chunk.doc_id, r.chunk.ordinal),
    )
    for i, r in enumerate(ranked, start=1):
        r.rank = i
    return ranked
