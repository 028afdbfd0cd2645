"""Files → parsed trees → chunks → vectors → Qdrant, idempotently, with progress.

Re-ingesting is safe: point ids are deterministic, and a document whose content hash
changed has all its old points deleted before the new ones are written, so nothing is
duplicated and nothing stale survives. Unchanged documents are skipped unless forced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from troly.chunking import chunk_document
from troly.documents import DocumentError, ManifestEntry, load_manifest, parse
from troly.embedding import Embedder
from troly.index_store import IndexStore, sparse_from_terms
from troly.schema import Chunk, DocumentTree
from troly.text import document_terms

Progress = Callable[[str, int, int], None]


@dataclass
class IngestSummary:
    documents: int = 0
    skipped: int = 0
    sections: int = 0
    tasks: int = 0
    chunks: int = 0
    seconds: float = 0.0
    per_document: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0


def encode_chunks(
    chunks: list[Chunk], embedder: Embedder, batch_size: int, progress: Progress | None = None
) -> tuple[object, list[tuple[list[int], list[float]]]]:
    import numpy as np

    vectors = []
    for start in range(0, len(chunks), batch_size):
        batch = chunks[start : start + batch_size]
        vectors.append(embedder.embed_passages([c.embed_text for c in batch]))
        if progress:
            progress("embed", min(start + batch_size, len(chunks)), len(chunks))
    dense = np.vstack(vectors) if vectors else np.zeros((0, embedder.dim), dtype=np.float32)
    sparse = [sparse_from_terms(document_terms(c.embed_text)) for c in chunks]
    return dense, sparse


def ingest_trees(
    trees: Iterable[DocumentTree],
    store: IndexStore,
    embedder: Embedder,
    max_chars: int,
    batch_size: int = 16,
    force: bool = False,
    progress: Progress | None = None,
    summary: IngestSummary | None = None,
) -> IngestSummary:
    t0 = time.perf_counter()
    summary = summary or IngestSummary()
    trees = list(trees)
    store.ensure_collection(embedder.dim, embedder.name)
    indexed = store.document_hashes()
    for n, tree in enumerate(trees, start=1):
        doc = tree.doc_id
        if not force and indexed.get(doc) == tree.meta.content_hash:
            summary.skipped += 1
            if progress:
                progress(f"{doc} (unchanged)", n, len(trees))
            continue
        chunks = chunk_document(tree, max_chars)
        dense, sparse = encode_chunks(chunks, embedder, batch_size)
        store.delete_document(doc)
        store.upsert(chunks, dense, sparse)  # type: ignore[arg-type]
        n_sections = sum(1 for _ in tree.iter_sections())
        summary.documents += 1
        summary.sections += n_sections
        summary.tasks += len(tree.tasks)
        summary.chunks += len(chunks)
        summary.per_document[doc] = {
            "sections": n_sections,
            "tasks": len(tree.tasks),
            "chunks": len(chunks),
        }
        if progress:
            progress(doc, n, len(trees))
    summary.seconds += time.perf_counter() - t0
    return summary


def ingest_paths(
    entries: list[ManifestEntry],
    store: IndexStore,
    embedder: Embedder,
    max_chars: int,
    batch_size: int = 16,
    force: bool = False,
    progress: Progress | None = None,
) -> IngestSummary:
    """Parse and index; a file that fails to parse is reported and the rest go on."""
    summary = IngestSummary()
    trees = []
    for e in entries:
        try:
            trees.append(parse(e.path, e.id, e.fields))
        except DocumentError as exc:
            summary.errors[e.id] = str(exc)
    return ingest_trees(trees, store, embedder, max_chars, batch_size, force, progress, summary)


def ingest_corpus(
    corpus_dir: Path,
    store: IndexStore,
    embedder: Embedder,
    max_chars: int,
    batch_size: int = 16,
    force: bool = False,
    progress: Progress | None = None,
) -> IngestSummary:
    return ingest_paths(
        load_manifest(corpus_dir), store, embedder, max_chars, batch_size, force, progress
    )
