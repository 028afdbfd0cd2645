"""``POST /ask`` (one JSON answer) and ``POST /ask/stream`` (Server-Sent Events)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from troly.api.deps import StateDep
from troly.api.errors import describe_error, unavailable_detail
from troly.api.safety import MSG_RATE, client_key
from troly.api.schemas import AnswerOut, AskRequest, ErrorResponse
from troly.api.state import AppState
from troly.index_store import IndexUnavailable
from troly.retriever import QueryError
from troly.services import Services
from troly.text import nfc, normalize_user_text

log = logging.getLogger("troly.api")
_WORD = re.compile(r"\w")
router = APIRouter(tags=["Hỏi đáp"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Nội dung yêu cầu không đọc được"},
    413: {"model": ErrorResponse, "description": "Yêu cầu quá lớn"},
    422: {"model": ErrorResponse, "description": "Câu hỏi không hợp lệ (trống hoặc quá dài)"},
    429: {"model": ErrorResponse, "description": "Quá nhiều yêu cầu; xem Retry-After"},
    503: {"model": ErrorResponse, "description": "Kho chỉ mục (Qdrant) tạm thời không sẵn sàng"},
}

MSG_EMPTY = "Câu hỏi đang để trống. Xin vui lòng nhập nội dung cần hỏi."
MSG_TOO_LONG = "Câu hỏi quá dài ({n} ký tự, tối đa {limit}). Xin vui lòng rút gọn câu hỏi."


def check_question(question: str, limit: int) -> str:
    """The question as every entry point sees it (NFC, no control or zero-width characters,
    single spaces); 422 with a Vietnamese message when empty or too long."""
    q = normalize_user_text(question or "")
    if not q:
        raise HTTPException(status_code=422, detail=MSG_EMPTY)
    if len(q) > limit:
        raise HTTPException(status_code=422, detail=MSG_TOO_LONG.format(n=len(q), limit=limit))
    return q


def question_tokens(services: Services, question: str) -> int:
    """Model tokens of ``question`` (the embedding cost); an estimate from UTF-8 bytes when
    the backend cannot count (about 2 bytes per token for Vietnamese)."""
    emb = services.embedder
    for owner in (emb, getattr(emb, "_model", None), getattr(emb, "tokenizer", None)):
        count = getattr(owner, "token_count", None)
        if callable(count):
            try:
                return int(count(question, True))
            except Exception:  # pragma: no cover - backend-specific
                break
    return len(question.encode("utf-8")) // 2 + 2


def question_cost(tokens: int) -> float:
    """Rate-limit tokens one question costs, about its embedding work: 1 per 60 model tokens,
    at least 1, at most 10 (a 600-token question is ~10x the work of a normal one)."""
    return float(min(10.0, max(1.0, tokens / 60)))


def cap_work(services: Services, question: str) -> tuple[str, float]:
    """The question cut to ``max_question_tokens`` model tokens (the work cap: 2,000
    characters of one accented letter or emoji are ~2,000 tokens, 70× the embedding work of
    a normal question), and its rate-limit cost. Ordinary questions, even 2,000 characters
    of Vietnamese (~500 tokens), are never cut."""
    limit = services.settings.server.max_question_tokens
    n = question_tokens(services, question)
    if n <= limit:
        return question, question_cost(n)
    lo, hi = 0, len(question)  # longest prefix within the limit (token counts are cheap)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if question_tokens(services, question[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    cut = question[:lo].rstrip() or question[:1]
    log.info("question cut from %d to %d model tokens (%d characters)", n, limit, len(cut))
    return cut, question_cost(limit)


HEAVY_COST = 3.0  # questions of 180+ model tokens (about 700+ characters of Vietnamese)
MSG_BUSY = "Máy chủ đang bận xử lý các câu hỏi dài. Xin vui lòng thử lại sau ít giây."


@contextmanager
def heavy_slot(state: AppState, cost: float, wait: float = 30.0) -> Iterator[None]:
    """Run a heavy question's work in the single heavy slot (ordinary ones pass freely);
    429 with Retry-After when the slot stays busy for ``wait`` seconds."""
    if cost < HEAVY_COST:
        yield
        return
    if not state.heavy_gate.acquire(timeout=wait):
        raise HTTPException(status_code=429, detail=MSG_BUSY, headers={"Retry-After": "5"})
    try:
        yield
    finally:
        state.heavy_gate.release()


def charge(state: AppState, request: Request, conversation_id: str | None, cost: float) -> None:
    """Per address *and* conversation limit (an office behind one NAT address is not one
    client), plus the extra cost of a heavy question on the per-address limit; 429 with
    Retry-After when spent."""
    trust = state.services.settings.server.trust_proxy_headers
    ip = client_key(dict(request.scope), trust)
    per_conversation = min(cost, state.limiter.capacity)  # never more than a full bucket
    allowed, wait = state.limiter.take(f"{ip}|{conversation_id or '-'}", per_conversation)
    if allowed and cost > 1:
        allowed, wait = state.ip_limiter.take(ip, cost - 1)
    if not allowed:
        log.warning("rate limited conversation (retry after %ss)", wait)
        raise HTTPException(
            status_code=429,
            detail=MSG_RATE.format(seconds=wait),
            headers={"Retry-After": str(wait)},
        )


def _history(body: AskRequest, state: AppState) -> tuple[list[dict[str, str]], str]:
    cid = body.conversation_id or state.conversations.new_id()
    if body.history is not None:
        # Earlier questions go through the same normalisation and length cap as the
        # question itself (the answerer may search with them for a follow-up).
        limit = state.services.settings.max_question_chars
        history = []
        for h in body.history:
            q = normalize_user_text(h.question)[:limit]
            if _WORD.search(q):  # a turn with nothing to search is dropped, not an error
                history.append({"question": q, **({"answer": nfc(h.answer)} if h.answer else {})})
    else:
        history = state.conversations.history(cid)
    return history, cid


def _log_question(state: AppState, question: str, cid: str) -> None:
    if state.services.settings.server.log_questions:
        log.info("ask conversation=%s question=%r", cid, question)
    else:
        log.info("ask conversation=%s chars=%d", cid, len(question))


def _finish(
    state: AppState, answer: dict[str, Any], history: list[dict[str, str]], cid: str
) -> None:
    state.remember(answer, history)
    state.conversations.append(cid, answer.get("question") or "", answer.get("answer") or "")
    log.info(
        "answered id=%s refused=%s citations=%d took_ms=%s",
        answer.get("id"),
        answer.get("refused"),
        len(answer.get("citations") or []),
        answer.get("took_ms"),
    )


@router.post(
    "/ask",
    summary="Hỏi một câu, nhận câu trả lời có trích dẫn",
    response_model=AnswerOut,
    responses=ERRORS,
)
def ask(body: AskRequest, state: StateDep, request: Request) -> AnswerOut:
    """Trả lời câu hỏi dựa trên các kế hoạch CCHC; mỗi ý có dấu [n] trỏ tới nguồn trích dẫn.

    Câu hỏi tiếp nối ("Thời hạn là khi nào?") dùng `history` hoặc `conversation_id`.
    """
    question = check_question(body.question, state.services.settings.max_question_chars)
    question, cost = cap_work(state.services, question)
    charge(state, request, body.conversation_id, cost)
    history, cid = _history(body, state)
    _log_question(state, question, cid)
    filters = body.filters.to_filters() if body.filters else None
    with heavy_slot(state, cost):
        answer = state.services.answerer.ask(
            question, history=history or None, filters=filters, audience=body.audience
        )
    out = answer.to_dict()
    _finish(state, out, history, cid)
    return AnswerOut.model_validate({**out, "conversation_id": cid})


def sse(event: str, data: dict[str, Any]) -> str:
    payload = json.dumps(data, ensure_ascii=False)
    return f"event: {event}\ndata: {payload}\n\n"


_SENTINEL: dict[str, Any] = {}


def _next(it: Iterator[dict[str, Any]]) -> dict[str, Any]:
    return next(it, _SENTINEL)


def _first_in_slot(state: AppState, cost: float, it: Iterator[dict[str, Any]]) -> dict[str, Any]:
    """The first event of a stream (where the answer is computed), in the heavy slot."""
    with heavy_slot(state, cost):
        return _next(it)


@router.post(
    "/ask/stream",
    summary="Hỏi một câu, nhận câu trả lời dạng luồng (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Luồng sự kiện `text/event-stream`: nhiều `delta` (đoạn văn bản của "
            "câu trả lời, kể cả dấu [n]), rồi `citations`, rồi `done` (toàn bộ câu trả lời như "
            "POST /ask). Mỗi sự kiện: `event: <loại>` và `data: <JSON>`; lỗi giữa chừng: "
            "`event: error`.",
            "content": {
                "text/event-stream": {
                    "example": 'event: delta\ndata: {"type": "delta", "text": "Văn phòng UBND '
                    'tỉnh chủ trì [1]."}\n\nevent: citations\ndata: {"type": "citations", '
                    '"citations": [...]}\n\nevent: done\ndata: {"type": "done", "answer": '
                    "{...}}\n\n"
                }
            },
        },
        **ERRORS,
    },
)
async def ask_stream(body: AskRequest, state: StateDep, request: Request) -> StreamingResponse:
    """Như POST /ask nhưng gửi câu trả lời dần dần khi đang soạn (dùng cho widget)."""
    question = check_question(body.question, state.services.settings.max_question_chars)
    question, cost = await run_in_threadpool(cap_work, state.services, question)
    charge(state, request, body.conversation_id, cost)
    history, cid = _history(body, state)
    _log_question(state, question, cid)
    filters = body.filters.to_filters() if body.filters else None
    it = state.services.answerer.stream(
        question, history=history or None, filters=filters, audience=body.audience
    )
    # Take the first event before answering 200, so an invalid question (422) or a Qdrant
    # that is down (503) still gets a proper status code instead of a broken stream.
    first = await run_in_threadpool(_first_in_slot, state, cost, it)

    def events() -> Iterator[str]:
        event = first
        try:
            while event is not _SENTINEL:
                kind = str(event.get("type") or "message")
                if kind == "done":
                    answer = dict(event.get("answer") or {})
                    answer["conversation_id"] = cid
                    _finish(state, answer, history, cid)
                    event = {**event, "answer": answer}
                yield sse(kind, event)
                event = next(it, _SENTINEL)
        except QueryError as exc:
            yield sse("error", {"type": "error", "status": 422, "detail": str(exc)})
        except IndexUnavailable as exc:
            log.warning("index unavailable during a stream: %s", describe_error(exc))
            yield sse("error", {"type": "error", "status": 503, "detail": unavailable_detail(exc)})
        except Exception:
            log.exception("stream failed")
            yield sse(
                "error",
                {
                    "type": "error",
                    "status": 500,
                    "detail": "Đã có lỗi xảy ra trong hệ thống. Xin vui lòng thử lại sau.",
                },
            )

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
