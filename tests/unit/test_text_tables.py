"""Plain text recovers its tables as Table blocks — tab rows, pipe rows, one cell per line —
which then go through the same block → table_records path as a .docx table. The bundled
plans keep their pinned task records exactly (Phú Yên's and Bình Phước's appendices now come
through Table blocks; Hà Tĩnh's "cell |" export is still read from its lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_formats_roundtrip import _key
from troly.documents import parse
from troly.documents.blocks import Table
from troly.documents.formats import read
from troly.documents.tables import parse_flat_table, parse_tab_table

pytestmark = pytest.mark.unit

CORPUS = Path(__file__).resolve().parents[2] / "ingest" / "corpus"

PLAN = """KẾ HOẠCH
Cải cách hành chính năm 2026
I. MỤC ĐÍCH
1. Nâng cao chất lượng phục vụ.
PHỤ LỤC
Các nhiệm vụ năm 2026
{table}
"""

HEAD = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"]
ROWS = [
    ["I", "Cải cách thể chế", "", "", ""],
    ["1", "Rà soát văn bản quy phạm pháp luật", "Sở Tư pháp", "Các sở, ngành", "Quý II/2026"],
    ["2", "Kiểm tra văn bản", "Sở Tư pháp", "", "Tháng 12/2026"],
    ["II", "Cải cách thủ tục hành chính", "", "", ""],
    ["1", "Công bố thủ tục hành chính", "Văn phòng UBND tỉnh", "Sở Nội vụ", "Năm 2026"],
]


def _tab_text() -> str:
    rows = ["\t".join(HEAD), *("\t".join(r) for r in ROWS[:3])]
    # a page break: blank lines, then the header printed again (with other spacing)
    rows += ["", "", "\t".join(HEAD).replace("Cơ quan chủ trì", "Cơ  quan chủ trì")]
    rows += ["\t".join(r) for r in ROWS[3:]]
    return PLAN.format(table="\n".join(rows))


def _pipe_text() -> str:
    rows = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    rows += ["| " + " | ".join(r) + " |" for r in ROWS]
    return PLAN.format(table="\n".join(rows))


EXPECTED = [
    ("Phụ lục › I. Cải cách thể chế › STT 1", ["Sở Tư pháp"], "Quý II/2026"),
    ("Phụ lục › I. Cải cách thể chế › STT 2", ["Sở Tư pháp"], "Tháng 12/2026"),
    ("Phụ lục › II. Cải cách thủ tục hành chính › STT 1", ["Văn phòng UBND tỉnh"], "Năm 2026"),
]


@pytest.mark.parametrize(("make", "layout"), [(_tab_text, "tab_table"), (_pipe_text, "table")])
def test_text_tables_become_blocks_and_task_records(
    make: object, layout: str, tmp_path: Path
) -> None:
    src = tmp_path / "ke-hoach.txt"
    src.write_text(make(), encoding="utf-8")  # type: ignore[operator]
    doc = read(src)
    tables = list(doc.tables())
    assert len(tables) == 1 and tables[0].layout == layout
    table = tables[0]
    assert len(table.rows) == 1 + len(ROWS)  # repeated header and Markdown rule dropped
    assert table.width == 5 and table.rows[2][2].text == "Sở Tư pháp"
    # the table's lines are not also paragraphs
    assert not any("Sở Tư pháp" in p.text for p in doc.paragraphs())

    tree = parse(src, "kh")
    assert [(t.location, t.lead, t.deadline) for t in tree.tasks] == EXPECTED
    assert {t.layout for t in tree.tasks} == {layout}
    lines = src.read_text(encoding="utf-8").split("\n")
    for t in tree.tasks:  # records point at their source line, verbatim
        assert lines[t.line - 1] == t.source_text and t.content in t.source_text
    appendix = next(s for s in tree.sections if s.path == "Phụ lục")
    assert appendix.title == "PHỤ LỤC Các nhiệm vụ năm 2026"
    body = "\n".join(s.text for s in tree.iter_sections())
    assert "Rà soát văn bản" not in body  # in the records, not repeated as section text


def test_text_and_docx_tables_give_the_same_records(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    for line in PLAN.split("{table}")[0].strip().split("\n"):
        d.add_paragraph(line)
    table = d.add_table(rows=1 + len(ROWS), cols=len(HEAD))
    table.style = "Table Grid"
    for r, row in enumerate([HEAD, *ROWS]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.save(str(tmp_path / "ke-hoach.docx"))
    (tmp_path / "ke-hoach.txt").write_text(_tab_text(), encoding="utf-8")
    from_docx = parse(tmp_path / "ke-hoach.docx", "kh").tasks
    from_txt = parse(tmp_path / "ke-hoach.txt", "kh").tasks
    assert len(from_txt) == 3
    assert [(_key(t), t.location) for t in from_txt] == [(_key(t), t.location) for t in from_docx]


def test_a_table_that_is_not_a_task_table_keeps_its_lines(tmp_path: Path) -> None:
    src = tmp_path / "bang.txt"
    src.write_text(
        "I. SỐ LIỆU\n1. Kết quả năm 2025:\nChỉ số | 2024 | 2025\nPAR Index | 85,1 | 88,4\n",
        encoding="utf-8",
    )
    assert len(list(read(src).tables())) == 1
    tree = parse(src, "bang")
    text = "\n".join(s.text for s in tree.iter_sections())
    assert "PAR Index | 85,1 | 88,4" in text and not tree.tasks


def test_phu_yen_appendix_is_a_table_block_with_the_pinned_records() -> None:
    path = CORPUS / "phu-yen-2024.txt"
    tables = [t for t in read(path).tables() if isinstance(t, Table)]
    assert len(tables) == 1 and tables[0].layout == "tab_table"
    assert tables[0].texts()[0][0] == "Stt"
    assert sum(1 for row in tables[0].texts() if row[0] == "Stt") == 1  # page headers dropped
    tree = parse(path, "phu-yen-2024")
    raw = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, ln in enumerate(raw) if ln.strip() == "PHỤ LỤC")
    by_lines = parse_tab_table("phu-yen-2024", raw[start:], start + 1).records
    assert len(tree.tasks) == 56
    assert [t.to_dict() for t in tree.tasks] == [t.to_dict() for t in by_lines]


def test_binh_phuoc_one_cell_per_line_is_a_table_block_with_the_pinned_records() -> None:
    path = CORPUS / "binh-phuoc-2024.txt"
    tables = [t for t in read(path).tables() if t.layout == "flat_table"]
    assert len(tables) == 1 and tables[0].width == 6
    assert tables[0].texts()[0][-1] == "Ghi chú"
    tree = parse(path, "binh-phuoc-2024")
    raw = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, ln in enumerate(raw) if ln.strip() == "PHỤ LỤC")
    by_lines = parse_flat_table("binh-phuoc-2024", raw[start:], start + 1)
    assert len(tree.tasks) == 48
    assert [t.to_dict() for t in tree.tasks] == [t.to_dict() for t in by_lines.records]
    # the unnumbered row after STT 25 keeps its place and its note, as from the lines
    odd = next(t for t in tree.tasks if not t.stt)
    assert odd.location.endswith("dòng không số sau STT 25") and "không có STT" in odd.note
    assert all(w in tree.warnings for w in by_lines.warnings)


def test_ha_tinh_cell_pipe_export_still_read_from_lines() -> None:
    """The Word "cell |" export (merged cells shift rows) is not cut into Table blocks; its
    key/value metadata table ("| Số hiệu | 3098/QĐ-UBND |") is, and keeps its lines."""
    path = CORPUS / "ha-tinh-2025.txt"
    tables = list(read(path).tables())
    assert [t.layout for t in tables] == ["table"] and tables[0].rows[0][0].text == "Số hiệu"
    tree = parse(path, "ha-tinh-2025")
    assert len(tree.tasks) == 71 and {t.layout for t in tree.tasks} == {"pipe_table"}
