"""Choose what the lexical index reads of a passage, on the dev splits only.

Both rankings of every dev question are fetched once through the product's retriever
(as in ``scripts/tune_fusion.py``: the bundled plans and six laws of the legal library,
each ingested by the product); then the lexical ranking is recomputed in-process for
each variant of the passage terms — with the product's own term functions
(:func:`troly.chunking.lexical_terms`), BM25 weights
(:func:`troly.index_store.sparse_from_terms`) and Qdrant's IDF formula over the same
chunks and the same province filter — and fused with the stored dense ranking as the
product fuses. The variant the code is configured with reproduces the stored ranking
exactly (the report's ``stored`` figures; "bigrams off, heading ×0" is index version 2).

Variants: syllable bigrams on the passage side (on / off) × extra readings of a legal
article's heading (0–3). Choice rule (fixed before looking): best mean MRR@10 over the
two dev sets, then mean hit@1.

    python scripts/tune_lexical.py [--work DIR]

Writes ``eval/reports/lexical-dev-<time>.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_legal_product import DEFAULT_LAWS, laws_services, subset_suite  # noqa: E402
from tune_fusion import (  # noqa: E402
    legal_candidates,
    plans_candidates,
    plans_services,
    score_legal,
    score_plans,
)

from troly.chunking import lexical_terms  # noqa: E402
from troly.index_store import Hit, sparse_from_terms  # noqa: E402
from troly.paraphrase import expand as expand_paraphrases  # noqa: E402
from troly.retriever import Candidates  # noqa: E402
from troly.schema import Chunk  # noqa: E402
from troly.text import query_terms  # noqa: E402

VARIANTS = [(bigrams, rep) for bigrams in (False, True) for rep in (0, 1, 2, 3)]


class LexicalIndex:
    """Sparse vectors of ``chunks`` for one variant, scored as Qdrant scores them
    (dot product of query weights with passage weights × IDF)."""

    def __init__(self, chunks: list[Chunk], bigrams: bool, heading_repeat: int) -> None:
        self.chunks = chunks
        self.rows: list[dict[int, float]] = []
        df: Counter[int] = Counter()
        for c in chunks:
            idx, val = sparse_from_terms(lexical_terms(c, heading_repeat, bigrams))
            row = dict(zip(idx, val, strict=True))
            self.rows.append(row)
            df.update(row.keys())
        n = len(chunks)
        self.idf = {t: math.log((n - k + 0.5) / (k + 0.5) + 1.0) for t, k in df.items()}

    def search(self, question: str, filters: Any, n: int) -> list[Hit]:
        """Top ``n`` chunks for ``question`` within the retriever's filters (province,
        kind, document: the ones the two evaluation sets use)."""
        idx, val = sparse_from_terms(query_terms(expand_paraphrases(question)), saturate=False)
        allowed = set(filters.province.split("|")) if filters.province else None
        scored = []
        for c, row in zip(self.chunks, self.rows, strict=True):
            if allowed is not None and c.province not in allowed:
                continue
            if (filters.kind and c.kind != filters.kind) or (
                filters.doc_id and c.doc_id != filters.doc_id
            ):
                continue
            s = sum(
                w * row.get(t, 0.0) * self.idf.get(t, 0.0) for t, w in zip(idx, val, strict=True)
            )
            if s > 0:
                scored.append(Hit(c, s))
        scored.sort(key=lambda h: -h.score)
        return scored[:n]


def relexed(
    rows: list[tuple[Any, Candidates]], index: LexicalIndex, question: Any, n: int
) -> list[tuple[Any, Candidates]]:
    out = []
    for item, c in rows:
        lx = index.search(question(item), c.trace.filters, n)
        out.append((item, replace(c, lexical=lx)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    ap.add_argument("--work", type=Path, help="keep the two stores here (re-runs skip ingest)")
    args = ap.parse_args()

    started = time.strftime("%Y%m%d-%H%M%S")
    load_start = [round(x, 2) for x in os.getloadavg()]
    laws = [x.strip() for x in DEFAULT_LAWS.split(",")]
    suite = subset_suite(laws)
    with tempfile.TemporaryDirectory(prefix="troly-lexical-") as tmp:
        root = args.work or Path(tmp)
        plans = plans_services(root)
        laws_svc, doc_to_law = laws_services(laws, root)
        try:
            rs = plans.settings.retrieval
            cur = (rs.fusion, rs.dense_weight, rs.lexical_weight, rs.rrf_k)
            n = rs.candidates
            for name, svc in (("plans", plans), ("laws", laws_svc)):
                t0 = time.perf_counter()
                s = svc.ingest()
                print(f"{name}: {s.chunks} chunks ingested in {time.perf_counter() - t0:.0f} s")
            p_rows = plans_candidates(plans, "dev", n)
            l_rows = legal_candidates(laws_svc, suite, "dev", n)
            p_chunks, l_chunks = plans.store.chunks(), laws_svc.store.chunks()
        finally:
            plans.close()
            laws_svc.close()
    print(f"dev: {len(p_rows)} plan questions, {len(l_rows)} legal questions")

    stored = {
        "plans": score_plans(p_rows, cur, cur),
        "laws": score_legal(l_rows, cur, cur, doc_to_law),
    }
    trials = []
    for bigrams, rep in VARIANTS:
        p_idx = LexicalIndex(p_chunks, bigrams, rep)
        l_idx = LexicalIndex(l_chunks, bigrams, rep)
        p = score_plans(relexed(p_rows, p_idx, lambda i: i.question, n), cur, cur)
        lg = score_legal(relexed(l_rows, l_idx, lambda q: q.query_text, n), cur, cur, doc_to_law)
        trials.append(
            {
                "bigrams": bigrams,
                "heading_repeat": rep,
                "plans": p,
                "laws": lg,
                "mean_mrr": (p["mrr"] + lg["mrr"]) / 2,
                "mean_hit@1": (p["hit@1"] + lg["hit@1"]) / 2,
            }
        )
        print(
            f"bigrams={bigrams!s:5} heading×{rep}: plans h@1 {p['hit@1']:.3f} h@5 {p['hit@5']:.3f} "
            f"MRR {p['mrr']:.3f} | laws h@1 {lg['hit@1']:.3f} h@5 {lg['hit@5']:.3f} "
            f"MRR {lg['mrr']:.3f}",
            flush=True,
        )
    best = max(trials, key=lambda t: (round(t["mean_mrr"], 4), t["mean_hit@1"]))
    report = {
        "started": started,
        "split": "dev",
        "load_avg": [load_start, [round(x, 2) for x in os.getloadavg()]],
        "fusion": list(cur),
        "n_plans": len(p_rows),
        "n_laws": len(l_rows),
        "laws": laws,
        "stored": stored,
        "trials": trials,
        "best": {"bigrams": best["bigrams"], "heading_repeat": best["heading_repeat"]},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"lexical-dev-{started}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"as stored: plans {stored['plans']} laws {stored['laws']}")
    print(f"best on dev: bigrams={best['bigrams']} heading×{best['heading_repeat']} → {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
