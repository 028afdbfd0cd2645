"""Texts are cut to the model's 512-token window before embedding; the passage-vector
cache returns the very vectors it stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from troly.embedding import EmbeddingCache, fit_tokens

pytestmark = pytest.mark.integration


@pytest.mark.unit
def test_fit_tokens_cuts_at_a_word_boundary() -> None:
    def count(t: str) -> int:
        return len(t.split())

    text = " ".join(f"w{i}" for i in range(100))
    assert fit_tokens(text, count, 200) == text
    cut = fit_tokens(text, count, 10)
    assert count(cut) == 10 and text.startswith(cut) and not cut.endswith(" ")


def test_long_texts_are_cut_to_the_window(embedder: Any) -> None:
    model = embedder._model
    long_q = "ệ" * 2000
    assert model.token_count(long_q, True) > 512 * 2  # several windows uncut
    cut = fit_tokens(long_q, lambda t: model.token_count(t, True), 512)
    assert model.token_count(cut, True) <= 512
    a = embedder.embed_queries([long_q])[0]
    b = embedder.embed_queries([cut])[0]
    assert np.allclose(a, b, atol=1e-6)
    short = "Ai chủ trì kiểm soát thủ tục hành chính?"
    assert np.allclose(
        embedder.embed_queries([short])[0],
        model.query([short]) / np.linalg.norm(model.query([short])),
        atol=1e-5,
    )


def test_embedding_cache_returns_stored_vectors(embedder: Any, tmp_path: Path) -> None:
    texts = [
        "Kế hoạch cải cách hành chính năm 2024",
        "Sở Nội vụ chủ trì",
        "Kế hoạch cải cách hành chính năm 2024",
    ]
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    first = cache.embed_passages(embedder, texts)
    assert cache.misses == 3 and cache.hits == 0
    again = cache.embed_passages(embedder, texts[:2])
    assert cache.hits == 2
    assert np.array_equal(first[:2], again)
    assert np.allclose(first, embedder.embed_passages(texts), atol=1e-6)
    cache.close()
    reopened = EmbeddingCache(tmp_path / "c.sqlite")
    assert np.array_equal(reopened.embed_passages(embedder, texts[1:2]), first[1:2])
    assert reopened.hits == 1
    reopened.close()
