"""`make test` shows signs of life while the session fixture builds the index."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration


def test_index_fixture_reports_each_document_and_embedding_batch(services: Any) -> None:
    lines = services.fixture_progress.lines
    total = services.ingest_summary.chunks
    batch = services.settings.embedding.batch_size
    assert sum("document " in ln and " indexed: " in ln for ln in lines) == 5
    embedded = [ln for ln in lines if "embedded " in ln]
    assert len(embedded) >= total // batch
    assert embedded[-1].endswith(f"embedded {total}/{total} chunks")
    assert lines[0].startswith("[test index") and "indexing 5 bundled plans" in lines[0]
    # the reporter is off once the index is built: later messages are not shown
    n = len(lines)
    services.fixture_progress("later")
    assert len(services.fixture_progress.lines) == n
