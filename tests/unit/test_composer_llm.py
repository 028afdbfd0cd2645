"""The extractive composer, marker parsing and the faithfulness guard on literal strings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from troly.answerer import deadline_periods
from troly.composer import (
    Evidence,
    best_sentences,
    content_terms,
    coverage,
    describe_task,
    figures,
    matched,
    row_context,
    section_answer,
    sentences,
)
from troly.llm import LLMRewriter, claims, guard, missing_facts, parse_markers
from troly.prompts import PromptError, Prompts
from troly.schema import Answer, Chunk
from troly.settings import LLMSettings
from troly.text import accent_key

pytestmark = pytest.mark.unit


def chunk(text: str, kind: str = "section", location: str = "II", **fields: str) -> Chunk:
    return Chunk(
        id=f"id-{location}",
        doc_id="phu-yen-2024",
        kind=kind,  # type: ignore[arg-type]
        text=text,
        embed_text=text,
        path=location,
        location=location,
        headings=[],
        province="Phú Yên",
        year=2024,
        title="Kế hoạch CCHC tỉnh Phú Yên năm 2024",
        fields=dict(fields),
    )


ROW = chunk(
    "STT 1. Kế hoạch hoạt động kiểm soát thủ tục hành chính năm 2024\n"
    "Cơ quan chủ trì: Văn phòng UBND tỉnh\nCơ quan phối hợp: Các sở, ban, ngành\n"
    "Thời gian thực hiện: Tháng 01/2024",
    kind="task",
    location="Phụ lục › III. Cải cách thủ tục hành chính › STT 1",
    content="Kế hoạch hoạt động kiểm soát thủ tục hành chính năm 2024",
    lead_text="Văn phòng UBND tỉnh",
    partners_text="Các sở, ban, ngành",
    deadline="Tháng 01/2024",
)


def test_describe_task_copies_fields_verbatim_with_marker() -> None:
    text = describe_task(ROW, 1)
    assert text.startswith("Theo Kế hoạch CCHC năm 2024 của tỉnh Phú Yên (Phụ lục › III.")
    assert (
        "“Kế hoạch hoạt động kiểm soát thủ tục hành chính năm 2024” do Văn phòng UBND tỉnh "
        "chủ trì [1]." in text
    )
    assert "Cơ quan phối hợp: Các sở, ban, ngành; thời gian thực hiện: Tháng 01/2024 [1]." in text
    # every value in the answer is in the cited chunk
    for value in ("Văn phòng UBND tỉnh", "Các sở, ban, ngành", "Tháng 01/2024"):
        assert value in ROW.text


def test_describe_task_with_focus_and_missing_field() -> None:
    text = describe_task(ROW, 2, focus="deadline")
    assert "thời gian thực hiện của nhiệm vụ" in text and "là: Tháng 01/2024 [2]." in text
    text = describe_task(ROW, 1, focus="budget")
    assert "không ghi kinh phí cụ thể" in text


def test_describe_task_gives_the_rows_target() -> None:
    """A row with a target column ("1.3. … cắt giảm 20% quy định …", Hà Tĩnh's layout):
    the target is said, without its cell number, whatever field is asked; a target that
    is the content itself is not repeated."""
    row = chunk(
        "Mục tiêu: 1.3. Cắt giảm 20% quy định và 20% chi phí tuân thủ\n"
        "Nhiệm vụ: 2.3. Rà soát TTHC nội bộ\nThời gian thực hiện: Quý I, II năm 2025",
        kind="task",
        location="Phụ lục › III. CẢI CÁCH THỦ TỤC HÀNH CHÍNH › Nhiệm vụ 2.3",
        content="Rà soát TTHC nội bộ",
        target="1.3. Cắt giảm 20% quy định và 20% chi phí tuân thủ",
        deadline="Quý I, II năm 2025",
    )
    text = describe_task(row, 1, focus="deadline")
    assert "là: Quý I, II năm 2025 [1]." in text
    assert "Mục tiêu: Cắt giảm 20% quy định và 20% chi phí tuân thủ" in text
    assert "1.3." not in text
    same = chunk("x", kind="task", content="Cắt giảm 20% quy định", target="Cắt giảm 20% quy định")
    assert "mục tiêu" not in describe_task(same, 1).lower()


def test_sentence_selection_prefers_covering_sentence_with_figure() -> None:
    c = chunk(
        "- Nâng cao sự hài lòng của người dân.\n"
        "- Mức độ hài lòng của người dân, doanh nghiệp về giải quyết TTHC đạt 90%. Mức độ "
        "hài lòng về TTHC lĩnh vực đất đai đạt tối thiểu 85%."
    )
    terms = content_terms(
        "Mức độ hài lòng của người dân về giải quyết TTHC ở Phú Yên là bao nhiêu?", ["Phú Yên"]
    )
    assert "phu" not in terms and "hai" in terms and "thu" in terms  # TTHC expanded
    picked = best_sentences([c], terms, want_figure=True, limit=1)
    assert picked[0].text.endswith("đạt 90%.")
    ev = Evidence()
    text = section_answer(picked, ev)
    assert text == (
        "Theo Kế hoạch CCHC năm 2024 của tỉnh Phú Yên (mục II): “Mức độ hài lòng của người "
        "dân, doanh nghiệp về giải quyết TTHC đạt 90%.” [1]."  # no leading "- " (issue 14)
    )
    assert ev.chunks == [c]


def test_coverage_and_figures() -> None:
    assert coverage(["hai", "long"], "mức độ hài lòng") == 1.0
    assert coverage(["xyz"], "mức độ hài lòng") == 0.0
    assert figures("đạt 90% vào năm 2024 theo Nghị định 42/2022/NĐ-CP, nhóm 30 tỉnh") == [
        "90%",
        "30",
    ]
    assert sentences("Câu một. Câu hai!\n- Dòng ba") == ["Câu một.", "Câu hai!", "- Dòng ba"]


def test_numbering_codes_and_times_are_not_figures_versions_are() -> None:
    """An item's outline number (merged table cells leave them mid-text), a standard's
    code and a time state no quantity; "phiên bản 2.0" and "1.500" do."""
    assert figures("Mục tiêu: 1.6. 25% số cơ quan áp dụng TCVN ISO 9001:2015") == ["25%"]
    assert figures("2.4 Quản lý biên chế 2.5 Tăng cường kiểm tra") == []
    assert figures("tập huấn cho cán bộ các cấp 3.6.") == []
    assert figures("duy trì ISO 9001 tại 562 cơ quan, đơn vị lúc 14:30") == ["562"]
    assert figures("Kiến trúc phiên bản 2.0; cập nhật 1.500 hồ sơ") == ["2.0", "1.500"]
    # a level's or a provision's label is no quantity; the figures beside it are
    assert figures("dịch vụ công mức độ 3, 4 và 5 huyện") == ["5"]
    assert figures("trên 80% ở mức độ 3, tối thiểu 40% ở mức độ 4") == ["80%", "40%"]
    assert figures("theo khoản 2 Điều 12 có 3 trường hợp; cấp độ 2 và 10 hệ thống") == ["3", "10"]
    # … and real quantities near such shapes stay figures
    for text, expected in [
        ("Đến năm 2025: 100% thủ tục", ["100%"]),
        ("Chỉ số đạt 8.5 điểm; tăng 2.5 đơn vị", ["8.5", "2.5"]),
        ("Kinh phí: 1.5 tỷ đồng", ["1.5"]),
        ("1.5", ["1.5"]),
        ("1.500 hồ sơ", ["1.500"]),
        ("theo Điều 5, 30 ngày", ["30"]),
    ]:
        assert figures(text) == expected, text


def test_row_context_adds_the_fields_a_quoted_row_sentence_left_out() -> None:
    row = chunk(
        "Mục tiêu: 25% cơ quan được kiểm tra\nSản phẩm: Kiểm tra tại 140 cơ quan",
        kind="task",
        location="Phụ lục › VII › Nhiệm vụ 2.6",
        product="Kiểm tra tại 140 cơ quan",
        lead_text="Sở Khoa học và Công nghệ",
        deadline="Quý II- IV năm 2025",
    )
    out = row_context(row, 1, "“Mục tiêu: 25% cơ quan được kiểm tra” [1].")
    assert out == (
        "Sản phẩm: Kiểm tra tại 140 cơ quan; cơ quan chủ trì: Sở Khoa học và Công nghệ; "
        "thời gian thực hiện: Quý II- IV năm 2025 [1]."
    )
    quoted_all = "Kiểm tra tại 140 cơ quan, Sở Khoa học và Công nghệ, Quý II- IV năm 2025"
    assert row_context(row, 1, quoted_all) == ""


def test_deadline_periods() -> None:
    assert deadline_periods("Quý I/2024") == {"Q1/2024"}
    assert deadline_periods("Trong năm quý I/2024") == {"Q1/2024"}
    assert deadline_periods("Quý II, III/2025") == {"Q2/2025", "Q3/2025"}
    assert deadline_periods("Quý I năm 2024 ban hành kế hoạch") == {"Q1/2024"}
    assert deadline_periods("Tháng 01/2025") == {"M1/2025"}
    assert deadline_periods("quy i 2024") == {"Q1/2024"}
    assert deadline_periods("Năm 2024") == set()


def test_parse_markers() -> None:
    assert parse_markers("A [2]. B [1][2]. C [10]") == [2, 1, 10]
    assert parse_markers("không có") == []


def test_claims() -> None:
    c = claims("Sở Nội vụ chủ trì, hoàn thành Quý I/2024, đạt 95% [1].")
    assert "Sở Nội vụ" in c and "95%" in c and any("Quý I/2024" in x for x in c)


def test_guard_drops_unsupported_sentences() -> None:
    sources = {1: "Mức độ hài lòng đạt 90%. Sở Nội vụ chủ trì.", 2: "Thời gian: Quý II/2024"}
    res = guard(
        "Mức độ hài lòng đạt 90% [1]. Mức độ hài lòng đạt 95% [1]. Sở Tư pháp chủ trì [1]. "
        "Hạn là Quý II/2024 [2]. Hạn là Quý II/2024 [1]. Đạt 90% mà không trích dẫn. "
        "Xin cảm ơn quý vị.",
        sources,
    )
    assert res.kept == [
        "Mức độ hài lòng đạt 90% [1].",
        "Hạn là Quý II/2024 [2].",
        "Xin cảm ơn quý vị.",
    ]
    reasons = [r for _, r in res.dropped]
    assert len(reasons) == 4 and "no citation" in reasons


class FakeResponse:
    def __init__(self, content: str | None, status: int = 200) -> None:
        self.content, self.status = content, status

    def raise_for_status(self) -> None:
        if self.status >= 400:
            raise RuntimeError(f"HTTP {self.status}")

    def json(self) -> dict[str, Any]:
        return {"choices": [{"message": {"content": self.content}}]}


class FakeClient:
    """Stands in for the HTTP endpoint only; the rewriter's own logic runs for real."""

    def __init__(self, reply: FakeResponse | Exception) -> None:
        self.reply = reply
        self.calls: list[dict[str, Any]] = []

    def post(self, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append({"url": url, **kwargs})
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def _answer() -> Answer:
    return Answer(
        question="Ai chủ trì?",
        answer="Văn phòng UBND tỉnh chủ trì, thời gian Tháng 01/2024 [1].",
        refused=False,
    )


def test_missing_facts() -> None:
    ref = "Văn phòng UBND tỉnh chủ trì, hạn Tháng 01/2024, đạt 90% [1]."
    assert missing_facts(ref, "Văn phòng UBND tỉnh chủ trì; hạn tháng 01/2024; 90% [1]") == []
    assert "90%" in missing_facts(ref, "Văn phòng UBND tỉnh chủ trì, hạn Tháng 01/2024 [1].")


def test_rewriter_renumbers_markers_and_keeps_good_sentences() -> None:
    other = chunk("Nội dung khác", location="I")
    client = FakeClient(FakeResponse("Văn phòng UBND tỉnh chủ trì, hạn Tháng 01/2024 [2]."))
    out = LLMRewriter(LLMSettings(enabled=True), client=client).rewrite(_answer(), [other, ROW])
    assert out is not None and out.mode == "llm"
    assert out.answer == "Văn phòng UBND tỉnh chủ trì, hạn Tháng 01/2024 [1]."
    assert [c.location for c in out.citations] == [ROW.location]
    sent = client.calls[0]["json"]["messages"]
    assert "[2] Kế hoạch CCHC năm 2024 của tỉnh Phú Yên" in sent[1]["content"]
    assert client.calls[0]["url"].endswith("/chat/completions")


@pytest.mark.parametrize(
    "reply",
    [
        TimeoutError("timed out"),
        FakeResponse(None, status=500),
        FakeResponse("Sở Tư pháp chủ trì, hạn Quý IV/2024 [1]."),  # unfaithful
    ],
)
def test_rewriter_falls_back_to_extractive(reply: Any) -> None:
    out = LLMRewriter(LLMSettings(enabled=True), client=FakeClient(reply)).rewrite(_answer(), [ROW])
    assert out is None


def test_prompts_render_from_folder_and_report_missing(tmp_path: Path) -> None:
    (tmp_path / "hello.j2").write_text("Xin chào {{ name }}", encoding="utf-8")
    assert Prompts(tmp_path).render("hello", name="quý vị") == "Xin chào quý vị"
    with pytest.raises(PromptError):
        Prompts(tmp_path).render("missing")
    real = Prompts(LLMSettings().prompts_dir).render("system", refusal_sentence="X")
    assert "[n]" in real and "X" in real


def test_accented_topic_words_match_only_the_same_accented_word() -> None:
    from troly.answerer.evidence import accents_of, question_terms

    q = "Bình Phước kiến nghị bỏ những thủ tục không phát sinh hồ sơ trong bao lâu?"
    terms = content_terms(q, ["Bình Phước"])
    row = "Rà soát bộ thủ tục hành chính không phát sinh hồ sơ"
    prose = "kiến nghị loại bỏ TTHC không phát sinh hồ sơ trong 03 năm liên tiếp"
    # unset (folded only), "bộ" passes for "bỏ"
    assert "bo" in matched(terms, row)[1]
    with accents_of([q]):
        assert "bo" not in matched(terms, row)[1]  # "bộ" (a set) is not "bỏ" (drop)
        assert {"bo", "thu", "tuc"} <= matched(terms, prose)[1]  # "TTHC" spelled out
        assert coverage(terms, prose) > coverage(terms, row)
    # typed without diacritics, a word matches every accented form
    with accents_of(["kien nghi bo thu tuc khong phat sinh ho so"]):
        assert "bo" in matched(terms, row)[1]
    # the old and the new tone placement are one word
    with accents_of(["Hoà giải ở cơ sở"]):
        assert coverage(["hoa", "giai"], "Công tác hòa giải ở cơ sở") == 1.0
    # a paraphrase's canonical form counts with its own accents: "trả tiền online" adds
    # "thanh toán trực tuyến", whose "toán" is not the question's "toàn" (toàn trình)
    q2 = "Tỷ lệ nộp hồ sơ online toàn trình và tỷ lệ trả tiền online phải đạt bao nhiêu?"
    t2 = question_terms("tỷ lệ trả tiền online phải đạt bao nhiêu", [])
    with accents_of([q2]):
        assert "toan" in matched(t2, "Tỷ lệ giao dịch thanh toán trực tuyến đạt 60%.")[1]


def test_accent_matching_spells_out_abbreviations_and_leaves_plain_words_alone() -> None:
    from troly.answerer.evidence import accents_of, question_terms

    # "HĐND" (printed with Đ) is "Hội đồng nhân dân" on the accented side too
    q = "Hội đồng nhân dân tỉnh thông qua nghị quyết gì?"
    terms = question_terms(q, [])
    with accents_of([q]):
        assert {"dong", "nhan", "dan"} <= matched(terms, "Trình HĐND tỉnh thông qua")[1]
    # an abbreviation in the question takes no accent from another word: "UBND" is "Ủy
    # ban nhân dân", whose "ban" is not the question's "bản"
    q = "Văn bản của UBND tỉnh về cải cách"
    terms = question_terms(q, [])
    with accents_of([q]):
        assert "ban" in matched(terms, "Ủy ban nhân dân tỉnh ban hành")[1]
    # a question typed without marks is not constrained by an earlier accented turn
    q = "con bo thu tuc hanh chinh thi ra soat the nao"
    terms = question_terms(q, [])
    with accents_of([q, "Bình Phước đề xuất bãi bỏ những thủ tục nào?"]):
        assert "bo" in matched(terms, "Rà soát bộ thủ tục hành chính")[1]
    # nor is an accented word the index never holds (a slip): "quyêt" matches "quyết"
    q = "quyêt định công bố thủ tục"
    terms = question_terms(q, [])
    known = {accent_key(w) for w in ["quyết", "định", "công", "bố", "thủ", "tục"]}
    with accents_of([q], known):
        assert "quyet" in matched(terms, "Quyết định công bố TTHC")[1]
    with accents_of([q]):
        assert "quyet" not in matched(terms, "Quyết định công bố TTHC")[1]
