"""The PDF reader on a real multi-page PDF: a generated .docx with a page header, a footer
with the page number field and a 90-row task table (header row repeated on every page),
converted by a real LibreOffice. The table continued across pages must come back as one
table (repeated headers dropped, every row once, records right), and the running header,
the footer and the page numbers must not be in the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from troly.documents import parse
from troly.documents.formats import convert, read

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not convert.available(), reason="LibreOffice (libreoffice-writer-nogui) NOT installed"
    ),
]

N_ROWS = 90
RUNNING = "UBND TỈNH THỬ NGHIỆM - Kế hoạch số 99/KH-UBND"
FOOTER = "Trang"


def _page_field(paragraph: object) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)  # type: ignore[attr-defined]


def build(path: Path) -> Path:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    section = d.sections[0]
    section.header.paragraphs[0].text = RUNNING
    footer = section.footer.paragraphs[0]
    footer.text = f"{FOOTER} "
    _page_field(footer)
    d.add_paragraph("KẾ HOẠCH")
    d.add_paragraph("Cải cách hành chính năm 2026")
    d.add_paragraph("I. MỤC ĐÍCH, YÊU CẦU")
    d.add_paragraph("1. Nâng cao chất lượng phục vụ người dân và doanh nghiệp.")
    d.add_paragraph("PHỤ LỤC")
    table = d.add_table(rows=1 + N_ROWS, cols=4)
    table.style = "Table Grid"
    for c, text in enumerate(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời gian"]):
        table.cell(0, c).text = text
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)  # Word/LibreOffice repeat this row at the top of every page
    for r in range(1, N_ROWS + 1):
        table.cell(r, 0).text = str(r)
        table.cell(r, 1).text = f"Thực hiện nhiệm vụ cải cách số {r} theo kế hoạch của tỉnh"
        table.cell(r, 2).text = "Sở Nội vụ" if r % 2 else "Sở Tư pháp"
        table.cell(r, 3).text = f"Tháng {1 + r % 12}/2026"
    d.add_paragraph("II. TỔ CHỨC THỰC HIỆN")
    d.add_paragraph("Các sở, ngành báo cáo kết quả thực hiện trước ngày 15/12/2026.")
    d.save(str(path))
    return path


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pdf-layout")
    return convert.convert(build(tmp / "ke-hoach-dai.docx"), "pdf", tmp, "writer_pdf_Export")


def test_table_continued_across_pages_is_joined(pdf: Path) -> None:
    doc = read(pdf)
    assert doc.pages is not None and doc.pages >= 3, doc.pages
    tables = list(doc.tables())
    assert len(tables) == 1, [(t.page, t.last_page, len(t.rows)) for t in tables]
    table = tables[0]
    assert table.page == 1 or table.page is not None
    assert table.last_page is not None and table.last_page >= (table.page or 0) + 2
    texts = table.texts()
    assert sum(1 for row in texts if row[0] == "STT") == 1  # repeated headers dropped
    assert [row[0] for row in texts[1:]] == [str(r) for r in range(1, N_ROWS + 1)]

    tree = parse(pdf, "kh")
    assert len(tree.tasks) == N_ROWS
    assert [t.stt for t in tree.tasks] == [str(r) for r in range(1, N_ROWS + 1)]
    last = tree.tasks[-1]
    assert last.content == f"Thực hiện nhiệm vụ cải cách số {N_ROWS} theo kế hoạch của tỉnh"
    assert last.lead == ["Sở Tư pháp"] and last.deadline == f"Tháng {1 + N_ROWS % 12}/2026"


def test_running_header_footer_and_page_numbers_removed(pdf: Path) -> None:
    import subprocess

    # the PDF does print them on every page (so the test would catch a reader keeping them)
    raw = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=False
    ).stdout
    if raw:
        assert raw.count("99/KH-UBND") >= 3 and raw.count(FOOTER) >= 3
    doc = read(pdf)
    paragraphs = [p.text for p in doc.paragraphs()]
    text = "\n".join(paragraphs)
    assert "99/KH-UBND" not in text and FOOTER not in text, paragraphs
    assert not any(p.strip().isdigit() for p in paragraphs), paragraphs
    # the body is all there, in order, the paragraph after the table on the last page
    assert paragraphs[0] == "KẾ HOẠCH" and "II. TỔ CHỨC THỰC HIỆN" in paragraphs
    assert paragraphs[-1] == "Các sở, ngành báo cáo kết quả thực hiện trước ngày 15/12/2026."
