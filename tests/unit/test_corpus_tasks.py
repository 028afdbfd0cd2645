"""Task records from the real appendix tables and field lists in ingest/corpus.

Counts and the exact fields of chosen rows are pinned; a coverage check makes sure no
line of an appendix is silently dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from troly.documents.fields import records_from_field_sections
from troly.documents.tables import (
    TableParse,
    detect_table_layout,
    parse_flat_table,
    parse_pipe_table,
    parse_tab_table,
)
from troly.schema import Section, TaskRecord

pytestmark = pytest.mark.unit

CORPUS = Path(__file__).resolve().parents[2] / "ingest" / "corpus"
PARSERS = {
    "tab_table": parse_tab_table,
    "flat_table": parse_flat_table,
    "pipe_table": parse_pipe_table,
}


def _appendix(doc_id: str) -> tuple[list[str], int]:
    raw = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(raw) if line.strip().upper() == "PHỤ LỤC")
    return raw[start:], start + 1


_CACHE: dict[str, TableParse] = {}


def _table(doc_id: str) -> TableParse:
    if doc_id not in _CACHE:
        lines, first = _appendix(doc_id)
        layout = detect_table_layout(lines)
        assert layout is not None
        _CACHE[doc_id] = PARSERS[layout](doc_id, lines, first)
    return _CACHE[doc_id]


def _by_location(records: list[TaskRecord], location: str) -> TaskRecord:
    found = [r for r in records if r.location == location]
    assert len(found) == 1, [r.location for r in records]
    return found[0]


def qn_sections(path: Path) -> list[Section]:
    """A minimal stand-in for the structure parser: I. / 1. / a) headings of Quảng Ngãi."""
    out: list[Section] = []
    roman = arabic = ""
    current: Section | None = None
    for n, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        s = raw.strip()
        if m := re.match(r"^([IVX]+)\.\s+(.*)$", s):
            roman, arabic = m.group(1), ""
            current = Section(path=roman, title=m.group(2), level=1, line=n)
        elif (m := re.match(r"^(\d+)\.\s+(.*)$", s)) and roman:
            arabic = f"{roman}.{m.group(1)}"
            current = Section(path=arabic, title=m.group(2), level=2, line=n)
        elif (m := re.match(r"^([a-zđ])\)\s+(.*)$", s)) and arabic:
            current = Section(path=f"{arabic}.{m.group(1)}", title=m.group(2), level=3, line=n)
        else:
            if current is not None and s:
                current.text = f"{current.text}\n{s}" if current.text else s
            continue
        out.append(current)
    return out


@pytest.fixture(scope="module")
def qn() -> list[TaskRecord]:
    return records_from_field_sections(
        "quang-ngai-2024", qn_sections(CORPUS / "quang-ngai-2024.txt")
    )


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("doc_id", "layout", "count"),
    [
        ("phu-yen-2024", "tab_table", 56),
        ("binh-phuoc-2024", "flat_table", 48),
        ("ha-tinh-2025", "pipe_table", 71),
    ],
)
def test_table_counts(doc_id: str, layout: str, count: int) -> None:
    lines, _ = _appendix(doc_id)
    assert detect_table_layout(lines) == layout
    res = _table(doc_id)
    assert len(res.records) == count
    assert [r.id for r in res.records] == [f"{doc_id}/t{i:03d}" for i in range(1, count + 1)]
    assert all(r.layout == layout and r.doc_id == doc_id for r in res.records)
    assert len({r.location for r in res.records}) == count


def test_phu_yen_groups() -> None:
    res = _table("phu-yen-2024")
    groups = [r.group for r in res.records]
    assert len(dict.fromkeys(groups)) == 8
    assert groups.count("III. Cải cách thủ tục hành chính") == 11
    assert res.leftover == [] and res.warnings == []


def test_ha_tinh_tasks_per_group() -> None:
    res = _table("ha-tinh-2025")
    per_group: dict[str, int] = {}
    for r in res.records:
        per_group[r.group.split(".")[0]] = per_group.get(r.group.split(".")[0], 0) + 1
    # I: 2.1-2.16, II: 2.1-2.4, III: 2.1-2.11, IV: 2.1-2.6, V: 2.1-2.5, VI: 2.1-2.11,
    # VII: 2.1-2.9 in each of its two sub-groups
    assert per_group == {"I": 16, "II": 4, "III": 11, "IV": 6, "V": 5, "VI": 11, "VII": 18}
    assert res.leftover == []
    assert [t for _, t in res.trailer] == ["Đăng xuất", "Việc làm Hồ Chí Minh"]


def test_quang_ngai_count(qn: list[TaskRecord]) -> None:
    # 55 lettered items of section II carry field lists; II.2.k holds two sub-tasks
    assert len(qn) == 56
    assert len({r.section_path for r in qn}) == 55 - 4  # the four II.7.a-d paths repeat
    assert all(r.layout == "field_list" for r in qn)
    assert [r.stt for r in qn if r.section_path == "II.2.k"] == ["k-1", "k-2"]


# --------------------------------------------------------------------------- Phú Yên


def test_phu_yen_first_and_last() -> None:
    recs = _table("phu-yen-2024").records
    first, last = recs[0], recs[-1]
    assert first.stt == "1"
    assert first.location == "Phụ lục › I. Công tác chỉ đạo, điều hành CCHC › STT 1"
    assert first.content.startswith("Ban hành các văn bản chỉ đạo, điều hành, triển khai")
    assert first.lead == ["Văn phòng UBND tỉnh", "Sở Nội vụ", "Sở Thông tin và Truyền thông"]
    assert first.partners == ["Các sở, ban, ngành liên quan"]
    assert first.deadline == "Năm 2024"
    assert first.budget == ""
    assert first.line == 220
    assert last.stt == "5"
    assert last.location == "Phụ lục › VIII. Công tác tuyên truyền CCHC › STT 5"
    assert last.content.startswith("Tuyên truyền trực quan, hướng dẫn, khuyến khích")
    assert last.lead == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert last.partners == ["Sở Thông tin và Truyền thông", "Văn phòng UBND tỉnh"]
    assert last.deadline == "Năm 2024"
    assert last.budget == ""


def test_phu_yen_vi_4() -> None:
    # The brief expected an empty deadline here; the file has one (all 56 rows are full).
    r = _by_location(
        _table("phu-yen-2024").records, "Phụ lục › VI. Cải cách tài chính công › STT 4"
    )
    assert r.stt == "4"
    assert r.content.startswith("Nghị quyết sửa đổi Nghị quyết số 16/2017/NQ-HĐND")
    assert r.lead == ["Sở Tài chính"]
    assert r.partners == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert r.deadline == "Kỳ họp HĐND tỉnh thường kỳ giữa năm 2024"
    assert r.budget == ""


# --------------------------------------------------------------------------- Bình Phước


def test_binh_phuoc_first_and_last() -> None:
    recs = _table("binh-phuoc-2024").records
    first, last = recs[0], recs[-1]
    assert first.stt == "1"
    assert first.location == "Phụ lục › I. Cải cách thể chế › STT 1"
    assert first.content.startswith("Tiếp tục triển khai có hiệu quả Luật Ban hành văn bản QPPL")
    assert first.lead == ["Sở Tư pháp"]
    assert first.partners == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert first.partners_text == "Các sở, ban, ngành tỉnh; UBND cấp huyện"
    assert first.deadline == "Trong năm 2024"
    assert first.budget == "" and first.note == ""
    assert last.stt == "47"
    assert last.location == (
        "Phụ lục › VII. Công tác chỉ đạo điều hành và tuyên truyền cải cách hành chính › STT 47"
    )
    assert last.content.startswith("Tiếp tục đăng tải các tin, bài về hoạt động cải cách")
    assert last.lead == ["Sở Nội vụ"]
    assert last.partners == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert last.deadline == "Định kỳ hàng quý"
    assert last.line == 964


def test_binh_phuoc_unnumbered_and_undotted_rows() -> None:
    res = _table("binh-phuoc-2024")
    r = _by_location(res.records, "Phụ lục › V. Cải cách tài chính công › dòng không số sau STT 25")
    assert r.stt == ""
    assert r.content.startswith("Tiếp tục thực hiện giao quyền tự chủ cho các đơn vị")
    assert r.lead == ["Sở Tài chính"]
    assert r.partners == ["Các cơ quan, đơn vị có liên quan"]
    assert r.deadline == "Trong năm 2024"
    assert r.line == 692
    r33 = _by_location(
        res.records, "Phụ lục › VI. Xây dựng và phát triển Chính phủ điện tử › STT 33"
    )
    assert r33.content.startswith("Đào tạo, bồi dưỡng kiến thức, kỹ năng chuyển đổi số")
    assert [r.stt for r in res.records if r.stt] == [str(i) for i in range(1, 48)]
    assert res.trailer[0] == (978, "HIỆU LỰC VĂN BẢN")
    assert (986, "• Người ký: Trần Tuệ Hiền") in res.trailer


# --------------------------------------------------------------------------- Hà Tĩnh


def test_ha_tinh_first_and_last() -> None:
    recs = _table("ha-tinh-2025").records
    first, last = recs[0], recs[-1]
    assert first.stt == "2.1"
    assert first.location == "Phụ lục › I. CÔNG TÁC TRIỂN KHAI CÁC NHIỆM VỤ CCHC › Nhiệm vụ 2.1"
    assert first.group == "I. CÔNG TÁC TRIỂN KHAI CÁC NHIỆM VỤ CCHC"
    assert first.content == "Ban hành Kế hoạch CCHC năm 2025 của tỉnh"
    assert first.target.startswith("1.1. Nâng cao chất lượng công tác chỉ đạo điều hành")
    assert first.lead == ["Sở Nội vụ"]
    assert first.partners == ["Các cơ quan chủ trì CCHC của tỉnh", "Các cơ quan liên quan khác"]
    assert first.product == "Văn bản và các dự thảo kèm theo"
    assert first.deadline == "Tháng 12/2024"
    assert first.budget == ""
    assert [(a.number, a.text[:28]) for a in first.activities] == [
        ("3.1", "Xây dựng dự thảo văn bản đề "),
        ("3.2", "Tổng hợp và xin ý kiến, hoàn"),
    ]
    assert first.line == 245
    assert last.stt == "2.9"
    assert last.location == (
        "Phụ lục › VII. XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH PHỦ ĐIỆN TỬ, CHÍNH PHỦ SỐ › "
        "2. Áp dụng ISO 9001:2015 trong hoạt động của các cơ quan, đơn vị › Nhiệm vụ 2.9"
    )
    assert last.content.startswith("Tổ chức Hội nghị sơ kết đánh giá kết quả thực hiện")
    assert last.lead == ["Sở Khoa học và Công nghệ"]
    assert last.partners == ["Các cơ quan, đơn vị áp dụng ISO"]
    assert last.deadline == "Quý IV năm 2025"
    assert last.budget == "Theo dự toán được cấp"
    assert [a.number for a in last.activities] == ["3.9"]


def test_ha_tinh_merged_lead_cell_group_i_task_2_3() -> None:
    r = _by_location(
        _table("ha-tinh-2025").records,
        "Phụ lục › I. CÔNG TÁC TRIỂN KHAI CÁC NHIỆM VỤ CCHC › Nhiệm vụ 2.3",
    )
    assert r.stt == "2.3"
    assert r.content.startswith("Duy trì và nâng cấp một số chức năng của hệ thống phần mềm")
    assert r.lead == ["Sở Nội vụ"]
    assert r.partners == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert r.note == (
        "Cơ quan chủ trì: lấy từ ô gộp phía trên\nCơ quan phối hợp: lấy từ ô gộp phía trên"
    )
    assert r.product == "báo cáo, đề xuất, văn bản liên quan"
    assert r.deadline == "Năm 2025"
    assert r.budget == "Theo dự toán được cấp"
    assert [a.number for a in r.activities] == ["3.4"]
    assert r.activities[0].lead == "Sở Nội vụ"
    assert r.line == 264


def test_ha_tinh_irregular_numbers_and_multi_rows() -> None:
    recs = _table("ha-tinh-2025").records
    g1 = "Phụ lục › I. CÔNG TÁC TRIỂN KHAI CÁC NHIỆM VỤ CCHC › Nhiệm vụ "
    t24 = _by_location(recs, g1 + "2.4")  # two rows: 3.5 and 3.6 (lead merged)
    assert [a.number for a in t24.activities] == ["3.5", "3.6"]
    assert t24.activities[1].lead == "Sở Thông tin và Truyền thông"
    assert t24.deadline == "Tháng 01/2025; Thường xuyên"
    t211 = _by_location(recs, g1 + "2.11")  # "2.11 Nghiên" without a dot
    assert t211.content == "Nghiên cứu, đề xuất sáng kiến mới (giải pháp mới) về CCHC"
    t212 = _by_location(recs, g1 + "2.12")  # five activities on one line
    assert [a.number for a in t212.activities] == ["3.18", "3.19", "3.20", "3.21", "3.22"]
    t23 = _by_location(recs, "Phụ lục › II. CẢI CÁCH THỂ CHẾ › Nhiệm vụ 2.3")  # "2.3.Kiểm"
    assert t23.content.startswith("Kiểm tra công tác TDTHPL")
    assert t23.budget == "25"
    t21 = _by_location(recs, "Phụ lục › II. CẢI CÁCH THỂ CHẾ › Nhiệm vụ 2.1")
    assert [a.budget for a in t21.activities] == ["0", "380", "0"]
    assert t21.budget == "0; 380"
    # one cell "2.4 … 2.5 …" in VI with a continuation row: split and paired in order
    vi = "Phụ lục › VI. CẢI CÁCH TÀI CHÍNH CÔNG › Nhiệm vụ "
    t24, t25 = _by_location(recs, vi + "2.4"), _by_location(recs, vi + "2.5")
    assert [a.number for a in t24.activities] == ["3.4"]
    assert [a.number for a in t25.activities] == ["3.5"]
    assert t25.partners_text == "Các sở, ngành, đơn vị, UBND UBND các huyện, thị xã, thành phố"
    assert t25.partners == ["Các sở, ngành, đơn vị", "UBND cấp huyện"]
    # V.3: a new TT row whose target cell is merged with the row above
    v23 = _by_location(recs, "Phụ lục › V. CẢI CÁCH CHẾ ĐỘ CÔNG VỤ › Nhiệm vụ 2.3")
    assert v23.target.startswith("1.2. 100% cán bộ, công chức cấp xã")
    assert "Mục tiêu: lấy từ ô gộp phía trên" in v23.note


# --------------------------------------------------------------------------- Quảng Ngãi


def test_quang_ngai_first_and_last(qn: list[TaskRecord]) -> None:
    first, last = qn[0], qn[-1]
    assert first.id == "quang-ngai-2024/t001"
    assert first.stt == "a" and first.location == "II.1.a" and first.section_path == "II.1.a"
    assert first.group == "II.1. Cải cách thể chế"
    assert first.content.startswith("Tiếp tục nâng cao chất lượng công tác soạn thảo")
    assert first.lead == ["Sở Tư pháp", "Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]
    assert first.lead_text == "Sở Tư pháp và các sở, ban ngành, UBND cấp huyện; UBND cấp xã."
    assert first.partners == ["Các cơ quan, đơn vị có liên quan"]
    assert first.deadline == "Thường xuyên trong năm 2024."
    assert first.budget == ""
    assert first.line == 48
    assert last.stt == "g" and last.location == "II.7.g"
    assert last.group == "II.7. Công tác chỉ đạo, điều hành cải cách hành chính"
    assert last.content.startswith("Tham mưu tổ chức Đoàn đi nghiên cứu, học tập kinh nghiệm")
    assert last.lead == ["Sở Nội vụ"]
    assert last.partners == ["Các cơ quan, địa phương liên quan"]
    assert last.product == "Báo cáo kết quả nghiên cứu học tập kinh nghiệm."
    assert last.deadline == "Trong năm 2024."


def test_quang_ngai_multi_subtask_item(qn: list[TaskRecord]) -> None:
    k1, k2 = (r for r in qn if r.section_path == "II.2.k")
    title = "Xây dựng, tham mưu ban hành và tổ chức thực hiện văn bản triển khai cơ chế"
    assert k1.location == "II.2.k-1" and k1.stt == "k-1"
    assert k1.content.startswith(title)
    assert " — Quyết định sửa đổi Quyết định số 1179/QĐ-UBND" in k1.content
    assert k1.lead == ["Văn phòng UBND tỉnh"]
    assert k1.partners == ["Các sở, ban, ngành", "Các cơ quan, đơn vị có liên quan"]
    assert k1.product == "Quyết định của UBND tỉnh."
    assert k1.deadline == "Quý II năm 2024."
    assert k1.line == 139
    assert k2.location == "II.2.k-2"
    assert k2.content.endswith(
        " — Ban hành Quy định tiêu chí đánh giá công nhận Bộ phận Một cửa kiểu mẫu xã, "
        "phường, thị trấn."
    )
    assert k2.deadline == "Quý III năm 2024."
    assert k2.line == 144
    assert "+ Thời gian thực hiện: Quý III năm 2024." in k2.source_text
    assert "Quý II năm 2024" not in k2.source_text


def test_quang_ngai_bullet_values_and_labels(qn: list[TaskRecord]) -> None:
    d = next(r for r in qn if r.location == "II.2.d")
    assert d.lead_text.startswith("+ Văn phòng UBND tỉnh chủ trì, phối hợp")
    assert d.lead_text.count("\n") == 1
    assert d.lead == ["Văn phòng UBND tỉnh", "Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]
    b = next(r for r in qn if r.location == "II.2.b")
    assert b.product.count("\n+ ") == 2
    o = next(r for r in qn if r.location == "II.2.o")
    assert o.partners == ["Văn phòng UBND tỉnh"]
    assert "Cơ quan phối hợp, theo dõi" in o.note
    # the two items numbered "7." keep their own group
    assert [r.group for r in qn if r.location == "II.7.a"] == [
        "II.7. Nâng cao Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)",
        "II.7. Công tác chỉ đạo, điều hành cải cách hành chính",
    ]
    # "Thời gian hoàn thành" is a deadline label too
    assert next(r for r in qn if r.location == "II.6.b").deadline == "Quý I năm 2024."


def test_fields_unknown_line_goes_to_note() -> None:
    secs = [
        Section(path="II", title="NHIỆM VỤ", line=1),
        Section(path="II.1", title="Cải cách thể chế", line=2),
        Section(
            path="II.1.a",
            title="Làm việc A",
            text="- Cơ quan thực hiện: Sở Nội vụ.\nGhi chú lạc\n- Thời gian: Quý I.",
            line=3,
        ),
        Section(path="II.1.b", title="Đoạn không có trường", text="Chỉ là văn bản.", line=7),
    ]
    (rec,) = records_from_field_sections("x", secs)
    assert rec.lead == ["Sở Nội vụ"] and rec.deadline == "Quý I."
    assert "Ghi chú lạc" in rec.note
    assert rec.group == "II.1. Cải cách thể chế" and rec.stt == "a"


# --------------------------------------------------------------------------- coverage

_HEADERS = {
    "phu-yen-2024": set(),
    "binh-phuoc-2024": {
        "STT",
        "Nội dung, nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời gian hoàn thành",
        "Ghi chú",
    },
    "ha-tinh-2025": {
        "TT",
        "1- Mục tiêu/Chỉ tiêu/nội dung",
        "2- Nhiệm vụ",
        "3- Hoạt động",
        "4- Kết quả, sản phẩm",
        "5- Chủ trì",
        "6- Phối hợp",
        "7- Thời gian hoàn thành",
        "8- Kinh phí",
    },
}


@pytest.mark.parametrize("doc_id", ["phu-yen-2024", "binh-phuoc-2024", "ha-tinh-2025"])
def test_no_appendix_line_is_dropped(doc_id: str) -> None:
    lines, first = _appendix(doc_id)
    res = _table(doc_id)
    known = "\n".join(
        [r.source_text for r in res.records]
        + [r.group for r in res.records]
        + [r.location for r in res.records]
        + [t for _, t in res.preamble + res.leftover + res.trailer]
    )
    for k, line in enumerate(lines):
        if line.strip().lower().startswith("stt\t"):
            continue  # the repeated header row of the tab table
        for cell in line.split("\t"):
            text = cell.strip().rstrip("|").strip()
            if text and text not in _HEADERS[doc_id]:
                assert text in known, f"line {first + k} lost: {text[:60]!r}"
