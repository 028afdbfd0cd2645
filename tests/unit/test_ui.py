"""The chat UI's and review tab's own logic (no browser): escaping, citations shown once,
the chat rebuilt from the turns, coverage and example questions, upload checks."""

from __future__ import annotations

import pytest

from troly.ui.catalog import IndexedDocument, coverage, coverage_text, example_questions

pytestmark = pytest.mark.unit

ANSWER = {
    "answer": "Sở <b>Nội vụ</b> chủ trì [1].",
    "citations": [
        {
            "n": 1,
            "title": "KH <script>",
            "location": "II.1",
            "doc_id": "d",
            "text": "<img src=x>\n\n# Tiêu đề *đậm* [link](x)\n1. mục",
        }
    ],
}


def test_answer_escapes_markup_and_lists_each_citation_once_with_its_text() -> None:
    from troly.ui.chat import answer_markdown

    md = answer_markdown(ANSWER)
    assert "<b>Nội" not in md and "&lt;b&gt;" in md and "<script>" not in md
    assert "<img" not in md and "&lt;img src=x&gt;" in md
    assert md.count("<details") == 1 and "KH &lt;script&gt;" in md and "<i>II.1</i>" in md
    sources = md[md.index('<div class="troly-sources">') :]
    # one HTML block: a blank line would let Markdown parse the quote (headings, links)
    assert "\n" not in sources
    assert "&#35; Tiêu đề &#42;đậm&#42; &#91;link&#93;&#40;x&#41;" in sources
    assert answer_markdown({"answer": "Không có nguồn."}) == "Không có nguồn."


def test_chat_is_rebuilt_from_the_turns() -> None:
    from troly.ui.chat import MSG_ERROR, render_chat

    turns = [
        {"question": "q1 <i>", "answer": ANSWER},
        {"question": "q2", "answer": None, "error": "Câu hỏi quá dài."},
    ]
    chat = render_chat(turns, "q3", "đang trả")
    assert [m["role"] for m in chat] == ["user", "assistant"] * 3
    assert chat[0]["content"] == "q1 &lt;i&gt;" and "<details" in chat[1]["content"]
    assert chat[3]["content"] == "Câu hỏi quá dài." and chat[-1]["content"] == "đang trả ▌"
    assert render_chat([{"question": "q", "answer": None}])[1]["content"] == MSG_ERROR
    assert render_chat([]) == []


def test_filters() -> None:
    from troly.ui.chat import make_filters

    assert make_filters("", "", "") is None
    f = make_filters("Phú Yên", "", "2024")
    assert f is not None and f.province == "Phú Yên" and f.year == 2024 and f.doc_id is None


def test_coverage_and_examples_come_from_the_indexed_documents() -> None:
    docs = [
        IndexedDocument("kh-2025", "KH Khánh Hòa", "Khánh Hòa", 2025),
        IndexedDocument("py-2023", "KH Phú Yên 2023", "Phú Yên", 2023),
        IndexedDocument("py-2024", "KH Phú Yên 2024", "Phú Yên", 2024),
        IndexedDocument("law", "Luật", "", None),
    ]
    assert coverage(docs) == {"Khánh Hòa": [2025], "Phú Yên": [2023, 2024]}
    assert coverage_text(docs) == "Khánh Hòa (2025), Phú Yên (2023, 2024)"
    qs = example_questions(docs)
    assert len(qs) == 3 and "Khánh Hòa" in qs[0] and "2025" in qs[0]
    assert "Phú Yên" in qs[1] and "2024" in qs[1]
    assert example_questions([]) == []


def test_review_upload_accepts_what_the_server_reads_and_says_so_in_vietnamese() -> None:
    from troly.ui.review_tab import accepted_suffixes, check_upload, vi

    accepted = accepted_suffixes()
    assert {".txt", ".docx", ".doc", ".pdf", ".html"} <= set(accepted)
    assert check_upload(None) is None and check_upload("/tmp/du-thao.TXT") is None
    assert check_upload("/tmp/du-thao.pdf") is None and check_upload("/tmp/du-thao.docx") is None
    reason = check_upload("/tmp/du-thao.xlsx")
    assert reason and reason.startswith("Không đọc được tệp định dạng .xlsx")
    assert ".txt" in reason and "Unsupported" not in reason
    assert vi("Định dạng '.pdf' chưa được hỗ trợ. / Unsupported format") == (
        "Định dạng '.pdf' chưa được hỗ trợ."
    )


def test_review_findings_render_as_an_escaped_labelled_table() -> None:
    from troly.ui.review_tab import EMPTY_FINDINGS, HEADERS, findings_html

    assert EMPTY_FINDINGS in findings_html([])
    row = ["Mâu thuẫn", "Khác cơ quan chủ trì", "II.3", "<script>alert(1)</script>", "d › I.1"]
    row += ["Sở <b>Nội vụ</b>", "Cơ quan: «A» ≠ «B»", 0.91, 'giải thích "x" & y']
    out = findings_html([row, ["Lưu ý", *[""] * 8]])
    assert "<script>" not in out and "&lt;script&gt;" in out and "<b>" not in out
    assert out.count("<tr data-severity=") == 2 and 'data-severity="Mâu thuẫn"' in out
    assert out.count("<th ") == len(HEADERS) and out.count("<td>") == 2 * len(HEADERS)
    # every cell carries its column's label (shown on phones, where a row is a card)
    for h in HEADERS:
        assert out.count(f'<span class="troly-label">{h}</span>') == 2
    assert "0.91" in out and "&quot;x&quot; &amp; y" in out


def test_chat_text_cannot_become_an_image_and_questions_are_nfc() -> None:
    import unicodedata

    from troly.text import normalize_user_text
    from troly.ui.chat import esc

    shown = esc('![x](https://attacker.example/p.png) <img src=x onerror="alert(1)">')
    assert "![" not in shown and "<img" not in shown and "&#33;[x]" in shown
    nfd = unicodedata.normalize("NFD", "Ai chủ trì kế hoạch?")
    assert normalize_user_text(nfd + "\u200b") == "Ai chủ trì kế hoạch?"


def test_library_choice_maps_to_the_search_kind_filter() -> None:
    from troly.index_store import _conditions
    from troly.ui.catalog import LIBRARIES, holds_laws, library_kind
    from troly.ui.chat import make_filters

    assert [v for _, v in LIBRARIES] == ["both", "plans", "laws"]
    assert [label for label, _ in LIBRARIES] == ["Cả hai", "Kế hoạch", "Văn bản pháp luật"]
    assert library_kind("laws") == "article" and library_kind("plans") == "plan"
    assert library_kind("both") is None and library_kind("") is None
    assert library_kind(None) is None and library_kind("sách") is None
    assert make_filters("", "", "", "both") is None
    laws = make_filters("", "", "", "laws")
    assert laws is not None and laws.kind == "article"
    plans = make_filters("Phú Yên", "", "", "plans")
    assert plans is not None and plans.kind == "plan" and plans.province == "Phú Yên"
    # "plan" reaches the store as "any of the plans' chunk kinds"
    assert ("kind", ["section", "task"]) in _conditions(plans)
    assert ("kind", "article") in _conditions(laws)
    plan = IndexedDocument("py", "KH Phú Yên", "Phú Yên", 2024)
    law = IndexedDocument("luat-cu-tru", "Luật Cư trú", "", 2020, law=True)
    assert not holds_laws([plan]) and holds_laws([plan, law])
    assert coverage([plan, law]) == {"Phú Yên": [2024]}


def test_chat_session_keeps_every_question_and_drops_answers_after_a_reset() -> None:
    from troly.ui.chat import ChatSession, render_chat

    s = ChatSession()
    first = s.start("q1")
    second = s.start("q2")  # sent before q1 is answered
    assert [m["content"] for m in render_chat(s.snapshot())][1::2] == [" ▌", " ▌"]
    s.finish(second, {"answer": "a2", "id": "2"})
    s.finish(first, {"answer": "a1", "id": "1"})
    assert [m["content"] for m in render_chat(s.snapshot())] == ["q1", "a1", "q2", "a2"]
    assert s.history(s.start("q3")) == [
        {"question": "q1", "answer": "a1"},
        {"question": "q2", "answer": "a2"},
    ]
    s.reset()
    late = first  # an abandoned answer finishing after the reset is not shown
    fresh = s.start("q4")
    s.finish(late, {"answer": "late", "id": "x"})
    s.finish(fresh, None, "Hệ thống bận.")
    assert [m["content"] for m in render_chat(s.snapshot())] == ["q4", "Hệ thống bận."]
    assert s.turn_at(0) is fresh and s.turn_at(1) is None


class _FakeStore:
    """A store's reads as the catalog uses them (pure logic of its cache)."""

    def __init__(self, docs: list[tuple[str, str]], generation: str = "g1") -> None:
        self.docs = docs
        self.generation = generation
        self.scans = 0

    def content_token(self) -> tuple[str, int]:
        return (self.generation, len(self.docs))

    def chunks(self) -> list:
        from types import SimpleNamespace

        self.scans += 1
        return [
            SimpleNamespace(doc_id=d, title=d, province=p, year=2025, kind="section")
            for d, p in self.docs
        ]


def test_catalog_cache_follows_the_store_and_its_version() -> None:
    import gc
    from types import SimpleNamespace

    from troly.ui.catalog import indexed_documents

    store = _FakeStore([("a", "Hà Tĩnh")])
    svc = SimpleNamespace(store=store)
    assert [d.province for d in indexed_documents(svc)] == ["Hà Tĩnh"]  # type: ignore[arg-type]
    indexed_documents(svc)  # type: ignore[arg-type]
    assert store.scans == 1  # unchanged version: cached
    # an upload that keeps the number of points still publishes a new generation
    store.docs, store.generation = [("a", "Khánh Hòa")], "g2"
    assert [d.province for d in indexed_documents(svc)] == ["Khánh Hòa"]  # type: ignore[arg-type]
    # a new store with the same version never reads a freed store's entry (an id() key
    # could: CPython reuses the address of a freed object)
    for _ in range(20):
        del svc, store
        gc.collect()
        store = _FakeStore([("b", "Phú Yên")], "g2")
        svc = SimpleNamespace(store=store)
        assert [d.province for d in indexed_documents(svc)] == ["Phú Yên"]  # type: ignore[arg-type]
        store.docs = [("a", "Khánh Hòa")]  # the next store starts from this one's state
