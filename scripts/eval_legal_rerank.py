"""The product on an ingested legal library, with the best-khoản re-ranking off and on.

``eval_legal_product.py`` also builds the evaluation's in-process index beside the
product (it embeds every article again); this script measures the product only, on a
library kept in ``--data`` (ingested once, reused by a second run): the ALQAC 2023/2024
questions of the chosen laws and the citizens' answerable questions, each split, with
``Retriever.search`` (kind=article) re-ranking off and on in the same run, and
``Answerer.ask`` with it on (answers citing a relevant article, refusals).

    python scripts/eval_legal_rerank.py --laws all --data /tmp/troly-laws

Writes eval/reports/legal/rerank-<time>.json and prints a table.
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

from eval_legal_product import (  # noqa: E402
    DEFAULT_LAWS,
    answer_summary,
    citizen_items,
    citizen_suite,
    keep,
    law_ids,
    laws_services,
    product_rows,
    retrieval_without_rerank,
    subset_suite,
    summarise,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--laws", default=DEFAULT_LAWS, help="comma-separated ALQAC ids, or 'all'")
    ap.add_argument("--data", type=Path, default=Path("/tmp/troly-laws"))
    ap.add_argument("--citizen", type=Path, default=ROOT / "eval" / "legal_citizen.jsonl")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "legal")
    args = ap.parse_args()
    laws = law_ids(args.laws)
    started = time.strftime("%Y%m%d-%H%M%S")
    report: dict = {"started": started, "laws": laws, "load_avg_start": os.getloadavg()}
    args.data.mkdir(parents=True, exist_ok=True)
    svc, doc_to_law = laws_services(laws, args.data)
    try:
        svc.ingest()
        suite = subset_suite(laws)
        sets = [("alqac", suite)]
        if args.citizen.exists():
            sets.append(
                ("citizen", citizen_suite(citizen_items(args.citizen, laws), suite.articles))
            )
        for name, s in sets:
            for split in ("dev", "test"):
                ranking, answers = product_rows(svc, s, doc_to_law, split)
                on = keep(summarise(ranking))
                on["search_ms_p50"] = float(np.median([r["search_ms"] for r in ranking]))
                report[f"{name}/{split}"] = {
                    "off": retrieval_without_rerank(svc, s, doc_to_law, split),
                    "on": on,
                    "answers": answer_summary(answers),
                }
                r = report[f"{name}/{split}"]
                print(
                    f"{name:8} {split:5} n={on['n']:<4} off "
                    + " ".join(f"{m} {r['off'][m]:.3f}" for m in ("hit@1", "hit@5", "mrr@10"))
                    + " | on "
                    + " ".join(f"{m} {on[m]:.3f}" for m in ("hit@1", "hit@5", "mrr@10"))
                    + f" | cites {r['answers']['cites_relevant']:.3f}"
                    f" refused {r['answers']['refusal_rate']:.3f}",
                    flush=True,
                )
    finally:
        svc.close()
    report["load_avg_end"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"rerank-{started}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
