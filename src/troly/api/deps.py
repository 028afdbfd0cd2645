"""``Annotated`` dependency aliases shared by the routes."""

from __future__ import annotations

import contextlib
import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from troly.api.safety import client_key
from troly.api.state import AppState
from troly.services import Services
from troly.settings import Settings


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.troly
    return state


def get_services(state: Annotated[AppState, Depends(get_state)]) -> Services:
    return state.services


def get_settings(services: Annotated[Services, Depends(get_services)]) -> Settings:
    return services.settings


StateDep = Annotated[AppState, Depends(get_state)]
ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


MSG_ADMIN_LOCKED = "Sai khoá quản trị quá nhiều lần. Xin vui lòng thử lại sau {seconds} giây."


def require_admin(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    x_api_key: Annotated[
        str | None, Header(alias="X-API-Key", description="Khoá quản trị.")
    ] = None,
) -> None:
    settings = state.services.settings
    expected = settings.server.admin_api_key
    if not settings.server.admin_enabled or not expected:
        raise HTTPException(status_code=404, detail="Không tìm thấy.")
    # Wrong keys are limited per client address (guessing the key by brute force); the
    # comparison itself is constant-time and the key is never logged.
    who = client_key(dict(request.scope), settings.server.trust_proxy_headers)
    left, wait = state.admin_limiter.peek(who)
    if left < 1:
        raise HTTPException(
            status_code=429,
            detail=MSG_ADMIN_LOCKED.format(seconds=wait),
            headers={"Retry-After": str(wait)},
        )
    if not x_api_key or not hmac.compare_digest(x_api_key.encode(), expected.encode()):
        state.admin_limiter.take(who)
        raise HTTPException(
            status_code=401,
            detail="Thiếu hoặc sai khoá quản trị (X-API-Key).",
            headers={"WWW-Authenticate": "ApiKey"},
        )


AdminDep = Annotated[None, Depends(require_admin)]


def ensure_store(services: ServicesDep) -> None:
    """Open the index under the services' init lock when it is not open yet (at start-up it
    was unavailable): concurrent requests then never build two clients of one embedded
    store. A store that is still unavailable is left for the route to report (503)."""
    from troly.index_store import IndexUnavailable

    if not services.store_open:
        with contextlib.suppress(IndexUnavailable):
            services.open_store()


StoreDep = Depends(ensure_store)
