"""``GET /search``: ranked passages for a question, without composing an answer."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from troly.api.deps import StateDep
from troly.api.routes.ask import ERRORS, cap_work, charge, check_question, heavy_slot
from troly.api.schemas import SearchOut
from troly.schema import SearchFilters

router = APIRouter(tags=["Tìm kiếm"])


@router.get(
    "/search",
    summary="Tìm các đoạn văn bản liên quan đến câu hỏi",
    response_model=SearchOut,
    responses=ERRORS,
)
def search(
    state: StateDep,
    request: Request,
    q: Annotated[
        str,
        Query(
            description="Câu hỏi (có hoặc không dấu)",
            examples=["Ai chủ trì kiểm soát TTHC ở Phú Yên?", "ai chu tri ke hoach kiem soat tthc"],
            max_length=100_000,
        ),
    ],
    k: Annotated[int, Query(ge=1, le=50, description="Số kết quả")] = 10,
    province: Annotated[str | None, Query(max_length=100, examples=["Hà Tĩnh"])] = None,
    doc_id: Annotated[str | None, Query(max_length=100, examples=["ha-tinh-2025"])] = None,
    kind: Annotated[Literal["section", "task", "article", "plan"] | None, Query()] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    lead: Annotated[
        str | None, Query(max_length=200, description="Cơ quan chủ trì", examples=["Sở Nội vụ"])
    ] = None,
) -> SearchOut:
    from troly.documents.agencies import normalize_agency

    services = state.services
    question = check_question(q, services.settings.max_question_chars)
    question, cost = cap_work(services, question)
    charge(state, request, None, cost)
    filters = SearchFilters(
        province=province,
        doc_id=doc_id,
        kind=kind,
        year=year,
        lead=normalize_agency(lead) if lead else None,
    )
    with heavy_slot(state, cost):
        results = services.retriever.search(question, k=k, filters=filters)
    return SearchOut.model_validate(
        {"question": question, "results": [r.to_dict() for r in results]}
    )
