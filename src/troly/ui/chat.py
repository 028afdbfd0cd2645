"""The Gradio chat for civil servants, mounted at ``/ui/`` by :func:`troly.api.create_app`.

Layout (checked in a real Chromium at 1366×768 and 360 px): the conversation, whose empty
state shows what the index covers and clickable example questions, then the input right
under it, so both are above the fold; filters (province, document, year — read from the
index at every page load and when the filter panel opens) in a narrow side column.

Citations are shown once, under the answer they belong to: each is a collapsed
``<details>`` whose summary is "[n] document — location" and whose body is the cited
source text verbatim. 👎 opens a box to say what was wrong (stored with the rating). An
empty question gets a polite message; "Cuộc trò chuyện mới" never touches what is being
typed, and the chat is always rebuilt from the server-side turns, so a question asked
right after it cannot vanish.

Everything shown that comes from a user or a document is HTML-escaped (and Markdown
punctuation entity-encoded) before it reaches the Chatbot's Markdown.
"""

from __future__ import annotations

import html
import importlib
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from troly.api.safety import MSG_RATE
from troly.api.state import LRU, AppState
from troly.index_store import IndexUnavailable
from troly.retriever import QueryError
from troly.schema import SearchFilters
from troly.text import clean_ws, fold, normalize_user_text
from troly.ui.catalog import (
    LIBRARIES,
    coverage_text,
    example_questions,
    holds_laws,
    indexed_documents,
    library_kind,
)

log = logging.getLogger("troly.ui")

ALL = ""
MAX_HISTORY = 6
MAX_COMMENT = 1000
EXAMPLES = [
    "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024 ở Phú Yên?",
    "Hà Tĩnh năm 2025 giao cơ quan nào chủ trì cải cách tài chính công?",
    "ai chu tri cong tac tuyen truyen cai cach hanh chinh o binh phuoc",
]
MSG_UNAVAILABLE = (
    "Hệ thống tìm kiếm (Qdrant) tạm thời không sẵn sàng. Xin vui lòng thử lại sau ít phút."
)
MSG_ERROR = "Đã có lỗi xảy ra khi soạn câu trả lời. Xin vui lòng thử lại."
MSG_EMPTY = "Xin vui lòng nhập câu hỏi trước khi gửi."
MSG_THANKS = "Cảm ơn bạn đã góp ý! Đánh giá đã được ghi nhận."
MSG_ASK_WHY = "Cảm ơn bạn! Xin cho biết câu trả lời chưa đúng ở điểm nào (không bắt buộc)."
MSG_COMMENT_SAVED = "Cảm ơn bạn! Góp ý đã được ghi nhận cùng đánh giá."
TITLE = "### Trợ lý CCHC — hỏi đáp về kế hoạch cải cách hành chính"
HINT = "Hỏi bằng tiếng Việt, có hoặc không dấu. Nguồn **[n]** nằm ngay dưới mỗi câu trả lời."
FOLLOWUP_NOTE = (
    'Câu hỏi tiếp nối ("Cơ quan nào phối hợp?", "Còn Hà Tĩnh thì sao?") được hiểu theo các '
    "lượt trước. Câu trả lời chỉ dựa trên các kế hoạch trong kho; hãy kiểm tra nguồn trước "
    "khi sử dụng."
)

UI_CSS = """
.gradio-container { padding-top: 8px !important; }
#troly-title h3 { margin: 0 0 2px; }
#troly-chat { height: clamp(300px, calc(100dvh - 250px), 640px) !important; }
#troly-chat .troly-sources { margin-top: 10px; padding-top: 6px;
  border-top: 1px solid var(--border-color-primary); font-size: 0.92em; }
#troly-chat .troly-sources details { margin: 4px 0; border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: 2px 8px; }
#troly-chat .troly-sources summary { cursor: pointer; }
#troly-chat .troly-quote { padding: 6px 0 4px; white-space: normal; max-height: 260px;
  overflow-y: auto; }
#troly-feedback { border: 1px solid var(--border-color-accent); }
.troly-note { font-size: 12px; color: var(--body-text-color-subdued); }
#troly-review-table .troly-findings { width: 100%; table-layout: fixed;
  border-collapse: collapse; font-size: 0.9em; }
#troly-review-table .troly-findings th, #troly-review-table .troly-findings td {
  border: 1px solid var(--border-color-primary); padding: 4px 6px; vertical-align: top;
  text-align: left; overflow-wrap: anywhere; }
#troly-review-table .troly-findings th { background: var(--background-fill-secondary); }
#troly-review-table .troly-findings .troly-label { display: none; }
#troly-review-table tr[data-severity="Mâu thuẫn"] td:first-child {
  color: var(--error-text-color, #b91c1c); font-weight: 600; }
@media (max-width: 640px) {
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  #troly-chat { height: clamp(280px, calc(100dvh - 230px), 560px) !important; }
  /* On a phone each review finding is a card of labelled fields: nothing scrolls
     sideways and "Khác biệt" / "Giải thích" read at full width. */
  #troly-review-table table.troly-findings, #troly-review-table .troly-findings tbody,
  #troly-review-table .troly-findings tr, #troly-review-table .troly-findings td {
    display: block; width: 100% !important; box-sizing: border-box; }
  #troly-review-table .html-container, #troly-review-table table.troly-findings {
    padding: 0 !important; margin: 0; }
  #troly-review-table .troly-findings colgroup, #troly-review-table .troly-findings thead {
    display: none; }
  #troly-review-table .troly-findings tr { margin: 0 0 12px;
    border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 4px 8px; }
  #troly-review-table .troly-findings td { border: 0; padding: 3px 0; }
  #troly-review-table .troly-findings .troly-value { display: block; }
  #troly-review-table .troly-findings .troly-label { display: block; font-weight: 600;
    font-size: 0.85em; color: var(--body-text-color-subdued); }
}
"""
UI_HEAD = '<meta name="description" content="Trợ lý CCHC — hỏi đáp về kế hoạch CCHC">'


def ui_theme() -> Any:
    return gr.themes.Soft(primary_hue="red", secondary_hue="slate")


# -- pure helpers (unit-testable) ---------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~$>-])")


def esc(text: str) -> str:
    """Text for the Chatbot's Markdown: HTML escaped, so nothing a user or a document
    contains becomes markup."""
    escaped = html.escape(text or "", quote=False)
    # "![x](url)" would become an <img> the browser fetches: show it as text
    return escaped.replace("![", "&#33;[")


def esc_block(text: str) -> str:
    """Text for inside an HTML block of the Markdown: escaped, Markdown punctuation as
    character references, and newlines as ``<br>`` (a blank line would end the block)."""
    escaped = html.escape(text or "", quote=False)
    escaped = _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(1))};", escaped)
    lines = [ln.strip() for ln in escaped.splitlines()]
    return "<br>".join(ln for ln in lines if ln)


def citation_label(c: dict[str, Any]) -> str:
    title = c.get("title") or c.get("doc_id") or ""
    return f"[{c.get('n')}] {title} — {c.get('location') or ''}"


def sources_html(citations: list[dict[str, Any]]) -> str:
    """The citations of one answer as collapsed ``<details>`` (one HTML block, no blank
    lines): summary "[n] document — location", body the cited text verbatim."""
    items = []
    for c in citations:
        summary = (
            f"<b>[{esc_block(str(c.get('n')))}]</b> "
            f"{esc_block(str(c.get('title') or c.get('doc_id') or ''))} — "
            f"<i>{esc_block(str(c.get('location') or ''))}</i>"
        )
        items.append(
            f'<details data-n="{esc_block(str(c.get("n")))}"><summary>{summary}</summary>'
            f'<div class="troly-quote">{esc_block(str(c.get("text") or ""))}</div></details>'
        )
    return (
        '<div class="troly-sources"><b>Nguồn trích dẫn</b> — bấm để xem nguyên văn'
        + "".join(items)
        + "</div>"
    )


def answer_markdown(answer: dict[str, Any]) -> str:
    """The answer text followed by its citations (each expandable to the verbatim text)."""
    body = esc(answer.get("answer") or "")
    cits = answer.get("citations") or []
    if not cits:
        return body
    return body + "\n\n" + sources_html(cits)


def history_of(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Earlier turns in the answerer's shape (oldest first, last few only)."""
    out = []
    for t in turns[-MAX_HISTORY:]:
        item = {"question": str(t.get("question") or "")}
        ans = t.get("answer") or {}
        if ans.get("answer"):
            item["answer"] = str(ans["answer"])
        out.append(item)
    return out


def render_chat(
    turns: list[dict[str, Any]], pending: str | None = None, partial: str = ""
) -> list[dict[str, str]]:
    """The Chatbot's messages, rebuilt from the turns (a turn with ``pending`` set is a
    question still being answered: its ``partial`` text and a cursor), plus ``pending``."""
    chat: list[dict[str, str]] = []
    for t in turns:
        chat.append({"role": "user", "content": esc(str(t.get("question") or ""))})
        if t.get("pending"):
            chat.append({"role": "assistant", "content": esc(str(t.get("partial") or "")) + " ▌"})
        elif t.get("answer"):
            chat.append({"role": "assistant", "content": answer_markdown(t["answer"])})
        else:
            chat.append({"role": "assistant", "content": esc(str(t.get("error") or MSG_ERROR))})
    if pending is not None:
        chat.append({"role": "user", "content": esc(pending)})
        chat.append({"role": "assistant", "content": esc(partial) + " ▌"})
    return chat


def make_filters(
    province: str | None, doc_id: str | None, year: str | None, library: str | None = None
) -> SearchFilters | None:
    """The search filters of the side panel; ``library`` ("plans" / "laws" / "both") maps
    to the ``kind`` filter (:func:`troly.ui.catalog.library_kind`)."""
    y: int | None = None
    if year and str(year).isdigit():
        y = int(year)
    f = SearchFilters(
        province=province or None, doc_id=doc_id or None, year=y, kind=library_kind(library)
    )
    return None if f.is_empty() else f


@dataclass
class ChatSession:
    """One browser tab's conversation, kept on the server (by Gradio's session hash).

    Every question gets its own turn the moment it is sent (``pending`` until answered),
    and every handler renders the same list: two questions in flight, or a question sent
    right after "Cuộc trò chuyện mới" while an abandoned answer is still coming, cannot
    overwrite each other. "Cuộc trò chuyện mới" replaces the list; an answer whose turn is
    no longer in it is dropped."""

    turns: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, question: str) -> dict[str, Any]:
        turn: dict[str, Any] = {"question": question, "pending": True, "partial": ""}
        with self.lock:
            self.turns.append(turn)
        return turn

    def finish(self, turn: dict[str, Any], answer: dict[str, Any] | None, error: str = "") -> None:
        with self.lock:
            turn.pop("pending", None)
            turn.pop("partial", None)
            turn["answer"] = answer
            if answer is None:
                turn["error"] = error or MSG_ERROR

    def history(self, before: dict[str, Any]) -> list[dict[str, str]]:
        """The answered turns before ``before`` (for follow-up questions)."""
        with self.lock:
            earlier = []
            for t in self.turns:
                if t is before:
                    break
                if t.get("answer") and not t.get("pending"):
                    earlier.append(t)
        return [h for h in history_of(earlier) if h.get("answer")]

    def reset(self) -> None:
        with self.lock:
            self.turns = []

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(t) for t in self.turns]

    def turn_at(self, index: int) -> dict[str, Any] | None:
        with self.lock:
            return self.turns[index] if 0 <= index < len(self.turns) else None


def _client(request: gr.Request | None, trust_proxy: bool) -> str:
    if request is None:
        return "ui"
    headers = getattr(request, "headers", None) or {}
    if trust_proxy:
        xff = headers.get("x-forwarded-for")
        if xff and xff.split(",")[-1].strip():
            return str(xff.split(",")[-1].strip())
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "ui")


# -- what the index holds ----------------------------------------------------------------


def filter_choices(
    state: AppState,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """(provinces, documents, years) dropdown choices from what the index holds now."""
    try:
        docs = indexed_documents(state.services)
    except IndexUnavailable:
        docs = []
    provinces = sorted({d.province for d in docs if d.province})
    years = sorted({str(d.year) for d in docs if d.year}, reverse=True)
    return (
        [("Tất cả các tỉnh", ALL), *[(p, p) for p in provinces]],
        [("Tất cả văn bản", ALL), *[(d.title, d.doc_id) for d in docs]],
        [("Tất cả các năm", ALL), *[(y, y) for y in years]],
    )


def welcome(state: AppState) -> tuple[str, list[str]]:
    """(placeholder Markdown saying what the index covers, example questions)."""
    try:
        docs = indexed_documents(state.services)
    except IndexUnavailable:
        return HINT + "\n\n" + MSG_UNAVAILABLE, []
    if not docs:
        return (
            HINT + "\n\nKho văn bản đang trống: xin quản trị viên nạp kế hoạch "
            "(`troly ingest`) trước khi đặt câu hỏi.",
            [],
        )
    covered = coverage_text(docs)
    provinces = {d.province for d in docs}
    curated = [q for q in EXAMPLES if any(fold(p) in fold(q) for p in provinces if p)]
    examples = curated if len(curated) >= 2 else example_questions(docs)
    return (
        f"**Kho hiện có kế hoạch CCHC của:** {esc(covered)}.\n\n{HINT}",
        examples[:3],
    )


# -- the Blocks ----------------------------------------------------------------------------


def offers_library(state: AppState) -> bool:
    """The "Thư viện" filter is shown only when the index holds legal documents."""
    try:
        return holds_laws(indexed_documents(state.services))
    except IndexUnavailable:
        return False


def build_ui(state: AppState) -> gr.Blocks:
    services = state.services
    settings = services.settings
    max_chars = settings.max_question_chars
    placeholder, examples = welcome(state)
    provinces, docs, years = filter_choices(state)
    sessions: LRU[str, ChatSession] = LRU(2000)
    sessions_lock = threading.Lock()

    def session_of(request: gr.Request | None) -> ChatSession:
        key = str(getattr(request, "session_hash", None) or "")
        with sessions_lock:
            found = sessions.get(key)
            if found is None:
                found = ChatSession()
                sessions.put(key, found)
            return found

    def respond(
        message: str,
        province: str,
        doc_id: str,
        year: str,
        library: str,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        question = normalize_user_text(message or "")
        if not question:
            gr.Warning(MSG_EMPTY, title="Chưa có câu hỏi")
            yield gr.update(), gr.update()
            return
        session = session_of(request)
        turn = session.start(question)
        # The box is cleared once, when the question is taken; later updates never touch
        # it (the user may already be typing the next question).
        yield "", render_chat(session.snapshot())
        keep = gr.update()

        def fail(text: str) -> tuple[Any, ...]:
            session.finish(turn, None, text)
            return keep, render_chat(session.snapshot())

        if len(question) > max_chars:
            yield fail(
                f"Câu hỏi quá dài ({len(question)} ký tự, tối đa {max_chars}). "
                "Xin vui lòng rút gọn câu hỏi."
            )
            return
        allowed, wait = state.limiter.take(_client(request, settings.server.trust_proxy_headers))
        if not allowed:
            yield fail(MSG_RATE.format(seconds=wait))
            return
        history = session.history(turn)
        filters = make_filters(province, doc_id, year, library)
        text = ""
        answer: dict[str, Any] | None = None
        try:
            for event in services.answerer.stream(
                question, history=history or None, filters=filters
            ):
                kind = event.get("type")
                if kind == "delta":
                    text += str(event.get("text") or "")
                    turn["partial"] = text
                    yield keep, render_chat(session.snapshot())
                elif kind == "done":
                    answer = dict(event.get("answer") or {})
        except QueryError as exc:
            yield fail(str(exc).split(" / ")[0])
            return
        except IndexUnavailable:
            yield fail(MSG_UNAVAILABLE)
            return
        except Exception:
            log.exception("ui answer failed")
            yield fail(MSG_ERROR)
            return
        if answer is None:
            yield fail(MSG_ERROR)
            return
        state.remember(answer, history)
        session.finish(turn, answer)
        yield keep, render_chat(session.snapshot())

    def like(data: gr.LikeData, request: gr.Request) -> tuple[Any, ...]:
        index = data.index if isinstance(data.index, int) else data.index[0]
        turn = session_of(request).turn_at(int(index) // 2)
        hidden = gr.update(visible=False)
        if turn is None or turn.get("pending") or not (turn.get("answer") or {}).get("id"):
            return "", hidden, None
        if data.liked is True:
            rating = "up"
        elif data.liked is False:
            rating = "down"
        else:
            return "", hidden, None
        answer = turn["answer"]
        row = state.record_feedback(str(answer["id"]), rating, source="ui", fallback=answer)
        log.info("ui feedback %s on %s (row %s)", rating, answer.get("id"), row)
        if rating == "down" and row is not None:
            return MSG_ASK_WHY, gr.update(visible=True), row
        return MSG_THANKS, hidden, None

    def save_comment(comment: str, row: int | None) -> tuple[Any, ...]:
        text = clean_ws(comment or "")[:MAX_COMMENT]
        if row is not None and text:
            state.feedback.add_comment(int(row), text)
            return MSG_COMMENT_SAVED, gr.update(visible=False), None, ""
        return MSG_THANKS, gr.update(visible=False), None, ""

    def new_conversation(request: gr.Request) -> tuple[Any, ...]:
        session_of(request).reset()
        return [], "", gr.update(visible=False), None

    def refresh_filters(province: str, doc_id: str, year: str, library: str) -> tuple[Any, ...]:
        p, d, y = filter_choices(state)

        def keep(choices: list[tuple[str, str]], value: str) -> Any:
            values = {v for _, v in choices}
            return gr.update(choices=choices, value=value if value in values else ALL)

        laws = offers_library(state)
        return (
            keep(p, province),
            keep(d, doc_id),
            keep(y, year),
            gr.update(visible=laws, value=library if laws else "both"),
        )

    def refresh_welcome() -> Any:
        text, qs = welcome(state)
        return gr.update(placeholder=text, examples=[{"text": q} for q in qs])

    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value if isinstance(evt.value, dict) else {}
        return str(value.get("text") or "")

    with gr.Blocks(title="Trợ lý CCHC", analytics_enabled=False) as demo:
        gr.Markdown(TITLE, elem_id="troly-title")
        feedback_row = gr.State(None)
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=4, min_width=300):
                    chatbot = gr.Chatbot(
                        label="Cuộc trò chuyện",
                        show_label=False,
                        elem_id="troly-chat",
                        feedback_options=("Like", "Dislike"),
                        placeholder=placeholder,
                        examples=[{"text": q} for q in examples],
                        buttons=["copy"],
                        sanitize_html=True,
                        latex_delimiters=[],
                        autoscroll=True,
                    )
                    with gr.Row(equal_height=True):
                        box = gr.Textbox(
                            placeholder="Nhập câu hỏi…",
                            show_label=False,
                            label="Câu hỏi",
                            scale=5,
                            lines=1,
                            max_lines=4,
                            max_length=max_chars,
                            elem_id="troly-question",
                            autofocus=True,
                            container=False,
                        )
                        send = gr.Button(
                            "Gửi", variant="primary", scale=1, min_width=70, elem_id="troly-send"
                        )
                    with gr.Group(visible=False, elem_id="troly-feedback") as fb_group:
                        fb_text = gr.Textbox(
                            label="Câu trả lời chưa đúng ở điểm nào?",
                            placeholder="Ví dụ: sai cơ quan chủ trì, thiếu thời hạn, "
                            "trích nhầm kế hoạch…",
                            lines=2,
                            max_length=MAX_COMMENT,
                            elem_id="troly-feedback-text",
                        )
                        fb_send = gr.Button(
                            "Gửi góp ý", size="sm", variant="primary", elem_id="troly-feedback-send"
                        )
                    with gr.Row():
                        new = gr.Button(
                            "Cuộc trò chuyện mới", size="sm", elem_id="troly-new", scale=0
                        )
                        status = gr.Markdown("", elem_id="troly-status")
                with gr.Column(scale=2, min_width=260):
                    with gr.Accordion(
                        "Bộ lọc: tỉnh, văn bản, năm", open=False, elem_id="troly-filters"
                    ) as filters_panel:
                        library = gr.Radio(
                            list(LIBRARIES),
                            value="both",
                            label="Thư viện",
                            elem_id="troly-library",
                            visible=offers_library(state),
                        )
                        province = gr.Dropdown(
                            provinces, value=ALL, label="Tỉnh", elem_id="troly-province"
                        )
                        doc = gr.Dropdown(docs, value=ALL, label="Văn bản", elem_id="troly-doc")
                        year = gr.Dropdown(years, value=ALL, label="Năm", elem_id="troly-year")
                    gr.Markdown(FOLLOWUP_NOTE, elem_classes=["troly-note"])
            review = _review_tab()
            if review is not None:
                with gr.Tab("Rà soát dự thảo", id="review"):
                    review(services)

        outputs = [box, chatbot]
        inputs = [box, province, doc, year, library]
        # "multiple": a question sent while another is being answered is answered too (the
        # default "once" silently dropped it); each gets its own turn in the session.
        answer_opts: dict[str, Any] = {
            "concurrency_limit": 4,
            "concurrency_id": "troly-answer",
            "show_progress": "hidden",
            "api_visibility": "private",
            "trigger_mode": "multiple",
        }
        gr.on([box.submit, send.click], respond, inputs, outputs, **answer_opts)
        chatbot.example_select(pick_example, None, [box], api_visibility="private").then(
            respond, inputs, outputs, **answer_opts
        )
        chatbot.like(like, None, [status, fb_group, feedback_row], api_visibility="private")
        fb_send.click(
            save_comment,
            [fb_text, feedback_row],
            [status, fb_group, feedback_row, fb_text],
            api_visibility="private",
        )
        # Never touches the question box (a late reply must not wipe what is being typed),
        # and bypasses the queue so it is not held behind answers under load.
        reset_outputs = [chatbot, status, fb_group, feedback_row]
        new.click(new_conversation, None, reset_outputs, api_visibility="private", queue=False)
        chatbot.clear(new_conversation, None, reset_outputs, api_visibility="private", queue=False)
        filter_inputs = [province, doc, year, library]
        demo.load(refresh_filters, filter_inputs, filter_inputs, api_visibility="private")
        demo.load(refresh_welcome, None, [chatbot], api_visibility="private")
        filters_panel.expand(
            refresh_filters, filter_inputs, filter_inputs, api_visibility="private"
        )
    return demo


def _review_tab() -> Any:
    """``troly.ui.review_tab.build_review_tab`` when that module exists (another team's)."""
    try:
        module = importlib.import_module("troly.ui.review_tab")
    except ModuleNotFoundError as exc:
        if exc.name in ("troly.ui.review_tab", "troly.ui"):
            return None
        raise
    return getattr(module, "build_review_tab", None)
