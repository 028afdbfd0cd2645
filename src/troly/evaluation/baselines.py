"""The configurations compared by ``troly eval``.

* ``lexical`` / ``dense`` / ``hybrid``: troly's retriever in each mode
  (``Retriever.search(question, k, mode=...)``), same index, same province handling.
* ``naive``: what a llama-index quick start gives on the same files. The raw corpus
  files (web chrome, tables and all; no structure, no task records, no province/heading
  header) are split by llama-index's default :class:`SentenceSplitter` (1,024 tokens,
  200 overlap), embedded with the *same* model through
  :func:`troly.embedding.llama_index_embedding`, held in an in-memory
  :class:`VectorStoreIndex`, and queried with top-k similarity. It has no LLM, so its
  answer is extractive: the sentence of the top chunk that shares the most (folded)
  words with the question, cited as ``[1]`` with that chunk; it never refuses.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from troly.embedding import Embedder, llama_index_embedding
from troly.evaluation.evaluators import AskFn, Retrieved
from troly.schema import Answer, Citation
from troly.text import fold

CONFIGS = ("lexical", "dense", "hybrid", "naive")
ALIASES = {"troly": "hybrid", "llama-index": "naive", "llamaindex": "naive", "bm25": "lexical"}

_WORD = re.compile(r"[0-9a-z]+")
_SENT_END = re.compile(r"(?<=[.!?;:])\s+")


def parse_configs(values: list[str] | None) -> list[str]:
    """``--config`` values (repeatable, comma-separated allowed) → known names, in order."""
    if not values:
        return list(CONFIGS)
    out: list[str] = []
    for v in values:
        for name in v.split(","):
            n = ALIASES.get(name.strip().lower(), name.strip().lower())
            if not n:
                continue
            if n not in CONFIGS:
                raise ValueError(f"unknown config '{name}' (one of {', '.join(CONFIGS)})")
            if n not in out:
                out.append(n)
    return out


def troly_search_fn(retriever: Any, mode: str, k: int = 10) -> Callable[[str], list[Retrieved]]:
    def search(question: str) -> list[Retrieved]:
        return [Retrieved.from_result(r) for r in retriever.search(question, k=k, mode=mode)]

    return search


def find_answerer(services: Any) -> tuple[AskFn | None, str]:
    """The product's answerer as an ask function, or None and the reason it is missing."""
    try:
        answerer = services.answerer
    except AttributeError as exc:
        return None, f"the answerer is not available (Services has no `answerer`: {exc})"
    except Exception as exc:  # it exists but failed to build: say so, evaluate retrieval
        return None, f"the answerer failed to load: {type(exc).__name__}: {exc}"
    if answerer is None or not callable(getattr(answerer, "ask", None)):
        return None, "the answerer is not available (Services.answerer has no ask())"

    def ask(question: str, history: list[str] | None) -> Answer:
        answer: Answer = answerer.ask(question, history=history or None)
        return answer

    return ask, ""


def _words(text: str) -> set[str]:
    return set(_WORD.findall(fold(text)))


def best_sentence(question: str, passage: str) -> str:
    """The sentence (or line) of ``passage`` sharing the most folded words with the question."""
    q = _words(question)
    best, best_score = "", -1.0
    for line in passage.splitlines():
        for sent in _SENT_END.split(line.strip()):
            s = sent.strip()
            if len(s) < 3:
                continue
            w = _words(s)
            score = len(q & w) + 1e-3 * min(len(w), 40)  # prefer fuller sentences on ties
            if score > best_score:
                best, best_score = s, score
    return best or passage.strip()[:300]


class NaivePipeline:
    """llama-index defaults over the raw files; see the module docstring.

    ``cache_dir`` (optional) keeps the node embeddings keyed by model and node texts, so
    a second run does not re-embed; the vectors are identical either way.
    """

    def __init__(
        self,
        corpus_dir: Path,
        embedder: Embedder,
        top_k: int = 10,
        cache_dir: Path | None = None,
    ) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.embedder = embedder
        self.top_k = top_k
        self.cache_dir = cache_dir
        self.build_seconds = 0.0
        self.cached = False
        self.n_nodes = 0
        self._retriever: Any = None

    def build(self, progress: Callable[[int, int], None] | None = None) -> NaivePipeline:
        """Split, embed (``progress(done, total)`` per batch) and index the corpus."""
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.core.schema import MetadataMode

        t0 = time.perf_counter()
        docs = [
            Document(
                text=p.read_text(encoding="utf-8"),
                metadata={"doc_id": p.stem},
                # the id is kept for scoring only: no header reaches the model
                excluded_embed_metadata_keys=["doc_id"],
                excluded_llm_metadata_keys=["doc_id"],
            )
            for p in sorted(self.corpus_dir.glob("*.txt"))
        ]
        nodes = SentenceSplitter().get_nodes_from_documents(docs)
        self.n_nodes = len(nodes)
        embed_model = llama_index_embedding(self.embedder)
        # exactly what VectorStoreIndex would embed (llama_index.core.indices.utils.embed_nodes),
        # done here in batches to report progress and to use the cache
        texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
        cache = self._cache_path(texts)
        vectors: list[list[float]] = []
        if cache is not None and cache.exists():
            arr = np.load(cache)
            if arr.shape[0] == len(nodes):
                vectors = [[float(x) for x in row] for row in arr]
                self.cached = True
        if not vectors:
            batch = int(embed_model.embed_batch_size)
            for start in range(0, len(texts), batch):
                vectors.extend(embed_model.get_text_embedding_batch(texts[start : start + batch]))
                if progress:
                    progress(min(start + batch, len(texts)), len(texts))
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                np.save(cache, np.asarray(vectors, dtype=np.float32))
        for node, vec in zip(nodes, vectors, strict=True):
            node.embedding = vec
        index = VectorStoreIndex(nodes, embed_model=embed_model, show_progress=False)
        self._retriever = index.as_retriever(similarity_top_k=self.top_k)
        self.build_seconds = time.perf_counter() - t0
        return self

    def _cache_path(self, texts: list[str]) -> Path | None:
        if self.cache_dir is None:
            return None
        h = hashlib.sha256(self.embedder.name.encode())
        for t in texts:
            h.update(b"\0" + t.encode("utf-8"))
        return Path(self.cache_dir) / f"naive-{h.hexdigest()[:16]}.npy"

    def search(self, question: str) -> list[Retrieved]:
        if self._retriever is None:
            self.build()
        out = []
        for i, r in enumerate(self._retriever.retrieve(question), start=1):
            node = r.node
            out.append(
                Retrieved(
                    text=node.get_content(),
                    doc_id=str(node.metadata.get("doc_id", "")),
                    location=f"node {node.node_id[:8]}",
                    chunk_id=node.node_id,
                    score=float(r.score or 0.0) or 1.0 / i,
                )
            )
        return out

    def answer(self, question: str, history: list[str] | None = None) -> Answer:
        """Extractive answer from the top chunk (history ignored: the pipeline has none)."""
        t0 = time.perf_counter()
        results = self.search(question)
        if not results:
            return Answer(question, "Không tìm thấy thông tin.", refused=True, mode="naive")
        top = results[0]
        sentence = best_sentence(question, top.text)
        cite = Citation(1, top.doc_id, "", top.location, "section", top.text, top.score)
        return Answer(
            question,
            f"{sentence} [1]",
            refused=False,
            citations=[cite],
            took_ms=(time.perf_counter() - t0) * 1000,
            mode="naive-extractive",
        )
