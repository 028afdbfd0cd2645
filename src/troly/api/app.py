"""FastAPI application factory: one app, one port, a thin shell over :class:`Services`.

``create_app(services)`` serves

* the API under ``/api/v1`` (ask, ask/stream, search, documents, feedback, admin),
* ``/healthz`` and ``/readyz``,
* the Gradio chat for civil servants at ``/ui/``,
* the embeddable widget at ``/widget.js`` and its demo host page at ``/demo``,
* OpenAPI docs at ``/docs``.

Safety (CORS allowlist, per-client rate limit, body limits, request ids, the catch-all
error handler) is set up here from ``settings.server``; see :mod:`troly.api.safety`.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from troly.api.deps import StoreDep
from troly.api.errors import describe_error, install_error_handlers
from troly.api.routes import admin, ask, documents, feedback, health, search, web
from troly.api.safety import (
    BodySizeLimitMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    TokenBucketLimiter,
    configure_logging,
)
from troly.api.state import AppState, FeedbackStore
from troly.services import Services

API = "/api/v1"
UI_PATH = "/ui"
log = logging.getLogger("troly.api")

TAGS = [
    {"name": "Hỏi đáp", "description": "Câu trả lời có trích dẫn, một lần hoặc dạng luồng (SSE)."},
    {"name": "Tìm kiếm", "description": "Các đoạn văn bản liên quan, xếp hạng."},
    {"name": "Văn bản", "description": "Các kế hoạch trong kho: thông tin, mục lục, nhiệm vụ."},
    {"name": "Góp ý", "description": "Đánh giá câu trả lời (hữu ích / chưa đúng)."},
    {"name": "Quản trị", "description": "Cần khoá X-API-Key; chỉ có khi bật server.admin_enabled."},
    {"name": "Vận hành", "description": "Kiểm tra tiến trình và mức sẵn sàng."},
]


def is_public_api(path: str) -> bool:
    """Paths under the per-client rate limit: the public API (admin has its key)."""
    return path.startswith(f"{API}/") and not path.startswith(f"{API}/admin/")


def body_limit(services: Services) -> Any:
    server = services.settings.server
    big = (f"{API}/admin/", f"{API}/review", f"{UI_PATH}/")

    def limit_for(path: str) -> int:
        return server.max_upload_bytes if path.startswith(big) else server.max_body_bytes

    return limit_for


def _warm(services: Services) -> None:
    """Load the model and prime the answerer's caches at start-up, so /readyz turns ready
    and the first questions are not slow. Each step logs what really happened; a failure
    is only logged (/readyz reports it and the first request retries it)."""
    try:
        services.embedder  # noqa: B018 - loads the model (under the services' init lock)
    except Exception as exc:  # pragma: no cover - depends on the environment
        log.warning("warm-up: the embedding model did not load: %s", describe_error(exc))
        return
    log.info("warm-up: embedding model loaded")
    try:
        services.answerer.ask("Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024?")
        log.info("warm-up done: model loaded, answerer primed")
    except Exception as exc:
        log.warning(
            "warm-up: model loaded, but the index is not answering yet (%s); /readyz tells "
            "when it is",
            describe_error(exc),
        )


def open_store_at_start(services: Services) -> None:
    """Open the index before the first request is accepted (one client, no race); a store
    that is unavailable now is retried by the next request that needs it."""
    try:
        services.open_store()
        log.info("index store open: %s", services.store.location)
    except Exception as exc:
        log.warning("index store not available at start: %s", describe_error(exc))


def _optional(module: str, attr: str) -> Any:
    """``module.attr`` if another engineer's optional module exists, else None."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    return getattr(mod, attr, None)


def create_app(services: Services, *, ui: bool = True, warmup: bool = True) -> FastAPI:
    """Build the whole web app around ``services`` (nothing global, nothing at import)."""
    settings = services.settings
    server = settings.server
    configure_logging()
    limiter = TokenBucketLimiter(server.rate_limit_per_minute, server.rate_limit_burst)
    ip_limiter = TokenBucketLimiter(server.rate_limit_per_ip_per_minute, server.rate_limit_ip_burst)
    state = AppState(services=services, limiter=limiter, feedback=FeedbackStore(server.feedback_db))
    state.ip_limiter = ip_limiter
    state.admin_limiter = TokenBucketLimiter(
        server.admin_attempts_per_minute, max(1, server.admin_attempts_per_minute)
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(open_store_at_start, services)
        if warmup:
            threading.Thread(
                target=_warm, args=(services,), name="troly-warmup", daemon=True
            ).start()
        yield

    app = FastAPI(
        title="Trợ lý CCHC (troly)",
        description=(
            "Hỏi đáp có trích dẫn về các kế hoạch cải cách hành chính cấp tỉnh. "
            "Giao diện hỏi đáp: [/ui/](/ui/) · widget nhúng: [/demo](/demo)."
        ),
        version="0.1.0",
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.troly = state
    app.state.services = services
    install_error_handlers(app)

    app.include_router(health.router)
    app.include_router(web.router)
    api = APIRouter(prefix=API, dependencies=[StoreDep])
    for module in (ask, search, documents, feedback):
        api.include_router(module.router)
    if server.admin_enabled:
        api.include_router(admin.router)
    app.include_router(api)
    review = _optional("troly.api.routes.review", "router")
    if review is not None:
        paths = [getattr(r, "path", "") for r in review.routes]
        if any(p.startswith(f"{API}/") for p in paths):
            app.include_router(review)
        else:
            app.include_router(review, prefix=API)

    # Added innermost first: security headers → RequestContext → CORS → body limit →
    # rate limit (per address) → routes (per address and conversation, see routes/ask.py).
    app.add_middleware(
        RateLimitMiddleware,
        limiter=ip_limiter,
        applies=is_public_api,
        trust_proxy_headers=server.trust_proxy_headers,
    )
    app.add_middleware(BodySizeLimitMiddleware, limit_for=body_limit(services))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(server.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Accept", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
        max_age=600,
    )
    app.add_middleware(
        RequestContextMiddleware,
        log_questions=server.log_questions,
        trust_proxy_headers=server.trust_proxy_headers,
    )
    app.add_middleware(SecurityHeadersMiddleware)

    if ui:
        _mount_ui(app, state)
    install_openapi(app, settings.max_question_chars)
    return app


_ERR = {"$ref": "#/components/schemas/ErrorResponse"}
_PUBLIC_ERRORS = {
    "400": "Nội dung yêu cầu không đọc được (JSON/multipart hỏng)",
    "413": "Yêu cầu quá lớn",
    "415": "Kiểu nội dung không được hỗ trợ",
    "422": "Dữ liệu không hợp lệ",
    "429": "Quá nhiều yêu cầu; xem Retry-After",
}
_ADMIN_ERRORS = {
    **_PUBLIC_ERRORS,
    "401": "Thiếu hoặc sai X-API-Key",
    "404": "Chức năng quản trị chưa bật",
    "429": "Quá nhiều yêu cầu hoặc sai khoá quá nhiều lần; xem Retry-After",
    "503": "Kho chỉ mục hoặc thư mục dữ liệu tạm thời không sẵn sàng",
}


# A question needs at least one letter or digit (the retriever's own rule); control and
# zero-width characters are removed first, and none of them is a word character.
WORD = r"\w"


def install_openapi(app: FastAPI, max_question_chars: int) -> None:
    """Make /openapi.json state what the server really does: every error body is
    ``ErrorResponse`` (FastAPI's default 422 schema is not what troly sends), the error
    statuses each operation can answer are listed, and the question limits are in the
    schema (1 to ``max_question_chars`` characters)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps.pop("HTTPValidationError", None)
        comps.pop("ValidationError", None)
        if "ErrorResponse" not in comps:
            from troly.api.schemas import ErrorResponse

            comps["ErrorResponse"] = ErrorResponse.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            comps.update(comps["ErrorResponse"].pop("$defs", {}))
        for path, item in schema.get("paths", {}).items():
            for method, op in item.items():
                if method not in ("get", "post", "put", "delete", "patch"):
                    continue
                responses = op.setdefault("responses", {})
                extra: dict[str, str] = {}
                if path.startswith(f"{API}/admin/"):
                    extra = _ADMIN_ERRORS
                elif path.startswith(f"{API}/"):
                    extra = _PUBLIC_ERRORS
                for code, desc in extra.items():
                    responses.setdefault(code, {"description": desc})
                for code, resp in responses.items():
                    if code.startswith(("4", "5")):
                        resp["content"] = {"application/json": {"schema": _ERR}}
        ask = comps.get("AskRequest", {}).get("properties", {}).get("question")
        if ask is not None:
            ask.update({"minLength": 1, "maxLength": max_question_chars, "pattern": WORD})
        for param in schema["paths"].get(f"{API}/search", {}).get("get", {}).get("parameters", []):
            if param.get("name") == "q":
                param["schema"].update(
                    {"minLength": 1, "maxLength": max_question_chars, "pattern": WORD}
                )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _mount_ui(app: FastAPI, state: AppState) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        import gradio as gr
    except ImportError:  # pragma: no cover - gradio is a dependency
        log.warning("gradio is not installed: the /ui chat is not served")
        return
    from troly.ui import build_ui
    from troly.ui.chat import UI_CSS, UI_HEAD, ui_theme

    blocks = build_ui(state)
    gr.mount_gradio_app(
        app,
        blocks,
        path=UI_PATH,
        footer_links=[],
        run_history=False,
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        theme=ui_theme(),
        css=UI_CSS,
        head=UI_HEAD,
    )
