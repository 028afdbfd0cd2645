"""Exception handlers: every error answer is JSON ``{"detail": <Vietnamese>, "request_id"}``.

The catch-all for unexpected exceptions is :class:`troly.api.safety.RequestContextMiddleware`
(it answers a generic 500 and logs the traceback server-side only).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from troly.api.safety import MSG_INTERNAL, current_request_id
from troly.documents import DocumentError
from troly.index_store import IndexUnavailable
from troly.retriever import QueryError

MSG_UNAVAILABLE = (
    "Hệ thống tìm kiếm (Qdrant) tạm thời không sẵn sàng. Xin vui lòng thử lại sau ít phút."
)
MSG_INVALID = "Yêu cầu không hợp lệ: {fields}."

_HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Chưa xác thực.",
    403: "Không có quyền truy cập.",
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ.",
    413: "Yêu cầu quá lớn.",
}


def _body(detail: Any) -> dict[str, Any]:
    return {"detail": detail, "request_id": current_request_id()}


def _strip_bilingual(message: str) -> str:
    """Core messages are 'Vietnamese. / English.'; clients get the Vietnamese half."""
    return message.split(" / ")[0].strip()


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(IndexUnavailable)
    async def _index_down(_: Request, exc: IndexUnavailable) -> JSONResponse:
        return JSONResponse(status_code=503, content=_body(MSG_UNAVAILABLE))

    @app.exception_handler(QueryError)
    async def _bad_question(_: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse(status_code=422, content=_body(_strip_bilingual(str(exc))))

    @app.exception_handler(DocumentError)
    async def _bad_document(_: Request, exc: DocumentError) -> JSONResponse:
        return JSONResponse(status_code=422, content=_body(_strip_bilingual(str(exc))))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
            errors.append({"field": ".".join(loc) or "body", "message": str(e.get("msg", ""))})
        fields = ", ".join(sorted({e["field"] for e in errors})) or "nội dung"
        body = _body(MSG_INVALID.format(fields=fields))
        body["errors"] = errors
        return JSONResponse(status_code=422, content=body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if not isinstance(detail, str) or detail in ("Not Found", "Method Not Allowed"):
            detail = _HTTP_MESSAGES.get(exc.status_code, detail)
        return JSONResponse(status_code=exc.status_code, content=_body(detail), headers=exc.headers)

    @app.exception_handler(500)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        return JSONResponse(status_code=500, content=_body(MSG_INTERNAL))
