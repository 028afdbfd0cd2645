"""What a review returns: findings with both sides cited, and their text rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from troly.schema import Citation

Severity = Literal["contradiction", "duplicate", "note"]
FindingKind = Literal[
    "contradiction",
    "internal_contradiction",
    "duplicate",
    "internal_duplicate",
    "duplicate_numbering",
    "overlap",
    "note",
    "law_contradiction",
    "law_duplicate",
]

SEVERITY_RANK: dict[str, int] = {"contradiction": 0, "duplicate": 1, "note": 2}
KIND_SEVERITY: dict[str, Severity] = {
    "contradiction": "contradiction",
    "internal_contradiction": "contradiction",
    "duplicate": "duplicate",
    "internal_duplicate": "duplicate",
    "duplicate_numbering": "duplicate",
    "overlap": "note",
    "note": "note",
    "law_contradiction": "contradiction",
    "law_duplicate": "duplicate",
}
KIND_LABELS: dict[str, str] = {
    "contradiction": "Mâu thuẫn với kế hoạch hiện hành",
    "internal_contradiction": "Mâu thuẫn trong chính văn bản",
    "duplicate": "Trùng lặp với kế hoạch hiện hành",
    "internal_duplicate": "Lặp lại trong chính văn bản",
    "duplicate_numbering": "Trùng số thứ tự",
    "overlap": "Tương tự một phần",
    "note": "Lưu ý",
    "law_contradiction": "Khác với quy định của luật",
    "law_duplicate": "Nhắc lại quy định của luật",
}
FIELD_LABELS: dict[str, str] = {
    "lead": "Cơ quan chủ trì",
    "partners": "Cơ quan phối hợp",
    "deadline": "Thời gian thực hiện",
    "value": "Chỉ tiêu",
    "issued": "Ngày ban hành",
    "number": "Số văn bản",
    "numbering": "Số thứ tự",
    "text": "Nội dung",
}


@dataclass
class FieldDiff:
    """One field on which the two sides differ (``draft`` vs ``corpus`` values verbatim).

    ``grade`` is "contradiction" for a real disagreement and "note" for a difference
    worth a look but not a conflict (only the year differs, a deadline in free text).
    """

    field: str
    draft: str
    corpus: str
    detail: str = ""
    grade: Literal["contradiction", "note"] = "contradiction"

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label": self.label,
            "draft": self.draft,
            "corpus": self.corpus,
            "detail": self.detail,
            "grade": self.grade,
        }


@dataclass
class Finding:
    """A flagged draft item: what it is, where both sides are, what differs, why."""

    kind: FindingKind
    explanation: str
    draft: Citation
    citations: list[Citation] = field(default_factory=list)
    fields: list[FieldDiff] = field(default_factory=list)
    similarity: float | None = None
    scores: dict[str, float] = field(default_factory=dict)
    draft_excerpt: str = ""
    corpus_excerpts: list[str] = field(default_factory=list)
    id: str = ""
    order: int = 0

    @property
    def severity(self) -> Severity:
        return KIND_SEVERITY[self.kind]

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def sort_key(self) -> tuple[int, int, float]:
        return (SEVERITY_RANK[self.severity], self.order, -(self.similarity or 0.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "label": self.label,
            "explanation": self.explanation,
            "similarity": None if self.similarity is None else round(self.similarity, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "draft_excerpt": self.draft_excerpt or self.draft.text,
            "corpus_excerpts": self.corpus_excerpts or [c.text for c in self.citations],
            "draft_citation": self.draft.to_dict(),
            "citations": [c.to_dict() for c in self.citations],
            "fields": [f.to_dict() for f in self.fields],
        }


@dataclass
class ReviewReport:
    """The result of :meth:`Reviewer.review` (a draft) or :meth:`Reviewer.audit` (a plan)."""

    mode: Literal["review", "audit"]
    doc_id: str
    title: str
    province: str | None
    year: int | None
    compared_with: list[str] = field(default_factory=list)
    items_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    took_ms: float = 0.0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out

    def severity_counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITY_RANK}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def of_kind(self, *kinds: str) -> list[Finding]:
        return [f for f in self.findings if f.kind in kinds]

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "doc_id": self.doc_id,
            "title": self.title,
            "province": self.province,
            "year": self.year,
            "compared_with": self.compared_with,
            "items_checked": self.items_checked,
            "counts": self.counts(),
            "severity_counts": self.severity_counts(),
            "findings": [f.to_dict() for f in self.findings],
            "warnings": self.warnings,
            "took_ms": round(self.took_ms, 1),
        }

    def to_text(self, width: int = 300) -> str:
        return render_text(self, width)


def _clip(text: str, width: int) -> str:
    t = " ".join(text.split())
    return t if len(t) <= width else t[: width - 1].rstrip() + "…"


def _cite(c: Citation) -> str:
    return f"[{c.doc_id} › {c.location}]"


def render_text(report: ReviewReport, width: int = 300) -> str:
    """A readable rendering: a header, counts, then each finding with both sides."""
    head = "RÀ SOÁT DỰ THẢO" if report.mode == "review" else "KIỂM TRA VĂN BẢN"
    lines = [f"{head}: {report.title or report.doc_id}"]
    meta = [f"doc_id={report.doc_id}"]
    if report.province:
        meta.append(f"tỉnh={report.province}")
    if report.year:
        meta.append(f"năm={report.year}")
    lines.append("  " + " ".join(meta))
    if report.compared_with:
        lines.append("  So sánh với: " + ", ".join(report.compared_with))
    sev = report.severity_counts()
    lines.append(
        f"  Đã kiểm tra {report.items_checked} mục: {sev['contradiction']} mâu thuẫn, "
        f"{sev['duplicate']} trùng lặp, {sev['note']} lưu ý ({report.took_ms / 1000:.1f} s)."
    )
    for w in report.warnings:
        lines.append(f"  ! {w}")
    if not report.findings:
        lines.append("")
        lines.append(
            "Không phát hiện trùng lặp hay mâu thuẫn. / No duplication or contradiction found."
        )
    here, there = ("Dự thảo", "Đối chiếu") if report.mode == "review" else ("Tại", "Đối chiếu")
    for f in report.findings:
        lines.append("")
        sim = f" — độ tương đồng {f.similarity:.2f}" if f.similarity is not None else ""
        lines.append(f"{f.id} [{f.severity.upper()}] {f.label}{sim}")
        lines.append(f"  {f.explanation}")
        lines.append(
            f"  {here} {_cite(f.draft)}: «{_clip(f.draft_excerpt or f.draft.text, width)}»"
        )
        excerpts = f.corpus_excerpts or [c.text for c in f.citations]
        for c, ex in zip(f.citations, excerpts, strict=False):
            lines.append(f"  {there} {_cite(c)} {c.title}: «{_clip(ex, width)}»")
        for d in f.fields:
            mark = "≠" if d.grade == "contradiction" else "~"
            extra = f" ({d.detail})" if d.detail else ""
            lines.append(f"    {mark} {d.label}: «{d.draft}» {mark} «{d.corpus}»{extra}")
    return "\n".join(lines)
