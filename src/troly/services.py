"""The single wiring point: ``build_services(settings) -> Services``.

The CLI, the API, the UI and the evaluation all get their parts from here; nothing else
constructs a store, an embedder or a retriever. Heavy parts load lazily, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from troly.documents import DocumentTree, find_document, load_manifest
from troly.embedding import Embedder, build_embedder
from troly.index_store import IndexStore
from troly.ingestion import IngestSummary, Progress, ingest_corpus
from troly.retriever import Retriever
from troly.settings import Settings, get_settings

if TYPE_CHECKING:
    from troly.answerer import Answerer


@dataclass
class Services:
    settings: Settings
    store: IndexStore
    _embedder: Embedder | None = field(default=None, repr=False)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = build_embedder(self.settings.embedding)
        return self._embedder

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
        return Answerer(
            self.retriever,
            self.store,
            self.provinces,
            self.plans,
            llm=llm,
            max_question_chars=self.settings.max_question_chars,
        )

    def document(self, doc_id: str) -> DocumentTree:
        return find_document(self.settings.corpus_dir, doc_id)

    def ingest(self, force: bool = False, progress: Progress | None = None) -> IngestSummary:
        if "answerer" in self.__dict__:
            self.answerer.invalidate()
        if self.settings.library == "laws":
            return self.ingest_laws(force=force, progress=progress)
        summary = ingest_corpus(
            self.settings.corpus_dir,
            self.store,
            self.embedder,
            self.settings.retrieval.max_chunk_chars,
            self.settings.embedding.batch_size,
            force=force,
            progress=progress,
        )
        if self.settings.library == "both":
            self.ingest_laws(force=force, progress=progress, summary=summary)
        return summary

    def ingest_laws(
        self,
        force: bool = False,
        progress: Progress | None = None,
        summary: IngestSummary | None = None,
    ) -> IngestSummary:
        """Index the bundled legal library (settings.legal_dir) as article chunks."""
        from troly.documents.legal import load_library
        from troly.ingestion import ingest_trees

        return ingest_trees(
            load_library(self.settings.legal_dir),
            self.store,
            self.embedder,
            self.settings.retrieval.max_chunk_chars,
            self.settings.embedding.batch_size,
            force=force,
            progress=progress,
            summary=summary,
        )

    def close(self) -> None:
        self.store.close()


def build_services(settings: Settings | None = None, embedder: Embedder | None = None) -> Services:
    settings = settings or get_settings()
    return Services(settings=settings, store=IndexStore(settings.qdrant), _embedder=embedder)
