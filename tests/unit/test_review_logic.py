"""Draft-review comparison logic on literal strings: numbers and units, indicator matching,
deadline normalisation, agency-set differences, draft parsing and the internal checks.
No model and no index: the reviewer runs lexical-only where a corpus is needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from troly.review.draft import (
    ReviewError,
    detect_year,
    docx_available,
    parse_draft,
    prepare_text,
    read_draft_bytes,
)
from troly.review.internal import duplicate_numbering, measure_conflicts, reference_dates
from troly.review.items import extract_items
from troly.review.model import FieldDiff, Finding, ReviewReport, render_text
from troly.review.normalize import (
    agency_diff,
    align_measures,
    compare_deadlines,
    extract_measures,
    header_date,
    idf_table,
    indicator_similarity,
    is_generic_agency,
    normalize_date,
    normalize_deadline,
    normalize_doc_number,
    self_references,
    split_sentences,
    terms,
    weighted_dice,
)
from troly.review.reviewer import task_diffs
from troly.schema import Citation, TaskRecord

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data"
PAYMENT_BODY = "Tỷ lệ giao dịch thanh toán trực tuyến đạt tối thiểu 60%."
PAYMENT_APPENDIX = (
    "Tối thiểu 80% TTHC có yêu cầu nghĩa vụ tài chính, được triển khai thanh toán trực "
    "tuyến, trong số đó, tỷ lệ giao dịch thanh toán trực tuyến đạt tối thiểu 70%"
)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Mức độ hài lòng về giải quyết TTHC đạt từ 95% trở lên.", [((95, 95), "%", ">=")]),
        ("Tỷ lệ nộp hồ sơ trực tuyến toàn trình đạt 90%.", [((90, 90), "%", "=")]),
        ("Giảm tối thiểu 2,5% chi hỗ trợ trực tiếp", [((2.5, 2.5), "%", ">=")]),
        ("Tỷ lệ sắp xếp lại nhà, đất đạt trên 85%", [((85, 85), "%", ">")]),
        ("Tỷ lệ hồ sơ đạt 100 % trong năm", [((100, 100), "%", "=")]),
        ("Tổ chức 02 Hội nghị đối thoại với doanh nghiệp", [((2, 2), "hoi nghi", "=")]),
        ("Phấn đấu năm 2025 giảm 28 biên chế công chức", [((28, 28), "bien che", "=")]),
        ("ít nhất từ 02 đến 03 cuộc đối thoại", [((2, 3), "cuoc", ">=")]),
        ("thu hút nhân tài khoảng 02% so với tổng số", [((2, 2), "%", "~")]),
    ],
)
def test_measures_value_unit_comparator(sentence: str, expected: list[Any]) -> None:
    got = [(m.value, m.unit, m.comparator) for m in extract_measures(sentence)]
    assert got == [((float(a), float(b)), u, c) for (a, b), u, c in expected]


@pytest.mark.parametrize(
    "sentence",
    [
        "Theo Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ.",
        "Thời gian thực hiện: Quý I/2024; tháng 12 năm 2024.",
        "Kế hoạch số 275/KH-UBND ngày 25/12/2023 và TCVN ISO 9001:2015.",
        "Trong năm 2024 tổ chức thực hiện theo Điều 5 của Quy định.",
    ],
)
def test_years_dates_and_document_numbers_are_not_targets(sentence: str) -> None:
    assert extract_measures(sentence) == []


def test_one_sentence_with_three_levels_gives_three_measures_sharing_the_head() -> None:
    ms = extract_measures(
        "Số hóa hồ sơ TTHC đạt tỷ lệ tối thiểu tương ứng: cấp tỉnh 100%, cấp huyện 100%, "
        "cấp xã 95% số hồ sơ tiếp nhận."
    )
    assert [m.value[0] for m in ms] == [100, 100, 95]
    assert all("so hoa" in m.context for m in ms)  # later pieces keep the indicator head
    assert "cap huyen" in ms[1].context and "cap xa" in ms[2].context
    assert [m.comparator for m in ms] == [">=", ">=", ">="]  # "tối thiểu tương ứng" applies


def test_scope_marker_trong_so_do() -> None:
    ms = extract_measures(PAYMENT_APPENDIX)
    assert [m.value[0] for m in ms] == [80, 70]
    assert not ms[0].scoped and ms[1].scoped
    assert ms[1].context == "ty le giao dich thanh toan truc tuyen"


def test_same_indicator_with_numbers_masked() -> None:
    a = extract_measures("Mức độ hài lòng của người dân, doanh nghiệp về giải quyết TTHC đạt 90%.")
    b = extract_measures(
        "Mức độ hài lòng của người dân, doanh nghiệp về giải quyết thủ tục hành chính đạt từ "
        "95% trở lên."
    )
    assert indicator_similarity(a[0], b[0]) > 0.95  # TTHC ≡ thủ tục hành chính, comparators dropped


def test_sub_indicator_is_not_the_same_indicator() -> None:
    general = extract_measures(
        "Mức độ hài lòng của người dân, doanh nghiệp về giải quyết TTHC đạt 90%."
    )
    sector = extract_measures(
        "Mức độ hài lòng của người dân, doanh nghiệp về giải quyết các TTHC lĩnh vực đất đai, "
        "xây dựng, đầu tư đạt tối thiểu 85%."
    )
    assert indicator_similarity(general[0], sector[0]) < 0.85


def test_different_units_never_match() -> None:
    pct = extract_measures("Tổ chức đối thoại đạt 3% doanh nghiệp")
    cnt = extract_measures("Tổ chức 3 cuộc đối thoại doanh nghiệp")
    assert indicator_similarity(pct[0], cnt[0]) == 0.0


def test_payment_rate_aligns_with_transactions_not_with_procedures() -> None:
    body = extract_measures(PAYMENT_BODY)
    appendix = extract_measures(PAYMENT_APPENDIX)
    pairs = align_measures(body, appendix, threshold=0.85)
    assert len(pairs) == 1
    a, b, sim = pairs[0]
    assert (a.value[0], b.value[0]) == (60, 70) and sim > 0.95
    # the 80% (share of procedures with online payment) is another indicator
    assert indicator_similarity(body[0], appendix[0]) < 0.5


def test_alignment_is_one_to_one_by_level() -> None:
    a = extract_measures("Số hóa hồ sơ đạt tương ứng: cấp tỉnh 100%, cấp huyện 100%, cấp xã 95%.")
    b = extract_measures("Số hóa hồ sơ đạt tương ứng: cấp tỉnh 100%, cấp huyện 90%, cấp xã 95%.")
    pairs = align_measures(a, b, threshold=0.85)
    assert sorted((x.value[0], y.value[0]) for x, y, _ in pairs) == [
        (95, 95),
        (100, 90),
        (100, 100),
    ]
    assert {(x.index, y.index) for x, y, _ in pairs} == {(0, 0), (1, 1), (2, 2)}


def test_measure_conflicts_skip_numbers_of_one_sentence() -> None:
    draft = parse_draft(
        "I. CHỈ TIÊU\n1. Hồ sơ điện tử đạt 50% ở cấp huyện; hồ sơ điện tử đạt 70% ở cấp xã.\n"
    )
    items = extract_items(draft)
    sents = [(i, s) for i in items for s in i.sentences]
    assert measure_conflicts(sents, sents, idf_table([]), same_doc=True) == []


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        ("Quý I/2024", "Quý I năm 2024", "same"),
        ("Quý I/2024", "quý I năm 2024.", "same"),
        ("Tháng 01/2024", "Tháng 1 năm 2024", "same"),
        ("Năm 2024", "Trong năm 2024", "same"),
        ("Thường xuyên", "Thường xuyên trong năm", "same"),
        ("Quý II, III/2025", "Quý II và III năm 2025", "same"),
        ("Quý I/2024", "Quý III/2024", "different"),
        ("Năm 2024", "Quý II/2024", "different"),
        ("Tháng 01/2024", "Tháng 6/2024", "different"),
        ("Quý I/2025", "Quý I/2024", "year_only"),
        ("Tháng 01/2025", "Tháng 01/2025; Thường xuyên", "partial"),
        ("Theo kế hoạch của Bộ Nội vụ", "Quý I/2024", "unknown"),
    ],
)
def test_compare_deadlines(a: str, b: str, verdict: str) -> None:
    assert compare_deadlines(a, b) == verdict


def test_year_shift_for_a_next_year_draft() -> None:
    assert compare_deadlines("Tháng 12/2025", "Tháng 12/2024", year_shift=1) == "same"
    assert compare_deadlines("Tháng 12/2025", "Tháng 12/2024") == "year_only"


def test_deadline_parts() -> None:
    d = normalize_deadline("Quý II- IV năm 2025")
    assert d.specific == {("quy", 2, 2025), ("quy", 3, 2025), ("quy", 4, 2025)}
    assert normalize_deadline("Chậm nhất là ngày 31/01/2024.").specific == {("ngay", 131, 2024)}
    assert "hang_quy" in normalize_deadline("Hàng quý, 06 tháng, năm và đột xuất").coarse


# --------------------------------------------------------------------------- agencies


def test_agency_diff_uses_canonical_names() -> None:
    assert agency_diff(["Sở TT&TT"], ["Sở Thông tin và Truyền thông"]) == ([], [])
    assert agency_diff(["VP UBND tỉnh"], ["Văn phòng Ủy ban nhân dân tỉnh"]) == ([], [])
    only_a, only_b = agency_diff(["Sở Nội vụ", "Sở Tư pháp"], ["Sở Tư pháp", "Sở Tài chính"])
    assert only_a == ["Sở Nội vụ"] and only_b == ["Sở Tài chính"]
    assert agency_diff(["Các cơ quan liên quan khác"], ["Các cơ quan liên quan"]) == ([], [])


def test_generic_agencies() -> None:
    assert is_generic_agency("Các cơ quan, đơn vị có liên quan")
    assert is_generic_agency("Các sở, ban, ngành")
    assert not is_generic_agency("Sở Nội vụ")
    assert not is_generic_agency("UBND cấp huyện")


def _task(lead: list[str], partners: list[str], deadline: str) -> TaskRecord:
    return TaskRecord(
        id="x/t001",
        doc_id="x",
        layout="field_list",
        location="a",
        group="",
        stt="a",
        content="Ban hành Kế hoạch kiểm soát TTHC",
        lead=lead,
        partners=partners,
        lead_text=", ".join(lead),
        partners_text=", ".join(partners),
        deadline=deadline,
    )


def test_task_diffs_grades() -> None:
    draft = extract_items(parse_draft("a) Ban hành Kế hoạch kiểm soát TTHC\n- Cơ quan chủ trì: X"))
    d, c = draft[0], extract_items(parse_draft("a) Ban hành Kế hoạch kiểm soát TTHC"))[0]
    d.task = _task(["Sở Nội vụ"], ["Các sở, ban, ngành"], "Quý I năm 2025")
    c.task = _task(["Văn phòng UBND tỉnh"], ["Các cơ quan, đơn vị liên quan"], "Quý I/2024")
    diffs = {f.field: f for f in task_diffs(d, c)}
    assert diffs["lead"].grade == "contradiction"
    assert diffs["partners"].grade == "note"  # only generic collectives differ
    assert diffs["deadline"].grade == "note" and "năm" in diffs["deadline"].detail
    assert task_diffs(d, c, year_shift=0) != []
    assert "deadline" not in {f.field for f in task_diffs(d, c, year_shift=1)}


# --------------------------------------------------------------------------- terms


def test_terms_fold_expand_and_mask() -> None:
    a = terms("Kiểm soát TTHC đạt 90%")
    b = terms("kiem soat thu tuc hanh chinh dat 95%")
    assert "#%" in a and "dat_#%" in a and "90%" not in a
    assert weighted_dice(a, b) > 0.6
    assert weighted_dice(a, a) == pytest.approx(1.0)
    assert weighted_dice(a, frozenset()) == 0.0


def test_split_sentences() -> None:
    text = "Câu một đạt 2,5%. Câu hai theo Nghị định 60/2021/NĐ-CP; câu ba.\nĐoạn mới."
    assert split_sentences(text) == [
        "Câu một đạt 2,5%.",
        "Câu hai theo Nghị định 60/2021/NĐ-CP; câu ba.",
        "Đoạn mới.",
    ]


# --------------------------------------------------------------------------- references


def test_self_references_and_header_dates() -> None:
    refs = self_references(
        "Ban hành kèm theo Kế hoạch số: 275 /KH-UBND ngày 25/12/2023 của UBND tỉnh"
    )
    assert [(r.number, r.date, r.formula) for r in refs] == [("275/KH-UBND", "25/12/2023", True)]
    other = self_references("Đề án ban hành kèm theo Quyết định số 1502/QĐ-UBND ngày 18/9/2023")
    assert other[0].formula is False
    assert header_date("Phú Yên, ngày 15 tháng 12 năm 2023") == "15/12/2023"
    assert header_date("Hà Tĩnh, ngày 31 tháng 12 năm 2024 |") == "31/12/2024"
    assert normalize_date("5 / 1 / 2024") == "05/01/2024"
    assert normalize_doc_number("275 /kh-ubnd") == "275/KH-UBND"


# --------------------------------------------------------------------------- drafts


def test_prepare_text_adds_bullets_and_wraps_snippets() -> None:
    text, wrapped = prepare_text(
        "a) Nhiệm vụ\nCơ quan chủ trì: Sở Nội vụ\nThời gian thực hiện: Năm 2025"
    )
    assert wrapped and text.splitlines()[0].startswith("I. ")
    assert "- Cơ quan chủ trì: Sở Nội vụ" in text and "- Thời gian thực hiện: Năm 2025" in text
    assert prepare_text("I. MỤC ĐÍCH\n1. Mục đích")[1] is False


def test_parse_draft_snippet_gives_task_records_without_the_synthetic_level() -> None:
    tree = parse_draft(
        "a) Ban hành Kế hoạch tuyên truyền CCHC năm 2025\n"
        "Cơ quan chủ trì: Sở TT&TT\n- Cơ quan phối hợp: Sở Nội vụ\n"
        "- Thời gian thực hiện: Quý I/2025\n\n"
        "b) Tổ chức hội nghị sơ kết\n- Cơ quan chủ trì: Sở Nội vụ\n"
    )
    assert [(t.location, t.lead, t.deadline) for t in tree.tasks] == [
        ("a", ["Sở Thông tin và Truyền thông"], "Quý I/2025"),
        ("b", ["Sở Nội vụ"], ""),
    ]
    assert all(not s.path.startswith("I.") for s in tree.iter_sections())
    assert tree.meta.year is None  # a snippet names no plan year


def test_parse_draft_rejects_empty_text() -> None:
    with pytest.raises(ReviewError) as err:
        parse_draft("  \n ")
    assert err.value.status == 422 and "trống" in str(err.value)


def test_detect_year_only_from_the_title_block() -> None:
    assert detect_year("KẾ HOẠCH\nCải cách hành chính tỉnh Hà Tĩnh năm 2026\n") == 2026
    assert detect_year("a) Ban hành Kế hoạch công tác theo dõi thi hành pháp luật năm 2024") is None


def test_read_draft_bytes_formats() -> None:
    assert read_draft_bytes("d.txt", "Dự thảo".encode()) == "Dự thảo"
    with pytest.raises(ReviewError) as err:  # a PDF is read now: a truncated one is corrupt
        read_draft_bytes("d.pdf", b"%PDF")
    assert err.value.status == 422 and "corrupt" in str(err.value)
    with pytest.raises(ReviewError) as err:
        read_draft_bytes("d.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    assert err.value.status == 415
    with pytest.raises(ReviewError) as err:
        read_draft_bytes("d.txt", b"\xff\xfe\xfa")
    assert err.value.status == 422


@pytest.mark.skipif(docx_available(), reason="python-docx is installed")
def test_docx_without_python_docx_is_a_clear_415() -> None:
    with pytest.raises(ReviewError) as err:
        read_draft_bytes("d.docx", b"PK\x03\x04")
    assert err.value.status == 415 and "python-docx" in str(err.value)


def test_docx_paragraphs_and_tables_when_python_docx_is_installed() -> None:
    docx = pytest.importorskip("docx")
    import io

    doc = docx.Document()
    doc.add_paragraph("I. CHỈ TIÊU")
    doc.add_paragraph("1. Tỷ lệ nộp hồ sơ trực tuyến toàn trình đạt 90%.")
    doc.add_paragraph("PHỤ LỤC")
    table = doc.add_table(rows=3, cols=5)
    rows = [
        ["Stt", "Tên sản phẩm", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"],
        ["I", "Công tác chỉ đạo", "", "", ""],
        ["1", "Ban hành Kế hoạch CCHC năm 2026", "Sở Nội vụ", "Các sở, ban, ngành", "Quý I/2026"],
    ]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.rows[i].cells[j].text = value
    buf = io.BytesIO()
    doc.save(buf)
    tree = parse_draft(read_draft_bytes("du-thao.docx", buf.getvalue()))
    assert [(t.stt, t.lead, t.deadline) for t in tree.tasks] == [("1", ["Sở Nội vụ"], "Quý I/2026")]


# --------------------------------------------------------------------------- internal checks


def test_duplicate_numbering_reports_the_topmost_repeat_only() -> None:
    tree = parse_draft(
        "I. NHIỆM VỤ\n7. Nâng cao chỉ số PCI\na) Rà soát danh mục dự án\n"
        "7. Công tác chỉ đạo, điều hành\na) Xây dựng kế hoạch tuyên truyền\n8. Kinh phí\n"
    )
    found = duplicate_numbering(tree, "Dự thảo")
    assert len(found) == 1
    f = found[0]
    assert f.kind == "duplicate_numbering" and f.severity == "duplicate"
    assert f.draft.location == "I.7 (#2)" and f.citations[0].location == "I.7"
    assert "«7.»" in f.explanation and "mục con" in f.explanation


def test_issue_date_in_header_vs_appendix() -> None:
    tree = parse_draft(
        "Số: 12/KH-UBND\nPhú Yên, ngày 15 tháng 12 năm 2023\nKẾ HOẠCH\n"
        "I. MỤC ĐÍCH\n1. Mục đích\nNội dung.\nII. NHIỆM VỤ\n1. Đề án ban hành kèm theo "
        "Quyết định số 1502/QĐ-UBND ngày 18/9/2023 của UBND tỉnh.\n"
        "PHỤ LỤC\nCác nhiệm vụ\n"
        "Ban hành kèm theo Kế hoạch số: 12/KH-UBND ngày 25/12/2023 của UBND tỉnh\n"
    )
    found = reference_dates(tree, "Dự thảo")
    assert len(found) == 1  # the reference to Quyết định 1502 is another document
    f = found[0]
    assert f.kind == "internal_contradiction"
    assert [(d.field, d.draft, d.corpus) for d in f.fields] == [
        ("issued", "25/12/2023", "15/12/2023")
    ]
    assert f.draft.location == "Phụ lục" and f.citations[0].location == "Mở đầu"


# --------------------------------------------------------------------------- report


def _finding(kind: Any, order: int) -> Finding:
    cite = Citation(n=0, doc_id="du-thao", title="Dự thảo", location="a", kind="task", text="x")
    return Finding(
        kind=kind,
        explanation="…",
        draft=cite,
        citations=[cite],
        fields=[FieldDiff("lead", "Sở Nội vụ", "Sở Tư pháp")],
        similarity=0.9,
        order=order,
    )


def test_report_is_json_serialisable_and_ordered_by_severity() -> None:
    findings = [_finding("overlap", 0), _finding("duplicate", 1), _finding("contradiction", 2)]
    findings.sort(key=lambda f: f.sort_key())
    report = ReviewReport("review", "du-thao", "Dự thảo", "Phú Yên", 2025, findings=findings)
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert [f["severity"] for f in data["findings"]] == ["contradiction", "duplicate", "note"]
    assert data["severity_counts"] == {"contradiction": 1, "duplicate": 1, "note": 1}
    first = data["findings"][0]
    assert (
        first["citations"][0]["location"] == "a"
        and first["fields"][0]["label"] == "Cơ quan chủ trì"
    )
    text = render_text(report)
    assert "≠ Cơ quan chủ trì: «Sở Nội vụ» ≠ «Sở Tư pháp»" in text


# --------------------------------------------------------------------------- CLI (no model)


def _app() -> typer.Typer:
    from troly.review.cli import register

    app = typer.Typer(add_completion=False)

    @app.callback()
    def _root() -> None:
        """troly (test)"""

    register(app)
    return app


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["review", "/no/such/draft.txt"], "file not found"),
        (["review", str(DATA / "retrieval_questions.jsonl")], "Unsupported format"),
        (["audit", "no-such-plan"], "unknown document"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message(args: list[str], needle: str) -> None:
    res = CliRunner().invoke(_app(), args)
    assert res.exit_code == 2, res.output
    assert needle in res.stderr and "Traceback" not in res.output


def test_cli_empty_draft_and_unknown_against(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    res = CliRunner().invoke(_app(), ["review", str(empty), "--no-index"])
    assert res.exit_code == 2 and "empty" in res.stderr
    draft = tmp_path / "d.txt"
    draft.write_text("a) Nhiệm vụ mới\n- Cơ quan chủ trì: Sở Nội vụ", encoding="utf-8")
    res = CliRunner().invoke(_app(), ["review", str(draft), "--no-index", "--against", "x-1"])
    assert res.exit_code == 2 and "unknown document" in res.stderr


def test_cli_audit_all_plans_as_json() -> None:
    res = CliRunner().invoke(_app(), ["audit", "--json"])
    assert res.exit_code == 0, res.output
    reports = {r["doc_id"]: r for r in json.loads(res.stdout)["reports"]}
    assert len(reports) == 5
    assert reports["binh-phuoc-2024"]["counts"].get("duplicate_numbering") == 1
    assert reports["phu-tho-2021"]["findings"] == []
