"""Benchmark: ingest time and throughput, chunk counts, search latency, peak memory.

Usage: ``make bench`` (or ``python scripts/bench.py [--queries 200] [--out eval/reports]``).
Builds a fresh index in a temporary local Qdrant so that it measures a cold ingest, then
runs the queries (the retrieval test questions, cycled) through the hybrid retriever and
each single-signal mode. Prints a table and writes a JSON report describing the machine.
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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def machine() -> dict[str, object]:
    import psutil

    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    args = ap.parse_args()

    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "tests" / "data" / "retrieval_questions.jsonl")
        .read_text("utf-8")
        .splitlines()
        if line.strip()
    ]
    queries = [questions[i % len(questions)] for i in range(args.queries)]

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(qdrant=QdrantSettings(path=Path(tmp) / "qdrant"))
        svc = build_services(settings)
        t = time.perf_counter()
        svc.embedder  # noqa: B018 - load the model outside the ingest timing
        load_s = time.perf_counter() - t
        summary = svc.ingest(force=True)
        svc.retriever.search("khởi động", k=5)  # warm-up
        latencies: dict[str, list[float]] = {"hybrid": [], "dense": [], "lexical": []}
        for mode in latencies:
            for q in queries:
                t = time.perf_counter()
                svc.retriever.search(q, k=10, mode=mode)
                latencies[mode].append((time.perf_counter() - t) * 1000)
        svc.close()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
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
        "search_ms": {
            mode: {
                "n": len(v),
                "p50": round(percentile(v, 50), 2),
                "p95": round(percentile(v, 95), 2),
                "mean": round(statistics.fmean(v), 2),
            }
            for mode, v in latencies.items()
        },
        "peak_rss_mib": round(peak_mib, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"bench-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")

    m = report["machine"]
    print(f"machine: {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']}, Python {m['python']}")
    ing = report["ingest"]
    print(
        f"ingest: {ing['documents']} docs, {ing['sections']} sections, {ing['tasks']} tasks, "
        f"{ing['chunks']} chunks in {ing['seconds']} s ({ing['chunks_per_s']} chunks/s); "
        f"model load {report['model_load_s']} s"
    )
    for mode, s in report["search_ms"].items():
        print(
            f"search {mode:<7} n={s['n']} p50={s['p50']} ms p95={s['p95']} ms mean={s['mean']} ms"
        )
    print(f"peak RSS: {report['peak_rss_mib']} MiB")
    print(f"report: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
