"""Index behaviour on the real stack: idempotent re-ingest, replacement of a changed
document, filters, province restriction, and a Qdrant that is down."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS
from troly.index_store import IndexUnavailable
from troly.schema import SearchFilters

pytestmark = pytest.mark.integration


def test_ingest_summary_counts(services: Any, trees: dict[str, Any]) -> None:
    s = services.ingest_summary
    assert s.tasks == sum(len(t.tasks) for t in trees.values())
    assert s.chunks == services.store.count()
    assert s.chunks > 300
    for doc_id in trees:
        assert (
            services.store.count(SearchFilters(doc_id=doc_id)) == s.per_document[doc_id]["chunks"]
        )


def test_reingest_is_idempotent(services: Any) -> None:
    before = services.store.count()
    again = services.ingest()
    assert again.skipped == 5 and again.documents == 0
    forced = services.ingest(force=True)
    assert forced.documents == 5
    assert services.store.count() == before


def test_changed_document_replaces_its_chunks(tmp_path: Path, embedder: Any) -> None:
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "phu-tho-2021.txt", corpus / "phu-tho-2021.txt")
    settings = Settings(corpus_dir=corpus, qdrant=QdrantSettings(path=Path(":memory:")))
    svc = build_services(settings, embedder=embedder)
    first = svc.ingest()
    n1 = svc.store.count()
    assert first.documents == 1 and n1 == first.chunks
    doc = corpus / "phu-tho-2021.txt"
    text = doc.read_text(encoding="utf-8").replace(
        "8. Tuyên truyền Cải cách hành chính",
        "8. Tuyên truyền Cải cách hành chính\n\nĐoạn mới về thử nghiệm chỉ mục zebra.",
    )
    doc.write_text(text, encoding="utf-8")
    second = svc.ingest()
    assert second.documents == 1
    assert svc.store.count() == second.chunks  # old points gone, nothing duplicated
    hits = svc.retriever.search("zebra", k=3, mode="lexical")
    assert hits and "zebra" in hits[0].chunk.text
    svc.close()


def test_a_new_index_version_reindexes_unchanged_files(
    tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Points written by an older chunker/lexical version are replaced on a plain ingest
    (no --force), once, with nothing duplicated."""
    from troly import ingestion
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "phu-tho-2021.txt", corpus / "phu-tho-2021.txt")
    settings = Settings(corpus_dir=corpus, qdrant=QdrantSettings(path=Path(":memory:")))
    svc = build_services(settings, embedder=embedder)
    monkeypatch.setattr(ingestion, "INDEX_VERSION", 1)
    first = svc.ingest()
    n = svc.store.count()
    assert svc.ingest().skipped == 1
    monkeypatch.setattr(ingestion, "INDEX_VERSION", 2)
    again = svc.ingest()
    assert again.documents == 1 and again.skipped == 0 and again.chunks == first.chunks
    assert svc.store.count() == n
    assert [h.endswith("+v2") for h in svc.store.document_hashes().values()] == [True]
    assert svc.ingest().skipped == 1
    svc.close()


def test_filters(services: Any) -> None:
    r = services.retriever
    res = r.search(
        "kiểm soát thủ tục hành chính", k=10, filters=SearchFilters(doc_id="phu-yen-2024")
    )
    assert res and all(x.chunk.doc_id == "phu-yen-2024" for x in res)
    res = r.search("kiểm soát thủ tục hành chính", k=10, filters=SearchFilters(kind="task"))
    assert res and all(x.chunk.kind == "task" for x in res)
    res = r.search("nhiệm vụ", k=10, filters=SearchFilters(lead="Sở Tư pháp", kind="task"))
    assert res and all("Sở Tư pháp" in x.chunk.lead for x in res)
    res = r.search("chỉ tiêu", k=10, filters=SearchFilters(year=2025))
    assert res and all(x.chunk.year == 2025 for x in res)


@pytest.mark.parametrize(
    ("question", "province"),
    [
        ("Mức độ hài lòng của người dân ở Hà Tĩnh là bao nhiêu?", "Hà Tĩnh"),
        ("muc do hai long cua nguoi dan tinh phu yen", "Phú Yên"),
        ("Kế hoạch của tỉnh Bình Phước về chuyển đổi số", "Bình Phước"),
    ],
)
def test_question_naming_a_province_is_restricted_to_it(
    services: Any, question: str, province: str
) -> None:
    res = services.retriever.search(question, k=10)
    assert res and all(x.chunk.province == province for x in res)


def test_qdrant_down_gives_clear_error(embedder: Any) -> None:
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    settings = Settings(qdrant=QdrantSettings(url="http://127.0.0.1:9", timeout=2))
    svc = build_services(settings, embedder=embedder)
    with pytest.raises(IndexUnavailable) as exc:
        svc.retriever.search("chỉ tiêu năm 2024")
    assert "Qdrant" in str(exc.value)
    assert svc.store.health()["reachable"] is False
