"""Heading structure, noise/metadata and chunk splitting on small inline fixtures."""

from __future__ import annotations

import pytest

from troly.chunking.sections import _pieces
from troly.documents.metadata import clean_lines, header_fields
from troly.documents.plaintext import drop_repeated_blocks
from troly.documents.structure import build_sections
from troly.schema import Section

pytestmark = pytest.mark.unit


def _lines(text: str) -> list[tuple[int, str]]:
    return [(i, line) for i, line in enumerate(text.strip("\n").split("\n"), start=1)]


def _flat(sections: list[Section]) -> dict[str, Section]:
    return {s.key: s for root in sections for s in root.walk()}


def test_roman_arabic_letter_dash() -> None:
    res = build_sections(
        _lines(
            """
Căn cứ Nghị quyết số 76/NQ-CP;
I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
- Nâng cao chất lượng.
2. Yêu cầu
a) Đồng bộ, có trọng tâm.
b) Gắn trách nhiệm người đứng đầu.
- Chi tiết của b.
II. NHIỆM VỤ
Mở đầu của mục II.
"""
        )
    )
    flat = _flat(res.sections)
    assert list(flat) == ["Mở đầu", "I", "I.1", "I.2", "I.2.a", "I.2.b", "II"]
    assert flat["I.1"].text == "- Nâng cao chất lượng."
    assert flat["I.2.b"].title == "Gắn trách nhiệm người đứng đầu."
    assert flat["I.2.b"].text == "- Chi tiết của b."
    assert flat["I.2.b"].heading == "b) Gắn trách nhiệm người đứng đầu."
    assert flat["II"].text == "Mở đầu của mục II."
    assert flat["Mở đầu"].text == "Căn cứ Nghị quyết số 76/NQ-CP;"


def test_nested_arabic_list_and_return() -> None:
    # Bình Phước: "1. Cải cách thể chế" then items "1." "2." then "2. Cải cách TTHC"
    res = build_sections(
        _lines(
            """
III. NHIỆM VỤ
1. Cải cách thể chế
1. Đổi mới tư duy trong công tác xây dựng thể chế.
2. Nâng cao chất lượng công tác tham mưu.
2. Cải cách thủ tục hành chính
a) Tiếp tục thực hiện Nghị định.
"""
        )
    )
    flat = _flat(res.sections)
    assert "III.1.1" in flat and "III.1.2" in flat
    assert flat["III.2"].title == "Cải cách thủ tục hành chính"
    assert "III.2.a" in flat


def test_duplicate_numbers_kept_with_unique_keys() -> None:
    res = build_sections(
        _lines(
            """
II. CHỈ TIÊU
7. Bảy mươi phần trăm.
8. Tám mươi phần trăm.
8. Một mục khác cũng số tám.
9. Chín.
"""
        )
    )
    flat = _flat(res.sections)
    assert flat["II.8"].title == "Tám mươi phần trăm."
    assert flat["II.8#2"].path == "II.8"
    assert flat["II.8#2"].title == "Một mục khác cũng số tám."
    assert any("II.8" in w for w in res.warnings)


def test_decimal_headings_and_page_break_continuation() -> None:
    res = build_sections(
        _lines(
            """
II. CÁC CHỈ TIÊU
3. Cải cách thủ tục hành chính
3.4. Mức độ hài lòng đạt từ 95% trở lên.
3.5 Tỷ lệ hồ sơ trực tuyến đạt
tối thiểu 50%.
"""
        )
    )
    flat = _flat(res.sections)
    assert flat["II.3.4"].title == "Mức độ hài lòng đạt từ 95% trở lên."
    # a lower-case line after an unfinished sentence is the same paragraph
    assert flat["II.3.5"].title == "Tỷ lệ hồ sơ trực tuyến đạt tối thiểu 50%."


def test_footnotes_and_recipients_are_kept_apart() -> None:
    res = build_sections(
        _lines(
            """
I. NHIỆM VỤ
a) Thực hiện Kế hoạch của Tỉnh ủy².
² Kế hoạch hành động số 45-KH/TU.
b) Tiếp tục.
Nơi nhận:
- Bộ Nội vụ;
"""
        )
    )
    flat = _flat(res.sections)
    assert flat["Chú thích"].text == "² Kế hoạch hành động số 45-KH/TU."
    assert flat["Nơi nhận"].text == "- Bộ Nội vụ;"
    assert flat["I.b"].title == "Tiếp tục."


def test_web_noise_becomes_metadata() -> None:
    raw = [
        "Quyết định 3098/QĐ-UBND năm 2024 về Kế hoạch cải cách hành chính",
        "| Số hiệu | 3098/QĐ-UBND |",
        "| Ngày ban hành | 31/12/2024 |",
        "| Người ký | Nguyễn Hồng Lĩnh |",
        "Hệ thống pháp luật",
        "I. MỤC ĐÍCH",
        "HIỆU LỰC VĂN BẢN",
        "  • Cơ quan ban hành: Tỉnh Hà Tĩnh",
        "Tải văn bản",
    ]
    c = clean_lines(raw)
    assert c.meta["number"] == "3098/QĐ-UBND"
    assert c.meta["issued"] == "31/12/2024"
    assert c.meta["signer"] == "Nguyễn Hồng Lĩnh"
    assert c.meta["issuer"] == "Tỉnh Hà Tĩnh"
    assert [t for _, t in c.lines if t] == ["I. MỤC ĐÍCH"]
    assert len(c.removed) == 8


def test_header_fields() -> None:
    lines = _lines(
        """
Số: 275 /KH-UBND
Phú Yên, ngày 15 tháng 12 năm 2023
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Lê Tấn Hồ
"""
    )
    f = header_fields(lines)
    assert f == {"number": "275/KH-UBND", "issued": "15/12/2023", "signer": "Lê Tấn Hồ"}


def test_repeated_block_dropped_once() -> None:
    block = [f"dòng {i}" for i in range(10)]
    lines = list(enumerate([*block, "giữa", *block, "cuối"], start=1))
    warnings: list[str] = []
    kept = [t for _, t in drop_repeated_blocks(lines, warnings)]
    assert kept == [*block, "giữa", "cuối"]
    assert len(warnings) == 1


def test_pieces_never_split_mid_sentence() -> None:
    para = " ".join(f"Câu số {i} nói về cải cách hành chính năm 2024." for i in range(40))
    pieces = _pieces(["a) Tiêu đề", para], max_chars=300)
    assert len(pieces) > 3
    assert all(len(p) <= 300 for p in pieces)
    joined = " ".join(p.replace("\n", " ") for p in pieces)
    assert joined == "a) Tiêu đề " + para
    assert all(p.endswith(".") or p == "a) Tiêu đề" for p in pieces[1:])
