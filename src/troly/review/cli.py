"""``troly review FILE`` and ``troly audit [DOC_ID]``; wired by ``register(app)``.

Bad input (missing file, unsupported format, empty draft, unknown document or province)
prints a Vietnamese/English message and exits with code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from troly.services import Services


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"Lỗi / error: {message}", err=True)
    raise typer.Exit(code)


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


@contextmanager
def _services() -> Iterator[Services]:
    from troly.services import build_services

    try:
        svc = build_services()
    except ValueError as exc:  # settings validation
        _fail(str(exc), 2)
        raise  # unreachable
    try:
        yield svc
    finally:
        svc.close()


def _split_ids(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    ids = [v.strip() for raw in values for v in raw.replace(",", " ").split() if v.strip()]
    return ids or None


def review_command(
    file: Annotated[
        str, typer.Argument(help="Dự thảo (.txt, hoặc .docx nếu có python-docx); '-' = stdin.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="In báo cáo dạng JSON.")] = False,
    province: Annotated[
        str | None, typer.Option(help="Chỉ so sánh với kế hoạch của tỉnh này.")
    ] = None,
    against: Annotated[
        list[str] | None,
        typer.Option(
            "--against",
            help="Chỉ so sánh với các văn bản này (lặp lại cờ hoặc phân tách bằng dấu phẩy).",
        ),
    ] = None,
    year: Annotated[int | None, typer.Option(help="Năm của kế hoạch dự thảo.")] = None,
    no_index: Annotated[
        bool, typer.Option("--no-index", help="Không dùng chỉ mục Qdrant (chỉ văn bản).")
    ] = False,
) -> None:
    """Rà soát dự thảo: trùng lặp và mâu thuẫn với các kế hoạch hiện hành."""
    from troly.documents import DocumentError
    from troly.review import Reviewer, ReviewError
    from troly.review.draft import read_draft_bytes

    if file == "-":
        text = sys.stdin.read()
        draft: Any = text
    else:
        path = Path(file)
        if not path.is_file():
            _fail(f"Không tìm thấy tệp / file not found: {file}")
        try:
            draft = read_draft_bytes(path.name, path.read_bytes())
        except ReviewError as exc:
            _fail(str(exc))
            return
    with _services() as svc:
        try:
            report = Reviewer(svc, use_index=not no_index).review(
                draft, province=province, against=_split_ids(against), year=year
            )
        except (ReviewError, DocumentError) as exc:
            _fail(str(exc))
            return
    typer.echo(_dump(report.to_dict()) if as_json else report.to_text())


def audit_command(
    doc_id: Annotated[
        str | None, typer.Argument(help="Văn bản cần kiểm tra (mặc định: tất cả).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In báo cáo dạng JSON.")] = False,
) -> None:
    """Kiểm tra một kế hoạch (hoặc tất cả): trùng số thứ tự, ngày ban hành, chỉ tiêu lệch nhau."""
    from troly.documents import DocumentError
    from troly.review import Reviewer, ReviewError

    with _services() as svc:
        reviewer = Reviewer(svc, use_index=False, use_dense=False)
        try:
            reports = [reviewer.audit(doc_id)] if doc_id else reviewer.audit_all()
        except (ReviewError, DocumentError) as exc:
            _fail(str(exc))
            return
    if as_json:
        if doc_id:
            typer.echo(_dump(reports[0].to_dict()))
        else:
            typer.echo(_dump({"reports": [r.to_dict() for r in reports]}))
        return
    typer.echo("\n\n".join(r.to_text() for r in reports))
    if len(reports) > 1:
        typer.echo("\nTóm tắt / summary:")
        for r in reports:
            sev = r.severity_counts()
            typer.echo(
                f"  {r.doc_id}: {sev['contradiction']} mâu thuẫn, {sev['duplicate']} trùng lặp, "
                f"{sev['note']} lưu ý"
            )


def register(app: typer.Typer) -> None:
    """Add ``review`` and ``audit`` to the ``troly`` command line."""
    app.command("review")(review_command)
    app.command("audit")(audit_command)
