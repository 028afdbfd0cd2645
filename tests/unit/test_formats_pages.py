"""Progress inside a document: PDF readers report every page read (and every scanned page
OCR'd) through ``on_page``, and that reaches the ingest's ``detail`` callback — the one
``troly ingest`` draws its bars from. Generated multi-page PDFs (no library needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.pdfgen import report_pdf
from troly.documents import ManifestEntry, parse
from troly.documents.formats import read
from troly.ingestion import IngestSummary, _parsed

pytestmark = pytest.mark.unit


def test_pdf_reader_reports_every_page(tmp_path: Path) -> None:
    pdf = report_pdf(tmp_path / "long.pdf", 7, header="Cong bao so 12 - running header")
    calls: list[tuple[str, int, int]] = []
    doc = read(pdf, on_page=lambda stage, done, total: calls.append((stage, done, total)))
    assert doc.pages == 7
    assert calls == [("page", k, 7) for k in range(1, 8)]
    # the page text is there, the running header and the page numbers are not
    text = "\n".join(p.text for p in doc.paragraphs())
    assert "Article 7. Section heading number 7" in text and "Body line 6 of page 7." in text
    assert "running header" not in text and "Page 3 / 7" not in text


def test_parse_and_ingest_parsing_pass_page_progress_on(tmp_path: Path) -> None:
    pdf = report_pdf(tmp_path / "long.pdf", 4)
    calls: list[tuple[str, int, int]] = []
    parse(pdf, "long", on_page=lambda s, d, t: calls.append((s, d, t)))
    assert [c[1] for c in calls] == [1, 2, 3, 4]

    events: list[tuple[str, str, int, int]] = []
    summary = IngestSummary()
    entries = [ManifestEntry("long", pdf, {}), ManifestEntry("other", pdf, {})]
    trees = list(_parsed(entries, summary, lambda *e: events.append(e)))
    assert [t.doc_id for t in trees] == ["long", "other"] and not summary.errors
    assert events == [("long", "page", k, 4) for k in range(1, 5)] + [
        ("other", "page", k, 4) for k in range(1, 5)
    ]


def test_formats_without_pages_do_not_report(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("I. MỤC ĐÍCH\n1. Một dòng.\n", encoding="utf-8")
    calls: list[object] = []
    read(txt, on_page=lambda *c: calls.append(c))
    assert calls == []


def test_citation_of_ocr_text_says_so() -> None:
    from troly.schema import OCR_NOTE, Citation

    plain = Citation(1, "d", "T", "Điều 2", "article", "…")
    assert not plain.ocr and "ocr" in plain.to_dict() and not plain.to_dict()["ocr"]
    plain.mark_ocr()
    plain.mark_ocr()
    assert plain.ocr and plain.location == "Điều 2" + OCR_NOTE
    # a chunk location that carries the note makes the citation built from it OCR text
    from_chunk = Citation(2, "d", "T", "II.1" + OCR_NOTE, "section", "…")
    assert from_chunk.to_dict()["ocr"] is True and from_chunk.location.count(OCR_NOTE) == 1
