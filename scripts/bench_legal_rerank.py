"""Search latency on the legal library with the best-khoản re-ranking off and on, side by
side in one run (``troly.passages``; ``RetrievalSettings.passage_rerank``).

Ingests the chosen laws into ``--data`` (kept: a second run reuses it), warms up (model,
passage statistics), then searches each ALQAC 2023/2024 question of the chosen laws with
the re-ranking off and on, alternating, and reports p50/p95 of each and their ratio with
the load average. Writes eval/reports/legal/bench-rerank-<time>.json.

    python scripts/bench_legal_rerank.py --laws all --data /tmp/troly-bench-laws
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_legal_product import DEFAULT_LAWS, law_ids, laws_services, subset_suite  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--laws", default=DEFAULT_LAWS, help="comma-separated ALQAC ids, or 'all'")
    ap.add_argument("--data", type=Path, default=Path("/tmp/troly-bench-laws"))
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "legal")
    args = ap.parse_args()
    laws = law_ids(args.laws)
    args.data.mkdir(parents=True, exist_ok=True)
    svc, _ = laws_services(laws, args.data)
    try:
        summary = svc.ingest()
        print(f"{len(laws)} laws, {summary.chunks} chunks (new or changed: {summary.documents})")
        questions = [q.query_text for q in subset_suite(laws).questions][: args.questions]
        chosen = svc.retriever.settings
        settings = {
            "off": chosen.model_copy(update={"passage_rerank": False}),
            "on": chosen.model_copy(update={"passage_rerank": True}),
        }
        t0 = time.perf_counter()
        svc.retriever.settings = settings["on"]
        svc.retriever.search(questions[0], k=8)  # model, passage statistics
        warm_s = time.perf_counter() - t0
        load_start = os.getloadavg()
        ms: dict[str, list[float]] = {"off": [], "on": []}
        for q in questions:
            for name in ("off", "on"):
                svc.retriever.settings = settings[name]
                t = time.perf_counter()
                svc.retriever.search(q, k=8)
                ms[name].append((time.perf_counter() - t) * 1000)
        svc.retriever.settings = chosen
        load_end = os.getloadavg()
    finally:
        svc.close()
    report = {
        "started": time.strftime("%Y%m%d-%H%M%S"),
        "laws": len(laws),
        "questions": len(questions),
        "first_search_s": round(warm_s, 2),
        "load_avg_start": [round(x, 2) for x in load_start],
        "load_avg_end": [round(x, 2) for x in load_end],
    }
    for name, vals in ms.items():
        report[name] = {
            "p50_ms": float(np.percentile(vals, 50)),
            "p95_ms": float(np.percentile(vals, 95)),
        }
    report["p50_ratio_on_off"] = report["on"]["p50_ms"] / report["off"]["p50_ms"]
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"bench-rerank-{report['started']}.json"
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
