"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from troly.api.deps import ServicesDep, StoreDep
from troly.api.safety import log_safe
from troly.api.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["Vận hành"])
log = logging.getLogger("troly.api")


@router.get("/healthz", summary="Tiến trình đang chạy", response_model=HealthOut)
def healthz() -> HealthOut:
    return HealthOut()


@router.get(
    "/readyz",
    summary="Sẵn sàng phục vụ: Qdrant truy cập được, chỉ mục không rỗng, mô hình đã nạp",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "Chưa sẵn sàng"}},
    dependencies=[StoreDep],
)
def readyz(services: ServicesDep) -> JSONResponse:
    health = services.store.health()
    model_loaded = services._embedder is not None
    detail = None
    if not health.get("reachable"):
        # the path and errno for the operator; the body names the problem only
        log.warning("not ready, index unavailable: %s", log_safe(str(health.get("error"))))
        detail = (
            f"Kho chỉ mục (Qdrant) chưa dùng được: {health.get('reason') or 'không kết nối được'}."
            " Hệ thống tạm thời chưa sẵn sàng."
        )
    elif not health.get("points"):
        detail = "Chỉ mục đang trống: cần nạp văn bản (troly ingest)."
    elif not model_loaded:
        detail = "Mô hình nhúng đang được nạp."
    ready = detail is None
    qdrant = {k: v for k, v in health.items() if k not in ("location", "error")}
    body = ReadyOut(ready=ready, qdrant=qdrant, model_loaded=model_loaded, detail=detail)
    return JSONResponse(status_code=200 if ready else 503, content=body.model_dump())
