"""Files → parsed trees → chunks → vectors → Qdrant, idempotently, with progress.

* Safe to stop at any moment. Writes go through :meth:`IndexStore.writing`: with the
  embedded engine they land in a new generation that readers do not see until it is
  published (at the end, and between documents every ``checkpoint_seconds``), so a
  running server keeps answering from the previous state and a killed ingest leaves the
  previous state intact. A document is replaced write-new-then-delete-old and counts as
  indexed only when all its points of one write are there
  (:func:`troly.index_store.complete_documents`), so a plain re-run repairs a document
  that was cut midway; unchanged, complete documents are skipped unless forced.
* Fast: the next document is parsed in a background thread while the current one is
  embedded (the embedder's C code releases the GIL), and texts are embedded in batches.
* Visible: ``progress(label, n, total)`` per document as before, and ``detail(doc,
  stage, done, total)`` inside each document: "page" / "ocr" while a PDF is read page by
  page (from the parsing thread, so possibly for the document after the one being
  embedded), then "parsed", "embed" batches and "write".
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from troly.chunking import chunk_document, dense_text, lexical_terms
from troly.documents import DocumentError, ManifestEntry, load_manifest, parse
from troly.embedding import Embedder, EmbeddingCache
from troly.index_store import IndexStore, Sparse, passage_sparse
from troly.schema import Chunk, DocumentTree

Progress = Callable[[str, int, int], None]
Detail = Callable[[str, str, int, int], None]

#: Test hook for the kill -9 fault test: the name of an ingest event ("embedding",
#: "first_write", "replaced", "document_done") at which the process reports
#: ``TROLY_PAUSED <event> <doc>`` on stderr and waits to be killed. Never set in use.
PAUSE_ENV = "TROLY_INGEST_PAUSE_AT"


@dataclass
class IngestSummary:
    documents: int = 0
    skipped: int = 0
    sections: int = 0
    tasks: int = 0
    chunks: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    per_document: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    checkpoints: int = 0
    cached: int = 0

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0


def _pause_point(event: str, doc: str) -> None:
    wanted = os.environ.get(PAUSE_ENV)
    if wanted and wanted == event:
        import sys

        sys.stderr.write(f"TROLY_PAUSED {event} {doc}\n")
        sys.stderr.flush()
        while True:  # the fault test kills this process with SIGKILL here
            time.sleep(3600)


# Version of what a document's points hold beyond its file (chunking, lexical terms): a
# new version re-indexes every document on the next plain ingest. 2: an article's lexical
# vector reads the whole article, not the first 1,000 characters the dense model reads.
# 3: passages' lexical terms include syllable bigrams; an article's heading is boosted.
# 4: a law's closing block (adoption formula, signature) is no longer its last khoản.
# 5: an article's fields carry its law's adoption formula ("adopted").
# 6: an adoption formula run into the last article's paragraph is split off (Word files).
# 7: BM25 saturation of passage vectors by kind of chunk (index_store.PASSAGE_BM25).
# 8: a document's first chunk carries its header's fields (number, date, signer); more
#    abbreviations are indexed under both forms (troly.text.SPELLED_OUT: NSNN, SNCL, …).
INDEX_VERSION = 8


def index_hash(content_hash: str) -> str:
    """What a document's points record as their version: the file's content hash and
    ``INDEX_VERSION``; a document is skipped on ingest only when both are unchanged."""
    return f"{content_hash}+v{INDEX_VERSION}"


def encode_chunks(
    chunks: list[Chunk],
    embedder: Embedder,
    batch_size: int,
    progress: Callable[[int, int], None] | None = None,
    cache: EmbeddingCache | None = None,
) -> tuple[np.ndarray, list[Sparse]]:
    """Dense vectors in batches (progress after each) and the lexical sparse vectors."""
    vectors = []
    for start in range(0, len(chunks), batch_size):
        texts = [dense_text(c) for c in chunks[start : start + batch_size]]
        if cache is not None:
            vectors.append(cache.embed_passages(embedder, texts))
        else:
            vectors.append(embedder.embed_passages(texts))
        if progress:
            progress(min(start + batch_size, len(chunks)), len(chunks))
    dense = np.vstack(vectors) if vectors else np.zeros((0, embedder.dim), dtype=np.float32)
    sparse = [passage_sparse(lexical_terms(c), c.kind) for c in chunks]
    return dense, sparse


def _prefetch(items: Iterable[DocumentTree], depth: int = 1) -> Iterator[DocumentTree]:
    """Yield ``items`` while a background thread produces the next ones (parsing)."""
    q: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def run() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(("item", item))
            q.put(("end", None))
        except BaseException as exc:  # handed to the consumer
            q.put(("error", exc))

    t = threading.Thread(target=run, name="troly-parse", daemon=True)
    t.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:
        stop.set()


def ingest_trees(
    trees: Iterable[DocumentTree],
    store: IndexStore,
    embedder: Embedder,
    max_chars: int,
    batch_size: int = 16,
    force: bool = False,
    progress: Progress | None = None,
    summary: IngestSummary | None = None,
    detail: Detail | None = None,
    total: int | None = None,
    checkpoint_seconds: float | None = None,
    cache: EmbeddingCache | None = None,
) -> IngestSummary:
    t0 = time.perf_counter()
    summary = summary or IngestSummary()
    if total is None and isinstance(trees, list | tuple):
        total = len(trees)
    total = total or 0
    if checkpoint_seconds is None:
        checkpoint_seconds = store.settings.checkpoint_seconds
    with store.writing():
        store.ensure_collection(embedder.dim, embedder.name)
        indexed = store.document_hashes()
        for n, tree in enumerate(trees, start=1):
            doc = tree.doc_id
            want = index_hash(tree.meta.content_hash)
            if not force and indexed.get(doc) == want:
                summary.skipped += 1
                if progress:
                    progress(f"{doc} (unchanged)", n, total)
                continue
            chunks = chunk_document(tree, max_chars)
            for c in chunks:
                c.content_hash = want
            n_sections = sum(1 for _ in tree.iter_sections())
            if detail:
                detail(doc, "parsed", n_sections, len(chunks))

            def embedded(done: int, all_: int, doc: str = doc) -> None:
                if detail:
                    detail(doc, "embed", done, all_)
                _pause_point("embedding", doc)

            te = time.perf_counter()
            dense, sparse = encode_chunks(chunks, embedder, batch_size, embedded, cache)
            summary.embed_seconds += time.perf_counter() - te

            def written(done: int, all_: int, doc: str = doc) -> None:
                if detail:
                    detail(doc, "write", done, all_)
                _pause_point("first_write", doc)

            store.replace_document(doc, chunks, dense, sparse, on_batch=written)
            _pause_point("replaced", doc)
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
                progress(doc, n, total)
            if store.checkpoint(checkpoint_seconds):
                summary.checkpoints += 1
            _pause_point("document_done", doc)
    summary.seconds += time.perf_counter() - t0
    return summary


def _parsed(
    entries: list[ManifestEntry], summary: IngestSummary, detail: Detail | None = None
) -> Iterator[DocumentTree]:
    for e in entries:

        def on_page(stage: str, done: int, total: int, doc: str = e.id) -> None:
            if detail:  # "page" / "ocr": inside a long PDF, before its chunks exist
                detail(doc, stage, done, total)

        try:
            yield parse(e.path, e.id, e.fields, on_page=on_page if detail else None)
        except DocumentError as exc:
            summary.errors[e.id] = str(exc)


def ingest_paths(
    entries: list[ManifestEntry],
    store: IndexStore,
    embedder: Embedder,
    max_chars: int,
    batch_size: int = 16,
    force: bool = False,
    progress: Progress | None = None,
    detail: Detail | None = None,
    cache: EmbeddingCache | None = None,
) -> IngestSummary:
    """Parse and index; a file that fails to parse is reported and the rest go on.

    Parsing of the next file overlaps with embedding of the current one."""
    summary = IngestSummary()
    return ingest_trees(
        _prefetch(_parsed(entries, summary, detail)),
        store,
        embedder,
        max_chars,
        batch_size,
        force,
        progress,
        summary,
        detail=detail,
        total=len(entries),
        cache=cache,
    )


def ingest_corpus(
    corpus_dir: Path,
    store: IndexStore,
    embedder: Embedder,
    max_chars: int,
    batch_size: int = 16,
    force: bool = False,
    progress: Progress | None = None,
    detail: Detail | None = None,
    cache: EmbeddingCache | None = None,
) -> IngestSummary:
    return ingest_paths(
        load_manifest(corpus_dir),
        store,
        embedder,
        max_chars,
        batch_size,
        force,
        progress,
        detail,
        cache,
    )
