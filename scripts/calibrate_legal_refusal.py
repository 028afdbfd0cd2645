"""Calibrate the legal answers' refusal check on the ALQAC dev split (never test).

The library's six laws (as ``scripts/eval_legal_product.py``) are ingested by the
product; two kinds of dev questions are asked through its retriever:

* **in-library**: every relevant article is in the six laws — the answer should cite one;
* **out-of-library**: none of their laws is in the six — the library holds no governing
  text, the answer should be a refusal.

For each way of measuring how much of a question an article covers and each threshold,
:func:`troly.legal_answer.answer_legal` is run on the same retrieved articles, and the
report gives the share of in-library answers citing a relevant article, their refusal
rate and the out-of-library refusal rate. Choice rule (fixed before looking): the most
in-library citations among settings that refuse at least as many out-of-library
questions as the previous setting did.

    python scripts/calibrate_legal_refusal.py [--work DIR] [--split dev]

Writes ``eval/reports/legal/refusal-<split>-<time>.json`` and prints the grid.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_legal_product import (  # noqa: E402
    DEFAULT_LAWS,
    LEGAL,
    SHARED,
    cited_articles,
    laws_services,
)

import troly.legal_answer as la  # noqa: E402
from troly.evaluation.legal import load_suites  # noqa: E402

THRESHOLDS = (0.30, 0.34, 0.38, 0.42, 0.46, 0.50)


def _all_options(question: str) -> list[tuple[set[str], set[str]]]:
    """The check before this script: every option counted against the article."""
    return [la._terms(question)]


# how a question is read by the check (troly.legal_answer.question_term_sets)
COVERAGES: dict[str, Callable[[str], list[tuple[set[str], set[str]]]]] = {
    "all options counted": _all_options,
    "options as alternatives": la.question_term_sets,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--work", type=Path, help="keep the store here (re-runs skip ingest)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "legal")
    args = ap.parse_args()

    started = time.strftime("%Y%m%d-%H%M%S")
    load_start = [round(x, 2) for x in os.getloadavg()]
    laws = {x.strip() for x in DEFAULT_LAWS.split(",")}
    suite = next(s for s in load_suites(SHARED, LEGAL) if s.name == "alqac2024")
    qs = [q for q in suite.questions if q.split == args.split and q.relevant]
    inlib = [q for q in qs if {r[0] for r in q.relevant} <= laws]
    outlib = [q for q in qs if not {r[0] for r in q.relevant} & laws]
    print(f"{args.split}: {len(inlib)} in-library, {len(outlib)} out-of-library questions")
    with tempfile.TemporaryDirectory(prefix="troly-refusal-") as tmp:
        svc, doc_to_law = laws_services(sorted(laws), args.work or Path(tmp))
        try:
            svc.ingest()
            # the answerer's own retrieval for a legal question (Answerer._legal: k=8)
            retrieved = [
                (kind, q, svc.retriever.search(q.query_text, k=8))
                for kind, group in (("in", inlib), ("out", outlib))
                for q in group
            ]
            # the configured check through the whole answerer (its named-law handling too)
            asked = {"in": [0, 0], "out": [0, 0]}  # [cites relevant, refused]
            for kind, q, _ in retrieved:
                ans = svc.answerer.ask(q.query_text)
                asked[kind][1] += ans.refused
                if kind == "in":
                    asked[kind][0] += bool(set(cited_articles(ans, doc_to_law)) & set(q.relevant))
        finally:
            svc.close()
    through_answerer = {
        "in_library_cites_relevant": round(asked["in"][0] / max(1, len(inlib)), 3),
        "in_library_refused": round(asked["in"][1] / max(1, len(inlib)), 3),
        "out_of_library_refused": round(asked["out"][1] / max(1, len(outlib)), 3),
    }
    print(f"through the answerer (configured): {through_answerer}")

    current = (la.question_term_sets, la.MIN_OVERLAP)
    grid: list[dict[str, Any]] = []
    try:
        for (name, cov), thr in itertools.product(COVERAGES.items(), THRESHOLDS):
            la.question_term_sets, la.MIN_OVERLAP = cov, thr
            cites = refused_in = refused_out = 0
            for kind, q, results in retrieved:
                ans = la.answer_legal(q.query_text, results)
                if kind == "out":
                    refused_out += ans.refused
                    continue
                refused_in += ans.refused
                cites += bool(set(cited_articles(ans, doc_to_law)) & set(q.relevant))
            row = {
                "coverage": name,
                "threshold": thr,
                "in_library_cites_relevant": round(cites / max(1, len(inlib)), 3),
                "in_library_refused": round(refused_in / max(1, len(inlib)), 3),
                "out_of_library_refused": round(refused_out / max(1, len(outlib)), 3),
            }
            grid.append(row)
            print(
                f"{name:24} ≥ {thr:.2f}: in-library cites {row['in_library_cites_relevant']:.3f} "
                f"refused {row['in_library_refused']:.3f} | out-of-library refused "
                f"{row['out_of_library_refused']:.3f}"
            )
    finally:
        la.question_term_sets, la.MIN_OVERLAP = current
    report = {
        "started": started,
        "split": args.split,
        "load_avg": [load_start, [round(x, 2) for x in os.getloadavg()]],
        "laws": sorted(laws),
        "n_in_library": len(inlib),
        "n_out_of_library": len(outlib),
        "configured": {"threshold": current[1]},
        "grid": grid,
        "through_answerer": through_answerer,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"refusal-{args.split}-{started}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
