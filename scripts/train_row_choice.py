"""Fit the row-or-prose model on dev splits only → src/troly/data/row_choice.json.

    .venv/bin/python scripts/train_row_choice.py --gold eval/gold.jsonl --gold … [--dry-run]

Several ``--gold`` files pool their dev splits (each item's split is fixed by its id);
test items are never read, and a set held out whole (``gold_fresh6.jsonl``) is not to be
passed. Every answerable dev item without history is asked through the product's
answerer with its ``decision_log`` set: each time the answerer weighs a task row that
reaches the support threshold against the sentences it picked for this question
(:mod:`troly.answerer.rowchoice`), the decision is logged. The label is 1 when a gold
evidence snippet is in the row and not in the sentences picked, 0 for the reverse;
decisions where both or neither hold the evidence teach nothing and are left out, and a
decision repeated within one item counts once; decisions the structural guards of
``decide`` settle never reach the model and are left out too (their count is printed).
A logistic regression (numpy, L2) is fitted. The script prints, on
the same decisions, how often always-prose, the hand-set margin rule the model replaced
and the model choose the side holding the evidence: in-sample and leave-one-set-out
(each set's decisions predicted by a model fitted on the others; with one set there is
no held-out figure).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from train_ranker import fit as fit_logistic

from troly.answerer.rowchoice import (
    ROW_FEATURES,
    MarginRule,
    RowChoice,
    RowDecision,
    ranker_fingerprint,
)
from troly.evaluation.gold import load_gold, select_split
from troly.services import build_services
from troly.text import normalize_for_match


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """train_ranker's logistic regression, unweighted: the decision is taken at p 0.5,
    so the classes keep their dev proportions."""
    return fit_logistic(x, y, l2=l2, steps=4000, balanced=False)


def accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    return float((pred == y).mean()) if len(y) else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", type=Path, action="append", required=True, help="repeatable")
    ap.add_argument("--out", type=Path, default=Path("src/troly/data/row_choice.json"))
    ap.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the fit")
    args = ap.parse_args()
    svc = build_services()
    answerer = svc.answerer
    feats: list[list[float]] = []
    labels: list[float] = []
    groups: list[int] = []
    guarded = 0
    for gi, gold in enumerate(args.gold):
        items = select_split(load_gold(gold), "dev")
        for n, it in enumerate(items, 1):
            if not it.answerable or it.history:
                continue
            log: list[RowDecision] = []
            answerer.decision_log = log
            answerer.ask(it.question)
            answerer.decision_log = None
            ev = [normalize_for_match(e) for e in it.evidence]
            seen: set[tuple[str, tuple[float, ...]]] = set()
            for d in log:
                key = (d.row.id, tuple(d.features))
                if d.question != it.question or key in seen:
                    continue
                if d.guarded:
                    guarded += 1
                    continue
                seen.add(key)
                row_text = normalize_for_match(d.row.fields.get("content", "") + "\n" + d.row.text)
                said = normalize_for_match("\n".join(s.text for s in d.sentences))
                in_row = any(e in row_text for e in ev)
                in_sentences = any(e in said for e in ev)
                if in_row != in_sentences:
                    feats.append(d.features)
                    labels.append(1.0 if in_row else 0.0)
                    groups.append(gi)
            print(f"\r{gold.name}: {n}/{len(items)} dev items, {len(labels)} decisions", end="")
        print()
    svc.close()
    if not labels:
        print("no decision recorded: nothing to fit", file=sys.stderr)
        return 1
    X, Y, G = np.array(feats), np.array(labels), np.array(groups)
    rule = MarginRule()
    rule_pred = np.array([1.0 if rule.prefers_row(list(r)) else 0.0 for r in X])
    w, b = fit(X, Y, l2=args.l2)
    model = RowChoice([round(float(v), 4) for v in w], round(b, 4))
    model_pred = np.array([1.0 if model.prefers_row(list(r)) else 0.0 for r in X])
    prose = np.zeros_like(Y)
    sets = sorted(set(groups))
    held_out: np.ndarray | None = None
    if len(sets) > 1:  # leave one set out
        held_out = np.zeros_like(Y)
        for gi in sets:
            held = np.equal(G, gi)
            wi, bi = fit(X[~held], Y[~held], l2=args.l2)
            m = RowChoice([float(v) for v in wi], bi)
            held_out[held] = [1.0 if m.prefers_row(list(r)) else 0.0 for r in X[held]]
    print(
        f"decisions {len(Y)}, row holds the evidence {int(Y.sum())}; settled by a guard {guarded}"
    )
    print(f"always prose accuracy {accuracy(prose, Y):.3f}")
    print(f"margin rule accuracy {accuracy(rule_pred, Y):.3f}")
    print(f"fitted model accuracy {accuracy(model_pred, Y):.3f} (in-sample)")
    if held_out is not None:
        print(f"fitted model accuracy {accuracy(held_out, Y):.3f} (leave one set out)")
        for gi, gold in enumerate(args.gold):
            held = np.equal(G, gi)
            base, ruled = accuracy(prose[held], Y[held]), accuracy(rule_pred[held], Y[held])
            print(
                f"  {gold.name}: n={int(held.sum())} always prose {base:.3f} rule {ruled:.3f} "
                f"held-out model {accuracy(held_out[held], Y[held]):.3f}"
            )
    print(dict(zip(ROW_FEATURES, model.weights, strict=True)), "bias", model.bias)
    meta: dict[str, object] = {
        "trained_on": "dev splits of " + ", ".join(str(p) for p in args.gold),
        "decisions": len(Y),
        "settled_by_guards": guarded,
        "row_positives": int(Y.sum()),
        "always_prose_accuracy": round(accuracy(prose, Y), 3),
        "margin_rule_accuracy": round(accuracy(rule_pred, Y), 3),
        "model_accuracy_in_sample": round(accuracy(model_pred, Y), 3),
        "sentence_ranker": ranker_fingerprint(),
        "l2": args.l2,
    }
    if held_out is not None:
        meta["model_accuracy_leave_one_set_out"] = round(accuracy(held_out, Y), 3)
    model.meta = meta
    if not args.dry_run:
        args.out.write_text(model.to_json() + "\n", encoding="utf-8")
        print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
