"""``POST /feedback``: thumbs up/down on an answer, stored with the answer it rates;
``POST /feedback/{id}/comment``: what was wrong, added to a stored rating (the 👎 box)."""

from __future__ import annotations

import sqlite3
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from troly.api.deps import StateDep
from troly.api.schemas import ErrorResponse, FeedbackCommentIn, FeedbackIn, FeedbackOut
from troly.api.state import FeedbackUnavailable

MSG_FEEDBACK_DOWN = (
    "Hiện chưa lưu được góp ý (cơ sở dữ liệu góp ý tạm thời không sẵn sàng). "
    "Xin vui lòng thử lại sau."
)

MSG_NO_RATING = "Không tìm thấy lượt đánh giá này. Xin vui lòng đánh giá lại câu trả lời."

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


@router.post(
    "/feedback/{feedback_id}/comment",
    summary="Thêm góp ý (câu trả lời sai ở đâu) vào một lượt đánh giá",
    response_model=FeedbackOut,
    responses={
        404: {"model": ErrorResponse, "description": "Không có lượt đánh giá này"},
        429: {"model": ErrorResponse, "description": "Quá nhiều yêu cầu"},
        503: {"model": ErrorResponse, "description": "Chưa lưu được góp ý (CSDL bận/lỗi)"},
    },
)
def feedback_comment(
    feedback_id: Annotated[int, Path(ge=1, description="`id` trả về khi gửi đánh giá.")],
    body: FeedbackCommentIn,
    state: StateDep,
) -> FeedbackOut:
    """Ghi lại câu trả lời chưa đúng ở điểm nào, sau khi đã bấm 👎.

    `answer_id` phải là câu trả lời của lượt đánh giá đó (chỉ người đã đánh giá biết).
    """
    comment = " ".join(body.comment.split())
    if not comment:
        raise HTTPException(status_code=422, detail="Xin vui lòng nhập nội dung góp ý.")
    try:
        found = state.feedback.add_comment(feedback_id, comment, answer_id=body.answer_id)
    except (sqlite3.Error, OSError) as exc:
        raise HTTPException(status_code=503, detail=MSG_FEEDBACK_DOWN) from exc
    if not found:
        raise HTTPException(status_code=404, detail=MSG_NO_RATING)
    return FeedbackOut(id=feedback_id, message="Cảm ơn bạn! Góp ý đã được ghi nhận.")
