"""scripts/plot_runs.py: before/after answer metrics per set and split, plotted and printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit


def _run(folder: Path, dev: float, test: float) -> Path:
    folder.mkdir(parents=True)
    split = {
        s: {"n": 10.0, "fact_recall": v, "citation_precision": v - 0.05}
        for s, v in (("dev", dev), ("test", test))
    }
    summary = {"breakdowns": {"answers": {"hybrid": {"split": split}}}}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def test_plot_runs_draws_and_tabulates_each_set_and_split(tmp_path: Path) -> None:
    before = _run(tmp_path / "b", 0.90, 0.80)
    after = _run(tmp_path / "a", 0.91, 0.85)
    out = tmp_path / "plot.png"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "plot_runs.py"),
            "--out",
            str(out),
            "--pair",
            f"gold:{before}:{after}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000
    lines = proc.stdout.splitlines()
    assert any(
        line.startswith("gold") and "dev" in line and "0.900 → 0.910" in line for line in lines
    )
    assert any(
        "test" in line and "0.800 → 0.850" in line and "0.750 → 0.800" in line for line in lines
    )
