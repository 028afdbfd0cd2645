"""The answerer's parts on their own: question analysis, the referral table, the scope
built from indexed chunks, cell cleaning and quoting, near-duplicates, the plain lead."""

from __future__ import annotations

import pytest

from troly.answerer.analysis import (
    analyse,
    deadline_periods,
    detect_fields,
    either_role,
    is_english,
    question_parts,
    wants_figure,
    within,
    yearless_periods,
)
from troly.answerer.compose import Draft, first_quote, plain_lead
from troly.answerer.evidence import ROLE_CUE, agency_sections, near_duplicate
from troly.answerer.refusal import DEFAULT_REFERRAL, REFERRALS, referral, refusal_text
from troly.answerer.scope import CorpusScope
from troly.composer import Evidence, clean_cell, quote
from troly.schema import Chunk
from troly.text import fold

pytestmark = pytest.mark.unit


def _chunk(
    doc: str, province: str, year: int, text: str, kind: str = "section", **kw: object
) -> Chunk:
    return Chunk(
        id=f"{doc}-{abs(hash(text)) % 10_000}",
        doc_id=doc,
        kind=kind,  # type: ignore[arg-type]
        text=text,
        embed_text=text,
        path="1",
        location=str(kw.get("location", "V.5")),
        headings=list(kw.get("headings", [])),  # type: ignore[call-overload]
        province=province,
        year=year,
        title=f"Kế hoạch {province} {year}",
    )


# -- analysis ---------------------------------------------------------------------------
def test_periods_are_compared_as_time_ranges() -> None:
    q1 = deadline_periods("Những việc nào phải xong trong Quý I/2024?")
    assert q1 == {"Q1/2024"}
    assert within(deadline_periods("Tháng 01/2024"), q1)
    assert within(deadline_periods("Tháng 02/2024"), q1)
    assert within(deadline_periods("Quý I/2024"), q1)
    assert not within(deadline_periods("Tháng 04/2024"), q1)
    assert not within(deadline_periods("Quý I/2025"), q1)
    assert not within(deadline_periods("Năm 2024"), q1)


@pytest.mark.parametrize(
    ("question", "n"),
    [
        ("Báo cáo kết quả CCHC theo định kỳ nào và gửi về đâu?", 2),
        ("Tỷ lệ hồ sơ bao nhiêu và mức độ hài lòng ở mức nào?", 2),
        ("Sở Nội vụ có vai trò gì và báo cáo cho ai?", 2),
        ("Mức độ hài lòng về lĩnh vực đất đai, xây dựng, đầu tư đạt tối thiểu bao nhiêu?", 1),
        ("Ai chủ trì Cuộc thi tuyên truyền CCHC và cải cách thể chế?", 1),
        # two questions in one message
        ("Hài lòng đạt bao nhiêu phần trăm? Riêng đất đai thì mục tiêu là bao nhiêu?", 2),
        # two subjects of one kind sharing the predicate
        ("Tỷ lệ nộp hồ sơ online và tỷ lệ trả tiền online phải đạt bao nhiêu?", 2),
        ("Hồ sơ đất đai và xây dựng phải đạt bao nhiêu?", 1),
    ],
)
def test_question_parts(question: str, n: int) -> None:
    assert len(question_parts(question)) == n


def test_enumerated_items_each_take_the_asking_clause() -> None:
    parts = question_parts(
        "Phấn đấu bao nhiêu phần trăm người lớn có điện thoại thông minh, có tài khoản dịch "
        "vụ công và có chữ ký số?"
    )
    assert parts == [
        "phan dau bao nhieu phan tram nguoi lon co dien thoai thong minh",
        "phan dau bao nhieu phan tram nguoi lon co tai khoan dich vu cong",
        "phan dau bao nhieu phan tram nguoi lon co chu ky so",
    ]
    # a list of fields or topics that do not repeat a word of the asking clause: one part
    for q in (
        "Mức độ hài lòng về lĩnh vực đất đai, xây dựng, đầu tư đạt tối thiểu bao nhiêu?",
        "Sở Nội vụ chủ trì những việc gì, các sở phối hợp",
        # a later clause with its own asking word is a question of its own, not an item
        "Kế hoạch có mấy nhiệm vụ, nhiệm vụ nào quan trọng nhất?",
    ):
        assert len(question_parts(q)) == 1, q


def test_coordinated_subjects_each_take_the_shared_predicate() -> None:
    parts = question_parts("Tỷ lệ nộp hồ sơ online và tỷ lệ trả tiền online phải đạt bao nhiêu?")
    assert parts == [
        "ty le nop ho so online phai dat bao nhieu",
        "ty le tra tien online phai dat bao nhieu",
    ]
    # the predicate is taken from where the asking word is, however long
    parts = question_parts(
        "Tỷ lệ hồ sơ trực tuyến và tỷ lệ hồ sơ trả đúng hạn phải đạt bao nhiêu phần trăm trong "
        "năm 2024?"
    )
    assert parts[0] == "ty le ho so truc tuyen phai dat bao nhieu phan tram trong nam 2024"
    parts = question_parts("UBND cấp huyện và UBND cấp xã có trách nhiệm gì trong kiểm tra CCHC?")
    assert parts[0] == "ubnd cap huyen co trach nhiem gi trong kiem tra cchc"


def test_a_part_leaves_the_sentence_another_part_is_about(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "Hài lòng đạt bao nhiêu? Riêng đất đai, xây dựng thì bao nhiêu?": the sentence on
    đất đai covers the first part as well as the general one does, but belongs to the
    second; each part gets its own. A part asking only "trước ngày nào" claims nothing."""
    import troly.answerer.evidence as ev
    from troly.composer import Scored

    c = Chunk("c", "d", "section", "t", "t", "p", "l", [], "Phú Yên", 2024, "T")
    land = Scored(
        "Mức độ hài lòng của người dân về TTHC lĩnh vực đất đai, xây dựng đạt tối thiểu 85%.",
        0.99,
        c,
        0.9,
        True,
    )
    general = Scored("Mức độ hài lòng của người dân về TTHC đạt 90%.", 0.9, c, 0.8, True)
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [land, general])
    parts = question_parts(
        "Mức độ hài lòng của người dân về TTHC đạt bao nhiêu? "
        "Riêng đất đai, xây dựng thì bao nhiêu?"
    )
    picked = ev.pick_sentences([c], parts, [], True, limit=1, ranker=object())  # type: ignore[arg-type]
    assert {s.text for s in picked} == {land.text, general.text}


def test_fields_english_and_analysis() -> None:
    assert detect_fields("ai chu tri va bao gio xong") == ["lead", "deadline"]
    assert is_english("Who leads the administrative procedure control plan in Phu Yen?")
    assert not is_english("ai chu tri ke hoach kiem soat tthc o phu yen")
    a = analyse("Kế hoạch CCHC năm 2025 của Phú Yên do ai chủ trì?", ["Phú Yên"])
    assert a.plan_years == {2025} and a.focus == "lead" and not a.english


@pytest.mark.parametrize(
    ("question", "fields"),
    [
        ("Hạn nộp báo cáo là ngày nào?", ["deadline"]),
        ("han chot gui ke hoach la khi nao", ["deadline"]),
        ("Nhiệm vụ này có hạn không?", ["deadline"]),
        # "đúng hạn", "quá hạn", "trễ hạn" qualify a figure; "hạn chế" is a limit
        ("Bình Phước cam kết giải quyết đúng hạn bao nhiêu phần trăm hồ sơ?", []),
        ("Tỷ lệ hồ sơ quá hạn năm 2024 là bao nhiêu?", []),
        ("tre han bao nhieu ho so", []),
        ("Kế hoạch nêu những hạn chế gì?", []),
        # "kết quả giải quyết" is a topic, "kết quả là gì" asks for the product
        ("Tỷ lệ số hóa kết quả giải quyết TTHC phải đạt bao nhiêu?", []),
        ("Kết quả là gì?", ["product"]),
        # "ai lo" (colloquial "who looks after it") asks for the lead
        ("Việc này ai lo?", ["lead"]),
        ("so nao lo viec so hoa ho so", ["lead"]),
        # "lơ là" (negligent), "lộ lọt" (leak) fold like "lo"
        ("Đơn vị nào lơ là trong công tác CCHC thì bị xử lý thế nào?", []),
        ("Cơ quan nào lộ lọt thông tin thì sao?", []),
    ],
)
def test_fields_asked_are_read_as_words_not_prefixes(question: str, fields: list[str]) -> None:
    assert detect_fields(fold(question)) == fields


@pytest.mark.parametrize(
    ("text", "years", "periods"),
    [
        ("phải xong trong quý II", {2024}, {"Q2/2024"}),
        ("quy 2 va quy iii", {2025}, {"Q2/2025", "Q3/2025"}),
        ("quý II/2024", {2024}, set()),  # has its year: deadline_periods reads it
        ("quý II", {2024, 2025}, set()),  # which year is not known
        ("quy hoach su dung dat", {2024}, set()),
        ("quý I và II", {2024}, {"Q1/2024", "Q2/2024"}),
        ("quy 1 den quy 3", {2024}, {"Q1/2024", "Q2/2024", "Q3/2024"}),
        ("quỹ 1 tỷ đồng", {2024}, set()),  # a fund folds like a quarter
        ("quý 2 năm sau", {2024}, set()),
    ],
)
def test_a_quarter_without_its_year(text: str, years: set[int], periods: set[str]) -> None:
    assert yearless_periods(text, years) == periods


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        # a document's number is a code, not a quantity
        ("Phú Yên bãi bỏ quyết định số mấy về ủy quyền bổ nhiệm kế toán trưởng?", False),
        ("quyet dinh so may quy dinh bieu mau", False),
        ("Nghị định số bao nhiêu quy định về văn thư?", False),
        # a quantity asked beside it still counts
        ("Kế hoạch số mấy, có mấy nhiệm vụ?", True),
        # a document word before an amount asked is not a document number
        ("Tổng kinh phí thực hiện kế hoạch bao nhiêu?", True),
        ("Công văn mấy ngày phải trả lời?", True),
        ("Có bao nhiêu quyết định được ban hành?", True),
        ("kiem tra toi thieu bao nhieu co quan", True),
    ],
)
def test_a_document_number_is_not_a_figure_asked(question: str, figure: bool) -> None:
    assert wants_figure(question) is figure


# -- referrals --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "topic", "agency"),
    [
        ("Làm căn cước công dân ở đâu?", "identity", "Công an"),
        ("lam cccd cho con o dau", "identity", "Công an"),
        ("Đăng ký khai sinh cho con thế nào?", "civil_status", "cấp xã"),
        ("Cấp sổ đỏ mất bao lâu?", "land", "đăng ký đất đai"),
        ("Lương cơ sở năm nay bao nhiêu?", "social_insurance", "Bảo hiểm xã hội"),
        ("Tôi muốn khiếu nại quyết định xử phạt", "complaint", "Thanh tra"),
        ("Giá vàng hôm nay?", "finance_market", "Ngân hàng Nhà nước"),
        ("Thời tiết Phú Yên ngày mai?", "weather", "Khí tượng"),
        ("Đổi bằng lái xe ở đâu?", "driving_licence", "Công an"),
        ("Mã số thuế cá nhân tra ở đâu?", "tax", "Thuế"),
        ("Thành lập doanh nghiệp cần gì?", "business", "Kế hoạch và Đầu tư"),
        ("Kế hoạch có gì hay?", "default", "Sở Nội vụ"),
    ],
)
def test_referral_fits_the_topic(question: str, topic: str, agency: str) -> None:
    got_topic, where = referral(question)
    assert got_topic == topic
    assert agency in where
    if topic == "identity":
        assert "Sở Nội vụ" not in where


def test_every_referral_row_is_reachable_and_the_text_is_polite() -> None:
    assert len({r.topic for r in REFERRALS}) == len(REFERRALS)
    scope = CorpusScope.from_manifest({"Phú Yên": [2024]})
    text = refusal_text("câu hỏi nằm ngoài kế hoạch.", scope, "làm căn cước ở đâu")
    assert text.startswith("Xin lỗi,") and "Công an" in text and "Phú Yên năm 2024" in text
    assert DEFAULT_REFERRAL in refusal_text("x.", scope, "điều gì đó")


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        ("Ai là Giám đốc Sở Nội vụ tỉnh Phú Thọ?", True),
        ("Chủ tịch UBND tỉnh Phú Yên hiện nay là ai?", True),
        ("ai la pho chu tich ubnd tinh binh phuoc", True),
        ("Ông nào đang giữ chức phó chủ tịch ủy ban tỉnh Hà Tĩnh", True),
        # a role, a body, a duty or the signer: not the person holding an office
        ("Ai là cơ quan chủ trì kiểm soát TTHC?", False),
        ("Ai làm trưởng ban chỉ đạo CCHC?", False),
        ("Ai là Chủ tịch Hội đồng thẩm định?", False),
        ("Giám đốc Sở Nội vụ có trách nhiệm gì?", False),
        ("Giám đốc các sở báo cáo cho ai?", False),
        # the title inside the clause: a role is asked (review, stop 25)
        (
            "Theo kế hoạch, người phải chịu trách nhiệm trước Chủ tịch UBND tỉnh về nhiệm vụ "
            "được giao là ai?",
            False,
        ),
        ("Ở Quảng Ngãi, cơ quan tham mưu Chủ tịch UBND tỉnh điều chỉnh phân công là ai?", False),
        ("Chủ tịch UBND tỉnh làm Trưởng ban chỉ đạo, vậy Phó trưởng ban là ai?", False),
        ("Cho hỏi, Giám đốc Sở Nội vụ Hà Tĩnh là ai?", True),
    ],
)
def test_a_question_about_who_holds_an_office(question: str, holder: bool) -> None:
    from troly.answerer.analysis import OFFICE_HOLDER_CUE

    assert bool(OFFICE_HOLDER_CUE.search(fold(question))) is holder


def test_who_holds_an_office_is_refused_but_who_signed_is_not() -> None:
    from troly.answerer.analysis import analyse
    from troly.answerer.refusal import scope_refusal

    refused = scope_refusal(
        analyse("Ai là Giám đốc Sở Nội vụ tỉnh Phú Thọ?", ["Phú Thọ"]),
        CorpusScope.from_manifest({"Phú Thọ": [2021]}),
        [],
    )
    assert refused is not None and refused.intent == "refusal_person"
    assert "không nêu họ tên" in refused.reason
    signer = "Phó Chủ tịch UBND tỉnh Phú Thọ là ai, người ký kế hoạch?"
    assert scope_refusal(analyse(signer, ["Phú Thọ"]), CorpusScope.from_manifest({}), []) is None


# -- scope ------------------------------------------------------------------------------
def test_scope_comes_from_the_indexed_chunks() -> None:
    chunks = [
        _chunk("phu-yen-2024", "Phú Yên", 2024, "Kế hoạch CCHC năm 2025 sẽ xây dựng."),
        _chunk("khanh-hoa-2025", "Khánh Hòa", 2025, "Nhiệm vụ", kind="task"),
        _chunk("khanh-hoa-2025", "Khánh Hòa", 2025, "Mục tiêu"),
    ]
    scope = CorpusScope.from_chunks(chunks)
    assert scope.provinces == ["Khánh Hòa", "Phú Yên"]
    assert scope.years == [2024, 2025] and scope.years_of("Khánh Hòa") == [2025]
    assert scope.kinds == ["section", "task"]
    assert scope.doc_ids == ["khanh-hoa-2025", "phu-yen-2024"]
    assert 2025 in scope.years_mentioned["Phú Yên"]
    assert "tỉnh Khánh Hòa năm 2025" in scope.coverage_text()
    d = scope.to_dict()
    assert d["provinces"] == scope.provinces and d["documents"][0]["doc_id"] == "khanh-hoa-2025"


# -- evidence and composition -----------------------------------------------------------
def test_cells_lose_numbering_artefacts_and_quotes_lose_bullets() -> None:
    assert (
        clean_cell("5.1. Trung tâm Phục vụ hành chính công tỉnh\n5.2. Sở Tài chính")
        == "Trung tâm Phục vụ hành chính công tỉnh; Sở Tài chính"
    )
    assert clean_cell("+ Các sở, ban ngành\n+ Sở Thông tin và Truyền thông") == (
        "Các sở, ban ngành; Sở Thông tin và Truyền thông"
    )
    assert clean_cell("Sở Nội vụ") == "Sở Nội vụ"
    assert quote("- Tỷ lệ nộp hồ sơ trực tuyến toàn trình đạt 90%.") == (
        "Tỷ lệ nộp hồ sơ trực tuyến toàn trình đạt 90%."
    )


def test_near_duplicates_and_agency_sections() -> None:
    a = "Tỷ lệ nộp hồ sơ trực tuyến toàn trình đạt 90%."
    assert near_duplicate(a, "- Tỷ lệ nộp hồ sơ trực tuyến toàn trình đạt 90%")
    assert not near_duplicate(a, "Tỷ lệ nộp hồ sơ trực tuyến toàn trình đạt 80%.")
    prose = _chunk("py", "Phú Yên", 2024, "5. Sở Tài chính: Chủ trì tham mưu bố trí kinh phí.")
    other = _chunk("py", "Phú Yên", 2024, "Sở Nội vụ phối hợp với Sở Tài chính.")
    headed = _chunk("bp", "Bình Phước", 2024, "a) Chủ trì …", headings=["VII", "9. Sở Y tế"])
    assert agency_sections([prose, other, headed], "Sở Tài chính") == [prose]
    assert agency_sections([prose, other, headed], "Sở Y tế") == [headed]
    # items "a) …", "b) …" chunked on their own under the agency's heading
    item = _chunk(
        "bp", "Bình Phước", 2024, "b) Chủ trì …", headings=["VII", "3. Sở Tư pháp", "b) Chủ trì"]
    )
    assert agency_sections([prose, item], "Sở Tư pháp") == [item]
    assert ROLE_CUE.search(fold("Sở Tư pháp phụ trách nội dung cải cách nào?"))
    assert ROLE_CUE.search(fold("So Noi vu dam nhiem linh vuc gi"))


def test_plain_lead_sentence_first() -> None:
    c = _chunk("py", "Phú Yên", 2024, "Mức độ hài lòng đạt 90%.")
    ev = Evidence()
    ev.mark(c)
    d = Draft("Theo Kế hoạch …: “Mức độ hài lòng đạt 90%.” [1].", ev, intent="section")
    assert plain_lead("Phú Yên đặt mục tiêu hài lòng bao nhiêu phần trăm?", d).endswith("90%.")
    assert plain_lead("Phú Yên có tổ chức đối thoại với dân không?", d).startswith("Có, ")
    d2 = Draft("Theo Kế hoạch …: “Tăng cường tuyên truyền.” [1].", ev, intent="section")
    assert "không đặt con số cụ thể" in plain_lead("Tỷ lệ tuyên truyền là bao nhiêu?", d2)
    assert plain_lead("x", Draft("Xin lỗi", Evidence(), refused=True)) == ""


def test_a_passage_heading_without_a_figure_is_not_quoted_as_an_answer() -> None:
    from troly.answerer.ranker import candidates

    text = (
        "3. Các cơ quan Trung ương đóng trên địa bàn tỉnh\n"
        "- Gửi kế hoạch CCHC năm 2025 về UBND tỉnh trước ngày 31/01/2025."
    )
    c = _chunk(
        "ht",
        "Hà Tĩnh",
        2025,
        text,
        headings=["VI", "3. Các cơ quan Trung ương đóng trên địa bàn tỉnh"],
    )
    terms = ["co", "quan", "trung", "uong", "gui", "ke", "hoach"]
    quoted = [s for s, _, _ in candidates([c], terms, False)]
    assert quoted == ["- Gửi kế hoạch CCHC năm 2025 về UBND tỉnh trước ngày 31/01/2025."]
    # a heading that states a figure is a target: it stays quotable
    target = _chunk(
        "ht",
        "Hà Tĩnh",
        2025,
        "Tỷ lệ sắp xếp lại nhà, đất đạt trên 85%",
        headings=["VI", "Tỷ lệ sắp xếp lại nhà, đất đạt trên 85%"],
    )
    assert [s for s, _, _ in candidates([target], ["ty", "le"], True)] == [target.text]
    # a one-line item is its own heading, and its line is all it says: quotable
    item = "c) Đảm bảo giữ vững an ninh, chính trị và trật tự an toàn xã hội."
    one_line = _chunk("qn", "Quảng Ngãi", 2024, item, headings=["I", "2. Yêu cầu", item])
    assert [s for s, _, _ in candidates([one_line], ["an", "ninh"], False)] == [item]
    # a part's title alone is no sentence: still not quoted
    title = "V. KẾ HOẠCH CỤ THỂ TRIỂN KHAI CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH (có phụ lục kèm theo)"
    bare = _chunk("bp", "Bình Phước", 2024, title, headings=[title])
    assert candidates([bare], ["ke", "hoach"], False) == []


def test_a_how_many_question_takes_the_best_sentence_with_a_figure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The learned ranker may put a field line without a figure first ("Sản phẩm: giải
    pháp kỹ thuật …"); a "bao nhiêu" question needs the figure, so the best sentence
    with one goes first when it covers the question about as well — not a weaker one."""
    import troly.answerer.evidence as ev
    from troly.composer import Scored

    c = Chunk("c", "d", "task", "t", "t", "p", "l", [], "Hà Tĩnh", 2025, "T")
    product = Scored("Sản phẩm: giải pháp thanh toán trực tuyến", 0.99, c, 1.0, False)
    target = Scored("Tỷ lệ giao dịch thanh toán trực tuyến đạt tối thiểu 60%.", 0.9, c, 0.9, True)
    weak = Scored("Năm 2025 có 3 đợt kiểm tra.", 0.8, c, 0.3, True)

    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [product, target])
    assert ev._best([c], ["thanh", "toan"], True, 1, object())[0] is target  # type: ignore[arg-type]
    assert ev._best([c], ["thanh", "toan"], False, 1, object())[0] is product  # type: ignore[arg-type]
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [product, weak])
    assert ev._best([c], ["thanh", "toan"], True, 1, object())[0] is product  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("Phú Thọ áp dụng ISO cho bao nhiêu UBND cấp xã?", "ubnd"),
        ("so sanh so UBND cap xa ap dung ISO", "ubnd"),  # "so sanh" is not a count
        ("Bình Phước tổ chức mấy hội nghị đối thoại?", "hoi"),
        ("Tỷ lệ hồ sơ trực tuyến là bao nhiêu?", None),
        ("Bố trí bao nhiêu tỷ đồng?", None),  # an amount, not a count of something
        ("so ban nganh nao chu tri", None),  # "sở, ban, ngành"
        ("Sở Nội vụ có nhiệm vụ gì?", None),
        # "hồ sơ", "bộ máy", "máy tính" are not counting cues; a rate is not a count
        ("Tỷ lệ hồ sơ dịch vụ công trực tuyến đạt bao nhiêu phần trăm?", None),
        ("Sắp xếp bộ máy giảm bao nhiêu đơn vị?", "don"),
        ("Trang bị máy tính cho bao nhiêu xã?", "xa"),
    ],
)
def test_what_a_count_question_counts(question: str, word: str | None) -> None:
    from troly.answerer.analysis import counted_word

    assert counted_word(question) == word


def test_a_count_question_takes_the_sentence_counting_the_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "bao nhiêu UBND cấp xã?" is answered by "199 UBND cấp xã", not by the target
    "100% UBND cấp xã" the ranker prefers; a count that covers the question much less
    does not jump ahead — unless it stands in the same passage as the best sentence."""
    import troly.answerer.evidence as ev
    from troly.answerer.analysis import counts
    from troly.composer import Scored

    c = Chunk("c", "d", "section", "t", "t", "p", "l", [], "Phú Thọ", 2021, "T")
    share = Scored("Đến hết năm 2021, 100% UBND cấp xã áp dụng ISO 9001.", 0.99, c, 0.9, True)
    count = Scored("Áp dụng HTQLCL đối với 199 UBND cấp xã trên địa bàn.", 0.95, c, 0.8, True)
    other = Chunk("o", "d", "section", "t", "t", "p", "l2", [], "Phú Thọ", 2021, "T")
    weak = Scored("Có 199 UBND cấp xã trong tỉnh.", 0.9, other, 0.3, True)
    beside = Scored("b) Áp dụng HTQLCL đối với 199 UBND cấp xã.", 0.9, c, 0.3, True)
    assert counts("ubnd", count.text) and not counts("ubnd", share.text)
    # an item's numbering and a year are not counts
    assert not counts("thu", "1. Thủ trưởng các sở") and not counts("thu", "năm 2025 thu hút")
    assert counts("ubnd", "1.200 UBND cấp xã")
    q = "Phú Thọ áp dụng ISO cho bao nhiêu UBND cấp xã?"
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [share, count])
    picked = ev.pick_sentences([c], [q], ["Phú Thọ"], True, ranker=object())  # type: ignore[arg-type]
    assert picked[0] is count and share in picked
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [share, weak])
    picked = ev.pick_sentences([c, other], [q], ["Phú Thọ"], True, ranker=object())  # type: ignore[arg-type]
    assert picked[0] is share
    # the same passage as the best sentence covers the question ("ISO" is in its heading)
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [share, beside])
    picked = ev.pick_sentences([c], [q], ["Phú Thọ"], True, ranker=object())  # type: ignore[arg-type]
    assert picked[0] is beside
    assert counts("xa", "199 UBND cấp xã") and counts("xa", "35 UBND xã")
    # a connective or a unit between the number and the word: no count of it
    assert not counts("xa", "trong 30 ngày tại xã") and not counts(
        "dich", "mức độ 3, 4 và qua dịch vụ"
    )
    assert not counts("xa", "100% UBND cấp xã") and not counts("xa", "năm 2021 các xã")


def test_a_group_or_sub_group_named_by_a_question() -> None:
    from troly.answerer.evidence import match_group, row_groups
    from troly.text import fold, spell_out

    def row(group: str, *below: str) -> Chunk:
        c = Chunk(
            "r", "ht", "task", "x", "x", "p", "l", ["Phụ lục", group, *below], "Hà Tĩnh", 2025, "T"
        )
        c.fields["group"] = group
        return c

    iso = row(
        "VII. XÂY DỰNG CHÍNH PHỦ SỐ", "2. Áp dụng ISO 9001:2015 trong hoạt động của các cơ quan"
    )
    finance = row("VI. CẢI CÁCH TÀI CHÍNH CÔNG")
    steer = row("II.7. Công tác chỉ đạo, điều hành cải cách hành chính")
    rows = [iso, finance, steer]
    assert row_groups(iso) == [
        "VII. XÂY DỰNG CHÍNH PHỦ SỐ",
        "2. Áp dụng ISO 9001:2015 trong hoạt động của các cơ quan",
    ]

    def named(q: str) -> str | None:
        return match_group(fold(q), rows, fold(spell_out(q)))

    # a sub-group by its first words; a group by most of its words, abbreviations spelled out
    assert named("Trong phần áp dụng ISO, Sở KH&CN chủ trì gì?") == row_groups(iso)[1]
    assert named("nhóm cải cách tài chính công có nhiệm vụ nào") == "VI. CẢI CÁCH TÀI CHÍNH CÔNG"
    assert (
        named("so noi vu chu tri gi trong muc cong tac chi dao, dieu hanh CCHC")
        == steer.fields["group"]
    )
    # "CCHC … tổng cộng" spelled out holds "cải cách", "chính", "cộng": not the finance group
    assert named("ke hoach CCHC co tong cong bao nhieu nhiem vu") is None
    # a title's first words must reach two words that not every group has (review, stop 25)
    pci = row("II.7. Nâng cao Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)")
    news = row("VIII. Công tác tuyên truyền CCHC")
    rows += [pci, news]
    assert named("Có những nhiệm vụ nào để nâng cao chỉ số hài lòng của người dân?") is None
    assert named("Có những nhiệm vụ gì về công tác tuyển dụng công chức?") is None
    assert named("Có những nhiệm vụ nào về cải cách tại cấp xã?") is None
    assert named("Những nhiệm vụ về nâng cao chỉ số năng lực cạnh tranh?") == pci.fields["group"]


def test_a_text_naming_a_plan_of_a_year() -> None:
    from troly.answerer.refusal import names_plan_of_year

    assert names_plan_of_year("Tổng kết Kế hoạch CCHC năm 2023 của tỉnh", 2023)
    assert names_plan_of_year("Kế hoạch thực hiện nhiệm vụ cải cách hành chính năm 2023", 2023)
    assert not names_plan_of_year("đánh giá Chỉ số cải cách hành chính năm 2023", 2023)
    assert not names_plan_of_year("Kế hoạch nâng cao Chỉ số CCHC năm 2023", 2023)
    assert not names_plan_of_year("Kế hoạch CCHC năm 2024, so với năm 2023", 2023)


def test_an_index_year_is_not_a_plan_year() -> None:
    from troly.answerer.analysis import analyse

    assert analyse("Kế hoạch CCHC năm 2023 của Bình Phước có gì?", []).plan_years == {2023}
    assert analyse("ke hoach cai cach hanh chinh nam 2023", []).plan_years == {2023}
    assert analyse("Phú Thọ xác định Chỉ số CCHC năm 2020 theo quyết định nào?", []).plan_years == (
        set()
    )
    assert analyse("Chỉ số hài lòng về CCHC năm 2023 của Quảng Ngãi?", []).plan_years == set()


def test_rows_on_a_topic() -> None:
    from troly.answerer.evidence import rows_on_topic

    def row(n: int, content: str) -> Chunk:
        c = Chunk(
            f"r{n}", "py", "task", content, content, "p", f"STT {n}", [], "Phú Yên", 2024, "T"
        )
        c.fields["content"] = content
        c.ordinal = n
        return c

    rows = [
        row(3, "Ban hành Danh mục văn bản quy phạm pháp luật hết hiệu lực"),
        row(1, "Rà soát văn bản quy phạm pháp luật năm 2024"),
        row(2, "Tổ chức Hội thi tuyên truyền cải cách hành chính"),
    ]
    terms = ["ra", "soat", "van", "ban", "quy", "pham", "phap", "luat"]
    assert [c.id for c in rows_on_topic(rows, terms, 0.3)] == ["r1", "r3"]  # document order
    assert rows_on_topic(rows, ["hoi", "thi", "tuyen", "truyen"], 0.3) == []  # one row
    assert rows_on_topic(rows, terms, 0.95) == []  # below the support threshold
    assert rows_on_topic(rows, ["2024"], 0.3) == []  # a year is not a topic
    # typed with diacritics, a row matching only once they are dropped is another topic
    hire = [row(4, "Kiểm tra việc tuyển dụng công chức"), row(5, "Tuyên truyền cho công chức")]
    hire.append(row(6, "Thanh tra tuyển dụng công chức cấp xã"))
    terms = ["tuyen", "dung", "cong", "chuc"]
    q = "Có những nhiệm vụ gì về tuyển dụng công chức?"
    assert [c.id for c in rows_on_topic(hire, terms, 0.3, q)] == ["r4", "r6"]
    plain = "co nhung nhiem vu gi ve tuyen dung cong chuc"  # no diacritics: no such check
    assert rows_on_topic(hire, terms, 0.3, plain) == rows_on_topic(hire, terms, 0.3)
    assert [c.id for c in rows_on_topic(hire, ["tuyen", "cong", "chuc"], 0.3)] == ["r4", "r5", "r6"]


def test_an_enumeration_after_gom_stays_one_sentence() -> None:
    from troly.composer import sentences

    text = (
        "- Nâng cao hiệu quả CCHC; thực hiện đồng bộ 6 nội dung gồm: Cải cách thể chế; "
        "Cải cách thủ tục hành chính; Cải cách tài chính công. Tăng cường kỷ luật.\n"
        "Cơ quan phối hợp: Các sở, ban, ngành; UBND cấp huyện"
    )
    got = sentences(text)
    assert got[0].endswith("Cải cách tài chính công.") and "gồm: Cải cách thể chế;" in got[0]
    assert got[1] == "Tăng cường kỷ luật."
    # a field label is not an enumeration: its parts stay apart as before
    assert got[2:] == ["Cơ quan phối hợp: Các sở, ban, ngành;", "UBND cấp huyện"]


def test_each_part_of_a_question_is_answered_by_its_own_words() -> None:
    from troly.answerer.evidence import pick_sentences
    from troly.answerer.ranker import load_ranker

    ranker = load_ranker()
    assert ranker is not None
    first = _chunk(
        "ha-tinh-2025",
        "Hà Tĩnh",
        2025,
        "Tối thiểu 35% cơ quan, đơn vị được kiểm tra CCHC trong năm 2025;\n"
        "100% các đơn vị, địa phương ban hành và tổ chức thực hiện kế hoạch kiểm tra, tự "
        "kiểm tra CCHC các đơn vị trực thuộc.",
        location="II.1.2",
    )
    others = [
        _chunk("ha-tinh-2025", "Hà Tĩnh", 2025, f"Nhiệm vụ {i}: kiểm tra hồ sơ công việc {i}.")
        for i in range(3)
    ]
    later = _chunk(
        "ha-tinh-2025",
        "Hà Tĩnh",
        2025,
        "1.3. Phấn đấu ít nhất có 03 sáng kiến (hoặc giải pháp mới) về CCHC áp dụng có hiệu quả.",
        location="II.1.3",
    )
    parts = question_parts(
        "Hà Tĩnh kiểm tra CCHC tối thiểu bao nhiêu cơ quan và phấn đấu có mấy sáng kiến?"
    )
    assert len(parts) == 2
    picked = pick_sentences([first, *others, later], parts, ["Hà Tĩnh"], True, ranker=ranker)
    texts = [p.text for p in picked]
    assert any("35%" in t for t in texts)
    # the second part's answer sits in a later passage that shares only its own words
    assert any("03 sáng kiến" in t for t in texts), texts


@pytest.mark.parametrize(
    ("question", "url"),
    [
        ("Ở Phú Thọ nộp hồ sơ online thì vào trang web nào?", True),
        ("dia chi website cong dich vu cong cua tinh la gi", True),
        ("Cho tôi đường link nộp hồ sơ", True),
        ("Tỷ lệ hồ sơ trực tuyến là bao nhiêu?", False),
        ("Cổng dịch vụ công do ai vận hành?", False),
        # about websites, not asking for one
        ("Tỷ lệ cơ quan có website đạt chuẩn là bao nhiêu?", False),
        ("Tỉnh nâng cấp bao nhiêu trang web?", False),
        ("Có liên kết (link) giữa các hệ thống không?", False),
        ("Trung tâm phục vụ hành chính công có địa chỉ ở đâu?", False),
    ],
)
def test_a_question_asking_for_a_web_address(question: str, url: bool) -> None:
    assert analyse(question, []).want_url is url


def test_the_sentence_with_the_address_is_found() -> None:
    from troly.answerer.evidence import WEB_ADDRESS, best_with_address

    chunk = _chunk(
        "phu-tho-2021",
        "Phú Thọ",
        2021,
        "Khai thác hiệu quả Cổng dịch vụ công của tỉnh.\n"
        "Trả kết quả TTHC qua Cổng dịch vụ công của tỉnh (<https://dichvucong.phutho.gov.vn>).",
    )
    best = best_with_address([chunk], ["cong", "dich", "vu", "cong"], None)
    assert best is not None and "dichvucong.phutho.gov.vn" in best.text
    assert WEB_ADDRESS.search("xem tại dichvucong.gov.vn") and not WEB_ADDRESS.search(
        "Quyết định 12/QĐ"
    )
    assert (
        best_with_address([_chunk("x", "X", 2024, "Không có địa chỉ nào.")], ["dia"], None) is None
    )


# -- a section's items ------------------------------------------------------------------
def _item(letter: str, text: str) -> Chunk:
    parent = ["II. NHIỆM VỤ", "1. Công tác chỉ đạo, điều hành"]
    return _chunk(
        "py",
        "Phú Yên",
        2024,
        f"{letter}) {text}",
        location=f"II.1.{letter}",
        headings=[*parent, f"{letter}) {text[:30]}"],
    )


def test_items_chunked_one_by_one_are_quoted_together_in_order() -> None:
    from troly.answerer.items import item_parent, section_items

    a, b, c = (
        _item("a", "Ban hành kế hoạch CCHC năm 2024."),
        _item("b", "Kiểm tra công tác CCHC tại 30% cơ quan."),
        _item("c", "Tổ chức hội nghị sơ kết."),
    )
    other = _chunk("py", "Phú Yên", 2024, "Nội dung khác.", headings=["III. GIẢI PHÁP"])
    assert item_parent(b) == ["II. NHIỆM VỤ", "1. Công tác chỉ đạo, điều hành"]
    assert item_parent(other) is None
    q = "Công tác chỉ đạo, điều hành có những nhiệm vụ gì?"
    terms = ["cong", "tac", "chi", "dao", "dieu", "hanh"]
    draft = section_items(q, fold(q), [b], terms, [a, other, b, c])
    assert draft is not None and draft.intent == "section_items"
    lines = draft.text.splitlines()
    assert lines[0].endswith("(mục II.1), gồm 3 nội dung:")
    # every item under the heading the retrieved item sits in, in document order
    assert [x[:4] for x in lines[1:]] == ["- a)", "- b)", "- c)"]
    assert len(draft.evidence.chunks) == 3
    # not a list question, or a heading the question does not name: no items
    assert section_items("Ai chủ trì?", "ai chu tri?", [b], terms, [a, b, c]) is None
    assert section_items(q, fold(q), [b], ["tuyen", "truyen"], [a, b, c]) is None


def test_items_inside_one_section_chunk() -> None:
    from troly.answerer.items import section_items

    text = "5. Sở Tài chính\na) Bố trí kinh phí.\nb) Hướng dẫn thanh quyết toán.\n- Báo cáo."
    c = _chunk("py", "Phú Yên", 2024, text, headings=["V. TỔ CHỨC", "5. Sở Tài chính"])
    q = "Sở Tài chính có những nhiệm vụ gì?"
    draft = section_items(q, fold(q), [c], ["so", "tai", "chinh"], [c])
    assert draft is not None
    assert draft.text.splitlines()[1:] == [
        "- a) Bố trí kinh phí.",
        "- b) Hướng dẫn thanh quyết toán.",
        "- Báo cáo.",
    ]


def test_heading_subject_names_the_agency_only_the_heading_names() -> None:
    from troly.answerer.compose import sentences_draft
    from troly.answerer.evidence import heading_subject
    from troly.composer import Scored

    duty = "Tham mưu giúp UBND tỉnh tổ chức thực hiện nội dung Cải cách thể chế."
    own = _chunk(
        "pt", "Phú Thọ", 2021, f"5. Sở Tư pháp\n{duty}", headings=["IV. TỔ CHỨC", "5. Sở Tư pháp"]
    )
    assert heading_subject(own, duty) == "Sở Tư pháp"
    # items a), b), … under the agency's heading: the parent heading names it
    item = _chunk(
        "bp",
        "Bình Phước",
        2024,
        "a) Chủ trì, phối hợp tham mưu cải cách thể chế.",
        headings=["3. Sở Tư pháp:", "a) Chủ trì, phối hợp các cơ quan, đơn vị có liên quan…"],
    )
    assert heading_subject(item, item.text) == "Sở Tư pháp"
    # the sentence names it already; a heading about a task, not an agency; a task row
    assert heading_subject(own, "Sở Tư pháp tham mưu cải cách thể chế.") == ""
    topic = _chunk("bp", "Bình Phước", 2024, duty, headings=["IV", "2. Đẩy mạnh tuyên truyền"])
    assert heading_subject(topic, duty) == ""
    row = _chunk("py", "Phú Yên", 2024, duty, kind="task", headings=["5. Sở Tư pháp"])
    assert heading_subject(row, duty) == ""
    # a short item under the agency's heading; a heading saying more after a colon
    short = _chunk(
        "bp", "Bình Phước", 2024, "c) Báo cáo kết quả.", headings=["3. Sở Tư pháp", "c) Báo cáo."]
    )
    assert heading_subject(short, short.text) == "Sở Tư pháp"
    colon = _chunk("py", "Phú Yên", 2024, duty, headings=["V", "4. Sở Nội vụ: thường trực CCHC"])
    assert heading_subject(colon, duty) == "Sở Nội vụ"
    draft = sentences_draft([Scored(duty, 1.0, own, coverage=0.8)])
    assert "(mục V.5 – Sở Tư pháp): “Tham mưu" in draft.text


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        (
            "thế còn bảng hệ số điều chỉnh giá đất năm 2025 thì khi nào ban hành?",
            "bảng hệ số điều chỉnh giá đất năm 2025 thì khi nào ban hành?",
        ),
        ("con viec so hoa ho so thi ai chu tri?", "viec so hoa ho so thi ai chu tri?"),
        ("Vậy còn bảng giá đất thì bao giờ ban hành?", "bảng giá đất thì bao giờ ban hành?"),
        ("còn Sở Nội vụ thì sao?", None),  # swaps a name: read with the previous question
        ("còn thời hạn?", None),  # a field of the previous answer
        ("còn Hà Tĩnh thì sao?", None),
        ("Bảng giá đất năm 2025 khi nào ban hành?", None),  # no contrastive marker
    ],
)
def test_followup_opening_its_own_topic(question: str, topic: str | None) -> None:
    from troly.answerer.followup import new_topic

    assert new_topic(question, ["Hà Tĩnh", "Phú Yên"]) == topic


def test_rows_by_deadline_event() -> None:
    from troly.answerer.evidence import rows_by_deadline_event

    def row(deadline: str) -> Chunk:
        c = _chunk("py", "Phú Yên", 2024, f"Nghị quyết {deadline}", kind="task")
        c.deadline = deadline
        return c

    mid = [row("Kỳ họp HĐND tỉnh thường kỳ giữa năm 2024"), row("Kỳ họp HĐND thường lệ giữa năm")]
    other = [row("Quý II/2024"), row("Năm 2024"), row("Theo lộ trình đề án được phê duyệt")]
    fq = fold("Những nghị quyết nào trình kỳ họp HĐND giữa năm?")
    hits, said = rows_by_deadline_event(mid + other, fq)
    assert hits == mid
    assert (
        said == "“Kỳ họp HĐND tỉnh thường kỳ giữa năm 2024” hoặc “Kỳ họp HĐND thường lệ giữa năm”"
    )
    # a question naming no deadline's event, or one word of it only: no constraint
    assert rows_by_deadline_event(mid + other, fold("Những nghị quyết nào năm 2024?")) == (
        mid + other,
        "",
    )
    assert rows_by_deadline_event(mid, fold("những việc của kỳ này"))[1] == ""
    # a cell naming a period is no event ("hoàn thành" shared with it does not match);
    # a cell holding every word another matching cell shares with the question is kept
    due = [row("Hoàn thành trong Quý I năm 2024"), *mid]
    assert rows_by_deadline_event(due, fold("Những nhiệm vụ nào phải hoàn thành?"))[1] == ""
    hits, _ = rows_by_deadline_event(due, fold("Các nghị quyết trình kỳ họp HĐND?"))
    assert hits == mid


def test_a_list_of_products_names_agencies_as_its_topic() -> None:
    a = analyse("Phú Yên bãi bỏ những quyết định nào về tiêu chí đánh giá UBND cấp huyện?", [])
    assert a.is_list and a.lists_products
    a = analyse("Sở Nội vụ chủ trì những nhiệm vụ nào?", [])
    assert a.is_list and not a.lists_products


def test_a_code_the_question_names_takes_the_sentence_holding_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import troly.answerer.evidence as ev
    from troly.composer import Scored

    assert ev.codes_in("Chỉ số B1, mạng 5G") == {"b1", "5g"}
    assert ev.codes_in("ISO 9001:2015, năm 2025, Nghị định 59/2019/NĐ-CP, Quý I/2024") == set()
    c = Chunk("c", "d", "section", "t", "t", "p", "l", [], "Hà Tĩnh", 2025, "T")
    broad = Scored("Tập trung vào cải cách thể chế, cải cách TTHC.", 0.99, c, 0.5)
    coded = Scored("Giảm chi phí tuân thủ pháp luật, nâng xếp hạng Chỉ số B1.", 0.4, c, 0.2)
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [broad, coded])
    q = "ha tinh phan cai cach the che co nhac den chi so B1 khong?"
    picked = ev.pick_sentences([c], [q], ["Hà Tĩnh"], False, ranker=object())  # type: ignore[arg-type]
    assert picked[0] is coded
    # no code named: the ranker's order stands
    q = "ha tinh phan cai cach the che co gi?"
    picked = ev.pick_sentences([c], [q], ["Hà Tĩnh"], False, ranker=object())  # type: ignore[arg-type]
    assert picked[0] is broad


@pytest.mark.parametrize(
    ("question", "personal"),
    [
        ("Hồ sơ của tôi bị trễ hẹn, tôi được bồi thường bao nhiêu?", True),
        ("nha toi bi thu hoi dat thi duoc boi thuong the nao", True),
        ("Tôi bị phạt vì nộp hồ sơ muộn, khiếu nại ở đâu?", True),
        ("Tỷ lệ tối thiểu hồ sơ trực tuyến là bao nhiêu?", False),
        ("Phú Yên có nhiệm vụ xin lỗi người dân khi hồ sơ trễ hẹn không?", False),
        # "tới" and "minh bạch" fold like "tôi" and "mình": a policy question, not a case
        ("Trong thời gian tới có giải pháp gì đẩy nhanh bồi thường, giải phóng mặt bằng?", False),
        ("Kế hoạch có công khai minh bạch việc bồi thường không?", False),
    ],
)
def test_personal_legal_advice_is_recognised(question: str, personal: bool) -> None:
    from troly.answerer.analysis import LEGAL_CUE

    assert bool(LEGAL_CUE.search(fold(question))) is personal


def test_a_question_asking_which_agency_takes_a_sentence_naming_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import troly.answerer.evidence as ev
    from troly.composer import Scored

    assert ev.AGENCY_ASKED.search(fold("Cơ quan nào là cơ quan thường trực về CCHC?"))
    assert not ev.AGENCY_ASKED.search(fold("Mục tiêu về cơ quan thường trực là gì?"))
    assert not ev.AGENCY_ASKED.search(fold("Chỉ số nào tăng nhiều nhất?"))
    assert not ev.AGENCY_ASKED.search(fold("Người dân có ai lo lắng về thủ tục không?"))
    assert ev.AGENCY_ASKED.search(fold("Việc này thuộc trách nhiệm của ai?"))
    general = Chunk("g", "ht", "section", "t", "t", "p", "III.1", ["III"], "Hà Tĩnh", 2025, "T")
    duties = Chunk(
        "d", "ht", "section", "t", "t", "p", "VI.4", ["VI", "4. Sở Nội vụ"], "Hà Tĩnh", 2025, "T"
    )
    vague = Scored("Tăng cường vai trò của cơ quan thường trực Ban Chỉ đạo.", 0.99, general, 1.0)
    named = Scored("- Là cơ quan thường trực của Ban Chỉ đạo CCHC tỉnh.", 0.5, duties, 0.9)
    far = Scored("- Là cơ quan thường trực của Ban Chỉ đạo CCHC tỉnh.", 0.5, duties, 0.5)
    q = "Ở Hà Tĩnh, cơ quan nào là cơ quan thường trực về cải cách hành chính?"
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [vague, named])
    picked = ev.pick_sentences([general, duties], [q], [], False, ranker=object())  # type: ignore[arg-type]
    assert picked[0] is named
    # one covering the question much less does not jump ahead; nor without the asking words
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [vague, far])
    picked = ev.pick_sentences([general, duties], [q], [], False, ranker=object())  # type: ignore[arg-type]
    assert picked[0] is vague
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [vague, named])
    q = "Ở Hà Tĩnh, vai trò cơ quan thường trực về cải cách hành chính ra sao?"
    picked = ev.pick_sentences([general, duties], [q], [], False, ranker=object())  # type: ignore[arg-type]
    assert picked[0] is vague


@pytest.mark.parametrize(
    ("question", "products", "done_by"),
    [
        ("Phú Yên có những dự án chính quyền số nào do Sở TT&TT làm?", True, True),
        ("nhung nghi quyet nao trinh ky hop giua nam", True, False),
        ("Các hội nghị nào do UBND tỉnh tổ chức?", True, True),
        ("Những việc nào do Sở Nội vụ chủ trì?", False, True),  # tasks, not products
        ("Dự án nào lớn nhất?", False, False),
        ("những quyết định về tiêu chí đánh giá, có mấy cái?", False, False),
    ],
)
def test_products_listed_and_the_agency_doing_them(
    question: str, products: bool, done_by: bool
) -> None:
    from troly.answerer.analysis import DONE_BY

    a = analyse(question, [])
    assert a.lists_products is products
    assert bool(DONE_BY.search(a.folded)) is done_by


def test_an_address_question_gets_every_address_of_the_passage() -> None:
    from troly.answerer.evidence import with_addresses_beside
    from troly.composer import Scored

    text = (
        "Tiếp nhận hồ sơ qua dịch vụ công trực tuyến trên Cổng dịch vụ công của tỉnh "
        "(<https://dichvucong.phutho.gov.vn>); Cổng dịch vụ công quốc gia "
        "(<https://dichvucong.gov.vn>); Hệ thống một cửa điện tử cấp huyện."
    )
    c = Chunk("c", "pt", "section", text, text, "p", "II.3.d", [], "Phú Thọ", 2021, "T")
    other = Chunk(
        "o", "pt", "section", "Tỷ lệ đạt 30%.", "x", "p", "II.7", [], "Phú Thọ", 2021, "T"
    )
    first = Scored(
        "Tiếp nhận hồ sơ qua dịch vụ công trực tuyến trên Cổng dịch vụ công của tỉnh "
        "(<https://dichvucong.phutho.gov.vn>);",
        1.0,
        c,
        0.9,
    )
    noise = Scored("Tỷ lệ hồ sơ trực tuyến đạt 30%.", 0.9, other, 0.5)
    terms = ["cong", "dich", "vu", "truc", "tuyen"]
    got = with_addresses_beside([first, noise], terms, False)
    assert [s.text[:25] for s in got] == [first.text[:25], "Cổng dịch vụ công quốc gi"]
    # a question asking more keeps its other sentences; no address at all: unchanged
    assert with_addresses_beside([first, noise], terms, True)[-1] is noise
    assert with_addresses_beside([noise], terms, False) == [noise]


def test_the_last_coordinated_object_gets_its_own_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "tỷ lệ A và B là bao nhiêu?": one asking word for two objects. The sentence
    answering A does not answer B; the pool's sentence holding B's word pairs (with a
    figure, same passage) follows it — not a stronger sentence about A again, and not
    a sentence without a figure or from another passage."""
    import troly.answerer.evidence as ev
    from troly.composer import Scored

    c = Chunk("c", "d", "section", "t", "t", "p", "l", [], "Hà Tĩnh", 2025, "T")
    other = Chunk("o", "e", "section", "t", "t", "p", "l", [], "Phú Yên", 2024, "T")
    first = Scored("Tỷ lệ cán bộ được bồi dưỡng kỹ năng số đạt 80%.", 0.97, c, 0.8, True)
    again = Scored("Tỷ lệ cán bộ cấp xã được bồi dưỡng đạt 70%.", 0.93, c, 0.6, True)
    bare = Scored("Tăng cường ứng dụng chữ ký số chuyên dùng.", 0.92, c, 0.4, False)
    elsewhere = Scored("Văn bản ký số chuyên dùng đạt 95%.", 0.91, other, 0.4, True)
    second = Scored("Tỷ lệ văn bản được ký số chuyên dùng đạt 90%.", 0.6, c, 0.4, True)
    pool = [first, again, bare, elsewhere, second]
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: pool)
    q = "Hà Tĩnh đặt tỷ lệ cán bộ bồi dưỡng kỹ năng số và văn bản ký số chuyên dùng là bao nhiêu?"
    picked = ev.pick_sentences([c, other], [q], ["Hà Tĩnh"], True, ranker=object())  # type: ignore[arg-type]
    assert picked[:2] == [first, second]
    # the sentence answering the first object already holds the second: nothing added
    both_text = "Cán bộ bồi dưỡng kỹ năng số 80%, văn bản ký số chuyên dùng 90%."
    both = Scored(both_text, 0.99, c, 1.0, True)
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [both, *pool])
    picked = ev.pick_sentences([c, other], [q], ["Hà Tĩnh"], True, ranker=object())  # type: ignore[arg-type]
    assert second not in picked
    # another chosen sentence already answers the second object: nothing added
    said_text = "Văn bản được ký số chuyên dùng đạt 90%."
    said = Scored(said_text, 0.95, c, 0.5, True)
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [first, said, *pool])
    picked = ev.pick_sentences([c, other], [q], ["Hà Tĩnh"], True, ranker=object())  # type: ignore[arg-type]
    assert second not in picked and said in picked
    # the sentence holding the object's pairs stands in another passage: not added
    apart = Scored("Tỷ lệ văn bản được ký số chuyên dùng đạt 90%.", 0.6, other, 0.4, True)
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: [first, again, apart])
    picked = ev.pick_sentences([c, other], [q], ["Hà Tĩnh"], True, ranker=object())  # type: ignore[arg-type]
    assert apart not in picked
    # no coordinated object: the ranker's order stands
    q = "Hà Tĩnh đặt tỷ lệ cán bộ bồi dưỡng kỹ năng số là bao nhiêu?"
    monkeypatch.setattr(ev, "ranked_sentences", lambda *a, **k: pool)
    picked = ev.pick_sentences([c, other], [q], ["Hà Tĩnh"], True, ranker=object())  # type: ignore[arg-type]
    assert second not in picked


@pytest.mark.parametrize(
    ("question", "listed"),
    [
        ("Sở TT&TT chủ trì mấy nhiệm vụ, là những gì?", True),
        ("so tt&tt chu tri may nhiem vu", True),
        ("Có mấy việc phải xong trong quý I?", True),
        ("Bao nhiêu nhiệm vụ do Sở Nội vụ chủ trì?", True),
        # a count of machines is not a count of tasks
        ("Trang bị máy tính cho bao nhiêu xã?", False),
        ("Tỷ lệ hồ sơ trực tuyến là bao nhiêu?", False),
    ],
)
def test_a_question_counting_tasks_is_a_list(question: str, listed: bool) -> None:
    assert analyse(question, []).is_list is listed


@pytest.mark.parametrize(
    ("question", "either"),
    [
        ("Đài PT-TH tỉnh tham gia những nhiệm vụ nào trong phụ lục?", True),
        ("so tu phap phu yen tham gia nhung nhiem vu nao", True),
        ("Sở Nội vụ chủ trì hoặc phối hợp những nhiệm vụ nào?", True),
        ("Sở Nội vụ chủ trì/phối hợp những nhiệm vụ nào?", True),
        ("Sở Nội vụ chủ trì, phối hợp những nhiệm vụ nào?", True),
        ("Sở Nội vụ chủ trì và/hoặc phối hợp những nhiệm vụ nào?", True),
        ("Sở Nội vụ chủ trì hoặc tham gia phối hợp những nhiệm vụ nào?", True),
        # one role named on its own decides, whatever else takes part
        ("Sở Nội vụ chủ trì những nhiệm vụ nào để người dân tham gia góp ý?", False),
        ("Những nhiệm vụ nào Sở Nội vụ phối hợp với các cơ quan tham gia?", False),
        ("Sở TT&TT phối hợp những nhiệm vụ nào mà Sở Nội vụ tham gia?", False),
        ("Người dân tham gia góp ý những gì?", False),
        ("Sở Nội vụ chủ trì những nhiệm vụ nào?", False),
    ],
)
def test_either_role(question: str, either: bool) -> None:
    assert either_role(fold(question)) is either


def test_first_quote_is_the_first_quoted_passage() -> None:
    text = (
        "Theo Kế hoạch CCHC năm 2025 (mục II.6.2): “100% đơn vị sự nghiệp công lập được "
        "giao quyền tự chủ” [1]. Ngoài ra (mục II.6.4): “Có ít nhất 02 đơn vị” [2]."
    )
    assert first_quote(text) == "100% đơn vị sự nghiệp công lập được giao quyền tự chủ"
    assert first_quote("kế hoạch hiện có không nêu nội dung này.") == ""
    assert first_quote("nhiệm vụ “ISO” do Sở chủ trì") == ""  # too short to search with
    # the hint of an agency's list quotes a question, not the plan
    hint = "(hỏi “Sở Tư pháp chủ trì những nhiệm vụ nào?”) … nhiệm vụ “Rà soát văn bản QPPL”"
    assert first_quote(hint) == "Rà soát văn bản QPPL"


def test_a_listed_task_says_what_it_delivers_when_its_task_does_not() -> None:
    from troly.composer import describe_task_short

    row = _chunk("ht", "Hà Tĩnh", 2025, "Nhiệm vụ 2.6", kind="task")
    row.fields = {
        "content": "Thực hiện kiểm tra, đánh giá việc áp dụng Hệ thống quản lý chất lượng.",
        "lead_text": "Sở Khoa học và Công nghệ",
        "product": "Kiểm tra tại 140 cơ quan, đơn vị",
        "deadline": "Quý II- IV năm 2025",
    }
    line = describe_task_short(row, 3)
    assert line == (
        "Thực hiện kiểm tra, đánh giá việc áp dụng Hệ thống quản lý chất lượng. (chủ trì: Sở "
        "Khoa học và Công nghệ; sản phẩm: Kiểm tra tại 140 cơ quan, đơn vị; thời gian: Quý "
        "II- IV năm 2025) [3]"
    )
    # a product the task already names is not said twice, a one- or two-word one not at all
    row.fields["product"] = "kiểm tra, đánh giá"
    assert "sản phẩm" not in describe_task_short(row, 3)
    row.fields["product"] = "Quyết định"
    assert "sản phẩm" not in describe_task_short(row, 3)
