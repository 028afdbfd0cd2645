"""`parse()` on the bundled plans: task counts per layout, metadata, noise handling,
and that no content line is lost between the source file and the tree."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import CORPUS
from troly.documents import DocumentError, parse
from troly.text import clean_ws

pytestmark = pytest.mark.unit

EXPECTED_TASKS = {
    "phu-yen-2024": 56,
    "binh-phuoc-2024": 48,  # 47 numbered rows + 1 row with a blank STT cell after STT 25
    "ha-tinh-2025": 71,  # one record per task 2.x
    "quang-ngai-2024": 56,  # 55 lettered items, item II.2.k has two sub-tasks
    "phu-tho-2021": 0,
}


@pytest.mark.parametrize(("doc_id", "n"), EXPECTED_TASKS.items())
def test_task_counts(trees: dict[str, Any], doc_id: str, n: int) -> None:
    assert len(trees[doc_id].tasks) == n
    ids = [t.id for t in trees[doc_id].tasks]
    assert len(ids) == len(set(ids))


def test_metadata(trees: dict[str, Any]) -> None:
    hp = trees["ha-tinh-2025"].meta
    assert (hp.number, hp.issued, hp.signer, hp.issuer) == (
        "3098/QĐ-UBND",
        "31/12/2024",
        "Nguyễn Hồng Lĩnh",
        "Tỉnh Hà Tĩnh",
    )
    bp = trees["binh-phuoc-2024"].meta
    assert (bp.number, bp.issued, bp.signer) == ("2142/QĐ-UBND", "29/12/2023", "Trần Tuệ Hiền")
    py = trees["phu-yen-2024"].meta
    assert (py.number, py.issued, py.signer, py.province, py.year) == (
        "275/KH-UBND",
        "15/12/2023",
        "Lê Tấn Hồ",
        "Phú Yên",
        2024,
    )
    qn = trees["quang-ngai-2024"].meta
    assert (qn.number, qn.issued, qn.signer) == ("1879/QĐ-UBND", "15/12/2023", "Đặng Văn Minh")
    assert trees["phu-tho-2021"].meta.signer == "Phan Trọng Tấn"


def _all_text(tree: Any) -> str:
    parts = []
    for s in tree.iter_sections():
        parts += [s.heading, s.title, s.text]
    for t in tree.tasks:
        parts += [t.source_text, t.content, t.note, t.group, t.location]
    return clean_ws(" ".join(parts))


def test_web_noise_is_not_content(trees: dict[str, Any]) -> None:
    for doc in ("binh-phuoc-2024", "ha-tinh-2025"):
        text = _all_text(trees[doc])
        for noise in (
            "Hệ thống pháp luật",
            "HIỆU LỰC VĂN BẢN",
            "Tải văn bản",
            "Đăng xuất",
            "| Số hiệu |",
        ):
            assert noise not in text, (doc, noise)


@pytest.mark.parametrize("doc_id", EXPECTED_TASKS)
def test_nothing_silently_dropped(trees: dict[str, Any], doc_id: str) -> None:
    """Every source line longer than a few words appears (whitespace-normalised) in the
    tree, except the web chrome and the repeated Hà Tĩnh header block, both reported."""
    tree = trees[doc_id]
    text = _all_text(tree)
    meta_values = {str(v) for v in vars(tree.meta).values() if v}
    meta_values |= set(tree.meta.extra.values())
    raw = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8").split("\n")
    missing = []
    for n, line in enumerate(raw, start=1):
        s = clean_ws(line).strip("| ").strip()
        if (
            len(s) < 25
            or s.startswith("•")
            or s.startswith(("Quyết định 3098/", "Quyết định 2142/"))
        ):
            continue
        if "\t" in line and "Cơ quan phối hợp" in line:  # repeated table header row
            continue
        if "|" in s and s.split("|")[-1].strip() in meta_values:  # lifted into metadata
            continue
        if re.match(r"^\d- ", s):  # Hà Tĩnh pipe-table header cell ("1- Mục tiêu/…")
            continue
        s = re.sub(r"^([IVX]+) (?=\S)", r"\1. ", s)  # group row "I<tab>Title" → "I. Title"
        if s[:60] not in text:
            missing.append((n, s[:80]))
    if doc_id == "ha-tinh-2025":
        assert any("repeated block" in w for w in tree.warnings)
    assert not missing, missing[:5]


def test_duplicate_numbers_are_reported(trees: dict[str, Any]) -> None:
    bp = trees["binh-phuoc-2024"]
    keys = [s.key for s in bp.iter_sections()]
    assert "II.8" in keys and "II.8#2" in keys
    assert any(re.search(r"II\.8", w) for w in bp.warnings)


def test_bad_inputs(tmp_path: Any) -> None:
    with pytest.raises(DocumentError, match="not found"):
        parse(tmp_path / "missing.txt")
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")  # .pdf is read now: a truncated one
    with pytest.raises(DocumentError, match="corrupt"):
        parse(tmp_path / "x.pdf")
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(DocumentError, match="unsupported"):
        parse(tmp_path / "x.png")
    (tmp_path / "latin1.txt").write_bytes(b"K\xea ho\xe1ch n\xe3m 2024")
    with pytest.raises(DocumentError, match="UTF-8"):
        parse(tmp_path / "latin1.txt")
    (tmp_path / "empty.txt").write_text("\n\n  \n", encoding="utf-8")
    with pytest.raises(DocumentError, match="no content"):
        parse(tmp_path / "empty.txt")


def test_first_chunk_carries_what_the_document_says_about_itself(trees: dict[str, Any]) -> None:
    from troly.chunking import chunk_document

    for tree in trees.values():
        chunks = chunk_document(tree)
        first = chunks[0].fields
        assert first.get("doc_number") == tree.meta.number
        assert first.get("doc_signer") == tree.meta.signer
        assert first.get("doc_issued") == tree.meta.issued
        assert not any(k.startswith("doc_") for c in chunks[1:] for k in c.fields)
    assert chunk_document(trees["binh-phuoc-2024"])[0].fields["doc_signer"] == "Trần Tuệ Hiền"
