"""Metric functions on plain data: retrieval ranks, answer facts, citations, refusals,
latency percentiles and bootstrap confidence intervals.

Everything here is pure (no model, no index) so it is unit-tested on literal data.

Matching rule (shared by retrieval and citations): a text *contains* an evidence snippet
when ``normalize_for_match(snippet)`` is a substring of ``normalize_for_match(text)``
(diacritics folded, lower case, single spaces).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from troly.text import normalize_for_match

T = TypeVar("T")

K_VALUES = (1, 3, 5, 10)


# -- matching ------------------------------------------------------------------------------
def normalized(snippets: Iterable[str]) -> list[str]:
    return [normalize_for_match(s) for s in snippets]


def matched_snippets(text: str, norm_snippets: Sequence[str]) -> set[int]:
    """Indices of the (already normalised) snippets that ``text`` contains."""
    t = normalize_for_match(text)
    return {i for i, s in enumerate(norm_snippets) if s and s in t}


def contains_fact(text: str, fact: str) -> bool:
    """Diacritic-insensitive containment of ``fact`` in ``text``, on word boundaries.

    "7" does not match inside "2017" and "90%" does not match inside "190%"; a fact that
    starts or ends with punctuation is matched without a boundary on that side.
    """
    f = normalize_for_match(fact)
    if not f:
        return False
    t = normalize_for_match(text)
    left = r"(?<![0-9a-z])" if f[0].isalnum() else ""
    right = r"(?![0-9a-z])" if f[-1].isalnum() else ""
    return re.search(left + re.escape(f) + right, t) is not None


# -- retrieval -----------------------------------------------------------------------------
def first_relevant_rank(matches: Sequence[set[int]]) -> int | None:
    """1-based rank of the first result that contains any snippet."""
    for i, m in enumerate(matches, start=1):
        if m:
            return i
    return None


def hit_at_k(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(matches: Sequence[set[int]], n_snippets: int, k: int = 10) -> float:
    """Binary nDCG@k over *evidence snippets*.

    A result gains 1 when it contains at least one snippet that no higher result
    contained (so duplicated passages — a prose item repeated in the appendix — are not
    rewarded twice); the ideal ranking puts one new snippet at each of the first
    ``min(k, n_snippets)`` ranks. With a single snippet this is the usual
    ``1 / log2(rank + 1)``. A result that covers several snippets at once can reach more
    than the ideal; the value is capped at 1.
    """
    if n_snippets <= 0:
        return 0.0
    seen: set[int] = set()
    dcg = 0.0
    for i, m in enumerate(matches[:k], start=1):
        new = m - seen
        if new:
            dcg += 1.0 / math.log2(i + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, n_snippets) + 1))
    return min(1.0, dcg / ideal)


def evidence_recall_at_k(matches: Sequence[set[int]], n_snippets: int, k: int = 10) -> float:
    """Share of the item's snippets found in the top k (matters for lists/comparisons)."""
    if n_snippets <= 0:
        return 0.0
    found: set[int] = set()
    for m in matches[:k]:
        found |= m
    return len(found) / n_snippets


# -- answers -------------------------------------------------------------------------------
def fact_recall(answer_text: str, facts: Sequence[str]) -> tuple[float | None, list[str]]:
    """Share of the facts found in the answer text, and the facts that are missing."""
    if not facts:
        return None, []
    missing = [f for f in facts if not contains_fact(answer_text, f)]
    return 1.0 - len(missing) / len(facts), missing


def citation_precision(citation_texts: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of the cited chunks that contain some evidence snippet (None: no citation)."""
    if not citation_texts or not evidence:
        return None
    norm = normalized(evidence)
    good = sum(1 for t in citation_texts if matched_snippets(t, norm))
    return good / len(citation_texts)


def citation_recall(citation_texts: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of the evidence snippets contained in at least one cited chunk."""
    if not evidence:
        return None
    norm = normalized(evidence)
    covered: set[int] = set()
    for t in citation_texts:
        covered |= matched_snippets(t, norm)
    return len(covered) / len(norm)


def refusal_scores(pairs: Sequence[tuple[bool, bool]]) -> dict[str, float]:
    """Refusal as a classifier. ``pairs`` = (should_refuse, refused) per item.

    Precision: refused items that were unanswerable; recall: unanswerable items that
    were refused; ``false_refusals``: answerable items that were refused.
    """
    tp = sum(1 for s, r in pairs if s and r)
    fp = sum(1 for s, r in pairs if not s and r)
    fn = sum(1 for s, r in pairs if s and not r)
    answerable = sum(1 for s, _ in pairs if not s)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "refusal_precision": p,
        "refusal_recall": r,
        "refusal_f1": f1,
        "false_refusals": float(fp),
        "false_refusal_rate": fp / answerable if answerable else 0.0,
    }


# -- aggregates ----------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (0 for no values)."""
    if not values:
        return 0.0
    return float(np.percentile(np.asarray(values, dtype=float), p))


def mean_of(values: Iterable[float | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def bootstrap_ci(
    values: Sequence[float],
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Percentile-bootstrap (1 − alpha) interval of the mean of ``values``."""
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    if arr.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = arr[rng.integers(0, arr.size, size=(n_resamples, arr.size))].mean(axis=1)
    lo, hi = np.percentile(means, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def bootstrap_stat_ci(
    items: Sequence[T],
    stat: Callable[[Sequence[T]], float],
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Percentile-bootstrap interval of any statistic of a list of items (e.g. an F1)."""
    if not items:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    n = len(items)
    stats = [stat([items[i] for i in rng.integers(0, n, size=n)]) for _ in range(n_resamples)]
    lo, hi = np.percentile(np.asarray(stats, dtype=float), [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def paired_bootstrap_diff(
    a: Sequence[float], b: Sequence[float], n_resamples: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of ``a − b`` over paired items and its 95% bootstrap interval."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    diff = [x - y for x, y in zip(a, b, strict=True)]
    if not diff:
        return (math.nan, math.nan, math.nan)
    lo, hi = bootstrap_ci(diff, n_resamples, seed)
    return sum(diff) / len(diff), lo, hi


def group_means(
    rows: Sequence[dict[str, Any]],
    key: Callable[[dict[str, Any]], Iterable[str]],
    metrics: Sequence[str],
) -> dict[str, dict[str, float | None]]:
    """Per-group means of ``metrics``; ``key`` gives the groups of a row (can be several,
    e.g. one per document of a comparison question). ``n`` is the number of rows."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        for g in key(r):
            groups.setdefault(g, []).append(r)
    out: dict[str, dict[str, float | None]] = {}
    for g, members in groups.items():
        out[g] = {"n": float(len(members))}
        for m in metrics:
            out[g][m] = mean_of(r.get(m) for r in members)
    return out
