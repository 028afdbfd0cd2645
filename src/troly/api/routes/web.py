"""The widget script (``/widget.js``), what it covers (``/widget/scope``), its demo host
page (``/demo``) and ``/`` → ``/ui/``."""

from __future__ import annotations

import html
from string import Template
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from troly.api.deps import ServicesDep, SettingsDep
from troly.index_store import IndexUnavailable
from troly.ui.catalog import coverage, example_questions, holds_laws, indexed_documents
from troly.widget import DEMO_HTML, WIDGET_JS

router = APIRouter(include_in_schema=False)

DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DEMO_PROVINCE = "Phú Yên"


@router.get("/widget.js")
def widget_js() -> FileResponse:
    return FileResponse(
        WIDGET_JS,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/widget/scope")
def widget_scope(
    services: ServicesDep,
    province: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, object]:
    """What the widget can answer about, from what the index holds now: provinces with
    their plan years, a few example questions (restricted to ``province`` if given) and
    whether legal documents are indexed (``data-library`` then chooses plans or laws)."""
    try:
        docs = indexed_documents(services)
    except IndexUnavailable:
        return {"available": False, "provinces": [], "examples": [], "laws": False}
    laws = holds_laws(docs)
    if province:
        docs = [d for d in docs if d.province == province]
    return {
        "available": True,
        "provinces": [{"province": p, "years": ys} for p, ys in coverage(docs).items()],
        "examples": example_questions(docs),
        "laws": laws,
    }


@router.get("/demo")
def demo(
    request: Request,
    settings: SettingsDep,
    province: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    """A provincial portal page embedding the widget with exactly the tag it shows."""
    base = (settings.server.public_url or "").rstrip("/")
    src = f"{base}/widget.js" if base else "/widget.js"
    shown_src = src if base else f"{str(request.base_url).rstrip('/')}/widget.js"
    attrs = {"data-title": "Trợ lý CCHC", "data-province": province or DEMO_PROVINCE}
    tag_attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items())
    snippet = f'<script src="{html.escape(shown_src)}"{tag_attrs} defer></script>'
    page = Template(DEMO_HTML.read_text(encoding="utf-8")).substitute(
        src=html.escape(src),
        attrs=tag_attrs,
        snippet=html.escape(snippet),
        province=html.escape(attrs["data-province"]),
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": DEMO_CSP})


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/ui/")
