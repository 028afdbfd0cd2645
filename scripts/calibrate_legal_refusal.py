"""Calibrate the legal answers' refusal check on the ALQAC dev split (never test).

The library's six laws (as ``scripts/eval_legal_product.py``) are ingested by the
product; two kinds of dev questions are asked through its retriever:

* **in-library**: every relevant article is in the six laws — the answer should cite one;
* **out-of-library**: none of their laws is in the six — the library holds no governing
  text, the answer should be a refusal.

and, with ``--citizen`` (default ``eval/legal_citizen.jsonl``), the dev split of the
citizens' questions: answerable (their article is in the six laws) and unanswerable (no
law of the library governs them).

For each way of deciding support — wording coverage at each threshold, or the embedding
model's similarity of the closest of the first retrieved articles at each threshold —
:func:`troly.legal_answer.answer_legal` is run on the same retrieved articles, and the
report gives the share of answerable questions citing a relevant article, their refusal
rate, the refusal rate of the others and the refusal F1 (refusing the unanswerable ones
is the positive class) of each set. Choice rule (written before the grid was first run):
the best mean refusal F1 of the two sets, then the most answers citing a relevant
article. It picks similarity alone ≥ 0.88 (0.717); the product ships "similarity ≥ 0.88
or wording ≥ 0.6" (0.707) — an override, because similarity alone refuses questions that
quote a law's own words (a tested requirement; see ``troly.legal_answer.DENSE_SUPPORT``).
The refusal F1 of the citizens' set rests on 12 unanswerable dev questions: read it
beside the answers citing the governing article.

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
    citizen_items,
    laws_services,
    refusal_f1,
)

import troly.legal_answer as la  # noqa: E402
from troly.evaluation.legal import load_suites  # noqa: E402

THRESHOLDS = (0.30, 0.34, 0.38, 0.42, 0.46, 0.50)
SIMILARITIES = (0.86, 0.865, 0.87, 0.875, 0.88, 0.885, 0.89, 0.9)
# the similarity rule alone, or with "or the article holds this much of the wording"
STRONG = {"similarity alone": 1.01, "or wording ≥ 0.6": 0.6}


def _all_options(question: str) -> list[tuple[set[str], set[str]]]:
    """The check before this script: every option counted against the article."""
    return [la._terms(question)]


# how a question is read by the check (troly.legal_answer.question_term_sets)
COVERAGES: dict[str, Callable[[str], list[tuple[set[str], set[str]]]]] = {
    "all options counted": _all_options,
    "options as alternatives": la.question_term_sets,
}


def score(
    answers: list[tuple[str, set[tuple[str, str]], Any]], doc_to_law: dict[str, str]
) -> dict[str, Any]:
    """Per set (ALQAC, citizens): answers citing a relevant article, refusal rates and
    refusal F1; and the mean refusal F1 of the sets present."""
    out: dict[str, Any] = {}
    f1s = []
    for name, pos, neg in (("alqac", "in", "out"), ("citizen", "cin", "cout")):
        ans_in = [(rel, a) for k, rel, a in answers if k == pos]
        ans_out = [a for k, _, a in answers if k == neg]
        if not ans_in:
            continue
        cites = sum(bool(set(cited_articles(a, doc_to_law)) & rel) for rel, a in ans_in)
        out[f"{name}_cites"] = round(cites / len(ans_in), 3)
        out[f"{name}_answerable_refused"] = round(
            sum(a.refused for _, a in ans_in) / len(ans_in), 3
        )
        out[f"{name}_others_refused"] = round(
            sum(a.refused for a in ans_out) / max(1, len(ans_out)), 3
        )
        f1 = refusal_f1([a.refused for _, a in ans_in], [a.refused for a in ans_out])
        out[f"{name}_refusal_f1"] = round(f1, 3)
        f1s.append(f1)
    out["mean_refusal_f1"] = round(sum(f1s) / max(1, len(f1s)), 4)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--work", type=Path, help="keep the store here (re-runs skip ingest)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "legal")
    ap.add_argument("--citizen", type=Path, default=ROOT / "eval" / "legal_citizen.jsonl")
    args = ap.parse_args()

    started = time.strftime("%Y%m%d-%H%M%S")
    load_start = [round(x, 2) for x in os.getloadavg()]
    laws = {x.strip() for x in DEFAULT_LAWS.split(",")}
    suite = next(s for s in load_suites(SHARED, LEGAL) if s.name == "alqac2024")
    qs = [q for q in suite.questions if q.split == args.split and q.relevant]
    inlib = [q for q in qs if {r[0] for r in q.relevant} <= laws]
    outlib = [q for q in qs if not {r[0] for r in q.relevant} & laws]
    print(f"{args.split}: {len(inlib)} in-library, {len(outlib)} out-of-library questions")
    # (kind, question text, relevant (law, article) pairs); kinds: in/out (ALQAC),
    # cin/cout (citizens: answerable / no governing law in the library)
    asks: list[tuple[str, str, set[tuple[str, str]]]] = [
        ("in", q.query_text, set(q.relevant)) for q in inlib
    ] + [("out", q.query_text, set()) for q in outlib]
    if args.citizen.exists():
        items = [i for i in citizen_items(args.citizen, sorted(laws)) if i["split"] == args.split]
        asks += [
            (
                "cin" if i["answerable"] else "cout",
                i["question"],
                {(i["law"], str(a)) for a in i["articles"]},
            )
            for i in items
        ]
    counts = {k: sum(a[0] == k for a in asks) for k in ("in", "out", "cin", "cout")}
    print(f"{args.split}: {counts}")
    with tempfile.TemporaryDirectory(prefix="troly-refusal-") as tmp:
        svc, doc_to_law = laws_services(sorted(laws), args.work or Path(tmp))
        try:
            svc.ingest()
            # the answerer's own retrieval for a legal question (Answerer._legal: k=8)
            retrieved = [
                (kind, text, rel, svc.retriever.search(text, k=8)) for kind, text, rel in asks
            ]
            # the configured check through the whole answerer (its named-law handling too)
            through_answerer = score(
                [(k, rel, svc.answerer.ask(text)) for k, text, rel, _ in retrieved], doc_to_law
            )
        finally:
            svc.close()
    print(f"through the answerer (configured): {through_answerer}")

    current = (la.question_term_sets, la.MIN_OVERLAP)
    grid: list[dict[str, Any]] = []
    settings: list[tuple[str, str, float]] = [
        ("coverage", name, thr) for name, thr in itertools.product(COVERAGES, THRESHOLDS)
    ] + [("similarity", name, sim) for name, sim in itertools.product(STRONG, SIMILARITIES)]
    strong = la.STRONG_OVERLAP
    try:
        for how, name, thr in settings:
            if how == "coverage":
                la.question_term_sets, la.MIN_OVERLAP = COVERAGES[name], thr
            else:
                la.STRONG_OVERLAP = STRONG[name]
            answers = [
                (
                    kind,
                    rel,
                    la.answer_legal(
                        text, results, min_similarity=thr if how == "similarity" else None
                    ),
                )
                for kind, text, rel, results in retrieved
            ]
            la.question_term_sets, la.MIN_OVERLAP = current
            la.STRONG_OVERLAP = strong
            row = {"support": how, "reading": name, "threshold": thr, **score(answers, doc_to_law)}
            grid.append(row)
            print(
                f"{how:10} {name[:24]:24} ≥ {thr:.3f}: "
                + " ".join(
                    f"{k} {v}"
                    for k, v in row.items()
                    if k not in ("support", "reading", "threshold")
                )
            )
    finally:
        la.question_term_sets, la.MIN_OVERLAP = current
        la.STRONG_OVERLAP = strong
    best = max(
        grid, key=lambda r: (r["mean_refusal_f1"], r["alqac_cites"] + r.get("citizen_cites", 0))
    )
    print(f"best on {args.split}: {best['support']} {best['reading']} ≥ {best['threshold']}")
    report = {
        "started": started,
        "split": args.split,
        "load_avg": [load_start, [round(x, 2) for x in os.getloadavg()]],
        "laws": sorted(laws),
        "n_in_library": len(inlib),
        "n_out_of_library": len(outlib),
        "configured": {
            "threshold": current[1],
            "similarity": la.DENSE_SUPPORT,
            "strong_overlap": la.STRONG_OVERLAP,
        },
        "counts": counts,
        "grid": grid,
        "best": best,
        "through_answerer": through_answerer,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"refusal-{args.split}-{started}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
