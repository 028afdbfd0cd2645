"""Precision/recall of the draft reviewer on eval/review_set.jsonl.

    python scripts/eval_review.py                      # scope: each row's province
    python scripts/eval_review.py --scope auto         # no province given
    python scripts/eval_review.py --index --json       # also use the Qdrant index; JSON out

The set is built from the bundled plans: items copied unchanged (duplicate), items with
exactly one field edited — lead agency, deadline or a numeric target (contradiction) —
and new plausible items (clean). See troly.review.evaluation for the scoring rules.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--set", default=str(ROOT / "eval" / "review_set.jsonl"), help="labelled set")
    ap.add_argument("--scope", choices=["province", "auto", "source"], default="province")
    ap.add_argument("--index", action="store_true", help="also query the Qdrant index")
    ap.add_argument("--no-dense", action="store_true", help="lexical similarity only")
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ap.add_argument("--out", help="also write the JSON metrics to this file")
    args = ap.parse_args(argv)

    from troly.review import Reviewer
    from troly.review.evaluation import evaluate, load_set
    from troly.services import build_services

    services = build_services()
    try:
        reviewer = Reviewer(services, use_index=args.index, use_dense=not args.no_dense)
        result = evaluate(reviewer, load_set(args.set), scope=args.scope)
    finally:
        services.close()
    data = result.to_dict()
    if args.out:
        Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else result.to_text())
    ok = all(
        result.precision(k) >= 0.85 and result.recall(k) >= 0.85
        for k in ("contradiction", "duplicate")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
