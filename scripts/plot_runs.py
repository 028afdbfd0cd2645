"""Plot answer metrics of `troly eval` runs before and after a change, per gold set and split.

    .venv/bin/python scripts/plot_runs.py --out eval/reports/issue11/stop30.png \
        --pair gold:RUN_BEFORE:RUN_AFTER --pair fresh:RUN_BEFORE:RUN_AFTER …

Each RUN is a run folder of `troly eval` (holding ``summary.json``). For every set the
plot shows fact recall and citation precision on its dev and test splits, before (light)
and after (dark), so a change that gains on dev but not on the untouched test halves is
visible at a glance. A table of the same figures is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

METRICS = ("fact_recall", "citation_precision")


def split_figures(run: Path) -> dict[str, dict[str, float]]:
    """{split: {metric: value}} of a run's troly answerer."""
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    by_split = summary["breakdowns"]["answers"]["hybrid"]["split"]
    return {s: {m: float(v[m]) for m in METRICS} for s, v in by_split.items()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", action="append", required=True, help="NAME:BEFORE_RUN:AFTER_RUN")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--title", default="troly answerer: before → after, per set and split")
    args = ap.parse_args()
    rows: list[tuple[str, str, dict[str, float], dict[str, float]]] = []
    for pair in args.pair:
        name, before, after = pair.split(":")
        b, a = split_figures(Path(before)), split_figures(Path(after))
        for split in ("dev", "test"):
            if split in b and split in a:
                rows.append((name, split, b[split], a[split]))
    fig, axes = plt.subplots(1, len(METRICS), figsize=(6 * len(METRICS), 0.45 * len(rows) + 1.5))
    labels = [f"{n} {s}" for n, s, _, _ in rows]
    ys = range(len(rows))
    for ax, metric in zip(axes, METRICS, strict=True):
        before = [r[2][metric] for r in rows]
        after = [r[3][metric] for r in rows]
        ax.barh([y + 0.2 for y in ys], before, height=0.4, color="#9ecae1", label="before")
        ax.barh([y - 0.2 for y in ys], after, height=0.4, color="#08519c", label="after")
        ax.set_yticks(list(ys), labels)
        ax.invert_yaxis()
        ax.set_xlim(0.6, 1.0)
        ax.set_title(metric.replace("_", " "))
        ax.grid(axis="x", alpha=0.3)
    axes[0].legend(loc="lower right")
    fig.suptitle(args.title)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"{'set':<10} {'split':<5} " + " ".join(f"{m:>28}" for m in METRICS))
    for name, split, was, now in rows:
        cells = " ".join(f"{was[m]:>12.3f} → {now[m]:<12.3f}" for m in METRICS)
        print(f"{name:<10} {split:<5} {cells}")
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
