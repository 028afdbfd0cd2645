"""Metrics, evaluators, bootstrap intervals and report writing, on literal data (no model,
no index; answers are literal :class:`troly.schema.Answer` objects)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from troly.evaluation import (
    AnswerEvaluator,
    EvalResult,
    GoldItem,
    RetrievalEvaluator,
    Retrieved,
    add_confidence_intervals,
)
from troly.evaluation.baselines import best_sentence, find_answerer, parse_configs
from troly.evaluation.metrics import (
    bootstrap_ci,
    bootstrap_stat_ci,
    citation_precision,
    citation_recall,
    contains_fact,
    evidence_recall_at_k,
    fact_recall,
    first_relevant_rank,
    group_means,
    hit_at_k,
    matched_snippets,
    ndcg_at_k,
    normalized,
    paired_bootstrap_diff,
    percentile,
    reciprocal_rank,
    refusal_scores,
)
from troly.evaluation.report import headline_text, hit_curve, write_run
from troly.evaluation.runner import RunResult, select_items
from troly.schema import Answer, Chunk, Citation, SearchResult

pytestmark = pytest.mark.unit


def item(
    id: str,
    evidence: tuple[str, ...] = ("Sở Nội vụ chủ trì tổng hợp",),
    facts: tuple[str, ...] = ("Sở Nội vụ",),
    type: str = "section",
    accented: bool = True,
    doc_ids: tuple[str, ...] = ("phu-yen-2024",),
    history: tuple[str, ...] = (),
) -> GoldItem:
    answerable = type != "unanswerable"
    return GoldItem(
        id=id,
        question=f"câu hỏi {id}" if accented else f"cau hoi {id}",
        type=type,
        persona="citizen",
        answerable=answerable,
        accented=accented,
        doc_ids=doc_ids if answerable else (),
        evidence=evidence if answerable else (),
        locations=tuple("II" for _ in evidence) if answerable else (),
        facts=facts if answerable else (),
        history=history,
    )


# -- matching and retrieval metrics ------------------------------------------------------------
def test_matching_is_diacritic_and_space_insensitive() -> None:
    norm = normalized(["Sở Nội vụ  chủ trì", "Quý I/2024"])
    assert matched_snippets("... so noi vu chu tri, hoàn thành quý i/2024", norm) == {0, 1}
    assert matched_snippets("Sở Tư pháp", norm) == set()


def test_contains_fact_respects_word_boundaries() -> None:
    assert contains_fact("Có 7 nhiệm vụ.", "7")
    assert not contains_fact("Năm 2017", "7")
    assert not contains_fact("đạt 190%", "90%")
    assert contains_fact("đạt 90%.", "90%")
    assert contains_fact("SO NOI VU chu tri", "Sở Nội vụ")
    assert not contains_fact("anything", "")


def test_rank_metrics() -> None:
    matches: list[set[int]] = [set(), set(), {0}, set()]
    rank = first_relevant_rank(matches)
    assert rank == 3
    assert hit_at_k(rank, 1) == 0.0 and hit_at_k(rank, 3) == 1.0 and hit_at_k(None, 10) == 0.0
    assert reciprocal_rank(rank) == pytest.approx(1 / 3) and reciprocal_rank(None) == 0.0
    assert ndcg_at_k(matches, 1) == pytest.approx(0.5)  # 1/log2(4)
    assert ndcg_at_k([{0}], 1) == 1.0
    assert ndcg_at_k([set()] * 10 + [{0}], 1, k=10) == 0.0


def test_ndcg_counts_a_snippet_once_and_is_capped() -> None:
    # the same snippet twice (prose + appendix duplicate) is no better than once
    assert ndcg_at_k([{0}, {0}], 1) == 1.0
    ideal2 = 1 + 1 / math.log2(3)
    assert ndcg_at_k([{0}, {0}, {1}], 2) == pytest.approx((1 + 1 / math.log2(4)) / ideal2)
    assert ndcg_at_k([{0, 1}], 2) == pytest.approx(1 / ideal2)
    assert ndcg_at_k([{0}, {1}], 2) == pytest.approx(1.0)
    assert ndcg_at_k([{0}], 0) == 0.0


def test_evidence_recall() -> None:
    assert evidence_recall_at_k([{0}, set(), {0, 2}], 4) == 0.5
    assert evidence_recall_at_k([{0}, {1}], 2, k=1) == 0.5


# -- answer metrics ------------------------------------------------------------------------------
def test_fact_recall() -> None:
    r, missing = fact_recall(
        "Sở Nội vụ chủ trì, hoàn thành trong quy I/2024.", ["Quý I/2024", "Sở Tư pháp"]
    )
    assert r == 0.5 and missing == ["Sở Tư pháp"]
    assert fact_recall("x", []) == (None, [])


def test_citation_precision_and_recall() -> None:
    ev = ["Sở Nội vụ chủ trì tổng hợp", "Sở Tư pháp rà soát văn bản"]
    cites = ["1. Sở Nội vụ chủ trì tổng hợp báo cáo", "Một đoạn khác", "so tu phap ra soat van ban"]
    assert citation_precision(cites, ev) == pytest.approx(2 / 3)
    assert citation_recall(cites, ev) == 1.0
    assert citation_recall(cites[:2], ev) == 0.5
    assert citation_precision([], ev) is None
    assert citation_recall([], ev) == 0.0


def test_refusal_scores() -> None:
    # (should refuse, refused)
    pairs = [(True, True), (True, False), (False, True), (False, False), (False, False)]
    s = refusal_scores(pairs)
    assert s["refusal_precision"] == 0.5 and s["refusal_recall"] == 0.5
    assert s["refusal_f1"] == 0.5 and s["false_refusals"] == 1.0
    assert s["false_refusal_rate"] == pytest.approx(1 / 3)
    assert refusal_scores([(False, False)])["refusal_f1"] == 0.0


# -- aggregates ----------------------------------------------------------------------------------
def test_percentile() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(101)), 95) == 95.0


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    values = [1.0] * 60 + [0.0] * 40
    lo, hi = bootstrap_ci(values, 1000, seed=0)
    assert (lo, hi) == bootstrap_ci(values, 1000, seed=0)
    assert lo < 0.6 < hi and lo > 0.45 and hi < 0.75
    assert bootstrap_ci([1.0] * 10) == (1.0, 1.0)
    assert all(math.isnan(x) for x in bootstrap_ci([]))
    lo2, hi2 = bootstrap_stat_ci(values, lambda v: sum(v) / len(v), 200, seed=1)
    assert lo2 < 0.6 < hi2
    d, dlo, dhi = paired_bootstrap_diff([1.0, 1.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0])
    assert d == 0.5 and dlo <= 0.5 <= dhi
    with pytest.raises(ValueError):
        paired_bootstrap_diff([1.0], [])


def test_group_means_counts_multi_document_rows_in_each_group() -> None:
    rows = [
        {"doc_ids": ["a"], "m": 1.0},
        {"doc_ids": ["a", "b"], "m": 0.0},
        {"doc_ids": ["b"], "m": None},
    ]
    g = group_means(rows, lambda r: r["doc_ids"], ["m"])
    assert g["a"] == {"n": 2.0, "m": 0.5}
    assert g["b"] == {"n": 2.0, "m": 0.0}


# -- evaluators ----------------------------------------------------------------------------------
ITEMS = [
    item("g1"),
    item("g2", evidence=("Sở Tư pháp rà soát văn bản",), accented=False),
    item("g3", type="unanswerable"),
    item(
        "g4",
        type="comparison",
        evidence=("Sở Nội vụ chủ trì tổng hợp", "Sở Tư pháp rà soát văn bản"),
        facts=("Sở Nội vụ", "Sở Tư pháp"),
        doc_ids=("phu-yen-2024", "ha-tinh-2025"),
        history=("Câu trước?",),
    ),
]
PASSAGES = {
    "nv": Retrieved("1. Sở Nội vụ chủ trì tổng hợp báo cáo", "phu-yen-2024", "II.1", "c1"),
    "tp": Retrieved("Sở Tư pháp rà soát văn bản QPPL", "ha-tinh-2025", "III.2", "c2"),
    "x": Retrieved("Một đoạn không liên quan", "phu-tho-2021", "I", "c3"),
}
RANKINGS = {
    "câu hỏi g1": ["x", "nv"],
    "cau hoi g2": ["x", "x", "x", "x", "x", "tp"],
    "câu hỏi g3": ["x"],
    "câu hỏi g4": ["nv", "tp"],
}


def fake_search(question: str) -> list[Retrieved]:
    return [PASSAGES[k] for k in RANKINGS[question]]


def test_retrieval_evaluator() -> None:
    calls: list[int] = []
    res = RetrievalEvaluator(name="fake").run(ITEMS, fake_search, lambda: calls.append(1))
    assert len(res.per_item) == 4 and len(calls) == 4
    by_id = {r["id"]: r for r in res.per_item}
    assert by_id["g1"]["rank"] == 2 and by_id["g1"]["hit@1"] == 0.0 and by_id["g1"]["hit@3"] == 1.0
    assert by_id["g2"]["rank"] == 6 and by_id["g2"]["hit@5"] == 0.0 and by_id["g2"]["hit@10"] == 1.0
    assert by_id["g3"]["rank"] is None and by_id["g3"]["hit@1"] is None  # not scored
    assert by_id["g4"]["ndcg@10"] == 1.0 and by_id["g4"]["evidence_recall@10"] == 1.0
    assert by_id["g1"]["top"] == ["phu-tho-2021 › I", "phu-yen-2024 › II.1"]
    assert res.mean["hit@1"] == pytest.approx(1 / 3)
    assert res.mean["mrr"] == pytest.approx((1 / 2 + 1 / 6 + 1) / 3)
    assert res.mean["n_scored"] == 3.0 and res.mean["errors"] == 0.0
    assert res.mean["latency_p95_ms"] >= res.mean["latency_p50_ms"] >= 0
    add_confidence_intervals(res, ["hit@1", "mrr"], 200, seed=0)
    lo, hi = res.ci["hit@1"]
    assert 0.0 <= lo <= res.mean["hit@1"] <= hi <= 1.0


def test_retrieval_evaluator_accepts_search_results_and_records_errors() -> None:
    chunk = Chunk(
        id="c9",
        doc_id="phu-yen-2024",
        kind="task",
        text="Sở Nội vụ chủ trì tổng hợp",
        embed_text="",
        path="",
        location="Phụ lục › STT 1",
        headings=[],
        province="Phú Yên",
        year=2024,
        title="",
    )

    def search(q: str) -> list[SearchResult]:
        if q.endswith("g2"):
            raise ValueError("boom")
        return [SearchResult(chunk, 1.0, rank=1)]

    res = RetrievalEvaluator().run(ITEMS[:2], search)
    assert res.per_item[0]["hit@1"] == 1.0
    assert res.per_item[1]["error"] == "ValueError: boom" and res.per_item[1]["hit@10"] == 0.0
    assert res.mean["errors"] == 1.0


def cite(text: str, n: int = 1) -> Citation:
    return Citation(n, "phu-yen-2024", "", "II", "section", text)


ANSWERS = {
    "câu hỏi g1": Answer(
        "q", "Sở Nội vụ chủ trì [1].", False, [cite("Sở Nội vụ chủ trì tổng hợp")]
    ),
    "cau hoi g2": Answer("q", "Xin lỗi, không có thông tin.", True),
    "câu hỏi g3": Answer("q", "Kế hoạch không nêu.", True),
    "câu hỏi g4": Answer(
        "q",
        "Phú Yên: Sở Nội vụ [1]. Hà Tĩnh: không rõ [2].",
        False,
        [cite("Sở Nội vụ chủ trì tổng hợp"), cite("đoạn khác", 2)],
    ),
}


def test_answer_evaluator_with_literal_answers() -> None:
    seen_history: dict[str, Any] = {}

    def ask(q: str, history: list[str] | None) -> Answer:
        seen_history[q] = history
        return ANSWERS[q]

    res = AnswerEvaluator().run(ITEMS, ask)
    by_id = {r["id"]: r for r in res.per_item}
    assert seen_history["câu hỏi g4"] == ["Câu trước?"] and seen_history["câu hỏi g1"] is None
    assert by_id["g1"]["fact_recall"] == 1.0 and by_id["g1"]["citation_precision"] == 1.0
    assert by_id["g2"]["fact_recall"] == 0.0 and by_id["g2"]["false_refusal"] is True
    assert by_id["g2"]["citation_precision"] is None and by_id["g2"]["citation_recall"] == 0.0
    assert by_id["g3"]["fact_recall"] is None and by_id["g3"]["refused"] is True
    assert by_id["g4"]["fact_recall"] == 0.5 and by_id["g4"]["missing_facts"] == ["Sở Tư pháp"]
    assert by_id["g4"]["citation_precision"] == 0.5 and by_id["g4"]["citation_recall"] == 0.5
    m = res.mean
    assert m["fact_recall"] == pytest.approx(0.5)
    assert m["refusal_precision"] == 0.5 and m["refusal_recall"] == 1.0
    assert m["false_refusals"] == 1.0
    add_confidence_intervals(res, ["fact_recall", "refusal_f1"], 100)
    assert set(res.ci) == {"fact_recall", "refusal_f1"}


def test_answer_evaluator_records_exceptions() -> None:
    def ask(q: str, history: list[str] | None) -> Answer:
        raise RuntimeError("not ready")

    res = AnswerEvaluator().run(ITEMS[:1], ask)
    assert res.per_item[0]["error"] == "RuntimeError: not ready"
    assert res.per_item[0]["fact_recall"] == 0.0 and res.mean["errors"] == 1.0


# -- baselines helpers ---------------------------------------------------------------------------
def test_parse_configs() -> None:
    assert parse_configs(None) == ["lexical", "dense", "hybrid", "naive"]
    assert parse_configs(["troly,naive", "hybrid"]) == ["hybrid", "naive"]
    with pytest.raises(ValueError, match="unknown config"):
        parse_configs(["bm42"])


def test_find_answerer_absent_or_broken() -> None:
    class NoAnswerer:
        pass

    class Broken:
        @property
        def answerer(self) -> Any:
            raise ImportError("No module named 'troly.answerer'")

    class Works:
        class _A:
            def ask(self, q: str, history: Any = None, filters: Any = None) -> Answer:
                return Answer(q, f"{len(history or [])}", False)

        answerer = _A()

    fn, why = find_answerer(NoAnswerer())
    assert fn is None and "not available" in why
    fn, why = find_answerer(Broken())
    assert fn is None and "ImportError" in why
    fn, why = find_answerer(Works())
    assert fn is not None and why == "" and fn("q", ["a", "b"]).answer == "2"


def test_best_sentence() -> None:
    passage = "Mở đầu văn bản.\nSở Nội vụ chủ trì tổng hợp. Sở Tư pháp phối hợp rà soát văn bản."
    assert best_sentence("ai phoi hop ra soat van ban", passage) == (
        "Sở Tư pháp phối hợp rà soát văn bản."
    )


def test_select_items_spreads_a_limit() -> None:
    items = [item(f"g{n:03d}") for n in range(100)]
    picked = select_items(items, 4)
    assert [i.id for i in picked] == ["g000", "g025", "g050", "g075"]
    assert [i.id for i in select_items(items, None, ["g007", "g003"])] == ["g003", "g007"]
    assert len(select_items(items, 500)) == 100


# -- report writing ------------------------------------------------------------------------------
def _run(tmp_path: Path) -> RunResult:
    retrieval = {}
    for cfg, rankings in (
        ("hybrid", RANKINGS),
        ("naive", {q: ["x"] * 11 for q in RANKINGS}),
    ):
        res = RetrievalEvaluator(name=cfg).run(
            ITEMS, lambda q, r=rankings: [PASSAGES[k] for k in r[q]]
        )
        retrieval[cfg] = add_confidence_intervals(res, ["hit@1", "hit@5", "mrr"], 100)
    answers = {"hybrid": AnswerEvaluator().run(ITEMS, lambda q, h: ANSWERS[q])}
    result = RunResult(
        "test-run",
        tmp_path / "test-run",
        ITEMS,
        ["hybrid", "naive"],
        retrieval,
        answers,
        notes=["a note for the reader"],
        info={"items": 4, "answerable": 3, "bootstrap": {"resamples": 100, "seed": 0}},
    )
    return result


def test_write_run(tmp_path: Path) -> None:
    result = _run(tmp_path)
    report = write_run(result)
    out = tmp_path / "test-run"
    assert report == out / "report.md"
    text = report.read_text(encoding="utf-8")
    for needle in (
        "# troly evaluation — run test-run",
        "a note for the reader",
        "| troly hybrid | 3 |",
        "Ratio to the naive llama-index pipeline",
        "Paired difference to naive",
        "Per question type",
        "Accented vs unaccented",
        "troly answerer",
        "plots/hit_at_k.png",
        "Worst question types",
        "`g2`",
    ):
        assert needle in text, needle
    for png in ("hit_at_k.png", "per_type.png", "latency.png"):
        data = (out / "plots" / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    lines = [json.loads(x) for x in (out / "items.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == 4 * 2 + 4  # two retrieval configs + one answer config
    g2 = [x for x in lines if x["id"] == "g2"]
    assert {(x["config"], x["stage"]) for x in g2} == {
        ("hybrid", "retrieval"),
        ("naive", "retrieval"),
        ("hybrid", "answer"),
    }
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["retrieval"]["naive"]["mean"]["hit@10"] == 0.0
    assert summary["breakdowns"]["retrieval"]["hybrid"]["accents"]["unaccented"]["n"] == 1.0
    assert hit_curve(result.retrieval["hybrid"])[-1] == 1.0
    head = headline_text(result)
    assert "troly hybrid" in head and "note: a note" in head


def test_retrieval_miss_examples_never_show_a_test_question(tmp_path: Path) -> None:
    from troly.evaluation.report import _failures_section, breakdowns

    result = _run(tmp_path)
    misses = [r for r in result.retrieval["hybrid"].per_item if r.get("hit@5") == 0.0]
    assert misses, "the fixture needs a retrieval miss"
    for r in misses:
        r["split"] = "test"
    text = "\n".join(_failures_section(result, breakdowns(result)))
    assert f"`{misses[0]['id']}`" in text  # the id is listed ...
    assert misses[0]["question"] not in text and "Examples" not in text  # ... not its text
    misses[0]["split"] = "dev"
    text = "\n".join(_failures_section(result, breakdowns(result)))
    assert misses[0]["question"] in text and "Examples (not from the test split)" in text


def test_eval_command_registers() -> None:
    from troly.evaluation.cli import register

    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command so Typer keeps sub-command names
        pass

    res = CliRunner().invoke(app, ["eval", "--help"])
    assert res.exit_code == 0, res.output
    for opt in ("--gold", "--out", "--config", "--limit", "--no-answers"):
        assert opt in res.output


def test_eval_command_rejects_unknown_config() -> None:
    from troly.evaluation.cli import register

    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:
        pass

    res = CliRunner().invoke(app, ["eval", "--config", "bm42"])
    assert res.exit_code == 2 and "unknown config" in res.output


def test_eval_result_helpers() -> None:
    r = EvalResult([{"m": 1.0, "latency_ms": 3.0}, {"m": None, "latency_ms": 5.0}], {"m": 1.0})
    assert r.values("m") == [1.0] and r.latencies() == [3.0, 5.0]
