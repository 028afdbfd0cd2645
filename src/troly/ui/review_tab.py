"""The "Rà soát dự thảo" tab: paste or upload a draft, see duplicates and contradictions.

Call :func:`build_review_tab` inside an open ``gr.Blocks()`` / ``gr.Tab(...)`` context::

    with gr.Blocks() as demo:
        with gr.Tab("Rà soát dự thảo"):
            build_review_tab(services)

The handler logic (:func:`make_review_handler`, :func:`report_rows`) is plain Python so
it is tested without starting a Gradio server.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from troly.review.model import ReviewReport

if TYPE_CHECKING:
    from troly.review import Reviewer
    from troly.services import Services

AUTO = "(Tự nhận diện theo nội dung)"
HEADERS = [
    "Mức độ",
    "Loại",
    "Vị trí trong dự thảo",
    "Trích dự thảo",
    "Đối chiếu (văn bản › vị trí)",
    "Trích văn bản đối chiếu",
    "Khác biệt",
    "Độ tương đồng",
    "Giải thích",
]
SEVERITY_VI = {"contradiction": "Mâu thuẫn", "duplicate": "Trùng lặp", "note": "Lưu ý"}
# Share of the table's width per column (the table wraps text and never scrolls sideways
# on a 1366 px screen; checked in a real browser). On a phone each finding becomes a card
# of labelled fields instead (CSS in troly.ui.chat), so nothing scrolls sideways.
COLUMN_WIDTHS = ["7%", "9%", "8%", "15%", "10%", "15%", "13%", "6%", "17%"]
EMPTY_FINDINGS = "Chưa có kết quả: dán hoặc tải dự thảo rồi bấm «Rà soát»."
INTRO = (
    "Dán nội dung dự thảo kế hoạch (hoặc tải tệp Word, PDF, HTML, .txt). "
    "Hệ thống đối chiếu từng mục, "
    "nhiệm vụ và chỉ tiêu với các kế hoạch hiện có: **trùng lặp**, **mâu thuẫn** (khác cơ "
    "quan chủ trì, thời gian hoặc số liệu cho cùng một nhiệm vụ/chỉ tiêu) và các lỗi trong "
    "chính dự thảo (trùng số thứ tự, cùng chỉ tiêu ghi hai giá trị)."
)


def accepted_suffixes() -> list[str]:
    """File suffixes the installed server can read as a draft: plain text and every format
    troly.documents has a reader for (the content is sniffed again when it is read)."""
    from troly.documents import supported_suffixes
    from troly.review.draft import TEXT_SUFFIXES

    return sorted({*TEXT_SUFFIXES, *supported_suffixes()})


def vi(message: str) -> str:
    """The Vietnamese half of a bilingual "vi / en" error message."""
    return message.split(" / ")[0].strip()


def check_upload(path: str | None) -> str | None:
    """The Vietnamese reason an uploaded file cannot be reviewed, or None when it can."""
    if not path:
        return None
    suffix = Path(str(path)).suffix.lower()
    accepted = accepted_suffixes()
    if suffix not in accepted:
        shown = suffix or "(không có phần mở rộng)"
        return (
            f"Không đọc được tệp định dạng {shown}. Xin vui lòng tải tệp "
            f"{', '.join(accepted)} hoặc dán nội dung dự thảo vào ô bên trái."
        )
    return None


def _clip(text: str, width: int = 220) -> str:
    t = " ".join(text.split())
    return t if len(t) <= width else t[: width - 1].rstrip() + "…"


def report_rows(report: ReviewReport) -> list[list[Any]]:
    """One table row per finding, most severe first."""
    rows: list[list[Any]] = []
    for f in report.findings:
        excerpts = f.corpus_excerpts or [c.text for c in f.citations]
        cites = "; ".join(f"{c.doc_id} › {c.location}" for c in f.citations)
        diffs = "; ".join(
            f"{d.label}: «{_clip(d.draft, 60)}» ≠ «{_clip(d.corpus, 60)}»" for d in f.fields
        )
        rows.append(
            [
                SEVERITY_VI.get(f.severity, f.severity),
                f.label,
                f.draft.location,
                _clip(f.draft_excerpt or f.draft.text),
                cites,
                _clip(excerpts[0]) if excerpts else "",
                diffs,
                "" if f.similarity is None else round(f.similarity, 2),
                f.explanation,
            ]
        )
    return rows


def findings_html(rows: list[list[Any]]) -> str:
    """The findings as an HTML table (every value escaped). Each cell also carries its
    column's label in a span that only phones show, where rows turn into cards."""
    if not rows:
        return f'<p class="troly-findings-empty">{html.escape(EMPTY_FINDINGS)}</p>'
    cols = "".join(f'<col style="width:{w}">' for w in COLUMN_WIDTHS)
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in HEADERS)
    body = []
    for row in rows:
        cells = "".join(
            f'<td><span class="troly-label">{html.escape(h)}</span>'
            f'<span class="troly-value">{html.escape(str(v))}</span></td>'
            for h, v in zip(HEADERS, row, strict=False)
        )
        severity = html.escape(str(row[0])) if row else ""
        body.append(f'<tr data-severity="{severity}">{cells}</tr>')
    return (
        f'<table class="troly-findings"><colgroup>{cols}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def summary_markdown(report: ReviewReport) -> str:
    sev = report.severity_counts()
    lines = [
        f"**Đã kiểm tra {report.items_checked} mục** — {sev['contradiction']} mâu thuẫn, "
        f"{sev['duplicate']} trùng lặp, {sev['note']} lưu ý "
        f"({report.took_ms / 1000:.1f} giây).",
    ]
    if report.compared_with:
        lines.append(f"So sánh với: {', '.join(report.compared_with)}.")
    lines += [f"- ⚠ {w}" for w in report.warnings]
    if not report.findings:
        lines.append("Không phát hiện trùng lặp hay mâu thuẫn.")
    return "\n\n".join(lines)


Handler = Callable[
    [str, Any, str | None, list[str] | None], tuple[str, list[list[Any]], dict[str, Any]]
]


def make_review_handler(get_reviewer: Callable[[], Reviewer]) -> Handler:
    """The click handler: (text, file, province, against) → (summary, rows, report JSON).

    ``get_reviewer`` is called on each click (the tab builds the reviewer lazily, so the
    corpus is parsed on first use, not when the UI starts).
    """

    def handler(
        text: str, file: Any, province: str | None, against: list[str] | None
    ) -> tuple[str, list[list[Any]], dict[str, Any]]:
        from troly.review import ReviewError
        from troly.review.draft import read_draft_file

        try:
            draft = text or ""
            path = getattr(file, "name", file)
            if path:
                draft = read_draft_file(Path(str(path)))
            report = get_reviewer().review(
                draft,
                province=None if not province or province == AUTO else province,
                against=list(against) if against else None,
            )
        except ReviewError as exc:
            return f"⚠ {vi(str(exc))}", [], {}
        return summary_markdown(report), report_rows(report), report.to_dict()

    return handler


def build_review_tab(services: Services) -> None:
    """Add the review inputs, button and results table to the current Gradio context."""
    import gradio as gr

    from troly.documents import load_manifest
    from troly.review import Reviewer

    holder: dict[str, Reviewer] = {}

    def get_reviewer() -> Reviewer:
        if "r" not in holder:
            holder["r"] = Reviewer(services)
        return holder["r"]

    try:
        doc_ids = [e.id for e in load_manifest(services.settings.corpus_dir)]
    except Exception:  # a broken manifest must not take the whole UI down
        doc_ids = []
    provinces = [AUTO, *services.provinces]

    gr.Markdown(INTRO)
    with gr.Row():
        text = gr.Textbox(
            label="Nội dung dự thảo",
            lines=12,
            placeholder="Ví dụ:\na) Ban hành Kế hoạch CCHC năm 2025 của tỉnh\n"
            "- Cơ quan chủ trì: Sở Nội vụ\n- Thời gian thực hiện: Tháng 12/2024",
            scale=3,
        )
        # No ``file_types``: Gradio's own check answers a wrong type with an English
        # toast; ``reject_unreadable`` below says it in Vietnamese and clears the file.
        upload = gr.File(
            label=f"Hoặc tải tệp dự thảo ({', '.join(accepted_suffixes())})",
            type="filepath",
            scale=1,
            elem_id="troly-review-file",
        )
    with gr.Row():
        province = gr.Dropdown(
            choices=provinces,
            value=AUTO,
            label="Tỉnh của dự thảo",
            info="Chỉ so sánh với kế hoạch của tỉnh này",
        )
        against = gr.Dropdown(
            choices=doc_ids,
            value=[],
            multiselect=True,
            label="So sánh với văn bản (tuỳ chọn)",
            info="Để trống: theo tỉnh đã chọn",
        )
    button = gr.Button("Rà soát", variant="primary")
    summary = gr.Markdown()
    # Our own HTML table, not gr.Dataframe: the Dataframe's virtual body drifted from its
    # header on a 360 px phone (one letter per line); here the phone layout is plain CSS.
    gr.Markdown("**Kết quả rà soát**")
    table = gr.HTML(
        findings_html([]), label="Kết quả rà soát", js_on_load=None, elem_id="troly-review-table"
    )
    with gr.Accordion("Báo cáo đầy đủ (JSON)", open=False):
        raw = gr.JSON(label="Báo cáo")
    handler = make_review_handler(get_reviewer)

    def reject_unreadable(path: str | None) -> Any:
        reason = check_upload(path)
        if reason:
            gr.Warning(reason, title="Tệp không hợp lệ")
            return None
        return gr.update()

    def review(
        text: str, file: Any, province: str | None, against: list[str] | None
    ) -> tuple[str, str, dict[str, Any]]:
        reason = check_upload(getattr(file, "name", file))
        if reason:
            gr.Warning(reason, title="Tệp không hợp lệ")
            return f"⚠ {reason}", findings_html([]), {}
        summary_md, rows, raw_report = handler(text, file, province, against)
        if summary_md.startswith("⚠"):
            gr.Warning(summary_md.lstrip("⚠ "), title="Chưa rà soát được")
        return summary_md, findings_html(rows), raw_report

    upload.upload(reject_unreadable, [upload], [upload], api_visibility="private")
    button.click(
        review,
        inputs=[text, upload, province, against],
        outputs=[summary, table, raw],
    )
