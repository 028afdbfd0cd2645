"""``POST /api/v1/review``: review a draft plan against the existing plans.

The draft comes either as JSON ``{"text": …, "province": …, "against": [doc ids]}`` or as a
multipart upload (field ``file``: .txt, or .docx when python-docx is installed; optional
form fields ``province``, ``against`` (comma-separated or repeated), ``year``). The answer
is the report of :meth:`troly.review.Reviewer.review` (``ReviewReport.to_dict()``).

``Services`` come from ``request.app.state.services`` (or ``app.state.troly.services``);
one :class:`~troly.review.Reviewer` per app is kept in ``app.state.reviewer``.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from troly.review import Reviewer, ReviewError, read_draft_bytes
from troly.services import Services
from troly.text import nfc

PATH = "/api/v1/review"
DEFAULT_MAX_UPLOAD = 5_000_000

router = APIRouter(tags=["Rà soát dự thảo"])
_lock = threading.Lock()


class ReviewIn(BaseModel):
    text: str = Field(
        ...,
        description="Nội dung dự thảo (văn bản thuần).",
        examples=["a) Ban hành Kế hoạch CCHC năm 2025 của tỉnh\n- Cơ quan chủ trì: Sở Nội vụ"],
    )
    province: str | None = Field(None, description="Tỉnh của dự thảo", examples=["Hà Tĩnh"])
    against: list[str] | None = Field(
        None, description="Chỉ so sánh với các văn bản này", examples=[["ha-tinh-2025"]]
    )
    year: int | None = Field(None, ge=1990, le=2100, description="Năm của kế hoạch dự thảo")


def _services(request: Request) -> Services:
    state = request.app.state
    svc = getattr(state, "services", None)
    if svc is None and getattr(state, "troly", None) is not None:
        svc = state.troly.services
    if svc is None:
        raise HTTPException(status_code=503, detail="Dịch vụ chưa sẵn sàng.")
    return svc


def _reviewer(request: Request) -> Reviewer:
    svc = _services(request)
    with _lock:
        reviewer = getattr(request.app.state, "reviewer", None)
        if not isinstance(reviewer, Reviewer) or reviewer.services is not svc:
            reviewer = Reviewer(svc)
            request.app.state.reviewer = reviewer
    return reviewer


def _max_upload(svc: Services) -> int:
    server = getattr(svc.settings, "server", None)
    return int(getattr(server, "max_upload_bytes", DEFAULT_MAX_UPLOAD) or DEFAULT_MAX_UPLOAD)


def _ids(values: list[str]) -> list[str] | None:
    out = [v.strip() for raw in values for v in raw.replace(",", " ").split() if v.strip()]
    return out or None


async def _read_request(request: Request, limit: int) -> ReviewIn:
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise HTTPException(
                status_code=422, detail="Thiếu tệp dự thảo (trường 'file'). / Missing 'file'."
            )
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise HTTPException(
                status_code=413, detail=f"Tệp quá lớn (tối đa {limit} byte). / File too large."
            )
        try:
            text = read_draft_bytes(upload.filename or "draft.txt", data)
        except ReviewError as exc:
            raise HTTPException(status_code=exc.status, detail=str(exc)) from exc
        province = form.get("province")
        year = form.get("year")
        against = [v for v in form.getlist("against") if isinstance(v, str)]
        try:
            return ReviewIn(
                text=text,
                province=province if isinstance(province, str) and province.strip() else None,
                against=_ids(against),
                year=int(year) if isinstance(year, str) and year.strip() else None,
            )
        except (ValueError, ValidationError) as exc:
            raise HTTPException(
                status_code=422,
                detail="Dữ liệu không hợp lệ: kiểm tra các trường province, against, year.",
            ) from exc
    if ctype.startswith("application/json") or not ctype:
        body = await request.body()
        if len(body) > limit:
            raise HTTPException(status_code=413, detail="Dự thảo quá lớn. / Draft too large.")
        try:
            return ReviewIn.model_validate(json.loads(body or b"{}"))
        except (ValueError, ValidationError) as exc:
            raise HTTPException(
                status_code=422,
                detail="Cần JSON {text, province?, against?}. / Expected JSON {text, province?, "
                f"against?}}: {str(exc)[:300]}",
            ) from exc
    raise HTTPException(
        status_code=415,
        detail="Hãy gửi JSON {text, …} hoặc tải tệp .txt/.docx (multipart/form-data). / "
        "Send JSON or a multipart upload.",
    )


@router.post(
    PATH,
    summary="Rà soát dự thảo: trùng lặp và mâu thuẫn với các kế hoạch hiện hành",
    response_model=None,
    responses={
        413: {"description": "Dự thảo quá lớn"},
        415: {"description": "Định dạng tệp chưa được hỗ trợ (.docx cần python-docx)"},
        422: {"description": "Dự thảo trống hoặc tham số không hợp lệ"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ReviewIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "province": {"type": "string"},
                            "against": {"type": "string", "description": "doc ids, a,b"},
                            "year": {"type": "integer"},
                        },
                    }
                },
            },
        }
    },
)
async def review(request: Request) -> dict[str, Any]:
    reviewer = _reviewer(request)
    body = await _read_request(request, _max_upload(reviewer.services))

    def run() -> dict[str, Any]:
        report = reviewer.review(
            nfc(body.text),
            province=nfc(body.province) if body.province else None,
            against=body.against,
            year=body.year,
        )
        return report.to_dict()

    try:
        return await run_in_threadpool(run)
    except ReviewError as exc:
        status = 422 if exc.status == 404 else exc.status
        raise HTTPException(status_code=status, detail=str(exc)) from exc
