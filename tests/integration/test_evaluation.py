"""A small real evaluation run: 15 gold items spread over the file, troly hybrid and
lexical against the naive llama-index pipeline (built over the raw corpus with the same
model), answers from the product's answerer when it exists. Writes the full run folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from troly.evaluation.gold import load_gold
from troly.evaluation.runner import RunResult, run_evaluation, select_items

pytestmark = pytest.mark.integration

GOLD = ROOT / "eval" / "gold.jsonl"


@pytest.fixture(scope="module")
def run(services: Any, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    items = select_items(load_gold(GOLD), 15)
    out = tmp_path_factory.mktemp("eval")
    return run_evaluation(
        services,
        items,
        ["hybrid", "lexical", "naive"],
        out,
        n_resamples=300,
        show_progress=False,
        gold_path=GOLD,
        run_id="it",
    )


def test_run_writes_report_plots_and_items(run: RunResult) -> None:
    out = run.out_dir
    assert out.name == "it"
    report = (out / "report.md").read_text(encoding="utf-8")
    for needle in ("troly hybrid", "naive llama-index", "Ratio to the naive", "Per question type"):
        assert needle in report
    for png in ("hit_at_k.png", "per_type.png", "latency.png"):
        assert (out / "plots" / png).stat().st_size > 5000
    rows = [json.loads(x) for x in (out / "items.jsonl").read_text("utf-8").splitlines()]
    retrieval = [r for r in rows if r["stage"] == "retrieval"]
    assert len(retrieval) == 15 * 3
    assert {r["config"] for r in retrieval} == {"hybrid", "lexical", "naive"}
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["info"]["naive"]["nodes"] > 50
    assert summary["info"]["items"] == 15


@pytest.mark.xfail(
    strict=False,
    reason="the eval sample no longer covers 4 documents after the gold set grew and split (issue 11)",  # noqa: E501
)
def test_items_cover_documents_and_types(run: RunResult) -> None:
    assert len({d for i in run.items for d in i.doc_ids}) >= 4
    assert len({i.type for i in run.items}) >= 4


def test_hybrid_beats_naive(run: RunResult) -> None:
    hybrid, naive = run.retrieval["hybrid"].mean, run.retrieval["naive"].mean
    print({c: round(r.mean["hit@5"], 3) for c, r in run.retrieval.items()})
    assert hybrid["hit@5"] > naive["hit@5"]
    assert hybrid["mrr"] > naive["mrr"]
    assert run.retrieval["hybrid"].mean["errors"] == 0
    lo, hi = run.retrieval["hybrid"].ci["hit@5"]
    assert lo <= hybrid["hit@5"] <= hi


def test_answers_are_evaluated_or_their_absence_noted(run: RunResult) -> None:
    assert "naive" in run.answers  # the extractive baseline always answers
    naive = run.answers["naive"].per_item
    assert all(r["n_citations"] == 1 for r in naive if r["error"] is None)
    if "hybrid" in run.answers:
        res = run.answers["hybrid"]
        assert res.mean["errors"] < len(run.items) / 2, [r["error"] for r in res.per_item]
        assert 0.0 <= res.mean["fact_recall"] <= 1.0
    else:
        assert any("answer" in n.lower() for n in run.notes)


def test_report_is_reproducible_from_items(run: RunResult, tmp_path: Path) -> None:
    # the bootstrap uses a fixed seed: recomputing the interval gives the same numbers
    from troly.evaluation.metrics import bootstrap_ci

    res = run.retrieval["hybrid"]
    assert bootstrap_ci(res.values("hit@5"), 300, 0) == res.ci["hit@5"]
