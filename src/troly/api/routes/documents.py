"""``GET /documents`` and ``GET /documents/{doc_id}``: what the assistant answers from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from troly.api import uploads
from troly.api.deps import ServicesDep
from troly.api.schemas import DocumentOut, DocumentSummary, ErrorResponse
from troly.documents import DocumentError, load_manifest
from troly.schema import DocumentTree

router = APIRouter(tags=["Văn bản"])


@router.get(
    "/documents", summary="Danh sách văn bản trong kho", response_model=list[DocumentSummary]
)
def documents(services: ServicesDep) -> list[DocumentSummary]:
    fields = ("province", "year", "number", "title")
    uploaded = uploads.entries(services.settings)
    replaced = {e.id for e in uploaded}  # a bundled plan replaced by an upload is listed once
    out = [
        DocumentSummary.model_validate({"doc_id": e.id, **{k: e.fields.get(k) for k in fields}})
        for e in load_manifest(services.settings.corpus_dir)
        if e.id not in replaced
    ]
    out += [
        DocumentSummary.model_validate(
            {"doc_id": e.id, "uploaded": True, **{k: e.fields.get(k) for k in fields}}
        )
        for e in uploaded
    ]
    return out


@router.get(
    "/documents/{doc_id}",
    summary="Thông tin, mục lục và các nhiệm vụ của một văn bản",
    response_model=DocumentOut,
    responses={404: {"model": ErrorResponse, "description": "Không có văn bản này"}},
)
def document(
    services: ServicesDep,
    doc_id: Annotated[str, Path(max_length=100, examples=["phu-yen-2024"])],
) -> DocumentOut:
    # An upload of the same id (replace_bundled) is what the index holds: show it first.
    tree: DocumentTree | None = uploads.find(services.settings, doc_id)
    if tree is None:
        try:
            tree = services.document(doc_id)
        except DocumentError:
            tree = None
    if tree is None:
        raise HTTPException(status_code=404, detail=f"Không tìm thấy văn bản '{doc_id}'.")
    return DocumentOut.model_validate(tree.to_dict())
