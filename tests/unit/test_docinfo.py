"""Questions about a plan as a document (troly.answerer.docinfo): which questions count,
which header lines are quoted, what is said when the document does not state it."""

from __future__ import annotations

import pytest

from troly.answerer.docinfo import asked_fields, describe, header_lines, not_stated, title_words
from troly.composer import Evidence
from troly.schema import Chunk

TITLE = ["ke", "hoach", "cai", "cach", "hanh", "chinh", "binh", "phuoc", "2024"]


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        (
            "QĐ ban hành KH CCHC năm 2024 của tỉnh Bình Phước mang số hiệu nào, do ai ký?",
            ["doc_number", "doc_signer"],
        ),
        (
            "Kế hoạch CCHC 2024 của Bình Phước được ban hành kèm theo quyết định số mấy, ngày nào?",
            ["doc_number", "doc_issued"],
        ),
        ("ke hoach cai cach hanh chinh binh phuoc 2024 ban hanh ngay nao", ["doc_issued"]),
        ("Ai ký kế hoạch CCHC của Bình Phước?", ["doc_signer"]),
        ("Cơ quan nào ban hành kế hoạch CCHC năm 2024 của Bình Phước?", ["doc_issuer"]),
        # "sở nào" folds like "số nào": the issuer is asked, not the number
        ("Sở nào ban hành kế hoạch CCHC của Bình Phước?", ["doc_issuer"]),
        ("so nao ban hanh ke hoach cai cach hanh chinh binh phuoc", ["doc_issuer"]),
        # "số hiệu", "ký ngày nào" name the document's making without "ban hành"
        (
            "Văn bản kế hoạch cải cách hành chính 2024 của UBND tỉnh Bình Phước mang số hiệu "
            "gì, ký ngày nào?",
            ["doc_number", "doc_issued"],
        ),
        ("Kế hoạch CCHC 2024 Bình Phước dựa trên những căn cứ nào?", ["doc_basis"]),
        # the kinds of document named pick the bases; "quyết định nào" is one, not the number
        (
            "Kế hoạch CCHC 2024 Bình Phước căn cứ vào nghị quyết của HĐND tỉnh và quyết định "
            "nào của UBND tỉnh?",
            ["doc_basis"],
        ),
        (
            "KH CCHC 2024 của Bình Phước ban hành kèm quyết định số mấy, theo đề nghị tại văn "
            "bản nào?",
            ["doc_number", "doc_proposal"],
        ),
    ],
)
def test_questions_about_the_document(question: str, wanted: list[str]) -> None:
    assert asked_fields(question, TITLE) == wanted


@pytest.mark.parametrize(
    "question",
    [
        # a task of the plan, not the plan: other topic words are left
        "Sở Nội vụ Bình Phước ban hành kế hoạch kiểm tra CCHC khi nào?",
        "Kế hoạch tuyên truyền CCHC năm 2024 của Bình Phước ban hành khi nào?",
        "Bình Phước ban hành quy chế phối hợp số hóa hồ sơ ngày nào?",
        "Theo kế hoạch CCHC của Bình Phước, báo cáo định kỳ gửi khi nào?",
        "Kế hoạch CCHC của Bình Phước ban hành báo cáo định kỳ khi nào?",
        # nothing about the document is asked
        "Kế hoạch CCHC 2024 của Bình Phước ban hành nhằm mục đích gì?",
        # no document named
        "Chỉ tiêu hồ sơ trực tuyến của Bình Phước là bao nhiêu, ai ký?",
        # a proposal or a basis of something the plan holds, not of the plan
        "Sở Nội vụ Bình Phước đề nghị kế hoạch tuyên truyền gì?",
        "Kế hoạch CCHC của Bình Phước căn cứ nguồn thu ngân sách để bố trí kinh phí ra sao?",
    ],
)
def test_questions_about_what_the_plan_holds_are_not(question: str) -> None:
    assert asked_fields(question, TITLE) == []


def _chunk(text: str, ordinal: int = 0, **fields: str) -> Chunk:
    return Chunk(
        id=f"c{ordinal}",
        doc_id="binh-phuoc-2024",
        kind="section",
        text=text,
        embed_text=text,
        path="",
        location="Mở đầu",
        headings=[],
        province="Bình Phước",
        year=2024,
        title="Kế hoạch cải cách hành chính nhà nước năm 2024 trên địa bàn tỉnh Bình Phước",
        ordinal=ordinal,
        fields=dict(fields),
    )


HEAD = [
    _chunk(
        "ỦY BAN NHÂN DÂN\nSố: 2142/QĐ-UBND\nBình Phước, ngày 29 tháng 12 năm 2023\n"
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;",
        0,
        doc_number="2142/QĐ-UBND",
        doc_signer="Trần Tuệ Hiền",
    ),
    _chunk(
        "(Ban hành kèm theo Quyết định số 2142/QĐ-UBND ngày 29/12/2023 của Ủy ban nhân dân "
        "tỉnh)\nCăn cứ Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ;\n"
        "Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 2696/TTr-SNV.\n"
        "Căn cứ các nội dung của Kế hoạch này, các sở triển khai.",
        1,
    ),
]


def test_header_lines_state_the_number_date_issuing_and_bases_apart() -> None:
    lines = [(h.text, set(h.states)) for h in header_lines(HEAD)]
    assert lines == [
        ("ỦY BAN NHÂN DÂN", {"doc_issuer"}),
        ("Số: 2142/QĐ-UBND", {"doc_number"}),
        ("Bình Phước, ngày 29 tháng 12 năm 2023", {"doc_issued"}),
        # a law's date in a "Căn cứ" line is the basis's date, not the plan's
        ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;", {"doc_basis"}),
        (
            "(Ban hành kèm theo Quyết định số 2142/QĐ-UBND ngày 29/12/2023 của Ủy ban nhân "
            "dân tỉnh)",
            {"doc_number", "doc_issued", "doc_issuer"},
        ),
        ("Căn cứ Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ;", {"doc_basis"}),
        ("Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 2696/TTr-SNV.", {"doc_proposal"}),
    ]
    assert "binh" in title_words(HEAD) and "2024" in title_words(HEAD)
    # a law's date in a "Căn cứ" line, a figure "Số 12/15 xã" and body text are not header
    body = [
        _chunk(
            "Căn cứ Luật Cán bộ, công chức ngày 13 tháng 11 năm 2008;\n"
            "Số 12/15 xã đạt chuẩn.\nI.1.1 Rà soát ngày 05 tháng 02 năm 2025 các văn bản",
            0,
        )
    ]
    assert [set(h.states) for h in header_lines(body)] == [{"doc_basis"}]


def test_the_bases_asked_are_those_of_the_kinds_named() -> None:
    from troly.answerer.docinfo import basis_kinds

    q = "Kế hoạch căn cứ vào nghị quyết nào?"
    assert basis_kinds(q) == ["nghi quyet"]
    assert basis_kinds("Kế hoạch ban hành ngày nào?") == []
    text = describe(HEAD, ["doc_basis"], Evidence(), basis_kinds(q))
    assert "Nghị quyết số 76/NQ-CP" in text and "Luật Tổ chức" not in text
    every = describe(HEAD, ["doc_basis"], Evidence())
    assert "Nghị quyết số 76/NQ-CP" in every and "Luật Tổ chức" in every
    assert "nội dung của Kế hoạch này" not in every  # not a basis of the plan
    # a kind no basis is of: every basis, rather than none
    assert describe(HEAD, ["doc_basis"], Evidence(), ["thong tu"]) == every
    # "pháp luật" names no kind; the kinds are those named after "căn cứ"
    assert basis_kinds("Kế hoạch căn cứ vào văn bản pháp luật nào?") == []
    both = "Kế hoạch ban hành kèm theo quyết định nào và căn cứ vào những văn bản nào?"
    assert basis_kinds(both) == []
    assert asked_fields(both, TITLE) == ["doc_number", "doc_basis"]
    proposal = describe(HEAD, ["doc_proposal"], Evidence())
    assert "Tờ trình số 2696/TTr-SNV" in proposal


def test_describe_quotes_the_header_and_names_the_signer_once() -> None:
    ev = Evidence()
    text = describe(HEAD, ["doc_number", "doc_signer"], ev)
    assert "“Số: 2142/QĐ-UBND” [1]" in text and "[2]" in text
    assert text.count("Trần Tuệ Hiền") == 1 and "phần chữ ký" in text
    assert [c.id for c in ev.chunks] == ["c0", "c1"]
    # the signer alone: no header line quoted, nothing marked
    ev = Evidence()
    assert describe(HEAD, ["doc_signer"], ev).endswith("Trần Tuệ Hiền.")
    assert ev.chunks == []


def test_what_is_asked_and_not_stated_is_said_beside_what_is() -> None:
    unsigned = [HEAD[0].__class__(**{**HEAD[0].__dict__, "fields": {"doc_number": "2142"}})]
    text = describe(unsigned, ["doc_number", "doc_signer"], Evidence())
    assert "“Số: 2142/QĐ-UBND”" in text and text.endswith("Văn bản không ghi người ký.")
    # only the lines stating what was asked are quoted
    text = describe(HEAD, ["doc_issued"], Evidence())
    assert "Bình Phước, ngày 29 tháng 12 năm 2023" in text and "Số: 2142" not in text


def test_a_document_that_does_not_state_it_says_so() -> None:
    bare = [_chunk("KẾ HOẠCH\nThực hiện nhiệm vụ cải cách hành chính", 0)]
    assert describe(bare, ["doc_issued"], Evidence()) == ""
    assert not_stated(bare, ["doc_issued"]).endswith("không ghi ngày ban hành.")
