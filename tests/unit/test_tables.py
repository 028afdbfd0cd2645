"""The three appendix-table layouts on small inline fixtures."""

from __future__ import annotations

import pytest

from troly.documents.tables import (
    detect_table_layout,
    parse_flat_table,
    parse_pipe_table,
    parse_tab_table,
    split_numbered,
)

pytestmark = pytest.mark.unit

HEADER = "Stt\tTên sản phẩm\tCơ quan chủ trì tham mưu/thực hiện\tCơ quan phối hợp\tThời gian"

TAB = [
    "PHỤ LỤC",
    "",
    "Các nhiệm vụ năm 2024",
    HEADER,
    "I\tCông tác chỉ đạo, điều hành CCHC\t\t\t",
    "1\tBan hành kế hoạch\tVăn phòng UBND tỉnh, Sở Nội vụ\tCác sở, ban, ngành liên quan\tNăm 2024",
    "2\tKiểm tra CCHC\tSở Nội vụ\tCác sở, ban, ngành; UBND cấp huyện, cấp xã\tNăm 2024",
    "",
    "Trang 3",
    HEADER.replace("/thực", "/ thực"),
    "II\tCải cách tài chính công\t\t\t",
    "1\tNghị quyết về phí\tSở Tài chính\tCác sở, ban, ngành\t",
]


def test_tab_table() -> None:
    res = parse_tab_table("py", TAB, 100)
    assert [r.stt for r in res.records] == ["1", "2", "1"]
    first, second, third = res.records
    assert first.id == "py/t001"
    assert first.layout == "tab_table"
    assert first.location == "Phụ lục › I. Công tác chỉ đạo, điều hành CCHC › STT 1"
    assert first.group == "I. Công tác chỉ đạo, điều hành CCHC"
    assert first.lead == ["Văn phòng UBND tỉnh", "Sở Nội vụ"]
    assert first.lead_text == "Văn phòng UBND tỉnh, Sở Nội vụ"
    assert first.partners == ["Các sở, ban, ngành liên quan"]
    assert first.line == 105
    assert first.source_text == TAB[5]
    assert second.partners == ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]
    # the repeated header is skipped, the empty deadline cell is ""
    assert third.location == "Phụ lục › II. Cải cách tài chính công › STT 1"
    assert third.deadline == ""
    assert third.id == "py/t003"
    assert res.preamble == [(100, "PHỤ LỤC"), (102, "Các nhiệm vụ năm 2024")]
    # page noise fits no rule: kept as leftover, never a record
    assert res.leftover == [(108, "Trang 3")]
    assert any("108" in w for w in res.warnings)


FLAT = [
    "PHỤ LỤC",
    "",
    "CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2024",
    "",
    "STT",
    "",
    "Nội dung, nhiệm vụ",
    "",
    "Cơ quan chủ trì",
    "",
    "Cơ quan phối hợp",
    "",
    "Thời gian hoàn thành",
    "",
    "Ghi chú",
    "",
    "V",
    "",
    "Cải cách tài chính công",
    "",
    "25.",
    "",
    "Cấp mã số đơn vị",
    "",
    "Sở Tài chính",
    "",
    "các đơn vị liên quan",
    "",
    "Trong năm 2024",
    "",
    "\xa0",
    "",
    "\xa0",
    "",
    "Giao quyền tự chủ",
    "",
    "Sở Tài chính",
    "",
    "Các cơ quan, đơn vị liên quan",
    "",
    "Trong năm 2024",
    "",
    "\xa0",
    "",
    "33",
    "",
    "Đào tạo chuyển đổi số",
    "",
    "Sở TT&TT",
    "",
    "\xa0",
    "",
    "Trong năm 2024",
    "",
    "Ghi chú riêng",
    "",
    "\xa0",
    "",
    "HIỆU LỰC VĂN BẢN",
    "",
    "  • Số hiệu: 2142/QĐ-UBND",
    "  • Người ký: Trần Tuệ Hiền",
]


def test_flat_table() -> None:
    res = parse_flat_table("bp", FLAT, 1)
    assert [r.stt for r in res.records] == ["25", "", "33"]
    numbered, blank, no_dot = res.records
    assert numbered.location == "Phụ lục › V. Cải cách tài chính công › STT 25"
    assert numbered.partners == ["Các đơn vị liên quan"]
    assert numbered.note == ""
    assert numbered.line == 21
    # the unnumbered row is a task of its own with its own lead and deadline
    assert blank.location == "Phụ lục › V. Cải cách tài chính công › dòng không số sau STT 25"
    assert blank.content == "Giao quyền tự chủ"
    assert blank.lead == ["Sở Tài chính"]
    assert blank.deadline == "Trong năm 2024"
    assert blank.line == 33
    assert "không có STT" in blank.note
    # "33" without a dot; an empty partner cell ("\xa0") is ""
    assert no_dot.location.endswith("› STT 33")
    assert no_dot.lead == ["Sở Thông tin và Truyền thông"]
    assert no_dot.partners == [] and no_dot.partners_text == ""
    assert no_dot.note == "Ghi chú riêng"
    assert no_dot.source_text.startswith("33\n\nĐào tạo")
    assert res.preamble == [(1, "PHỤ LỤC"), (3, "CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2024")]
    assert [t for _, t in res.trailer] == [
        "HIỆU LỰC VĂN BẢN",
        "• Số hiệu: 2142/QĐ-UBND",
        "• Người ký: Trần Tuệ Hiền",
    ]
    assert res.leftover == []


def test_flat_table_stray_cell_goes_to_leftover() -> None:
    lines = [*FLAT[:16], "Dòng lạc", "", *FLAT[16:]]
    res = parse_flat_table("bp", lines, 1)
    assert res.leftover == [(17, "Dòng lạc")]
    assert len(res.records) == 3


def _pipe(rows: list[str]) -> list[str]:
    return ["PHỤ LỤC", "KHUNG NHIỆM VỤ", *rows]


PIPE = _pipe(
    [
        "|",
        "TT |",
        "1- Mục tiêu |",
        "2- Nhiệm vụ |",
        "3- Hoạt động |",
        "4- Kết quả, sản phẩm |",
        "5- Chủ trì |",
        "6- Phối hợp |",
        "7- Thời gian hoàn thành |",
        "8- Kinh phí |",
        "|",
        "I |",
        "CÔNG TÁC TRIỂN KHAI CÁC NHIỆM VỤ CCHC |",
        "|||||||",
        "|",
        "1 |",
        "1.1. Nâng cao chất lượng chỉ đạo |",
        "2.1. Ban hành Kế hoạch CCHC |",
        "3.1. Xây dựng dự thảo 3.2. Trình ban hành |",
        "Văn bản |",
        "Sở Nội vụ |",
        "Các Sở, ban ngành cấp tỉnh |",
        "Tháng 12/2024 |",
        "|",
        "|",
        # merged cells: starts at the task column, lead/partners empty (merged above)
        "2.3.Kiểm tra phần mềm |",
        "3.3 Nâng cấp phần mềm |",
        "báo cáo |",
        "|",
        "|",
        "Năm 2025 |",
        "Theo dự toán được cấp |",
        "||",
        "|",
        # another activity of task 2.3: starts at the activity column
        "3.4. Vận hành |",
        "Phần mềm |",
        "|",
        "|",
        "Thường xuyên |",
        "|",
        "|||",
        "|",
        "2 |",
        "1.2. Cải thiện chỉ số |",
        "2.11 Nghiên cứu sáng kiến |",
        "3.5: Viết sáng kiến |",
        "Các sáng kiến |",
        "Sở TT&TT |",
        "Cơ quan, đơn vị liên quan |",
        "Thường xuyên |",
        "25 |",
        "|",
        "|",
        "|",
        "|",
        "|",
        "||||||",
        "|",
        "2 |",
        "Áp dụng ISO 9001:2015 |",
        "|||||||",
        "|",
        "2.1 |",
        "1.1. 100% cơ quan duy trì ISO |",
        "2.4 Quản lý biên chế 2.5 Tăng cường kiểm tra |",
        "|",
        "Văn bản đôn đốc |",
        "Sở Nội vụ |",
        "Địa phương, sở, ban ngành có liên quan |",
        "Năm 2025 |",
        "|",
        # continuation row without any number (belongs to the second task 2.5)
        "|",
        "|",
        "|",
        "Văn bản đôn đốc |",
        "Sở Nội vụ |",
        "Địa phương, sở, ban ngành có liên quan |",
        "Quý II |",
        "|",
        "||",
        "Đăng xuất",
        "Việc làm Hồ Chí Minh",
    ]
)


def test_pipe_table_tasks_and_activities() -> None:
    res = parse_pipe_table("ht", PIPE, 1)
    assert [r.stt for r in res.records] == ["2.1", "2.3", "2.11", "2.4", "2.5"]
    t21 = res.records[0]
    group = "I. CÔNG TÁC TRIỂN KHAI CÁC NHIỆM VỤ CCHC"
    assert t21.group == group
    assert t21.location == f"Phụ lục › {group} › Nhiệm vụ 2.1"
    assert t21.content == "Ban hành Kế hoạch CCHC"
    assert t21.target == "1.1. Nâng cao chất lượng chỉ đạo"
    assert [(a.number, a.text) for a in t21.activities] == [
        ("3.1", "Xây dựng dự thảo"),
        ("3.2", "Trình ban hành"),
    ]
    assert t21.lead == ["Sở Nội vụ"] and t21.partners == ["Các sở, ban, ngành"]
    assert t21.budget == ""
    assert t21.line == 18 and t21.layout == "pipe_table"


def test_pipe_table_merged_cells_are_inherited() -> None:
    res = parse_pipe_table("ht", PIPE, 1)
    t23 = res.records[1]
    assert t23.content == "Kiểm tra phần mềm"  # "2.3.Kiểm" without a space
    assert t23.target == "1.1. Nâng cao chất lượng chỉ đạo"
    assert t23.lead == ["Sở Nội vụ"]
    assert t23.lead_text == "Sở Nội vụ"
    assert t23.partners == ["Các sở, ban, ngành"]
    assert "Cơ quan chủ trì: lấy từ ô gộp phía trên" in t23.note
    assert "Cơ quan phối hợp: lấy từ ô gộp phía trên" in t23.note
    assert [a.number for a in t23.activities] == ["3.3", "3.4"]
    assert t23.activities[1].lead == "Sở Nội vụ"
    assert t23.activities[1].product == "Phần mềm"
    assert t23.activities[1].deadline == "Thường xuyên"
    assert t23.product == "báo cáo; Phần mềm"
    assert t23.deadline == "Năm 2025; Thường xuyên"
    assert t23.budget == "Theo dự toán được cấp"
    assert "2.3.Kiểm tra phần mềm |" in t23.source_text
    assert "3.4. Vận hành |" in t23.source_text


def test_pipe_table_irregular_numbers_and_subgroups() -> None:
    res = parse_pipe_table("ht", PIPE, 1)
    t211, t24, t25 = res.records[2:]
    assert t211.content == "Nghiên cứu sáng kiến"  # "2.11 Nghiên" without a dot
    assert t211.activities[0].number == "3.5" and t211.activities[0].text == "Viết sáng kiến"
    assert t211.lead == ["Sở Thông tin và Truyền thông"]
    assert t211.budget == "25"
    sub = "Phụ lục › I. CÔNG TÁC TRIỂN KHAI CÁC NHIỆM VỤ CCHC › 2. Áp dụng ISO 9001:2015"
    assert t24.location == f"{sub} › Nhiệm vụ 2.4"
    # one task cell holding 2.4 and 2.5: split, rows paired in order
    assert t24.content == "Quản lý biên chế"
    assert t25.content == "Tăng cường kiểm tra"
    assert t24.deadline == "Năm 2025" and t25.deadline == "Quý II"
    assert t25.lead == ["Sở Nội vụ"]
    assert "ghi chung" in t24.note
    assert any("aligning" in w for w in res.warnings)
    assert [t for _, t in res.trailer] == ["Đăng xuất", "Việc làm Hồ Chí Minh"]
    assert res.preamble == [(1, "PHỤ LỤC"), (2, "KHUNG NHIỆM VỤ")]
    assert res.leftover == []


def test_pipe_table_misaligned_row_falls_back_with_warning() -> None:
    broken = list(PIPE)
    i = broken.index("Tháng 12/2024 |")
    broken.insert(i, "Thêm một ô |")  # 10 cells in that row
    res = parse_pipe_table("ht", broken, 1)
    assert any("resumed" in w for w in res.warnings)
    assert res.records  # parsing went on after the broken row
    kept = " ".join(t for _, t in res.leftover)
    assert "Thêm một ô" in kept or any("Thêm một ô" in r.source_text for r in res.records)


def test_line_outside_the_pipe_table_is_leftover() -> None:
    lines = [*PIPE[:-2], "Ghi chú cuối bảng", *PIPE[-2:]]
    res = parse_pipe_table("ht", lines, 1)
    assert "Ghi chú cuối bảng" in [t for _, t in res.leftover]


def test_split_numbered() -> None:
    assert split_numbered("3.1. A 3.2. B", 3) == [("3.1", "A"), ("3.2", "B")]
    assert split_numbered("2.3.Kiểm tra", 2) == [("2.3", "Kiểm tra")]
    assert split_numbered("3.1: Triển khai", 3) == [("3.1", "Triển khai")]
    # a number that does not continue the sequence is text, not a new item
    assert split_numbered("3.1. Xem mục 3.5 và 3.2. B", 3) == [
        ("3.1", "Xem mục 3.5 và"),
        ("3.2", "B"),
    ]
    assert split_numbered("Không số", 2) == [("", "Không số")]
    assert split_numbered("", 3) == []


def test_detect_table_layout() -> None:
    assert detect_table_layout(TAB) == "tab_table"
    assert detect_table_layout(FLAT) == "flat_table"
    assert detect_table_layout(PIPE) == "pipe_table"
    assert detect_table_layout(["PHỤ LỤC", "Một đoạn văn.", "Hết."]) is None
