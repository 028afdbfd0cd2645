"""One evaluation run: every configuration on the same gold items, then the report.

``run_evaluation(services, items, configs, out_dir)`` searches every item with each
configuration (lexical, dense, hybrid, naive), asks the product's answerer (when
``Services.answerer`` exists) and the naive extractive pipeline, adds bootstrap
intervals, and writes ``<out_dir>/<run-id>/`` (report.md, summary.json, items.jsonl,
plots/*.png) through :mod:`troly.evaluation.report`.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from troly.evaluation.baselines import (
    CONFIGS,
    NaivePipeline,
    find_answerer,
    troly_search_fn,
)
from troly.evaluation.evaluators import (
    RETRIEVAL_METRICS,
    AnswerEvaluator,
    AskFn,
    EvalResult,
    RetrievalEvaluator,
    add_confidence_intervals,
)
from troly.evaluation.gold import GoldItem

ANSWER_CI_METRICS = ("fact_recall", "citation_precision", "citation_recall", "refusal_f1")
WARMUP_QUESTION = "Kế hoạch cải cách hành chính năm 2024"


@dataclass
class RunResult:
    run_id: str
    out_dir: Path
    items: list[GoldItem]
    configs: list[str]
    retrieval: dict[str, EvalResult] = field(default_factory=dict)
    answers: dict[str, EvalResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def report_path(self) -> Path:
        return self.out_dir / "report.md"


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def select_items(
    items: Sequence[GoldItem], limit: int | None = None, ids: Sequence[str] | None = None
) -> list[GoldItem]:
    """``ids`` keeps those items; ``limit`` keeps N items evenly spaced through the file,
    so that a short run still sees every document and question type."""
    out = list(items)
    if ids:
        wanted = set(ids)
        out = [i for i in out if i.id in wanted]
    if limit and 0 < limit < len(out):
        n = len(out)
        out = [out[(j * n) // limit] for j in range(limit)]
    return out


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        import psutil

        info["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:  # pragma: no cover - psutil is a core dependency
        pass
    with contextlib.suppress(OSError):
        info["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    return info


def run_evaluation(
    services: Any,
    items: Sequence[GoldItem],
    configs: Sequence[str] = CONFIGS,
    out_dir: Path = Path("eval/reports/runs"),
    *,
    k: int = 10,
    n_resamples: int = 1000,
    seed: int = 0,
    with_answers: bool = True,
    show_progress: bool = True,
    cache_dir: Path | None = None,
    run_id: str | None = None,
    gold_path: Path | None = None,
    write: bool = True,
) -> RunResult:
    """Evaluate ``configs`` on ``items`` and (``write``) write the run folder."""
    from tqdm import tqdm

    t_start = time.perf_counter()
    run_id = run_id or new_run_id()
    items = list(items)
    configs = [c for c in CONFIGS if c in configs]
    result = RunResult(run_id, Path(out_dir) / run_id, items, configs)

    ask_fn: AskFn | None = None
    answer_configs: list[str] = []
    if with_answers:
        if "hybrid" in configs:
            ask_fn, why = find_answerer(services)
            if ask_fn is None:
                result.notes.append(
                    f"Answer metrics for troly were not computed: {why}. "
                    "This run evaluates retrieval only for troly's configurations."
                )
            else:
                answer_configs.append("hybrid")
        if "naive" in configs:
            answer_configs.append("naive")
    else:
        result.notes.append("Answers were not evaluated (--no-answers).")

    bar = tqdm(
        total=len(items) * (len(configs) + len(answer_configs)),
        unit="q",
        file=sys.stderr,
        disable=not show_progress,
        dynamic_ncols=True,
    )
    naive: NaivePipeline | None = None
    timings: dict[str, float] = {}
    try:
        for cfg in configs:
            t = time.perf_counter()
            if cfg == "naive":
                bar.set_description("naive: embedding the corpus")
                naive = NaivePipeline(services.settings.corpus_dir, services.embedder, k, cache_dir)
                naive.build(progress=lambda d, n: bar.set_postfix_str(f"{d}/{n} nodes"))
                bar.set_postfix_str("")
                search_fn: Any = naive.search
            else:
                search_fn = troly_search_fn(services.retriever, cfg, k)
            _warm_up(search_fn, WARMUP_QUESTION)
            bar.set_description(f"search {cfg}")
            res = RetrievalEvaluator(depth=k, name=cfg).run(items, search_fn, bar.update)
            result.retrieval[cfg] = add_confidence_intervals(
                res, RETRIEVAL_METRICS, n_resamples, seed
            )
            timings[f"retrieval_{cfg}_s"] = time.perf_counter() - t

        for cfg in answer_configs:
            t = time.perf_counter()
            fn: AskFn | None = ask_fn if cfg == "hybrid" else (naive.answer if naive else None)
            if fn is None:
                continue
            ask = fn
            _warm_up(ask, WARMUP_QUESTION, None)
            bar.set_description(f"ask {cfg}")
            res = AnswerEvaluator(name=cfg).run(items, ask, bar.update)
            result.answers[cfg] = add_confidence_intervals(
                res, ANSWER_CI_METRICS, n_resamples, seed
            )
            timings[f"answers_{cfg}_s"] = time.perf_counter() - t
    finally:
        bar.close()

    try:
        points = services.store.count()
    except Exception:  # the report still says what it can
        points = None
    result.info = {
        "run_id": run_id,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "gold": str(gold_path) if gold_path else None,
        "items": len(items),
        "answerable": sum(1 for i in items if i.answerable),
        "configs": configs,
        "answer_configs": list(result.answers),
        "k": k,
        "bootstrap": {"resamples": n_resamples, "seed": seed, "level": 0.95},
        "index_points": points,
        "embedder": getattr(services.embedder, "name", "?"),
        "province_mode": services.settings.retrieval.province_mode,
        "naive": (
            {
                "nodes": naive.n_nodes,
                "build_s": round(naive.build_seconds, 2),
                "embeddings_cached": naive.cached,
            }
            if naive
            else None
        ),
        "timings_s": {key: round(v, 2) for key, v in timings.items()},
        "runtime_s": round(time.perf_counter() - t_start, 2),
        "machine": machine_info(),
    }
    if write:
        from troly.evaluation.report import write_run

        write_run(result)
    return result


def _warm_up(fn: Any, *args: Any) -> None:
    """Load models and caches before timing (a failure here shows up per item later)."""
    with contextlib.suppress(Exception):
        fn(*args)
