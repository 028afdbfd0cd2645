"""Thin request/response models of the HTTP API, one per direction, with Vietnamese examples.

These mirror the dataclasses of :mod:`troly.schema` (the Answer/Citation contract) at the
HTTP boundary only; routes convert with ``Model.model_validate(obj.to_dict())``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from troly.schema import SearchFilters

EX_QUESTION = "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024 ở Phú Yên?"


# -- shared --------------------------------------------------------------------------------


class FieldErrorOut(BaseModel):
    field: str = Field(description="Trường bị lỗi, ví dụ 'question' hoặc 'filters.year'.")
    message: str = Field(description="Mô tả lỗi của trường đó.")


class ErrorResponse(BaseModel):
    """Every error answer of the API has this shape (4xx and 5xx alike)."""

    detail: str = Field(description="Thông báo lỗi (tiếng Việt).")
    request_id: str | None = Field(None, description="Mã yêu cầu, để tra cứu nhật ký.")
    errors: list[FieldErrorOut] | None = Field(
        None, description="Chỉ với lỗi 422 do dữ liệu gửi lên sai kiểu/thiếu trường."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "Câu hỏi quá dài (2345 ký tự, tối đa 2000). Xin vui lòng rút gọn.",
                    "request_id": "4f1c2a9e0b7d4c43a1e2f3b4c5d6e7f8",
                }
            ]
        }
    )


class FiltersIn(BaseModel):
    """Restrict the search to a province, a document, a year or a kind of passage."""

    province: str | None = Field(None, description="Tỉnh, ví dụ 'Phú Yên'.", max_length=100)
    doc_id: str | None = Field(
        None, description="Mã văn bản, ví dụ 'phu-yen-2024'.", max_length=100
    )
    year: int | None = Field(None, description="Năm của kế hoạch.", ge=1990, le=2100)
    kind: Literal["section", "task", "article", "plan"] | None = Field(
        None,
        description="'task' = chỉ các nhiệm vụ; 'section' = chỉ các mục văn bản; "
        "'article' = chỉ các điều của văn bản pháp luật; 'plan' = chỉ các kế hoạch "
        "(mục và nhiệm vụ, không gồm văn bản pháp luật).",
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"province": "Phú Yên", "year": 2024}]}
    )

    def to_filters(self) -> SearchFilters | None:
        f = SearchFilters(
            province=self.province or None,
            doc_id=self.doc_id or None,
            year=self.year,
            kind=self.kind,
        )
        return None if f.is_empty() else f


class HistoryTurn(BaseModel):
    question: str = Field(max_length=20_000)
    answer: str | None = Field(None, max_length=50_000)


# -- ask -----------------------------------------------------------------------------------


class AskRequest(BaseModel):
    question: str = Field(description="Câu hỏi (có hoặc không dấu).", max_length=100_000)
    conversation_id: str | None = Field(
        None,
        description="Mã cuộc trò chuyện trả về ở lần hỏi trước; máy chủ nhớ các lượt gần nhất "
        "để hiểu câu hỏi tiếp nối. Bỏ trống để bắt đầu cuộc trò chuyện mới.",
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
    )
    history: list[HistoryTurn] | None = Field(
        None,
        description="Các lượt hỏi trước (cũ nhất trước). Nếu có, dùng thay cho lịch sử mà máy "
        "chủ nhớ theo conversation_id.",
        max_length=20,
    )
    filters: FiltersIn | None = None
    audience: Literal["civil_servant", "citizen"] | None = Field(
        None,
        description="Người hỏi: 'citizen' (người dân) nhận một câu trả lời ngắn, dễ hiểu trước "
        "đoạn trích dẫn; mặc định dành cho cán bộ, công chức.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"question": EX_QUESTION},
                {
                    "question": "Thời hạn hoàn thành là khi nào?",
                    "history": [{"question": EX_QUESTION}],
                    "filters": {"province": "Phú Yên"},
                },
                {"question": "ai chu tri cai cach tai chinh cong o ha tinh nam 2025"},
            ]
        }
    )


class CitationOut(BaseModel):
    n: int = Field(description="Số thứ tự; câu trả lời đánh dấu [n].")
    doc_id: str
    title: str
    location: str = Field(description="Vị trí trong văn bản, ví dụ 'II.1.d'.")
    kind: Literal["section", "task", "article"]
    text: str = Field(description="Nguyên văn đoạn được trích dẫn.")
    score: float = 0.0
    ocr: bool = Field(False, description="true: văn bản nhận dạng từ ảnh quét (OCR).")


_ANSWER_EXAMPLE: dict[str, Any] = {
    "id": "a3f0c1d2e4b5",
    "question": EX_QUESTION,
    "answer": "Văn phòng UBND tỉnh chủ trì kế hoạch hoạt động kiểm soát thủ tục hành chính "
    "năm 2024 [1].",
    "refused": False,
    "citations": [
        {
            "n": 1,
            "doc_id": "phu-yen-2024",
            "title": "Kế hoạch cải cách hành chính nhà nước tỉnh Phú Yên năm 2024",
            "location": "Phụ lục › III. Cải cách thủ tục hành chính › STT 1",
            "kind": "task",
            "text": "Kế hoạch hoạt động kiểm soát thủ tục hành chính năm 2024 …",
            "score": 0.0325,
        }
    ],
    "took_ms": 85.2,
    "mode": "extractive",
    "intent": "task_lead",
    "conversation_id": "7d9e2b3c4a5f46e1b2c3d4e5f6a7b8c9",
}


class AnswerOut(BaseModel):
    """The Answer contract (``troly.schema.Answer.to_dict()``) plus the conversation id."""

    id: str = Field(description="Mã câu trả lời, dùng cho POST /feedback.")
    question: str
    answer: str = Field(description="Câu trả lời; [n] trỏ tới citations[n-1].")
    refused: bool = Field(description="true khi văn bản không đủ căn cứ để trả lời.")
    citations: list[CitationOut] = Field(default_factory=list)
    took_ms: float = 0.0
    mode: str = "extractive"
    intent: str = ""
    conversation_id: str | None = None

    model_config = ConfigDict(json_schema_extra={"examples": [_ANSWER_EXAMPLE]})


# -- search --------------------------------------------------------------------------------


class SearchHit(BaseModel):
    rank: int
    doc_id: str
    location: str
    kind: Literal["section", "task", "article"]
    text: str
    score: float


class SearchOut(BaseModel):
    question: str
    results: list[SearchHit]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "question": EX_QUESTION,
                    "results": [
                        {
                            "rank": 1,
                            "doc_id": "phu-yen-2024",
                            "location": "Phụ lục › III. Cải cách thủ tục hành chính › STT 1",
                            "kind": "task",
                            "text": "Kế hoạch hoạt động kiểm soát thủ tục hành chính năm 2024 …",
                            "score": 0.0325,
                        }
                    ],
                }
            ]
        }
    )


# -- documents -----------------------------------------------------------------------------


class DocumentSummary(BaseModel):
    doc_id: str
    province: str | None = None
    year: int | None = None
    number: str | None = None
    title: str | None = None
    uploaded: bool = Field(False, description="true nếu văn bản được nạp qua /admin/ingest.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "doc_id": "phu-yen-2024",
                    "province": "Phú Yên",
                    "year": 2024,
                    "number": "275/KH-UBND",
                    "title": "Kế hoạch cải cách hành chính nhà nước tỉnh Phú Yên năm 2024",
                    "uploaded": False,
                }
            ]
        }
    )


class SectionOut(BaseModel):
    path: str
    key: str
    level: int
    title: str
    text: str


class TaskOut(BaseModel):
    id: str
    location: str
    group: str
    stt: str
    content: str
    lead: list[str]
    partners: list[str]
    lead_text: str
    partners_text: str
    product: str
    deadline: str
    budget: str
    note: str
    target: str
    activities: list[dict[str, Any]]
    layout: str


class DocumentOut(BaseModel):
    """Metadata, outline (sections in reading order) and task records of one plan."""

    doc_id: str
    title: str
    province: str
    year: int | None
    number: str | None
    issued: str | None
    signer: str | None
    issuer: str | None
    doc_type: str | None
    extra: dict[str, Any]
    sections: list[SectionOut]
    tasks: list[TaskOut]
    warnings: list[str]


# -- feedback ------------------------------------------------------------------------------


class FeedbackIn(BaseModel):
    answer_id: str = Field(min_length=1, max_length=64, description="`id` của câu trả lời.")
    rating: Literal["up", "down"] = Field(description="'up' = hữu ích, 'down' = chưa đúng.")
    comment: str | None = Field(None, max_length=2000, description="Góp ý thêm (tuỳ chọn).")
    question: str | None = Field(
        None,
        max_length=20_000,
        description="Chỉ cần khi máy chủ không còn nhớ câu trả lời (sau khi khởi động lại).",
    )
    answer: str | None = Field(None, max_length=50_000)
    citations: list[CitationOut] | None = Field(None, max_length=50)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answer_id": "a3f0c1d2e4b5",
                    "rating": "down",
                    "comment": "Thiếu cơ quan phối hợp là Sở Nội vụ.",
                }
            ]
        }
    )


class FeedbackOut(BaseModel):
    id: int
    status: Literal["ok"] = "ok"
    message: str = "Cảm ơn bạn đã góp ý!"


class FeedbackCommentIn(BaseModel):
    """What was wrong with an answer rated 👎, added to the stored rating afterwards."""

    answer_id: str = Field(
        min_length=1,
        max_length=64,
        description="`id` của câu trả lời đã đánh giá (phải khớp với lượt đánh giá).",
    )
    comment: str = Field(min_length=1, max_length=2000, description="Câu trả lời sai ở đâu.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"answer_id": "a3f0c1d2e4b5", "comment": "Sai cơ quan chủ trì: là Sở Nội vụ."}
            ]
        }
    )


# -- health --------------------------------------------------------------------------------


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyOut(BaseModel):
    ready: bool
    qdrant: dict[str, Any]
    model_loaded: bool
    detail: str | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ready": True,
                    "qdrant": {"reachable": True, "collection": True, "points": 491},
                    "model_loaded": True,
                    "detail": None,
                }
            ]
        }
    )


# -- admin ---------------------------------------------------------------------------------


class IngestOut(BaseModel):
    documents: int
    skipped: int
    sections: int
    tasks: int
    chunks: int
    seconds: float
    per_document: dict[str, dict[str, int]]
    errors: dict[str, str]
    doc_ids: list[str] = Field(default_factory=list)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "documents": 1,
                    "skipped": 0,
                    "sections": 42,
                    "tasks": 30,
                    "chunks": 75,
                    "seconds": 11.3,
                    "per_document": {"du-thao-2026": {"sections": 42, "tasks": 30, "chunks": 75}},
                    "errors": {},
                    "doc_ids": ["du-thao-2026"],
                }
            ]
        }
    )
