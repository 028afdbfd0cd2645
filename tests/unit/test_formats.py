"""Format readers on fixtures the tests build: a real .docx (python-docx) with automatic
numbering from numbering.xml and merged cells, HTML pages, hand-made PDFs, bad input."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest

from troly.documents import DocumentError, parse
from troly.documents.blocks import BlockDocument, Paragraph, Table
from troly.documents.formats import read, sniff
from troly.documents.formats.common import legacy_share

pytestmark = pytest.mark.unit

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NFD_TEXT = unicodedata.normalize("NFD", "Tăng cường kỷ luật, kỷ cương hành chính")

# The appendix table: header, a group row merged across 5 columns, three tasks whose
# "Cơ quan chủ trì" cell is merged down over the three rows.
TABLE_ROWS = [
    ["STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"],
    ["I. CẢI CÁCH THỂ CHẾ", "", "", "", ""],
    ["1", "Rà soát văn bản quy phạm pháp luật", "Sở Tư pháp", "Các sở, ngành", "Quý II/2026"],
    ["2", "Kiểm tra việc thi hành pháp luật", "", "UBND cấp huyện", "Quý III/2026"],
    ["3", "Theo dõi thi hành pháp luật", "", "Các sở, ngành", "Tháng 12/2026"],
]


def _numbering_xml(doc: Any) -> None:
    """Add two lists to numbering.xml: I. / 1. / a) and "Điều %1."."""
    from docx.oxml import parse_xml

    numbering = doc.part.numbering_part.element
    abstract = (
        f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/>'
        '<w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%2."/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
        '<w:lvlText w:val="%3)"/></w:lvl>'
        "</w:abstractNum>"
    )
    abstract2 = (
        f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="91">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="Điều %1."/></w:lvl>'
        "</w:abstractNum>"
    )
    first_num = numbering.find(f"{{{W_NS}}}num")
    for xml in (abstract, abstract2):
        el = parse_xml(xml)
        if first_num is not None:
            first_num.addprevious(el)
        else:
            numbering.append(el)
    for num_id, abs_id in (("90", "90"), ("91", "91")):
        numbering.append(
            parse_xml(
                f'<w:num xmlns:w="{W_NS}" w:numId="{num_id}">'
                f'<w:abstractNumId w:val="{abs_id}"/></w:num>'
            )
        )


def _numbered(doc: Any, text: str, num_id: str, ilvl: int) -> None:
    from docx.oxml import parse_xml

    p = doc.add_paragraph(text)
    ppr = p._p.get_or_add_pPr()
    ppr.append(
        parse_xml(
            f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{ilvl}"/>'
            f'<w:numId w:val="{num_id}"/></w:numPr>'
        )
    )


def build_docx(path: Path) -> Path:
    """The fixture: header table, automatic I./1./a) and Điều N. numbering, an NFD
    paragraph, a literal-numbered paragraph, and the appendix table with merged cells."""
    import docx

    doc = docx.Document()
    header = doc.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    header.cell(1, 0).text = "Số: 99/KH-UBND"
    header.cell(1, 1).text = "Phú Yên, ngày 5 tháng 3 năm 2026"
    doc.add_paragraph("KẾ HOẠCH")
    doc.add_paragraph("Cải cách hành chính nhà nước năm 2026")
    _numbering_xml(doc)
    _numbered(doc, "MỤC ĐÍCH, YÊU CẦU", "90", 0)
    _numbered(doc, "Mục đích", "90", 1)
    _numbered(doc, NFD_TEXT + ".", "90", 2)
    _numbered(doc, "Nâng cao chất lượng phục vụ.", "90", 2)
    _numbered(doc, "Yêu cầu", "90", 1)
    _numbered(doc, "NHIỆM VỤ TRỌNG TÂM", "90", 0)
    _numbered(doc, "Cải cách thể chế", "90", 1)
    _numbered(doc, "Phạm vi áp dụng", "91", 0)
    _numbered(doc, "Hiệu lực thi hành", "91", 0)
    doc.add_paragraph("III. TỔ CHỨC THỰC HIỆN")  # literal numbering, typed by hand
    doc.add_paragraph("PHỤ LỤC")
    table = doc.add_table(rows=len(TABLE_ROWS), cols=5)
    table.style = "Table Grid"  # ruled, as appendix tables are (a PDF shows the lines)
    for r, row in enumerate(TABLE_ROWS):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(1, 4))
    table.cell(2, 2).merge(table.cell(4, 2))
    doc.add_paragraph("Nơi nhận:")
    doc.add_paragraph("- Như trên;")
    doc.add_paragraph("CHỦ TỊCH")
    doc.add_paragraph("Trần Văn An")
    section = doc.sections[0]
    section.header.paragraphs[0].text = "ĐẦU TRANG KHÔNG PHẢI NỘI DUNG"
    doc.save(str(path))
    return path


@pytest.fixture(scope="module")
def docx_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_docx(tmp_path_factory.mktemp("docx") / "ke-hoach.docx")


def _texts(doc: BlockDocument) -> list[str]:
    return [p.text for p in doc.paragraphs()]


def check_numbering(texts: list[str], *, letters_paren: bool = True, dieu: bool = True) -> None:
    """The labels Word prints, in order (shared by the .docx/.doc/.html/.pdf tests)."""
    joined = "\n".join(texts)
    assert "I. MỤC ĐÍCH, YÊU CẦU" in joined
    assert "1. Mục đích" in joined
    assert "2. Yêu cầu" in joined
    assert "II. NHIỆM VỤ TRỌNG TÂM" in joined
    assert "1. Cải cách thể chế" in joined  # level 2 restarted under II.
    a = "a) " if letters_paren else "a"
    assert f"{a}Tăng cường kỷ luật" in joined
    if dieu:
        assert "Điều 1. Phạm vi áp dụng" in joined
        assert "Điều 2. Hiệu lực thi hành" in joined
    else:  # LibreOffice's HTML export keeps the counter but drops the level's literal text
        assert "1. Phạm vi áp dụng" in joined and "2. Hiệu lực thi hành" in joined
    assert "III. TỔ CHỨC THỰC HIỆN" in joined
    assert unicodedata.normalize("NFC", joined) == joined


def check_table(table: Table) -> None:
    grid = table.texts()
    assert table.width == 5
    assert grid[0][:3] == ["STT", "Nội dung", "Cơ quan chủ trì"]
    group = table.rows[1]
    assert group[0].text == "I. CẢI CÁCH THỂ CHẾ" and group[0].col_span == 5
    assert all(c.merged_from == (1, 0) for c in group[1:])
    lead = table.rows[2][2]
    assert lead.text == "Sở Tư pháp" and lead.row_span == 3
    assert [grid[r][2] for r in (3, 4)] == ["Sở Tư pháp", "Sở Tư pháp"]
    assert table.rows[3][2].merged_from == (2, 2)


def test_docx_numbering_merged_cells_and_no_header_text(docx_file: Path) -> None:
    doc = read(docx_file)
    assert doc.format == "docx"
    texts = _texts(doc)
    check_numbering(texts)
    labels = [p.label for p in doc.paragraphs() if p.label]
    assert labels[:5] == ["I.", "1.", "a)", "b)", "2."]
    assert not any("ĐẦU TRANG" in t for t in texts)  # headers are not body text
    tables = list(doc.tables())
    assert len(tables) == 2  # the layout header and the appendix
    check_table(tables[1])


def test_docx_to_tree_tasks_sections_and_metadata(docx_file: Path) -> None:
    tree = parse(docx_file, "kh-99")
    assert [(t.stt, t.lead, t.deadline) for t in tree.tasks] == [
        ("1", ["Sở Tư pháp"], "Quý II/2026"),
        ("2", ["Sở Tư pháp"], "Quý III/2026"),
        ("3", ["Sở Tư pháp"], "Tháng 12/2026"),
    ]
    first = tree.tasks[0]
    assert first.group == "I. CẢI CÁCH THỂ CHẾ"
    assert first.location == "Phụ lục › I. CẢI CÁCH THỂ CHẾ › STT 1"
    assert "ô gộp phía trên" in tree.tasks[1].note  # the merged lead cell is said so
    paths = [s.path for s in tree.iter_sections()]
    assert {"I", "I.1", "I.1.a", "I.1.b", "I.2", "II", "II.1", "III"} <= set(paths)
    m = tree.meta
    assert (m.doc_type, m.number, m.issued, m.province) == (
        "Kế hoạch",
        "99/KH-UBND",
        "05/03/2026",
        "Phú Yên",
    )
    assert m.issuer == "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN" and m.signer == "Trần Văn An"
    assert m.title.startswith("Kế hoạch cải cách hành chính") and m.year == 2026
    assert m.extra["format"] == "docx"


def test_sniffing_ignores_the_name(docx_file: Path, tmp_path: Path) -> None:
    data = docx_file.read_bytes()
    wrong = tmp_path / "ke-hoach.pdf"
    wrong.write_bytes(data)
    assert sniff(data) == "docx" and read(wrong).format == "docx"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "doc"
    assert sniff(b"%PDF-1.7\n") == "pdf"
    assert sniff(b"<!DOCTYPE html><html><body>x</body></html>") == "html"
    assert sniff("Kế hoạch\n".encode()) == "txt"
    assert sniff(b"  \n") == "empty"


# ------------------------------------------------------------------ HTML

WORD_HTML = (
    b"<html><head><meta http-equiv=Content-Type content='text/html; charset=windows-1252'>"
    b"<title>Lu&#7853;t</title><style>p {color:red}</style></head><body>"
    b"<div class=menu-top><a href='/'>Trang ch&#7911;</a></div>"
    b"<div class=WordSection1>"
    b"<p class=MsoNormal><a name=dieu_1><b>&#272;i&#7873;u 1. Ph&#7841;m vi</b></a></p>"
    b"<p class=MsoNormal>Lu&#7853;t n\xe0y quy &#273;&#7883;nh\nv&#7873; t&#7893; ch&#7913;c."
    b"</p><ol type=a start=3><li>M&#7909;c c</li><li>M&#7909;c d</li></ol>"
    b"<ol type=I><li>Ph&#7847;n m&#7897;t</li></ol>"
    b"<table border=1><tr><th>STT</th><th>N&#7897;i dung</th><th>Ch&#7911; tr&#236;</th></tr>"
    b"<tr><td colspan=3>I. Nh&#243;m</td></tr>"
    b"<tr><td>1</td><td>Vi&#7879;c m&#7897;t</td><td rowspan=2>S&#7903; N&#7897;i v&#7909;"
    b"</td></tr><tr><td>2</td><td>Vi&#7879;c hai</td></tr></table>"
    b"<p style='display:none'>\xc1n</p>"
    b"</div><div id=footer>B&#7843;n quy&#7873;n</div></body></html>"
)


def test_html_word_page_cp1252_entities_lists_and_spans(tmp_path: Path) -> None:
    f = tmp_path / "luat.htm"
    f.write_bytes(WORD_HTML)
    doc = read(f)
    texts = _texts(doc)
    assert texts[:2] == ["Điều 1. Phạm vi", "Luật này quy định về tổ chức."]
    assert "c) Mục c" in texts and "d) Mục d" in texts and "I. Phần một" in texts
    assert not any("Trang chủ" in t or "Bản quyền" in t or "Án" in t for t in texts)
    (table,) = doc.tables()
    assert table.header_rows == 1 and table.rows[1][0].col_span == 3
    assert table.texts()[3] == ["2", "Việc hai", "Sở Nội vụ"]
    assert table.rows[3][2].merged_from == (2, 2)
    assert doc.meta["html_title"] == "Luật"


def test_html_utf8_legal_site_chrome_removed(tmp_path: Path) -> None:
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><script>var x=1</script></head>"
        "<body><nav>Đăng nhập</nav><div class='breadcrumb'>Văn bản › Luật</div>"
        "<div id='toanvancontent'><p>QUYẾT ĐỊNH</p><p><a name='dieu_2'></a>Điều 2. Hiệu lực</p>"
        "</div><div class='share-box'>Chia sẻ</div></body></html>"
    )
    f = tmp_path / "qd.html"
    f.write_text(page, encoding="utf-8")
    assert _texts(read(f)) == ["QUYẾT ĐỊNH", "Điều 2. Hiệu lực"]


# ------------------------------------------------------------------ bad input


def _encrypted_pdf() -> bytes:
    """A PDF with a Standard security handler whose user password is not empty."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32
        + b"> /P -4 >>",
    ]  # fmt: skip
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Encrypt 4 0 R "
        f"/ID [<{'ab' * 16}> <{'ab' * 16}>] >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def test_bad_input_is_named_and_explained(tmp_path: Path, docx_file: Path) -> None:
    def fails(name: str, data: bytes, needle: str) -> str:
        f = tmp_path / name
        f.write_bytes(data)
        with pytest.raises(DocumentError) as err:
            parse(f)
        msg = str(err.value)
        assert name in msg and needle in msg, msg
        assert " / " in msg  # Vietnamese / English
        return msg

    fails("mat-khau.pdf", _encrypted_pdf(), "encrypted")
    fails("hong.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "corrupt")
    fails("rong.docx", b"", "empty")
    fails("anh.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "unsupported")
    fails("nen.zip", _zip({"a.txt": b"x"}), "unsupported")
    # a zip bomb: 50 MB of zeros packed into a few KB
    fails("bom.docx", _zip({"word/document.xml": b"\0" * 50_000_000}), "suspicious compression")
    broken = _replace(docx_file.read_bytes(), "word/document.xml", b"<w:document><w:body><w:p>")
    fails("xml-hong.docx", broken, "invalid XML")
    tcvn3 = "Ch\xad\xac ng tr\xecnh c\xb6i c\xb8ch h\xb5nh ch\xddnh ".encode("latin-1") * 20
    msg = fails("tcvn3.txt", tcvn3.decode("latin-1").encode("utf-8"), "TCVN3")
    assert "Unicode" in msg


def test_oversize_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "lon.txt"
    f.write_text("Kế hoạch " * 100, encoding="utf-8")
    with pytest.raises(DocumentError, match="too large"):
        read(f, max_bytes=100)


def test_legacy_share_is_zero_for_unicode() -> None:
    assert legacy_share("Kế hoạch cải cách hành chính nhà nước năm 2026 — Điều 5.") == 0.0


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _replace(docx_bytes: bytes, member: str, data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx_bytes))
    files = {n: src.read(n) for n in src.namelist()}
    files[member] = data
    return _zip(files)


def test_text_reader_keeps_lines_and_numbers(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("I. MỤC ĐÍCH\n\n\u00a0\n1. Một\n", encoding="utf-8")
    doc = read(f)
    assert [(p.line, p.text) for p in doc.paragraphs()] == [
        (1, "I. MỤC ĐÍCH"),
        (3, "\u00a0"),
        (4, "1. Một"),
    ]
    assert all(isinstance(b, Paragraph) for b in doc.blocks)
