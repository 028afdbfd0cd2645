"""Precision and recall of the reviewer on a labelled set (``eval/review_set.jsonl``).

Each line is one draft: ``{"id", "text", "label": duplicate|contradiction|clean,
"field" (for contradictions: lead|deadline|value), "doc_id", "location", "province"}``.
A draft is *predicted* ``contradiction`` if the review has a cross-plan contradiction,
else ``duplicate`` if it has a duplicate, else ``clean`` (overlap notes and internal
checks do not count). Precision/recall are per kind over the drafts; the citation
check asks that a flagged draft cite its source item, the field check that a
contradiction names the edited field.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from troly.review.model import ReviewReport
from troly.review.reviewer import Reviewer

KINDS = ("contradiction", "duplicate")
Scope = Literal["province", "auto", "source"]


def load_set(path: str | Path) -> list[dict[str, Any]]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def predicted_label(report: ReviewReport) -> str:
    kinds = {f.kind for f in report.findings}
    if "contradiction" in kinds:
        return "contradiction"
    if "duplicate" in kinds:
        return "duplicate"
    return "clean"


def _cites_source(report: ReviewReport, row: dict[str, Any], kind: str) -> bool:
    for f in report.of_kind(kind):
        for c in f.citations:
            loc = c.location.split(" (#")[0]
            if c.doc_id == row.get("doc_id") and loc == row.get("location"):
                return True
    return False


def _names_field(report: ReviewReport, expected: str) -> bool:
    return any(
        d.field == expected and d.grade == "contradiction"
        for f in report.of_kind("contradiction")
        for d in f.fields
    )


@dataclass
class Outcome:
    id: str
    label: str
    predicted: str
    cited_source: bool | None = None
    named_field: bool | None = None
    took_ms: float = 0.0
    summary: str = ""


@dataclass
class EvalResult:
    outcomes: list[Outcome] = field(default_factory=list)
    scope: str = "province"
    seconds: float = 0.0

    def counts(self, kind: str) -> dict[str, int]:
        tp = sum(1 for o in self.outcomes if o.label == kind and o.predicted == kind)
        fp = sum(1 for o in self.outcomes if o.label != kind and o.predicted == kind)
        fn = sum(1 for o in self.outcomes if o.label == kind and o.predicted != kind)
        return {"tp": tp, "fp": fp, "fn": fn, "support": tp + fn}

    def precision(self, kind: str) -> float:
        c = self.counts(kind)
        return c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0

    def recall(self, kind: str) -> float:
        c = self.counts(kind)
        return c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0

    def confusion(self) -> dict[str, dict[str, int]]:
        labels = ("contradiction", "duplicate", "clean")
        out = {a: dict.fromkeys(labels, 0) for a in labels}
        for o in self.outcomes:
            out[o.label][o.predicted] += 1
        return out

    def rate(self, attr: str) -> tuple[int, int]:
        vals = [getattr(o, attr) for o in self.outcomes if getattr(o, attr) is not None]
        return sum(1 for v in vals if v), len(vals)

    def to_dict(self) -> dict[str, Any]:
        cited = self.rate("cited_source")
        named = self.rate("named_field")
        return {
            "scope": self.scope,
            "items": len(self.outcomes),
            "seconds": round(self.seconds, 1),
            "per_kind": {
                k: {
                    **self.counts(k),
                    "precision": round(self.precision(k), 4),
                    "recall": round(self.recall(k), 4),
                }
                for k in KINDS
            },
            "confusion": self.confusion(),
            "source_cited": {"hits": cited[0], "of": cited[1]},
            "field_named": {"hits": named[0], "of": named[1]},
            "errors": [
                {"id": o.id, "label": o.label, "predicted": o.predicted, "summary": o.summary}
                for o in self.outcomes
                if o.label != o.predicted
            ],
        }

    def to_text(self) -> str:
        lines = [f"Rà soát dự thảo — bộ nhãn {len(self.outcomes)} mục (phạm vi: {self.scope})"]
        lines.append(
            f"{'loại':<15}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}{'n':>5}"
        )
        for k in KINDS:
            c = self.counts(k)
            lines.append(
                f"{k:<15}{self.precision(k):>10.3f}{self.recall(k):>8.3f}"
                f"{c['tp']:>5}{c['fp']:>5}{c['fn']:>5}{c['support']:>5}"
            )
        cited, of = self.rate("cited_source")
        named, nof = self.rate("named_field")
        lines.append(
            f"trích dẫn đúng nguồn: {cited}/{of}; nêu đúng trường khác nhau: {named}/{nof}"
        )
        lines.append("ma trận nhầm lẫn (nhãn → dự đoán):")
        for label, row in self.confusion().items():
            lines.append(f"  {label:<14} " + " ".join(f"{k}={v}" for k, v in row.items()))
        errors = [o for o in self.outcomes if o.label != o.predicted]
        if errors:
            lines.append("sai:")
            lines += [f"  {o.id}: {o.label} → {o.predicted} {o.summary}" for o in errors]
        lines.append(f"thời gian: {self.seconds:.1f} s")
        return "\n".join(lines)


def evaluate(
    reviewer: Reviewer, rows: Iterable[dict[str, Any]], scope: Scope = "province"
) -> EvalResult:
    """Review every draft of ``rows``.

    ``scope``: "province" passes each row's province (the drafter knows their province;
    clean rows without one are compared with every plan); "auto" passes none (the
    reviewer recognises the province in the text or compares with every plan);
    "source" compares with the row's source plan only (``against``).
    """
    result = EvalResult(scope=scope)
    t0 = time.perf_counter()
    for row in rows:
        province = row.get("province") if scope == "province" else None
        against = [row["doc_id"]] if scope == "source" and row.get("doc_id") else None
        report = reviewer.review(row["text"], province=province, against=against)
        pred = predicted_label(report)
        out = Outcome(row["id"], row["label"], pred, took_ms=report.took_ms)
        if row["label"] in KINDS and pred in KINDS:
            out.cited_source = _cites_source(report, row, pred)
        if row["label"] == "contradiction" and pred == "contradiction":
            out.named_field = _names_field(report, row.get("field", ""))
        top = report.findings[0] if report.findings else None
        if top is not None:
            out.summary = f"[{top.kind}] {top.explanation[:160]}"
        result.outcomes.append(out)
    result.seconds = time.perf_counter() - t0
    return result
