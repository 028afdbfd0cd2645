"""Request safety for the public app: request ids, a catch-all, body and rate limits.

All three middlewares are plain ASGI (not ``BaseHTTPMiddleware``) so Server-Sent Events
and the Gradio queue stream through them untouched.

* :class:`RequestContextMiddleware` gives every request an id (``X-Request-ID``, taken
  from the client when well-formed), logs one access line per request without the
  query string or body (unless ``log_questions``), and turns any unhandled exception
  into a generic JSON 500 — no stack trace or internal path ever reaches a client.
* :class:`BodySizeLimitMiddleware` answers 413 to bodies over the limit, whether the
  client declares ``Content-Length`` or streams a chunked body.
* :class:`RateLimitMiddleware` applies a per-client :class:`TokenBucketLimiter` to the
  public API and answers 429 with ``Retry-After``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
ASGIApp = Callable[[Scope, Receive, Send], Any]

log = logging.getLogger("troly.api")
access_log = logging.getLogger("troly.api.access")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

MSG_INTERNAL = "Đã có lỗi xảy ra trong hệ thống. Xin vui lòng thử lại sau."
MSG_TOO_LARGE = "Yêu cầu quá lớn (tối đa {limit} byte)."
MSG_RATE = "Bạn gửi yêu cầu quá nhanh. Xin vui lòng thử lại sau {seconds} giây."


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's id, or '-') to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def current_request_id() -> str:
    return request_id_var.get()


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e]")


def _escape_char(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 256 else f"\\u{c:04x}"


def log_safe(text: str, limit: int = 2000) -> str:
    """``text`` fit for one log line: control characters (a ``%0A`` in a URL path decodes to
    a newline and would forge a second line) shown escaped, length capped."""
    out = _UNPRINTABLE.sub(_escape_char, text)
    return out if len(out) <= limit else out[:limit] + "…"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def client_key(scope: Scope, trust_proxy_headers: bool = False) -> str:
    """The address a limit applies to. Behind a proxy (``trust_proxy_headers``) the last
    ``X-Forwarded-For`` entry — the one the proxy itself appended — is used."""
    if trust_proxy_headers:
        xff = _header(scope, b"x-forwarded-for")
        if xff:
            last = xff.split(",")[-1].strip()
            if last:
                return last
        real = _header(scope, b"x-real-ip")
        if real:
            return real.strip()
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(data)).encode()),
    ]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


# -- rate limit ----------------------------------------------------------------------------


class TokenBucketLimiter:
    """Per-key token buckets in memory: ``burst`` requests at once, refilled at
    ``per_minute`` per minute. ``per_minute <= 0`` disables the limit.

    Memory is bounded: past ``max_keys`` clients the least recently seen are forgotten
    (a forgotten client simply starts again with a full bucket).
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.capacity = float(max(1, burst))
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, key: str, cost: float = 1.0) -> tuple[bool, int]:
        """Spend ``cost`` tokens; returns (allowed, seconds to wait when refused)."""
        if not self.enabled:
            return True, 0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                allowed, wait = True, 0
            else:
                self._buckets[key] = (tokens, now)
                allowed = False
                wait = max(1, math.ceil((cost - tokens) / self.rate))
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return allowed, wait

    def peek(self, key: str) -> tuple[float, int]:
        """(tokens left, seconds until one more) for ``key``, without spending any."""
        if not self.enabled:
            return self.capacity, 0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        wait = 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) / self.rate))
        return tokens, wait

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimitMiddleware:
    """429 + ``Retry-After`` once a client's bucket is empty, on paths ``applies(path)``."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: TokenBucketLimiter,
        applies: Callable[[str], bool],
        trust_proxy_headers: bool = False,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.applies = applies
        self.trust_proxy_headers = trust_proxy_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") == "OPTIONS"
            or not self.limiter.enabled
            or not self.applies(scope.get("path", ""))
        ):
            await self.app(scope, receive, send)
            return
        key = client_key(scope, self.trust_proxy_headers)
        allowed, wait = self.limiter.take(key)
        if not allowed:
            log.warning("rate limited client (retry after %ss)", wait)
            await send_json(
                send,
                429,
                {"detail": MSG_RATE.format(seconds=wait), "request_id": current_request_id()},
                {"Retry-After": str(wait)},
            )
            return
        await self.app(scope, receive, send)


# -- body size -----------------------------------------------------------------------------


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """413 for request bodies over ``limit_for(path)`` bytes (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        too_large = _too_large_body(limit)
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await send_json(send, 413, too_large)
                    return
            except ValueError:
                await send_json(send, 400, {"detail": "Content-Length không hợp lệ."})
                return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # The app turned our exception into an error of its own: answer 413 instead.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await send_json(send, 413, too_large)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not started:
                await send_json(send, 413, too_large)
        except Exception:
            if exceeded:
                if not started:
                    await send_json(send, 413, too_large)
                return
            raise


def _too_large_body(limit: int) -> dict[str, Any]:
    return {"detail": MSG_TOO_LARGE.format(limit=limit), "request_id": current_request_id()}


# -- request id, access log, catch-all -----------------------------------------------------


class RequestContextMiddleware:
    """Request ids, one access-log line per request, and the catch-all for errors."""

    def __init__(
        self, app: ASGIApp, log_questions: bool = False, trust_proxy_headers: bool = False
    ) -> None:
        self.app = app
        self.log_questions = log_questions
        self.trust_proxy_headers = trust_proxy_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        rid = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        t0 = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if status == 0:
                status = 500
                await send_json(
                    send,
                    500,
                    {"detail": MSG_INTERNAL, "request_id": rid},
                    {"X-Request-ID": rid},
                )
        finally:
            path = scope.get("path", "")
            if self.log_questions and scope.get("query_string"):
                path += "?" + bytes(scope["query_string"]).decode("latin-1")
            level = logging.DEBUG if path.startswith("/ui/") else logging.INFO
            access_log.log(
                level,
                "%s %s %s %s %.0fms",
                log_safe(client_key(scope, self.trust_proxy_headers)),
                log_safe(str(scope.get("method"))),
                log_safe(path),
                status,
                (time.perf_counter() - t0) * 1000,
            )


def configure_logging(level: int = logging.INFO) -> None:
    """Give troly's loggers a handler that prints the request id (once per process).

    Only when nothing else configured logging (tests and embedding apps keep theirs).
    uvicorn's own access log is muted: it prints query strings (the question of a
    ``GET /search``) and no request id; :class:`RequestContextMiddleware` replaces it.
    """
    troly_log = logging.getLogger("troly")
    if not any(isinstance(f, RequestIdFilter) for f in troly_log.filters):
        troly_log.addFilter(RequestIdFilter())
    for name in ("troly.api", "troly.api.access"):
        lg = logging.getLogger(name)
        if not any(isinstance(f, RequestIdFilter) for f in lg.filters):
            lg.addFilter(RequestIdFilter())
    if not troly_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
        handler.addFilter(RequestIdFilter())
        troly_log.addHandler(handler)
        troly_log.setLevel(level)
        # Our handler prints troly's records; without this they would also reach the root
        # logger, which underthesea configures (logging.basicConfig) on first use: every
        # line would then appear twice.
        troly_log.propagate = False
    uv = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _Mute) for f in uv.filters):
        uv.addFilter(_Mute())


class _Mute(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


# -- security headers ----------------------------------------------------------------------

# Gradio's front end (the /ui/ chat) uses inline scripts/styles and eval-free ES modules,
# blob: workers, data: fonts and images, and talks to its own origin only (queue SSE, file
# routes). Images from anywhere else are blocked: a Markdown image in a question or a
# document can no longer make the browser fetch an outside URL.
CSP_UI = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; media-src 'self' data: blob:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI / ReDoc pages of FastAPI load their assets from jsDelivr.
CSP_DOCS = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com https://cdn.redoc.ly; font-src 'self' data: "
    "https://fonts.gstatic.com; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
# The demo page only hosts the widget (same origin); it is not meant to be framed either.
CSP_DEMO = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)
# JSON / SSE / plain answers: nothing to run, nothing to frame.
CSP_API = "default-src 'none'; frame-ancestors 'none'"


def security_headers_for(path: str) -> list[tuple[bytes, bytes]]:
    """The headers every response on ``path`` gets (see :class:`SecurityHeadersMiddleware`).

    ``/widget.js`` is the one resource other sites load: it gets ``nosniff`` and an explicit
    ``Cross-Origin-Resource-Policy: cross-origin`` and no frame or CSP restriction.
    """
    common = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
    ]
    if path == "/widget.js" or path.startswith("/widget/"):
        return [*common, (b"cross-origin-resource-policy", b"cross-origin")]
    if path.startswith("/ui") or path == "/":
        csp = CSP_UI
    elif path.startswith(("/docs", "/redoc")):
        csp = CSP_DOCS
    elif path.startswith("/demo"):
        csp = CSP_DEMO
    else:
        csp = CSP_API
    return [
        *common,
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", csp.encode("latin-1")),
    ]


class SecurityHeadersMiddleware:
    """Adds ``security_headers_for(path)`` to every HTTP response (unless the route set them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers_for(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {bytes(k).lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
