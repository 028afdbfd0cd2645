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

Variants (``--grid reading``): syllable bigrams on the passage side (on / off) × extra
readings of a legal article's heading (0–3). Choice rule (fixed before looking): best
mean MRR@10 over the two dev sets, then mean hit@1.

``--grid bm25`` keeps today's reading and varies BM25's term-frequency saturation:
k1 × b × average passage length (the fixed 160 terms, or the mean of each kind's own
passages). Plans and laws are chosen separately (their passages differ in length by
an order of magnitude): best MRR@10 on that kind's dev set, then hit@5.

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

from troly.chunking import ARTICLE_HEADING_REPEAT, lexical_terms  # noqa: E402
from troly.index_store import Hit, passage_sparse, sparse_from_terms  # noqa: E402
from troly.paraphrase import expand as expand_paraphrases  # noqa: E402
from troly.retriever import Candidates  # noqa: E402
from troly.schema import Chunk  # noqa: E402
from troly.text import query_terms  # noqa: E402

VARIANTS = [(bigrams, rep) for bigrams in (False, True) for rep in (0, 1, 2, 3)]


BM25 = tuple[float, float, float]  # k1, b, average passage length in terms
K1S = (0.8, 1.2, 1.6, 2.0)
BS = (0.3, 0.5, 0.75, 0.9)


class LexicalIndex:
    """Sparse vectors of ``chunks`` for one variant, scored as Qdrant scores them
    (dot product of query weights with passage weights × IDF)."""

    def __init__(
        self,
        chunks: list[Chunk],
        bigrams: bool = True,
        heading_repeat: int = ARTICLE_HEADING_REPEAT,
        bm25: BM25 | None = None,
        terms: list[list[str]] | None = None,
    ) -> None:
        self.chunks = chunks
        self.rows: list[dict[int, float]] = []
        df: Counter[int] = Counter()
        if terms is None:
            terms = [lexical_terms(c, heading_repeat, bigrams) for c in chunks]
        for c, ts in zip(chunks, terms, strict=True):
            if bm25 is None:  # as the product indexes
                idx, val = passage_sparse(ts, c.kind)
            else:
                idx, val = sparse_from_terms(ts, k1=bm25[0], b=bm25[1], avg_terms=bm25[2])
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


def _mean(trial: dict[str, Any], metric: str) -> float:
    return float((trial["plans"][metric] + trial["laws"][metric]) / 2)


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
    ap.add_argument(
        "--grid",
        choices=("reading", "bm25"),
        default="reading",
        help="what varies: the passage reading (bigrams × heading readings) or BM25's "
        "k1, b and average length with today's reading",
    )
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

    def score(p_idx: LexicalIndex, l_idx: LexicalIndex) -> dict[str, Any]:
        p = score_plans(relexed(p_rows, p_idx, lambda i: i.question, n), cur, cur)
        lg = score_legal(relexed(l_rows, l_idx, lambda q: q.query_text, n), cur, cur, doc_to_law)
        print(
            f"  plans h@1 {p['hit@1']:.3f} h@5 {p['hit@5']:.3f} MRR {p['mrr']:.3f} | "
            f"laws h@1 {lg['hit@1']:.3f} h@5 {lg['hit@5']:.3f} MRR {lg['mrr']:.3f}",
            flush=True,
        )
        return {"plans": p, "laws": lg}

    trials: list[dict[str, Any]] = []
    if args.grid == "reading":
        for bigrams, rep in VARIANTS:
            print(f"bigrams={bigrams!s:5} heading×{rep}:", end="")
            r = score(LexicalIndex(p_chunks, bigrams, rep), LexicalIndex(l_chunks, bigrams, rep))
            trials.append({"bigrams": bigrams, "heading_repeat": rep, **r})
        best = max(trials, key=lambda t: (round(_mean(t, "mrr"), 4), _mean(t, "hit@1")))
        chosen: dict[str, Any] = {k: best[k] for k in ("bigrams", "heading_repeat")}
    else:
        p_terms = [lexical_terms(c) for c in p_chunks]
        l_terms = [lexical_terms(c) for c in l_chunks]
        avgs = {
            "plans": round(sum(map(len, p_terms)) / max(len(p_terms), 1)),
            "laws": round(sum(map(len, l_terms)) / max(len(l_terms), 1)),
        }
        print(f"mean passage terms: {avgs}")
        for k1 in K1S:
            for b in BS:
                for avg_kind in ("fixed", "mean"):
                    pa = 160.0 if avg_kind == "fixed" else float(avgs["plans"])
                    la = 160.0 if avg_kind == "fixed" else float(avgs["laws"])
                    print(f"k1={k1} b={b} avg={avg_kind}:", end="")
                    r = score(
                        LexicalIndex(p_chunks, bm25=(k1, b, pa), terms=p_terms),
                        LexicalIndex(l_chunks, bm25=(k1, b, la), terms=l_terms),
                    )
                    trials.append({"k1": k1, "b": b, "avg": avg_kind, **r})
        # chosen per kind of passage (the two sets are indexed separately by kind)
        chosen = {
            kind: {
                k: max(
                    trials, key=lambda t, kind=kind: (round(t[kind]["mrr"], 4), t[kind]["hit@5"])
                )[k]
                for k in ("k1", "b", "avg")
            }
            for kind in ("plans", "laws")
        }
        chosen["mean_terms"] = avgs
    report = {
        "started": started,
        "split": "dev",
        "grid": args.grid,
        "load_avg": [load_start, [round(x, 2) for x in os.getloadavg()]],
        "fusion": list(cur),
        "n_plans": len(p_rows),
        "n_laws": len(l_rows),
        "laws": laws,
        "stored": stored,
        "trials": trials,
        "best": chosen,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"lexical-dev-{started}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"as stored: plans {stored['plans']} laws {stored['laws']}")
    print(f"best on dev: {chosen} → {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
