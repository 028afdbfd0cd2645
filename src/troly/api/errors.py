"""Exception handlers: every error answer is JSON ``{"detail": <Vietnamese>, "request_id"}``.

The catch-all for unexpected exceptions is :class:`troly.api.safety.RequestContextMiddleware`
(it answers a generic 500 and logs the traceback server-side only).
"""

from __future__ import annotations

import errno as errno_mod
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from troly.api.safety import MSG_INTERNAL, current_request_id, log_safe
from troly.documents import DocumentError
from troly.index_store import IndexUnavailable
from troly.retriever import QueryError

MSG_UNAVAILABLE = (
    "Hệ thống tìm kiếm (Qdrant) tạm thời không sẵn sàng. Xin vui lòng thử lại sau ít phút."
)
MSG_UNAVAILABLE_WHY = (
    "Hệ thống tìm kiếm (Qdrant) tạm thời không sẵn sàng: {reason}. Xin vui lòng thử lại sau "
    "ít phút hoặc báo quản trị viên."
)
MSG_INVALID = "Yêu cầu không hợp lệ: {fields}."
MSG_STORAGE = (
    "Máy chủ không ghi được dữ liệu ({reason}). Xin vui lòng thử lại sau hoặc báo quản trị viên."
)
_STORAGE_REASONS = {
    errno_mod.ENOSPC: "ổ đĩa đã đầy",
    errno_mod.EDQUOT: "đã hết hạn mức ổ đĩa",
    errno_mod.EROFS: "thư mục dữ liệu chỉ cho phép đọc",
    errno_mod.EACCES: "không có quyền ghi vào thư mục dữ liệu",
    errno_mod.EPERM: "không có quyền ghi vào thư mục dữ liệu",
}
log = logging.getLogger("troly.api")


def os_error_in(exc: BaseException | None) -> OSError | None:
    """The first ``OSError`` with an errno in ``exc``'s cause/context chain."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def describe_error(exc: BaseException) -> str:
    """One line for the server log: the error, and for a file-system error its errno and
    path (never sent to clients)."""
    os_err = os_error_in(exc)
    text = f"{type(exc).__name__}: {str(exc)[:300]}"
    if os_err is not None:
        code = errno_mod.errorcode.get(os_err.errno or 0, "?")
        where = os_err.filename or "?"
        text += f" [errno {os_err.errno} {code}: {os_err.strerror} — path {where}]"
    return log_safe(text)


def storage_reason(exc: BaseException) -> str | None:
    """A Vietnamese reason for a full/read-only/forbidden data folder, with its errno name."""
    os_err = os_error_in(exc)
    if os_err is None or os_err.errno not in _STORAGE_REASONS:
        return None
    code = errno_mod.errorcode.get(os_err.errno or 0, "?")
    return f"{_STORAGE_REASONS[os_err.errno or 0]}, {code}"


_HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Chưa xác thực.",
    403: "Không có quyền truy cập.",
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ.",
    413: "Yêu cầu quá lớn.",
    415: "Kiểu nội dung (Content-Type) không được hỗ trợ.",
    429: "Bạn gửi yêu cầu quá nhanh. Xin vui lòng thử lại sau.",
    503: MSG_UNAVAILABLE,
}


_WRITE_ERRNOS = (errno_mod.ENOSPC, errno_mod.EDQUOT, errno_mod.EROFS)


def unavailable_detail(exc: IndexUnavailable) -> str:
    """The Vietnamese 503 message for an unavailable index: what is wrong (the folder is
    gone, CURRENT names a missing generation, the store is corrupt, locked, the disk is
    full …), never where (the path goes to the log only)."""
    os_err = os_error_in(exc)
    if os_err is not None and os_err.errno in _WRITE_ERRNOS:
        return MSG_STORAGE.format(reason=storage_reason(exc))
    reason = getattr(exc, "reason", None)
    return MSG_UNAVAILABLE_WHY.format(reason=reason) if reason else MSG_UNAVAILABLE


def _body(detail: Any) -> dict[str, Any]:
    return {"detail": detail, "request_id": current_request_id()}


def vietnamese_detail(status: int, detail: Any) -> str:
    """Always a Vietnamese string: framework messages ("Not Found", "There was an error
    parsing the body", …) are replaced by ours; "Vietnamese / English" keeps its first half."""
    if isinstance(detail, str) and detail and not detail.isascii():
        return _strip_bilingual(detail)
    fallback = "Yêu cầu không hợp lệ." if 400 <= status < 500 else MSG_INTERNAL
    return _HTTP_MESSAGES.get(status, fallback)


def _strip_bilingual(message: str) -> str:
    """Core messages are 'Vietnamese. / English.'; clients get the Vietnamese half."""
    return message.split(" / ")[0].strip()


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(IndexUnavailable)
    async def _index_down(_: Request, exc: IndexUnavailable) -> JSONResponse:
        log.warning("index unavailable: %s", describe_error(exc))
        return JSONResponse(status_code=503, content=_body(unavailable_detail(exc)))

    @app.exception_handler(OSError)
    async def _os_error(_: Request, exc: OSError) -> JSONResponse:
        log.error("file-system error: %s", describe_error(exc))
        reason = storage_reason(exc)
        if reason is None:
            return JSONResponse(status_code=500, content=_body(MSG_INTERNAL))
        return JSONResponse(status_code=503, content=_body(MSG_STORAGE.format(reason=reason)))

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
        return JSONResponse(
            status_code=exc.status_code,
            content=_body(vietnamese_detail(exc.status_code, exc.detail)),
            headers=exc.headers,
        )

    @app.exception_handler(500)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        return JSONResponse(status_code=500, content=_body(MSG_INTERNAL))
