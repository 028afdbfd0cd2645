"""The single wiring point: ``build_services(settings) -> Services``.

The CLI, the API, the UI and the evaluation all get their parts from here; nothing else
constructs a store, an embedder or a retriever. Heavy parts load lazily, on first use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from troly.documents import DocumentTree, ManifestEntry, find_document, load_manifest
from troly.embedding import Embedder, EmbeddingCache, build_embedder
from troly.index_store import IndexStore
from troly.ingestion import Detail, IngestSummary, Progress, ingest_paths
from troly.retriever import Retriever
from troly.settings import Settings, get_settings

if TYPE_CHECKING:
    from troly.answerer import Answerer, CorpusScope


@dataclass
class Services:
    settings: Settings
    store: IndexStore
    _embedder: Embedder | None = field(default=None, repr=False)
    # Serialises the lazy creation of the model and the store's client: the warm-up thread
    # and the first request would otherwise both build them (two embedded Qdrant clients
    # on one folder → "already accessed", a 503 on the first question).
    _init_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    store_open: bool = field(default=False, repr=False)  # set once open_store() succeeded

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._init_lock:
                if self._embedder is None:
                    self._embedder = build_embedder(self.settings.embedding)
        return self._embedder

    def open_store(self) -> None:
        """Open the store's client once, under the init lock (raises IndexUnavailable)."""
        with self._init_lock:
            self.store.exists()  # opens the engine (edge reader, or qdrant-client)
            self.store_open = True

    @cached_property
    def provinces(self) -> list[str]:
        return sorted(
            {str(e.fields.get("province")) for e in load_manifest(self.settings.corpus_dir)}
            - {"None", ""}
        )

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(
            self.store,
            self.embedder,
            self.settings.retrieval,
            self.provinces,
            self.settings.max_question_chars,
        )

    @cached_property
    def plans(self) -> dict[str, list[int]]:
        """Province → years of the plans in the corpus."""
        out: dict[str, list[int]] = {}
        for e in load_manifest(self.settings.corpus_dir):
            province, year = e.fields.get("province"), e.fields.get("year")
            if province and year:
                out.setdefault(str(province), []).append(int(year))
        return out

    @cached_property
    def answerer(self) -> Answerer:
        from troly.answerer import Answerer

        llm = None
        if self.settings.llm.enabled:
            from troly.llm import LLMRewriter

            llm = LLMRewriter(self.settings.llm)
        answerer = Answerer(
            self.retriever,
            self.store,
            self.provinces,
            self.plans,
            llm=llm,
            max_question_chars=self.settings.max_question_chars,
        )
        # another process's ingest published a new index state: drop cached task rows
        self.store.on_change(answerer.invalidate)
        return answerer

    def scope(self) -> CorpusScope:
        """Provinces, plan years and document kinds the index holds (refreshed after
        every ingest or upload): ``scope().to_dict()`` for UI filters and the API."""
        return self.answerer.scope()

    def document(self, doc_id: str) -> DocumentTree:
        return find_document(self.settings.corpus_dir, doc_id)

    def ingest(
        self,
        force: bool = False,
        progress: Progress | None = None,
        detail: Detail | None = None,
        entries: list[ManifestEntry] | None = None,
    ) -> IngestSummary:
        """Index the corpus folder, or the given files (``troly ingest PATH …``)."""
        if "answerer" in self.__dict__:
            self.answerer.invalidate()
        cache = self.embedding_cache()
        try:
            summary = IngestSummary()
            if self.settings.library != "laws":
                summary = ingest_paths(
                    load_manifest(self.settings.corpus_dir) if entries is None else entries,
                    self.store,
                    self.embedder,
                    self.settings.retrieval.max_chunk_chars,
                    self.settings.embedding.batch_size,
                    force=force,
                    progress=progress,
                    detail=detail,
                    cache=cache,
                )
            if entries is None and self.settings.library in ("laws", "both"):
                self.ingest_laws(force, progress, detail, summary, cache)
        finally:
            if cache is not None:
                cache.close()
        if cache is not None:
            summary.cached = cache.hits
        if "answerer" in self.__dict__:
            self.answerer.invalidate()  # the scope now includes what was just indexed
        return summary

    def ingest_laws(
        self,
        force: bool = False,
        progress: Progress | None = None,
        detail: Detail | None = None,
        summary: IngestSummary | None = None,
        cache: EmbeddingCache | None = None,
    ) -> IngestSummary:
        """Index the bundled legal library (settings.legal_dir) as article chunks."""
        from troly.documents.legal import load_library
        from troly.ingestion import ingest_trees

        trees = load_library(self.settings.legal_dir)
        return ingest_trees(
            trees,
            self.store,
            self.embedder,
            self.settings.retrieval.max_chunk_chars,
            self.settings.embedding.batch_size,
            force=force,
            progress=progress,
            summary=summary,
            detail=detail,
            total=len(trees),
            cache=cache,
        )

    def embedding_cache(self) -> EmbeddingCache | None:
        """The passage-vector cache in the data folder (``embedding.cache``), or None."""
        if not self.settings.embedding.cache:
            return None
        return EmbeddingCache(self.settings.data_dir / "embed-cache.sqlite")

    def close(self) -> None:
        self.store.close()


def build_services(settings: Settings | None = None, embedder: Embedder | None = None) -> Services:
    settings = settings or get_settings()
    return Services(settings=settings, store=IndexStore(settings.qdrant), _embedder=embedder)
