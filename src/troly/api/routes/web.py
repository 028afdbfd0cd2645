"""The widget script (``/widget.js``), its demo host page (``/demo``) and ``/`` → ``/ui/``."""

from __future__ import annotations

import html
from string import Template
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from troly.api.deps import SettingsDep
from troly.widget import DEMO_HTML, WIDGET_JS

router = APIRouter(include_in_schema=False)

DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


@router.get("/widget.js")
def widget_js() -> FileResponse:
    return FileResponse(
        WIDGET_JS,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/demo")
def demo(
    request: Request,
    settings: SettingsDep,
    province: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    base = (settings.server.public_url or "").rstrip("/")
    src = f"{base}/widget.js" if base else "/widget.js"
    shown_src = src if base else f"{str(request.base_url).rstrip('/')}/widget.js"
    attr = f' data-province="{html.escape(province)}"' if province else ""
    example = province or "Phú Yên"
    snippet = (
        f'<script src="{shown_src}" data-title="Trợ lý CCHC" data-province="{example}" defer>'
        "</script>"
    )
    page = Template(DEMO_HTML.read_text(encoding="utf-8")).substitute(
        src=html.escape(src), province_attr=attr, snippet=html.escape(snippet)
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": DEMO_CSP})


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/ui/")
