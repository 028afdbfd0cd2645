"""Grounded verdicts for yes/no and multiple-choice legal questions, and the conflict
detector they share with the review against laws — on real articles of the bundled
library (Luật Cư trú, Luật Du lịch)."""

from __future__ import annotations

from tests.conftest import ROOT
from troly.documents.legal import parse_legal, unit_kind, unit_number, unit_text
from troly.legal_answer import answer_legal
from troly.legal_verdict import asks_exception, split_choices, verdict_for, yes_no_statement
from troly.review.laws import conflicts, negation_flip, similarity
from troly.schema import Chunk, SearchResult
from troly.text import fold

LIBRARY = ROOT / "ingest" / "legal"


def _article(file: str, number: str) -> str:
    lines = (LIBRARY / file).read_text(encoding="utf-8").split("\n")
    art = next(a for a in parse_legal(lines).articles() if unit_number(a) == number)
    return unit_text(art)


def _khoan(file: str, article: str, k: str) -> str:
    art = parse_legal(_article(file, article).split("\n")).articles()[0]
    return unit_text(
        next(c for c in art.children if unit_kind(c) == "khoan" and unit_number(c) == k)
    )


CU_TRU = "luat-cu-tru-2020.txt"


def test_yes_no_statements_are_recognised() -> None:
    st = yes_no_statement("Thời hạn tạm trú tối đa là 02 năm, đúng hay sai?")
    assert st == ("Thời hạn tạm trú tối đa là 02 năm", "dung")
    co = yes_no_statement("Công dân có được đăng ký tạm trú mới tại chỗ ở bị tịch thu không?")
    assert co is not None and co[1] == "co" and "đăng ký tạm trú mới" in co[0]
    assert yes_no_statement("Thời hạn tạm trú tối đa là bao lâu?") is None


def test_true_statement_copied_from_the_quote_is_dung() -> None:
    quote = _khoan(CU_TRU, "27", "2")
    v = verdict_for(
        "Thời hạn tạm trú tối đa là 02 năm và có thể tiếp tục gia hạn nhiều lần, đúng hay sai?",
        [quote],
        laws=["Luật Cư trú"],
    )
    assert v is not None and v.value == "Đúng", v


def test_changed_figure_negation_bound_or_law_makes_it_sai() -> None:
    k2, k3 = _khoan(CU_TRU, "27", "2"), _khoan(CU_TRU, "27", "3")
    figure = verdict_for(
        "Thời hạn tạm trú tối đa là 03 năm và có thể tiếp tục gia hạn nhiều lần, đúng hay sai?",
        [k2],
    )
    assert figure is not None and figure.value == "Sai" and "con số" in figure.reason
    negated = verdict_for(
        "Công dân được đăng ký tạm trú mới tại chỗ ở quy định tại Điều 23 của Luật này, "
        "đúng hay sai?",
        [k3],
    )
    assert negated is not None and negated.value == "Sai" and "phủ định" in negated.reason
    other_law = verdict_for(
        "Thời hạn tạm trú tối đa là 02 năm và có thể tiếp tục gia hạn nhiều lần theo quy định "
        "của Luật Hôn nhân và gia đình, đúng hay sai?",
        [k2],
        laws=["Luật Cư trú"],
    )
    assert other_law is not None and other_law.value == "Sai"
    assert "Luật Hôn nhân và gia đình" in other_law.reason
    # "có … không?" questions get "Có"/"Không"
    co = verdict_for(
        "Công dân có được đăng ký tạm trú mới tại chỗ ở quy định tại Điều 23 của Luật này không?",
        [k3],
    )
    assert co is not None and co.value == "Không"


def test_no_verdict_when_the_quote_does_not_decide() -> None:
    k2 = _khoan(CU_TRU, "27", "2")
    assert (
        verdict_for("Thời hạn tạm trú do Ủy ban nhân dân cấp xã quyết định, đúng hay sai?", [k2])
        is None
    )
    assert verdict_for("Thời hạn tạm trú tối đa là bao lâu?", [k2]) is None


def test_multiple_choice_picks_the_grounded_option_or_the_exception() -> None:
    art23 = _article(CU_TRU, "23")
    q = (
        "Địa điểm nào sau đây không được đăng ký thường trú mới?\n"
        "A. Chỗ ở thuộc quyền sở hữu hợp pháp của công dân.\n"
        "B. Chỗ ở là nhà ở đã có quyết định phá dỡ của cơ quan nhà nước có thẩm quyền.\n"
        "C. Nhà ở được cho thuê, cho mượn hợp pháp.\n"
        "D. Chỗ ở của cơ sở tín ngưỡng."
    )
    stem, choices = split_choices(q)
    assert stem.startswith("Địa điểm nào") and set(choices) == {"A", "B", "C", "D"}
    assert not asks_exception(stem, art23)  # same polarity as "Địa điểm không được …"
    v = verdict_for(q, [art23])
    assert v is not None and (v.kind, v.value) == ("choice", "B"), v
    # the same list asked the other way round: the one option it does not hold
    q2 = (
        "Địa điểm nào sau đây được đăng ký thường trú mới?\n"
        "A. Chỗ ở bị tịch thu theo quyết định của cơ quan nhà nước có thẩm quyền.\n"
        "B. Chỗ ở là nhà ở đã có quyết định phá dỡ của cơ quan nhà nước có thẩm quyền.\n"
        "C. Chỗ ở nằm trong di tích lịch sử - văn hóa chưa được xếp hạng.\n"
    )
    assert asks_exception(split_choices(q2)[0], art23)
    v2 = verdict_for(q2, [art23])
    assert v2 is not None and v2.value == "C", v2


def test_all_of_the_above_when_every_option_is_quoted() -> None:
    art = _article("luat-phong-chong-ma-tuy-2021.txt", "4")
    assert "Ngân sách nhà nước" in art
    q = (
        "Nguồn tài chính nào sau đây được dùng cho phòng, chống ma túy?\n"
        "A. Ngân sách nhà nước\n"
        "B. Nguồn tài trợ, viện trợ, đầu tư, tặng cho của tổ chức, cá nhân trong nước và ngoài "
        "nước\n"
        "C. Chi trả của gia đình, người nghiện ma túy\n"
        "D. Cả A, B, C đều đúng"
    )
    v = verdict_for(q, [art])
    assert v is not None and v.value == "D", v


def test_answer_legal_adds_a_verdict_only_when_asked() -> None:
    text = _article(CU_TRU, "27")
    chunk = Chunk(
        id="c27",
        doc_id="luat-cu-tru-2020",
        kind="article",
        text=text,
        embed_text=text,
        path="Điều 27",
        location="Luật Cư trú 2020 › Điều 27",
        headings=[],
        province="",
        year=2020,
        title="Luật Cư trú",
        fields={"law": "Luật Cư trú", "article": "27", "chapter": ""},
    )
    q = "Thời hạn tạm trú tối đa là 03 năm và có thể tiếp tục gia hạn nhiều lần, đúng hay sai?"
    plain = answer_legal(q, [SearchResult(chunk, 1.0, 1)])
    assert "verdict" not in plain.context and not plain.answer.startswith("Sai")
    judged = answer_legal(q, [SearchResult(chunk, 1.0, 1)], verdicts=True)
    assert judged.answer.startswith("Sai. Quy định được trích dẫn dưới đây ghi khác")
    assert judged.context["verdict"]["value"] == "Sai"
    assert "khoản 2 Điều 27 Luật Cư trú năm 2020" in judged.answer


def test_conflicts_and_similarity() -> None:
    law = "Thời hạn tạm trú tối đa là 02 năm và có thể tiếp tục gia hạn nhiều lần."
    assert similarity(law, law) == 1.0
    diffs = conflicts("Thời hạn tạm trú tối đa là 03 năm và có thể tiếp tục gia hạn.", law)
    assert [(d.field, d.draft, d.corpus) for d in diffs] == [("value", "03 năm", "02 năm")]
    assert conflicts("Thời hạn tạm trú tối đa là 2 năm.", law) == []  # 2 ≡ 02
    bound = conflicts("Thời hạn tạm trú tối thiểu là 02 năm.", law)
    assert [d.field for d in bound] == ["text"] and "tối đa/tối thiểu" in bound[0].detail
    w = lambda s: fold(s).lower().split()  # noqa: E731
    assert negation_flip(
        w("được phép tham gia liên doanh"), w("không được phép tham gia liên doanh")
    )
    assert not negation_flip(
        w("không được bố trí theo đúng vị trí việc làm"),
        w("a) Không được bố trí theo đúng vị trí việc làm hoặc không được bảo đảm điều kiện"),
    )
