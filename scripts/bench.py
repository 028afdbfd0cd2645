"""Benchmark: ingest, search and ask latency, concurrency, and a corpus scale curve.

Usage: ``make bench`` (or ``python scripts/bench.py [--queries 200] [--out eval/reports]``).

1. **Ingest**: builds a fresh index in a temporary local Qdrant (a cold ingest), with
   chunk counts, throughput and model load time.
2. **Search latency** per mode (hybrid, dense, lexical) over the retrieval test
   questions, cycled, one at a time.
3. **Concurrency**: search (hybrid) and, when ``Services.answerer`` exists, ask latency
   p50/p95 and throughput with 1, 4 and 16 threads in-process (one shared Services,
   as the API serves it).
4. **Scale curve**: a second embedded Qdrant in a temporary folder is grown to 1k, 10k
   and 50k chunks by copying the indexed points' vectors and payloads under new ids and
   new doc_ids (nothing is re-embedded), and dense/lexical/hybrid latency is measured at
   each size (fewer queries at the larger sizes), showing where local mode stops being
   adequate for a per-search budget (``--budget-ms``, default 300 ms at p95).

Prints a summary (cores, memory and load average first), writes
``eval/reports/bench-<timestamp>.json`` and ``bench-<timestamp>-scale.png``. About
6–10 minutes on an idle 2-core machine; other processes' load is recorded because it
inflates every number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODES = ("hybrid", "dense", "lexical")


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "mean": round(statistics.fmean(values), 2) if values else 0.0,
    }


def machine() -> dict[str, object]:
    import psutil

    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """Milliseconds taken by ``fn(*args, **kwargs)``."""
    t = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - t) * 1000


def concurrency_run(
    call: Callable[[str], Any], queries: list[str], threads: int
) -> dict[str, float]:
    """Per-call latency and overall throughput of ``call`` over ``queries`` on N threads."""
    errors = 0

    def one(q: str) -> float | None:
        nonlocal errors
        try:
            return timed(call, q)
        except Exception:
            errors += 1
            return None

    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        lat = [x for x in pool.map(one, queries) if x is not None]
    wall = time.perf_counter() - t
    out = stats(lat)
    out.update({"threads": threads, "qps": round(len(queries) / wall, 2), "errors": errors})
    return out


def copy_points(src: Any, dst: Any, target: int, next_copy: int) -> int:
    """Grow ``dst`` to ``target`` points with copies of ``src``'s points (copy 0 as is,
    then new ids and doc_ids ``<doc>-syn<n>``); returns the next copy number. Vectors
    and payloads are copied, never re-embedded; the writes form one store write
    (one new generation with the embedded edge engine)."""
    from troly.index_store import StoredPoint

    points = list(src.store.points())
    have = dst.store.count()
    with dst.store.writing():
        while have < target:
            part = points[: target - have]
            out = []
            for p in part:
                payload, pid = p.payload, p.id
                if next_copy:  # copy 0 is the original index as it is
                    pid = str(uuid.uuid4())
                    payload = {**payload, "doc_id": f"{payload['doc_id']}-syn{next_copy}"}
                out.append(StoredPoint(pid, payload, p.dense, p.sparse))
            for i in range(0, len(out), 512):
                dst.store.upsert_points(out[i : i + 512])
            have += len(out)
            next_copy += 1
    return next_copy


def scale_curve(
    svc: Any,
    tmp: Path,
    queries: list[str],
    sizes: list[int],
    per_size: list[int],
) -> list[dict[str, Any]]:
    from troly.retriever import Retriever
    from troly.schema import SearchFilters
    from troly.services import build_services
    from troly.settings import QdrantSettings

    settings = svc.settings.model_copy(
        update={"qdrant": QdrantSettings(path=tmp / "scale", collection="bench_scale")}
    )
    big = build_services(settings, embedder=svc.embedder)
    # the originals first, under their own ids, then synthetic copies
    with big.store.writing():
        big.store.ensure_collection(svc.embedder.dim, svc.embedder.name)
    copy_points(svc, big, svc.store.count(), 0)
    retriever = Retriever(big.store, svc.embedder, settings.retrieval, svc.provinces)
    vectors = svc.embedder.embed_queries(queries[: max(per_size)])
    prepared = []
    for q, vec in zip(queries, vectors, strict=False):
        named = retriever.provinces.detect(q)
        prepared.append((vec, SearchFilters(province="|".join(named)) if named else None))
    rows = []
    next_copy = 1
    for size, n in zip(sizes, per_size, strict=True):
        t = time.perf_counter()
        next_copy = copy_points(svc, big, size, next_copy)
        grow_s = time.perf_counter() - t
        retriever.search(queries[0], k=10)  # warm-up at this size
        row: dict[str, Any] = {"chunks": big.store.count(), "grow_s": round(grow_s, 1)}
        for mode in MODES:
            lat = [timed(retriever.search, q, k=10, mode=mode) for q in queries[:n]]
            row[mode] = stats(lat)
        # the store's share of dense search (query embedding excluded): what grows with N
        lat = [
            timed(big.store.dense_search, vec, flt, settings.retrieval.candidates)
            for vec, flt in prepared[:n]
        ]
        row["dense_store"] = stats(lat)
        row["rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        rows.append(row)
        print(
            f"scale {row['chunks']:>6} chunks (+{grow_s:.0f} s to grow): "
            + ", ".join(
                f"{m} p50 {row[m]['p50']:.0f} / p95 {row[m]['p95']:.0f} ms"
                for m in (*MODES, "dense_store")
            ),
            flush=True,
        )
    big.close()
    return rows


def plot_scale(
    rows: list[dict[str, Any]], budget_ms: float, path: Path, engine: str = "edge"
) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    xs = [r["chunks"] for r in rows]
    colors = {"hybrid": "#2ca02c", "dense": "#ff7f0e", "lexical": "#1f77b4"}
    for mode in MODES:
        ax.plot(
            xs, [r[mode]["p50"] for r in rows], marker="o", color=colors[mode], label=f"{mode} p50"
        )
        ax.plot(
            xs,
            [r[mode]["p95"] for r in rows],
            ls="--",
            color=colors[mode],
            alpha=0.6,
            label=f"{mode} p95",
        )
    ax.plot(
        xs,
        [r["dense_store"]["p50"] for r in rows],
        marker="x",
        color="#9467bd",
        label="dense, store only p50",
    )
    ax.axhline(budget_ms, color="red", lw=1, ls=":", label=f"budget {budget_ms:.0f} ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the embedded Qdrant collection")
    ax.set_ylabel("search latency (ms)")
    ax.set_title(f"Embedded Qdrant ({engine}): search latency vs corpus size")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small", ncol=2)
    fig.tight_layout()
    fig.savefig(path)


def adequate_up_to(rows: list[dict[str, Any]], budget_ms: float) -> dict[str, int | None]:
    """Largest measured size whose p95 is within the budget, per mode."""
    out: dict[str, int | None] = {}
    for mode in MODES:
        ok = [r["chunks"] for r in rows if r[mode]["p95"] <= budget_ms]
        out[mode] = max(ok) if ok else None
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--queries", type=int, default=200, help="searches per mode (step 2)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    ap.add_argument("--threads", default="1,4,16", help="concurrency levels (step 3)")
    ap.add_argument("--concurrent-queries", type=int, default=64, help="searches per level")
    ap.add_argument("--ask-queries", type=int, default=32, help="asks per level")
    ap.add_argument("--sizes", default="1000,10000,50000", help="scale curve sizes (step 4)")
    ap.add_argument("--size-queries", default="40,20,8", help="queries per mode at each size")
    ap.add_argument("--budget-ms", type=float, default=300.0, help="p95 search budget")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-concurrency", action="store_true")
    args = ap.parse_args()

    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    t_start = time.perf_counter()
    m = machine()
    print(
        f"machine: {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']}, Python {m['python']}; "
        f"load average {m['load_avg_start']}",
        flush=True,
    )
    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "tests" / "data" / "retrieval_questions.jsonl")
        .read_text("utf-8")
        .splitlines()
        if line.strip()
    ]
    queries = [questions[i % len(questions)] for i in range(args.queries)]
    threads = [int(x) for x in args.threads.split(",") if x]
    sizes = [int(x) for x in args.sizes.split(",") if x]
    size_queries = [int(x) for x in args.size_queries.split(",") if x]
    if len(size_queries) != len(sizes):
        ap.error("--size-queries needs one number per --sizes entry")

    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            qdrant=QdrantSettings(path=Path(tmp) / "qdrant"), data_dir=Path(tmp) / "data"
        )
        svc = build_services(settings)
        t = time.perf_counter()
        svc.embedder  # noqa: B018 - load the model outside the ingest timing
        load_s = time.perf_counter() - t
        summary = svc.ingest(force=True)
        print(
            f"ingest: {summary.documents} docs, {summary.sections} sections, {summary.tasks} "
            f"tasks, {summary.chunks} chunks in {summary.seconds:.1f} s "
            f"({summary.chunks_per_second:.2f} chunks/s); model load {load_s:.2f} s",
            flush=True,
        )
        svc.retriever.search("khởi động", k=5)  # warm-up
        latencies: dict[str, list[float]] = {mode: [] for mode in MODES}
        for mode in MODES:
            for q in queries:
                latencies[mode].append(timed(svc.retriever.search, q, k=10, mode=mode))
        for mode, v in latencies.items():
            s = stats(v)
            print(
                f"search {mode:<7} n={s['n']} p50={s['p50']} ms p95={s['p95']} ms "
                f"mean={s['mean']} ms"
            )

        concurrency: dict[str, Any] = {}
        if not args.skip_concurrency:
            conc_q = [questions[i % len(questions)] for i in range(args.concurrent_queries)]
            concurrency["search"] = [
                concurrency_run(lambda q: svc.retriever.search(q, k=10), conc_q, n) for n in threads
            ]
            try:
                answerer = svc.answerer
                answerer.ask(questions[0])  # warm-up (task records, caches)
            except Exception as exc:
                answerer = None
                concurrency["ask_note"] = f"answerer not available: {type(exc).__name__}: {exc}"
            if answerer is not None:
                ask_q = [questions[i % len(questions)] for i in range(args.ask_queries)]
                concurrency["ask"] = [concurrency_run(answerer.ask, ask_q, n) for n in threads]
            for what in ("search", "ask"):
                for row in concurrency.get(what, []):
                    print(
                        f"{what:<6} threads={row['threads']:>2} n={row['n']} p50={row['p50']} ms "
                        f"p95={row['p95']} ms throughput={row['qps']} q/s errors={row['errors']}",
                        flush=True,
                    )
            if "ask_note" in concurrency:
                print(f"ask: {concurrency['ask_note']}")

        scale: list[dict[str, Any]] = []
        if not args.skip_scale:
            scale = scale_curve(svc, Path(tmp), questions, sizes, size_queries)
        svc.close()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report.update(
        {
            "machine": m,
            "model_load_s": round(load_s, 3),
            "ingest": {
                "documents": summary.documents,
                "sections": summary.sections,
                "tasks": summary.tasks,
                "chunks": summary.chunks,
                "seconds": round(summary.seconds, 2),
                "chunks_per_s": round(summary.chunks_per_second, 2),
                "per_document": summary.per_document,
            },
            "search_ms": {mode: stats(v) for mode, v in latencies.items()},
            "concurrency": concurrency,
            "scale": {
                "budget_p95_ms": args.budget_ms,
                "rows": scale,
                "adequate_up_to": adequate_up_to(scale, args.budget_ms) if scale else {},
            },
            "peak_rss_mib": round(peak_mib, 1),
            "runtime_s": round(time.perf_counter() - t_start, 1),
        }
    )
    m["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = args.out / f"bench-{stamp}.json"
    if scale:
        png = args.out / f"bench-{stamp}-scale.png"
        plot_scale(scale, args.budget_ms, png)
        report["scale"]["plot"] = png.name
        ok = report["scale"]["adequate_up_to"]
        print(
            f"embedded store within p95 ≤ {args.budget_ms:.0f} ms up to: "
            + ", ".join(f"{k} {v if v else '<' + str(sizes[0])} chunks" for k, v in ok.items())
        )
        print(f"scale plot: {_rel(png)}")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"peak RSS: {report['peak_rss_mib']} MiB; runtime {report['runtime_s']} s; "
        f"load average now {m['load_avg_end']}"
    )
    print(f"report: {_rel(out)}")
    return 0


def _rel(p: Path) -> Path:
    try:
        return p.resolve().relative_to(ROOT)
    except ValueError:
        return p


if __name__ == "__main__":
    sys.exit(main())
