"""The generated .docx converted by a real LibreOffice to .pdf, .doc and .html, and a
one-page scan OCR'd by a real Tesseract: each reader must find the same numbering, table
and task records. Skipped (loudly) where LibreOffice/Tesseract are not installed —
`make test` installs them (scripts/ensure_system_packages.sh)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.unit.test_formats import build_docx, check_numbering, check_table
from troly.documents import DocumentError, parse
from troly.documents.formats import convert, ocr, read

pytestmark = pytest.mark.integration

needs_lo = pytest.mark.skipif(
    not convert.available(), reason="LibreOffice (libreoffice-writer-nogui) NOT installed"
)
needs_ocr = pytest.mark.skipif(
    not ocr.available(), reason="ocrmypdf + tesseract-ocr-vie NOT installed"
)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not convert.available():
        pytest.skip("LibreOffice NOT installed")
    tmp = tmp_path_factory.mktemp("lo")
    src = build_docx(tmp / "ke-hoach.docx")
    out = {"docx": src}
    for target, filt in (("pdf", "writer_pdf_Export"), ("doc", "MS Word 97"), ("html", None)):
        out[target] = convert.convert(src, target, tmp / target, filt)
    return out


def _tasks(path: Path) -> list[tuple[str, list[str], str]]:
    return [(t.stt, t.lead, t.deadline) for t in parse(path, "kh").tasks]


EXPECTED = [
    ("1", ["Sở Tư pháp"], "Quý II/2026"),
    ("2", ["Sở Tư pháp"], "Quý III/2026"),
    ("3", ["Sở Tư pháp"], "Tháng 12/2026"),
]


@needs_lo
def test_doc_via_libreoffice(converted: dict[str, Path], tmp_path: Path) -> None:
    # saved under a .docx name: the content (OLE) decides, not the name
    mislabeled = tmp_path / "that-ra-la-doc.docx"
    shutil.copy(converted["doc"], mislabeled)
    doc = read(mislabeled)
    assert doc.format == "doc"
    check_numbering([p.text for p in doc.paragraphs()])
    check_table(list(doc.tables())[-1])
    assert _tasks(mislabeled) == EXPECTED


@needs_lo
def test_html_from_libreoffice(converted: dict[str, Path]) -> None:
    doc = read(converted["html"])
    assert doc.format == "html"
    check_numbering([p.text for p in doc.paragraphs()], dieu=False)
    check_table(list(doc.tables())[-1])
    assert _tasks(converted["html"]) == EXPECTED


@needs_lo
def test_text_pdf_from_libreoffice(converted: dict[str, Path]) -> None:
    doc = read(converted["pdf"])
    assert doc.format == "pdf" and doc.pages and not doc.ocr_pages
    check_numbering([p.text for p in doc.paragraphs()])
    table = list(doc.tables())[-1]
    check_table(table)
    assert _tasks(converted["pdf"]) == EXPECTED
    tree = parse(converted["pdf"], "kh")
    assert tree.meta.number == "99/KH-UBND" and tree.meta.extra["pages"] == str(doc.pages)


def _scan(tmp: Path) -> Path:
    """A one-page 'scan': an image of Vietnamese text (no text layer) saved as a PDF."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = [
        p
        for p in (
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        )
        if Path(p).is_file()
    ]
    if not fonts:
        pytest.skip("no TrueType font with Vietnamese glyphs installed")
    font = ImageFont.truetype(fonts[0], 40)
    img = Image.new("L", (1700, 500), 255)
    draw = ImageDraw.Draw(img)
    lines = [
        "QUYẾT ĐỊNH",
        "Điều 1. Ban hành danh mục dịch vụ sự nghiệp công.",
        "Điều 2. Quyết định này có hiệu lực thi hành.",
    ]
    for k, line in enumerate(lines):
        draw.text((80, 80 + 110 * k), line, fill=0, font=font)
    out = tmp / "scan.pdf"
    img.save(out, "PDF", resolution=300.0)
    return out


@needs_ocr
def test_scanned_page_is_ocrd_and_marked(tmp_path: Path) -> None:
    scan = _scan(tmp_path)
    doc = read(scan)
    assert doc.format == "pdf-ocr" and doc.ocr_pages == [1]
    text = "\n".join(p.text for p in doc.paragraphs())
    assert "Điều 1" in text and "hiệu lực" in text, text
    assert all(p.ocr for p in doc.paragraphs())
    tree = parse(scan, "scan")
    assert tree.meta.extra["ocr_pages"] == "1"
    assert any("OCR" in w for w in tree.warnings)


def test_scanned_page_without_ocr_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("PIL")
    scan = _scan(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no ocrmypdf, no tesseract
    with pytest.raises(DocumentError) as err:
        parse(scan)
    msg = str(err.value)
    assert "scan.pdf" in msg and "OCR" in msg and "tesseract-ocr-vie" in msg


@needs_lo
@pytest.mark.skipif(shutil.which("pdfunite") is None, reason="poppler-utils NOT installed")
def test_text_pdf_with_an_image_page_keeps_its_text_without_ocr(
    converted: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    scan = _scan(tmp_path)
    both = tmp_path / "text-then-scan.pdf"
    subprocess.run(["pdfunite", str(converted["pdf"]), str(scan), str(both)], check=True)
    monkeypatch.setattr(ocr, "available", lambda: False)
    doc = read(both)
    assert doc.ocr_pages == [doc.pages] and any("not OCR" in w for w in doc.warnings)
    check_numbering([p.text for p in doc.paragraphs()])
