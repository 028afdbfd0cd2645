"""Admin endpoints (``X-API-Key``): upload and index plans, re-index, export feedback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import PurePath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import StreamingResponse

from troly.api import uploads
from troly.api.deps import AdminDep, StateDep
from troly.api.schemas import ErrorResponse, IngestOut
from troly.api.state import gold_candidate
from troly.documents import DocumentError, parse, suffix_for, supported_suffixes
from troly.ingestion import IngestSummary, ingest_paths, ingest_trees
from troly.schema import DocumentTree

log = logging.getLogger("troly.api")
router = APIRouter(
    prefix="/admin",
    tags=["Quản trị"],
    responses={
        401: {"model": ErrorResponse, "description": "Thiếu hoặc sai X-API-Key"},
        404: {"model": ErrorResponse, "description": "Chức năng quản trị chưa bật"},
    },
)


def _out(summary: IngestSummary, doc_ids: list[str]) -> IngestOut:
    return IngestOut(
        documents=summary.documents,
        skipped=summary.skipped,
        sections=summary.sections,
        tasks=summary.tasks,
        chunks=summary.chunks,
        seconds=round(summary.seconds, 2),
        per_document=summary.per_document,
        errors=summary.errors,
        doc_ids=doc_ids,
    )


MSG_BUNDLED = (
    "Mã văn bản '{doc_id}' trùng với một kế hoạch có sẵn trong kho; hãy đặt doc_id khác, "
    "hoặc gửi replace_bundled=true nếu muốn thay thế kế hoạch đó."
)
MSG_TOO_MANY = "Quá nhiều tệp trong một lần tải ({n}, tối đa {limit})."


@router.post(
    "/ingest",
    summary="Tải lên và lập chỉ mục văn bản (.txt)",
    response_model=IngestOut,
    responses={
        409: {"model": ErrorResponse, "description": "Trùng mã với kế hoạch có sẵn"},
        413: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
    },
)
def ingest(
    _: AdminDep,
    state: StateDep,
    files: Annotated[
        list[UploadFile],
        File(description="Một hoặc nhiều tệp .docx, .doc, .pdf, .html, .txt.", min_length=1),
    ],
    province: Annotated[str | None, Form(max_length=100, examples=["Phú Yên"])] = None,
    year: Annotated[int | None, Form(ge=1990, le=2100, examples=[2026])] = None,
    title: Annotated[str | None, Form(max_length=500)] = None,
    number: Annotated[str | None, Form(max_length=100)] = None,
    doc_id: Annotated[
        str | None, Form(max_length=100, description="Chỉ khi tải một tệp; mặc định theo tên tệp.")
    ] = None,
    force: Annotated[bool, Form()] = False,
    replace_bundled: Annotated[
        bool,
        Form(description="Cho phép thay thế một kế hoạch có sẵn cùng mã (mặc định: từ chối)."),
    ] = False,
) -> IngestOut:
    """Phân tích từng tệp thành cây mục và bản ghi nhiệm vụ rồi lập chỉ mục vào Qdrant.

    Tệp lỗi được báo trong `errors` và không được lưu lại; các tệp còn lại vẫn được nạp.
    Mã văn bản trùng một kế hoạch có sẵn bị từ chối, trừ khi gửi `replace_bundled=true`.
    """
    settings = state.services.settings
    limit_files = settings.server.max_upload_files
    if len(files) > limit_files:
        raise HTTPException(
            status_code=422, detail=MSG_TOO_MANY.format(n=len(files), limit=limit_files)
        )
    if doc_id and len(files) != 1:
        raise HTTPException(status_code=422, detail="doc_id chỉ dùng khi tải lên đúng một tệp.")
    limit = settings.server.max_upload_bytes
    bundled = uploads.bundled_ids(settings)
    staged: list[uploads.Staged] = []
    trees: list[DocumentTree] = []
    errors: dict[str, str] = {}
    conflicts = 0
    fields = {"province": province, "year": year, "title": title, "number": number}
    try:
        for f in files:
            name = PurePath(f.filename or "van-ban.txt").name
            suffix = PurePath(name).suffix.lower()
            did = doc_id or uploads.slug(PurePath(name).stem)
            if did in bundled and not replace_bundled:
                errors[did] = MSG_BUNDLED.format(doc_id=did)
                conflicts += 1
                continue
            data = f.file.read(limit + 1)
            if len(data) > limit:
                raise HTTPException(
                    status_code=413, detail=f"Tệp {name} quá lớn (tối đa {limit} byte)."
                )
            # a binary format is read from the content, not the name (a .doc saved as .docx
            # is a .doc); plain text keeps the name's suffix (a .csv is not a plan)
            sniffed = suffix_for(data)
            if sniffed and sniffed != ".txt":
                suffix = sniffed
            if suffix not in supported_suffixes():
                errors[did] = (
                    f"Định dạng '{suffix or '(không có)'}' chưa được hỗ trợ; "
                    f"hỗ trợ: {', '.join(supported_suffixes())}"
                )
                continue
            try:
                uploads.check_text(f"{did}{suffix}", data)
                item = uploads.stage(settings, did, suffix, data, fields)
                staged.append(item)
                tree = parse(item.path, did, {k: v for k, v in fields.items() if v})
                tree.meta.source_path = str(item.final)
                trees.append(tree)
            except DocumentError as exc:
                errors[did] = str(exc).split(" / ")[0]
        svc = state.services
        summary = IngestSummary(errors=errors)
        if trees:
            if "answerer" in svc.__dict__:
                svc.answerer.invalidate()
            summary = ingest_trees(
                trees,
                svc.store,
                svc.embedder,
                settings.retrieval.max_chunk_chars,
                settings.embedding.batch_size,
                force=force,
                summary=summary,
            )
        # Only what parsed and indexed is kept and listed; rejected files leave no trace.
        good = {t.doc_id for t in trees} - set(summary.errors)
        uploads.commit(settings, [s for s in staged if s.doc_id in good])
    finally:
        uploads.discard(staged)
    log.info("admin ingest: %d indexed, %d errors", summary.documents, len(summary.errors))
    if not trees and errors:
        status = 409 if conflicts == len(errors) else 422
        raise HTTPException(
            status_code=status, detail="; ".join(f"{k}: {v}" for k, v in errors.items())
        )
    return _out(summary, [t.doc_id for t in trees if t.doc_id in good])


@router.post("/reindex", summary="Lập lại chỉ mục toàn bộ kho văn bản", response_model=IngestOut)
def reindex(
    _: AdminDep,
    state: StateDep,
    force: Annotated[
        bool, Query(description="Lập lại cả văn bản không đổi (mặc định: chỉ văn bản đã đổi).")
    ] = False,
) -> IngestOut:
    svc = state.services
    settings = svc.settings
    summary = svc.ingest(force=force)
    extra = uploads.entries(settings)
    if extra:
        up = ingest_paths(
            extra,
            svc.store,
            svc.embedder,
            settings.retrieval.max_chunk_chars,
            settings.embedding.batch_size,
            force=force,
        )
        for name in ("documents", "skipped", "sections", "tasks", "chunks", "seconds"):
            setattr(summary, name, getattr(summary, name) + getattr(up, name))
        summary.per_document.update(up.per_document)
        summary.errors.update(up.errors)
    log.info("admin reindex: %d indexed, %d skipped", summary.documents, summary.skipped)
    return _out(summary, list(summary.per_document))


@router.get(
    "/feedback/export",
    summary="Xuất góp ý thành ứng viên cho bộ câu hỏi mẫu (JSONL)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export_feedback(
    _: AdminDep,
    state: StateDep,
    rating: Annotated[Literal["up", "down"] | None, Query()] = None,
) -> StreamingResponse:
    """Mỗi dòng một mục theo định dạng `eval/gold.jsonl` (evidence/facts để trống cho người
    rà soát điền), kèm khối `feedback` với đánh giá, góp ý và câu trả lời đã đưa ra."""
    rows = state.feedback.rows(rating)

    def lines() -> Iterator[str]:
        for row in rows:
            yield json.dumps(gold_candidate(row), ensure_ascii=False) + "\n"

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feedback-gold-candidates.jsonl"'},
    )
