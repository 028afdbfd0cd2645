"""Evaluators: run gold items through a search or ask function, score each item.

``RetrievalEvaluator().run(items, search_fn)`` and ``AnswerEvaluator().run(items, ask_fn)``
return an :class:`EvalResult` with one record per item (the scores, the latency, what
came back) and the means; ``with_ci()`` adds bootstrap intervals. ``search_fn`` maps a
question to ranked :class:`Retrieved` passages (or troly ``SearchResult``s);
``ask_fn(question, history)`` returns a :class:`troly.schema.Answer`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from troly.evaluation.gold import GoldItem, scored_facts
from troly.evaluation.metrics import (
    K_VALUES,
    bootstrap_ci,
    bootstrap_stat_ci,
    citation_precision,
    citation_recall,
    evidence_recall_at_k,
    fact_recall,
    first_relevant_rank,
    hit_at_k,
    matched_snippets,
    mean_of,
    ndcg_at_k,
    normalized,
    percentile,
    reciprocal_rank,
    refusal_scores,
)
from troly.schema import Answer, SearchResult

RETRIEVAL_METRICS = (
    *(f"hit@{k}" for k in K_VALUES),
    "mrr",
    "ndcg@10",
    "evidence_recall@10",
)
ANSWER_METRICS = ("fact_recall", "citation_precision", "citation_recall")
REFUSAL_METRICS = (
    "refusal_precision",
    "refusal_recall",
    "refusal_f1",
    "false_refusals",
    "false_refusal_rate",
)


@dataclass
class Retrieved:
    """One ranked passage, whatever produced it."""

    text: str
    doc_id: str = ""
    location: str = ""
    chunk_id: str = ""
    score: float = 0.0

    @classmethod
    def from_result(cls, r: SearchResult) -> Retrieved:
        c = r.chunk
        return cls(c.text, c.doc_id, c.location, c.id, r.score)


SearchFn = Callable[[str], Sequence[Retrieved | SearchResult]]
AskFn = Callable[[str, list[str] | None], Answer]
Progress = Callable[[], None]


@dataclass
class EvalResult:
    """Per-item records and the means of every metric (``None`` values skipped)."""

    per_item: list[dict[str, Any]]
    mean: dict[str, float]
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    name: str = ""

    def values(self, metric: str) -> list[float]:
        return [float(r[metric]) for r in self.per_item if r.get(metric) is not None]

    def latencies(self) -> list[float]:
        return [float(r["latency_ms"]) for r in self.per_item if r.get("latency_ms") is not None]


def item_fields(item: GoldItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "type": item.type,
        "persona": item.persona,
        "accented": item.accented,
        "answerable": item.answerable,
        "followup": item.is_followup,
        "doc_ids": list(item.doc_ids),
        "question": item.question,
        "split": item.split,
    }


def _latency_summary(lat: list[float]) -> dict[str, float]:
    return {
        "latency_p50_ms": percentile(lat, 50),
        "latency_p95_ms": percentile(lat, 95),
        "latency_mean_ms": sum(lat) / len(lat) if lat else 0.0,
    }


def _means(rows: list[dict[str, Any]], metrics: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in metrics:
        v = mean_of(r.get(m) for r in rows)
        out[m] = v if v is not None else math.nan
    return out


class RetrievalEvaluator:
    """hit@k, MRR, nDCG@10 and evidence recall@10 of a search function on gold items.

    Unanswerable items are searched (their latency counts) but not scored.
    """

    def __init__(self, depth: int = 10, name: str = "") -> None:
        self.depth = depth
        self.name = name

    def score(self, item: GoldItem, results: Sequence[Retrieved]) -> dict[str, Any]:
        norm = normalized(item.evidence)
        matches = [matched_snippets(r.text, norm) for r in results[: self.depth]]
        rank = first_relevant_rank(matches)
        rec: dict[str, Any] = {"rank": rank}
        for k in K_VALUES:
            rec[f"hit@{k}"] = hit_at_k(rank, k)
        rec["mrr"] = reciprocal_rank(rank)
        rec["ndcg@10"] = ndcg_at_k(matches, len(norm), 10)
        rec["evidence_recall@10"] = evidence_recall_at_k(matches, len(norm), 10)
        return rec

    def run(
        self, items: Sequence[GoldItem], search_fn: SearchFn, progress: Progress | None = None
    ) -> EvalResult:
        rows: list[dict[str, Any]] = []
        for item in items:
            rec = item_fields(item)
            error = None
            t0 = time.perf_counter()
            try:
                raw = list(search_fn(item.question))
            except Exception as exc:  # a failing query is a miss, recorded with its error
                raw = []
                error = f"{type(exc).__name__}: {exc}"
            rec["latency_ms"] = (time.perf_counter() - t0) * 1000
            results = [Retrieved.from_result(r) if isinstance(r, SearchResult) else r for r in raw]
            if item.answerable and item.evidence:
                rec.update(self.score(item, results))
            else:
                rec.update({m: None for m in ("rank", *RETRIEVAL_METRICS)})
            rec["top"] = [f"{r.doc_id} › {r.location}" for r in results[:3]]
            rec["error"] = error
            rows.append(rec)
            if progress:
                progress()
        mean = _means(rows, RETRIEVAL_METRICS)
        mean.update(_latency_summary([r["latency_ms"] for r in rows]))
        mean["n_scored"] = float(sum(1 for r in rows if r.get("hit@1") is not None))
        mean["errors"] = float(sum(1 for r in rows if r["error"]))
        return EvalResult(rows, mean, name=self.name)


class AnswerEvaluator:
    """Fact recall, citation precision/recall and refusal quality of an ask function.

    * fact recall: per answerable item with facts, the share of gold facts found in the
      answer text (diacritic-insensitive, on word boundaries); a refusal scores 0;
    * citation precision: cited chunks that contain an evidence snippet (items with at
      least one citation); citation recall: snippets covered by some citation;
    * refusal: precision/recall/F1 of ``answer.refused`` against unanswerable items, and
      the number of answerable items that were refused (false refusals).
    """

    def __init__(self, name: str = "") -> None:
        self.name = name

    def score(self, item: GoldItem, answer: Answer) -> dict[str, Any]:
        rec: dict[str, Any] = {"refused": bool(answer.refused)}
        cites = [c.text for c in answer.citations]
        facts = scored_facts(item.facts)
        if item.answerable:
            fr, missing = fact_recall("" if answer.refused else answer.answer, facts)
            rec["fact_recall"] = fr
            rec["missing_facts"] = missing
            rec["citation_precision"] = citation_precision(cites, item.evidence)
            rec["citation_recall"] = citation_recall(cites, item.evidence)
        else:
            rec.update(fact_recall=None, missing_facts=[], citation_precision=None)
            rec["citation_recall"] = None
        rec["false_refusal"] = item.answerable and answer.refused
        rec["n_citations"] = len(cites)
        rec["citations"] = [f"{c.doc_id} › {c.location}" for c in answer.citations]
        text = answer.answer or ""
        rec["answer"] = text if len(text) <= 600 else text[:597] + "…"
        explain = (answer.context or {}).get("explain")
        if explain:
            rec["explain"] = [str(x) for x in explain]
        return rec

    def run(
        self, items: Sequence[GoldItem], ask_fn: AskFn, progress: Progress | None = None
    ) -> EvalResult:
        rows: list[dict[str, Any]] = []
        for item in items:
            rec = item_fields(item)
            t0 = time.perf_counter()
            try:
                answer = ask_fn(item.question, list(item.history) or None)
                error = None
            except Exception as exc:  # recorded; counts as an empty, unrefused answer
                answer = Answer(item.question, "", refused=False)
                error = f"{type(exc).__name__}: {exc}"
            rec["latency_ms"] = (time.perf_counter() - t0) * 1000
            rec.update(self.score(item, answer))
            rec["error"] = error
            rows.append(rec)
            if progress:
                progress()
        return EvalResult(rows, self.aggregate(rows), name=self.name)

    @staticmethod
    def aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
        mean = _means(rows, ANSWER_METRICS)
        mean.update(refusal_scores([(not r["answerable"], bool(r["refused"])) for r in rows]))
        mean.update(_latency_summary([r["latency_ms"] for r in rows if "latency_ms" in r]))
        mean["errors"] = float(sum(1 for r in rows if r.get("error")))
        return mean


def _refusal_f1(rows: Sequence[dict[str, Any]]) -> float:
    return refusal_scores([(not r["answerable"], bool(r["refused"])) for r in rows])["refusal_f1"]


def add_confidence_intervals(
    result: EvalResult, metrics: Sequence[str], n_resamples: int = 1000, seed: int = 0
) -> EvalResult:
    """Bootstrap 95% intervals (item resampling, fixed seed) for ``metrics``.

    Means are resampled over the items that have the metric; ``refusal_f1`` is recomputed
    on resamples of all items.
    """
    for m in metrics:
        if m == "refusal_f1":
            result.ci[m] = bootstrap_stat_ci(result.per_item, _refusal_f1, n_resamples, seed)
        else:
            result.ci[m] = bootstrap_ci(result.values(m), n_resamples, seed)
    return result
