"""The Gradio chat for civil servants, mounted at ``/ui/`` by :func:`troly.api.create_app`.

Streaming answers; each answer ends with its numbered citations (document, location);
the side panel lists the citations of the selected answer and shows the cited source
text verbatim when one is clicked. Filters for province, document and year, example
questions, thumbs up/down into the shared feedback store, a new-conversation button,
and follow-ups that carry the conversation history.

Everything shown that comes from a user or a document is HTML-escaped before it reaches
the Chatbot's Markdown, and source text is shown in a read-only Textbox (plain text).
"""

from __future__ import annotations

import html
import importlib
import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from troly.api.safety import MSG_RATE
from troly.api.state import AppState
from troly.documents import load_manifest
from troly.index_store import IndexUnavailable
from troly.retriever import QueryError
from troly.schema import SearchFilters
from troly.text import clean_ws

log = logging.getLogger("troly.ui")

ALL = ""
MAX_HISTORY = 6
EXAMPLES = [
    "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024 ở Phú Yên?",
    "Tỉnh Phú Yên đặt mục tiêu mức độ hài lòng của người dân bao nhiêu phần trăm năm 2024?",
    "Hà Tĩnh năm 2025 giao cơ quan nào chủ trì cải cách tài chính công?",
    "ai chu tri cong tac tuyen truyen cai cach hanh chinh o binh phuoc",
    "Quảng Ngãi có những nhiệm vụ nào về chuyển đổi số năm 2024?",
]
MSG_UNAVAILABLE = (
    "Hệ thống tìm kiếm (Qdrant) tạm thời không sẵn sàng. Xin vui lòng thử lại sau ít phút."
)
MSG_ERROR = "Đã có lỗi xảy ra khi soạn câu trả lời. Xin vui lòng thử lại."
INTRO = (
    "### Trợ lý CCHC — hỏi đáp về kế hoạch cải cách hành chính\n"
    "Đặt câu hỏi bằng tiếng Việt (có hoặc không dấu). Mỗi ý trong câu trả lời có dấu **[n]** "
    "trỏ tới nguồn; bấm vào một nguồn ở khung bên phải để xem nguyên văn đoạn trích. "
    'Câu hỏi tiếp nối ("Cơ quan nào phối hợp?", "Còn Hà Tĩnh thì sao?") được hiểu theo các '
    "lượt trước."
)

UI_CSS = """
#troly-chat { min-height: 420px; }
#troly-source textarea { font-size: 14px; line-height: 1.5; }
.troly-note { font-size: 12px; color: var(--body-text-color-subdued); }
"""
UI_HEAD = '<meta name="description" content="Trợ lý CCHC — hỏi đáp về kế hoạch CCHC">'


def ui_theme() -> Any:
    return gr.themes.Soft(primary_hue="red", secondary_hue="slate")


# -- pure helpers (unit-testable) ---------------------------------------------------------


def esc(text: str) -> str:
    """Text for the Chatbot's Markdown: HTML escaped, so nothing a user or a document
    contains becomes markup."""
    return html.escape(text or "", quote=False)


def citation_label(c: dict[str, Any]) -> str:
    title = c.get("title") or c.get("doc_id") or ""
    return f"[{c.get('n')}] {title} — {c.get('location') or ''}"


def answer_markdown(answer: dict[str, Any]) -> str:
    """The answer text followed by its numbered citations (document, location)."""
    body = esc(answer.get("answer") or "")
    cits = answer.get("citations") or []
    if not cits:
        return body
    lines = [body, "", "**Nguồn trích dẫn:**"]
    for c in cits:
        title = esc(str(c.get("title") or c.get("doc_id") or ""))
        lines.append(f"{c.get('n')}. {title} — *{esc(str(c.get('location') or ''))}*")
    return "\n".join(lines)


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


def make_filters(
    province: str | None, doc_id: str | None, year: str | None
) -> SearchFilters | None:
    y: int | None = None
    if year and str(year).isdigit():
        y = int(year)
    f = SearchFilters(province=province or None, doc_id=doc_id or None, year=y)
    return None if f.is_empty() else f


def citation_choices(answer: dict[str, Any] | None) -> list[tuple[str, str]]:
    return [(citation_label(c), str(c.get("n"))) for c in (answer or {}).get("citations") or []]


def source_view(answer: dict[str, Any] | None, n: str | None) -> tuple[str, str]:
    """(title Markdown, verbatim text) of citation ``n`` of ``answer``."""
    for c in (answer or {}).get("citations") or []:
        if str(c.get("n")) == str(n):
            title = (
                f"**[{c.get('n')}] {esc(str(c.get('title') or ''))}**  \n"
                f"Vị trí: *{esc(str(c.get('location') or ''))}* · "
                f"văn bản `{esc(str(c.get('doc_id') or ''))}`"
            )
            return title, str(c.get("text") or "")
    return "", ""


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


# -- the Blocks ----------------------------------------------------------------------------


def _filter_choices(
    state: AppState,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    entries = load_manifest(state.services.settings.corpus_dir)
    provinces = sorted({str(e.fields.get("province")) for e in entries} - {"None", ""})
    years = sorted({str(e.fields.get("year")) for e in entries} - {"None", ""}, reverse=True)
    docs = [(str(e.fields.get("title") or e.id), e.id) for e in entries]
    return (
        [("Tất cả các tỉnh", ALL), *[(p, p) for p in provinces]],
        [("Tất cả văn bản", ALL), *docs],
        [("Tất cả các năm", ALL), *[(y, y) for y in years]],
    )


def build_ui(state: AppState) -> gr.Blocks:
    services = state.services
    settings = services.settings
    max_chars = settings.max_question_chars
    provinces, docs, years = _filter_choices(state)

    def respond(
        message: str,
        chat: list[dict[str, Any]],
        turns: list[dict[str, Any]],
        province: str,
        doc_id: str,
        year: str,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        question = clean_ws(message or "")
        chat = list(chat or [])
        turns = list(turns or [])
        if not question:
            yield gr.update(), chat, turns, gr.update(), gr.update(), gr.update()
            return
        chat.append({"role": "user", "content": esc(question)})
        chat.append({"role": "assistant", "content": ""})
        empty_radio = gr.update(choices=[], value=None)

        def fail(text: str) -> tuple[Any, ...]:
            chat[-1] = {"role": "assistant", "content": esc(text)}
            turns.append({"question": question, "answer": None, "error": text})
            return "", chat, turns, empty_radio, "", ""

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
        yield "", chat, turns, empty_radio, "", ""

        history = [h for h in history_of(turns) if h.get("answer")]
        filters = make_filters(province, doc_id, year)
        text = ""
        answer: dict[str, Any] | None = None
        try:
            for event in services.answerer.stream(
                question, history=history or None, filters=filters
            ):
                kind = event.get("type")
                if kind == "delta":
                    text += str(event.get("text") or "")
                    chat[-1] = {"role": "assistant", "content": esc(text) + " ▌"}
                    yield "", chat, turns, gr.update(), gr.update(), gr.update()
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
        turns.append({"question": question, "answer": answer})
        chat[-1] = {"role": "assistant", "content": answer_markdown(answer)}
        radio = gr.update(choices=citation_choices(answer), value=None)
        yield "", chat, turns, radio, "", ""

    def show_source(n: str | None, turns: list[dict[str, Any]], selected: int) -> tuple[str, str]:
        if not n or not turns:
            return "", ""
        idx = selected if 0 <= selected < len(turns) else len(turns) - 1
        return source_view(turns[idx].get("answer"), n)

    def select_turn(turns: list[dict[str, Any]], evt: gr.SelectData) -> tuple[Any, ...]:
        index = evt.index if isinstance(evt.index, int) else (evt.index or [0])[0]
        t = int(index) // 2
        if not turns or t >= len(turns):
            return gr.update(), gr.update(), gr.update(), gr.update()
        radio = gr.update(choices=citation_choices(turns[t].get("answer")), value=None)
        return t, radio, "", ""

    def latest(turns: list[dict[str, Any]]) -> int:
        return len(turns or []) - 1

    def like(turns: list[dict[str, Any]], data: gr.LikeData) -> str:
        index = data.index if isinstance(data.index, int) else data.index[0]
        t = int(index) // 2
        if not turns or t >= len(turns) or not (turns[t].get("answer") or {}).get("id"):
            return ""
        if data.liked is True:
            rating = "up"
        elif data.liked is False:
            rating = "down"
        else:
            return ""
        answer = turns[t]["answer"]
        row = state.record_feedback(str(answer["id"]), rating, source="ui", fallback=answer)
        log.info("ui feedback %s on %s (row %s)", rating, answer.get("id"), row)
        return "Cảm ơn bạn đã góp ý! Đánh giá đã được ghi nhận."

    def new_conversation() -> tuple[Any, ...]:
        return [], [], -1, gr.update(choices=[], value=None), "", "", "", ""

    with gr.Blocks(title="Trợ lý CCHC", analytics_enabled=False) as demo:
        gr.Markdown(INTRO)
        turns_state = gr.State([])
        selected_state = gr.State(-1)
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Cuộc trò chuyện",
                        elem_id="troly-chat",
                        height=540,
                        feedback_options=("Like", "Dislike"),
                        placeholder="Hãy đặt câu hỏi về kế hoạch cải cách hành chính của tỉnh.",
                        buttons=["copy"],
                        sanitize_html=True,
                        latex_delimiters=[],
                    )
                    with gr.Row():
                        box = gr.Textbox(
                            placeholder="Nhập câu hỏi rồi nhấn Enter…",
                            show_label=False,
                            label="Câu hỏi",
                            scale=5,
                            lines=1,
                            max_lines=4,
                            max_length=max_chars,
                            elem_id="troly-question",
                            autofocus=True,
                        )
                        send = gr.Button("Gửi", variant="primary", scale=1, elem_id="troly-send")
                    with gr.Row():
                        new = gr.Button(
                            "Cuộc trò chuyện mới", size="sm", elem_id="troly-new", scale=0
                        )
                        status = gr.Markdown("", elem_id="troly-status")
                    gr.Examples(
                        examples=[[q] for q in EXAMPLES],
                        inputs=[box],
                        label="Câu hỏi mẫu",
                        elem_id="troly-examples",
                    )
                with gr.Column(scale=2):
                    with gr.Accordion("Bộ lọc: tỉnh, văn bản, năm", open=False):
                        province = gr.Dropdown(
                            provinces, value=ALL, label="Tỉnh", elem_id="troly-province"
                        )
                        doc = gr.Dropdown(docs, value=ALL, label="Văn bản", elem_id="troly-doc")
                        year = gr.Dropdown(years, value=ALL, label="Năm", elem_id="troly-year")
                    citations = gr.Radio(
                        choices=[],
                        label="Nguồn trích dẫn — bấm để xem nguyên văn",
                        elem_id="troly-citations",
                    )
                    source_title = gr.Markdown("", elem_id="troly-source-title")
                    source = gr.Textbox(
                        label="Nguyên văn đoạn trích",
                        lines=12,
                        max_lines=30,
                        interactive=False,
                        elem_id="troly-source",
                        buttons=["copy"],
                    )
                    gr.Markdown(
                        "Câu trả lời chỉ dựa trên các kế hoạch trong kho; hãy kiểm tra nguồn "
                        "trước khi sử dụng.",
                        elem_classes=["troly-note"],
                    )
            review = _review_tab()
            if review is not None:
                with gr.Tab("Rà soát dự thảo", id="review"):
                    review(services)

        outputs = [box, chatbot, turns_state, citations, source_title, source]
        inputs = [box, chatbot, turns_state, province, doc, year]
        for trigger in (box.submit, send.click):
            trigger(
                respond,
                inputs,
                outputs,
                concurrency_limit=4,
                concurrency_id="troly-answer",
                show_progress="hidden",
                api_visibility="private",
            ).then(latest, [turns_state], [selected_state], api_visibility="private")
        citations.change(
            show_source,
            [citations, turns_state, selected_state],
            [source_title, source],
            api_visibility="private",
            show_progress="hidden",
        )
        chatbot.select(
            select_turn,
            [turns_state],
            [selected_state, citations, source_title, source],
            api_visibility="private",
        )
        chatbot.like(like, [turns_state], [status], api_visibility="private")
        reset_outputs = [
            chatbot,
            turns_state,
            selected_state,
            citations,
            source_title,
            source,
            status,
            box,
        ]
        new.click(new_conversation, None, reset_outputs, api_visibility="private")
        chatbot.clear(new_conversation, None, reset_outputs, api_visibility="private")
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
