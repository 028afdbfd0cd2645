"""Retrieval quality on the hand-written questions of tests/data/retrieval_questions.jsonl:
the chunk containing the evidence must be in the top 5, with and without diacritics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import DATA, DOC_IDS, load_jsonl
from troly.text import normalize_for_match

pytestmark = pytest.mark.integration

QUESTIONS = load_jsonl(DATA / "retrieval_questions.jsonl")


def test_question_set_shape() -> None:
    assert len(QUESTIONS) >= 40
    assert sum(1 for q in QUESTIONS if not q["accented"]) >= 12
    assert sum(1 for q in QUESTIONS if q["kind"] == "task") >= 15
    assert {q["doc_id"] for q in QUESTIONS} == set(DOC_IDS)


def _rank(services: Any, q: dict[str, Any], k: int = 5) -> int | None:
    needle = normalize_for_match(q["evidence"])
    for r in services.retriever.search(q["question"], k=k):
        if needle in normalize_for_match(r.chunk.text):
            return r.rank
    return None


def test_top5_hit_rate(services: Any) -> None:
    misses = []
    hits = {True: 0, False: 0}
    totals = {True: 0, False: 0}
    for q in QUESTIONS:
        rank = _rank(services, q)
        totals[q["accented"]] += 1
        if rank is None:
            misses.append(f"{q['id']} [{q['doc_id']}] {q['question']}")
        else:
            hits[q["accented"]] += 1
    rate = {a: hits[a] / totals[a] for a in (True, False)}
    report = (
        f"hit@5 accented {hits[True]}/{totals[True]} ({rate[True]:.2f}), "
        f"unaccented {hits[False]}/{totals[False]} ({rate[False]:.2f})\nmisses:\n  "
        + "\n  ".join(misses)
    )
    print(report)
    assert hits[True] + hits[False] >= 40, report
    assert rate[True] >= 0.9, report
    assert rate[False] >= 0.85, report
