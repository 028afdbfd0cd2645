"""``POST /feedback``: thumbs up/down on an answer, stored with the answer it rates."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from troly.api.deps import StateDep
from troly.api.schemas import ErrorResponse, FeedbackIn, FeedbackOut
from troly.api.state import FeedbackUnavailable

MSG_FEEDBACK_DOWN = (
    "Hiện chưa lưu được góp ý (cơ sở dữ liệu góp ý tạm thời không sẵn sàng). "
    "Xin vui lòng thử lại sau."
)

router = APIRouter(tags=["Góp ý"])


@router.post(
    "/feedback",
    summary="Đánh giá một câu trả lời (hữu ích / chưa đúng)",
    response_model=FeedbackOut,
    status_code=201,
    responses={
        404: {"model": ErrorResponse, "description": "Máy chủ không còn nhớ câu trả lời này"},
        429: {"model": ErrorResponse, "description": "Quá nhiều yêu cầu"},
        503: {"model": ErrorResponse, "description": "Chưa lưu được góp ý (CSDL bận/lỗi)"},
    },
)
def feedback(body: FeedbackIn, state: StateDep) -> FeedbackOut:
    """Lưu đánh giá cùng câu hỏi, câu trả lời và trích dẫn (SQLite) để cải thiện bộ câu hỏi mẫu.

    Máy chủ nhớ các câu trả lời gần đây theo `id`; nếu không còn nhớ (ví dụ sau khi khởi động
    lại), hãy gửi kèm `question`, `answer` và `citations`.
    """
    fallback = None
    if body.question and body.answer:
        fallback = {
            "question": body.question,
            "answer": body.answer,
            "citations": [c.model_dump() for c in body.citations or []],
            "refused": False,
        }
    try:
        row = state.record_feedback(
            body.answer_id, body.rating, body.comment or "", source="api", fallback=fallback
        )
    except FeedbackUnavailable as exc:
        raise HTTPException(status_code=503, detail=MSG_FEEDBACK_DOWN) from exc
    if row is None:
        raise HTTPException(
            status_code=404,
            detail="Không tìm thấy câu trả lời này (có thể đã quá cũ). Xin gửi kèm câu hỏi và "
            "câu trả lời.",
        )
    return FeedbackOut(id=row)
