"""Evaluation harness: the gold set, metrics, baselines, runs and reports.

Library use::

    from troly.evaluation import RetrievalEvaluator, load_gold
    items = load_gold(Path("eval/gold.jsonl"))
    res = RetrievalEvaluator().run(items, lambda q: services.retriever.search(q, k=10))
    res.mean["hit@5"], res.per_item[0]

``troly eval`` (see :mod:`troly.evaluation.cli`) runs every configuration and writes
``eval/reports/runs/<run-id>/`` with a Markdown report, plots and per-item JSON lines.
"""

from troly.evaluation.evaluators import (
    ANSWER_METRICS,
    RETRIEVAL_METRICS,
    AnswerEvaluator,
    EvalResult,
    RetrievalEvaluator,
    Retrieved,
    add_confidence_intervals,
)
from troly.evaluation.gold import GoldItem, GoldReport, load_gold, validate_gold

__all__ = [
    "ANSWER_METRICS",
    "RETRIEVAL_METRICS",
    "AnswerEvaluator",
    "EvalResult",
    "GoldItem",
    "GoldReport",
    "RetrievalEvaluator",
    "Retrieved",
    "add_confidence_intervals",
    "load_gold",
    "validate_gold",
]
