"""Fit the sentence-relevance model on the dev split only → src/troly/data/sentence_ranker.json.

    .venv/bin/python scripts/train_ranker.py [--gold eval/gold.jsonl [--gold …]]

Several ``--gold`` files pool their dev splits (each item's split is fixed by its id).

For every answerable dev item: retrieve the top 8 chunks as the answerer does, take each
sentence's features (troly.answerer.ranker.FEATURES) and label it 1 when it contains a
gold evidence snippet (or is contained in one). A logistic regression (numpy, L2, class
weights balanced) is fitted; the refusal threshold is the highest best-sentence
probability cut that keeps false refusals on dev at or under 1% while refusing the most
unanswerable dev items. Test items are never read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from troly.answerer.analysis import NUMBER_CUE
from troly.answerer.evidence import accents_of, question_terms
from troly.answerer.ranker import FEATURES, SentenceRanker, candidates
from troly.evaluation.gold import load_gold, select_split
from troly.services import build_services
from troly.text import fold, normalize_for_match


def fit(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 3000, balanced: bool = True
) -> tuple[np.ndarray, float]:
    """Logistic regression by gradient descent (L2; classes weighted to balance unless
    ``balanced`` is False); also scripts/train_row_choice.py's fit."""
    w = np.zeros(x.shape[1])
    b = 0.0
    pos = max(y.sum(), 1.0)
    neg = max(len(y) - y.sum(), 1.0)
    weighted = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))
    sw = weighted if balanced else np.ones(len(y))
    lr = 0.5
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = (p - y) * sw
        w -= lr * (x.T @ g / len(y) + l2 * w / len(y))
        b -= lr * g.mean()
    return w, float(b)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--gold", type=Path, action="append", help="repeatable; default eval/gold.jsonl"
    )
    ap.add_argument("--out", type=Path, default=Path("src/troly/data/sentence_ranker.json"))
    args = ap.parse_args()
    golds = args.gold or [Path("eval/gold.jsonl")]
    items = [it for g in golds for it in select_split(load_gold(g), "dev")]
    svc = build_services()
    provinces = svc.answerer.provinces
    known = svc.retriever.restorer().accent_keys
    xs: list[list[float]] = []
    ys: list[int] = []
    best: list[tuple[bool, list[list[float]]]] = []  # (answerable, features of every candidate)
    for it in items:
        if it.history:
            continue
        q = it.question
        want_figure = bool(NUMBER_CUE.search(fold(q)))
        chunks = [r.chunk for r in svc.retriever.search(q, k=8)]
        terms = question_terms(q, provinces)
        ev = [normalize_for_match(e) for e in it.evidence]
        with accents_of([q], known):
            cands = candidates(chunks, terms, want_figure)
        rows = []
        for s, _c, f in cands:
            ns = normalize_for_match(s)
            label = int(any(e in ns or (len(ns) > 30 and ns in e) for e in ev))
            if it.answerable:
                xs.append(f)
                ys.append(label)
            rows.append(f)
        best.append((it.answerable, rows))
    x, y = np.array(xs), np.array(ys, dtype=float)
    w, b = fit(x, y)
    model = SentenceRanker([round(float(v), 4) for v in w], round(b, 4))
    # refusal threshold on the best candidate's probability, chosen on dev
    tops = [(ans, max((model.prob(f) for f in rows), default=0.0)) for ans, rows in best]
    n_ans = sum(1 for a, _ in tops if a)
    choice = (0.0, 0.0)
    for t in sorted({round(p, 3) for _, p in tops}):
        fr = sum(1 for a, p in tops if a and p < t)
        caught = sum(1 for a, p in tops if not a and p < t)
        if fr <= 0.01 * n_ans and caught > choice[1]:
            choice = (t, caught)
    model.threshold = round(choice[0], 3)
    p = 1 / (1 + np.exp(-(x @ w + b)))
    order = np.argsort(-p)
    auc_pairs = (y[:, None] > y[None, :]) & (p[:, None] > p[None, :])
    auc = auc_pairs.sum() / max((y == 1).sum() * (y == 0).sum(), 1)
    model.meta = {
        "trained_on": "dev split of " + ", ".join(str(g) for g in golds),
        "items": len(items),
        "sentences": len(ys),
        "positives": int(y.sum()),
        "train_auc": round(float(auc), 3),
        "refusal_threshold_catches_unanswerable": int(choice[1]),
    }
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(dict(zip(FEATURES, model.weights, strict=True)), "bias", model.bias)
    print(model.meta, "threshold", model.threshold, "top-1 label", y[order[0]])
    svc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
