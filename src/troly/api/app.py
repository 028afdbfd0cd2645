"""FastAPI application factory: a thin shell over :class:`troly.services.Services`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from troly.documents import DocumentError
from troly.index_store import IndexUnavailable
from troly.retriever import QueryError
from troly.schema import SearchFilters
from troly.services import Services

API = "/api/v1"


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="Trợ lý CCHC (troly)",
        description="Hỏi đáp có trích dẫn về các kế hoạch cải cách hành chính cấp tỉnh.",
        version="0.1.0",
    )
    app.state.services = services

    @app.exception_handler(IndexUnavailable)
    async def _index_down(_: Request, exc: IndexUnavailable) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={
                "detail": "Hệ thống tìm kiếm tạm thời không sẵn sàng. Xin vui lòng thử lại sau."
            },
        )

    @app.get("/healthz", summary="Tiến trình đang chạy")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Sẵn sàng phục vụ: Qdrant truy cập được, chỉ mục không rỗng")
    def readyz() -> JSONResponse:
        health = services.store.health()
        ready = bool(health.get("reachable") and health.get("points"))
        body = {"ready": ready, "qdrant": {k: v for k, v in health.items() if k != "location"}}
        return JSONResponse(status_code=200 if ready else 503, content=body)

    @app.get(f"{API}/search", summary="Tìm các đoạn văn bản liên quan đến câu hỏi")
    def search(
        q: Annotated[
            str, Query(description="Câu hỏi", examples=["Ai chủ trì kiểm soát TTHC ở Phú Yên?"])
        ],
        k: Annotated[int, Query(ge=1, le=50)] = 10,
        province: str | None = None,
        doc_id: str | None = None,
        kind: Annotated[str | None, Query(pattern="^(section|task)$")] = None,
        year: int | None = None,
    ) -> dict[str, Any]:
        filters = SearchFilters(province=province, doc_id=doc_id, kind=kind, year=year)  # type: ignore[arg-type]
        try:
            results = services.retriever.search(q, k=k, filters=filters)
        except QueryError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {"question": q, "results": [r.to_dict() for r in results]}

    @app.get(f"{API}/documents", summary="Danh sách văn bản trong kho")
    def documents() -> list[dict[str, Any]]:
        from troly.documents import load_manifest

        return [
            {
                "doc_id": e.id,
                **{k: e.fields.get(k) for k in ("province", "year", "number", "title")},
            }
            for e in load_manifest(services.settings.corpus_dir)
        ]

    @app.get(f"{API}/documents/{{doc_id}}", summary="Mục lục và các nhiệm vụ của một văn bản")
    def document(doc_id: str) -> dict[str, Any]:
        try:
            return services.document(doc_id).to_dict()
        except DocumentError as exc:
            raise HTTPException(
                status_code=404, detail=f"Không tìm thấy văn bản '{doc_id}'."
            ) from exc

    return app
