"""A legal question through the plans' answerer: when the index holds laws, no province
is named and the retrieval ranks an article first, the answer quotes the governing
khoản/điểm (:func:`troly.legal_answer.answer_legal`), with the named-law handling: a law
the question names is searched alone; a law it names that the library lacks is said so.
"""

from __future__ import annotations

from dataclasses import replace

import troly.legal_answer as la
from troly.retriever import Retriever
from troly.schema import Answer, SearchFilters, SearchResult


def _search(retriever: Retriever, q: str, filters: SearchFilters | None) -> list[SearchResult]:
    """The answerer's retrieval for a legal question: the first eight results."""
    return retriever.search(q, k=8, filters=replace(filters) if filters else SearchFilters())


def legal_route(q: str, retriever: Retriever, filters: SearchFilters | None) -> Answer | None:
    """The answer to ``q`` as a legal question, or ``None`` when it is not one (a province
    is named, or the first result is no article)."""
    if retriever.provinces.detect(q):
        return None  # a province's plan is asked about
    results = _search(retriever, q, filters)
    if not results or results[0].chunk.kind != "article":
        return None
    explain = ["intent: legal", "top result is an article"]
    shelf = la.shelf_for(retriever.store)
    entries = shelf.entries()
    named = la.named_laws(q, entries)
    note = ""
    if named.missing and not named.known:
        # "Theo Luật Đất đai, …" with no Luật Đất đai in the library: say so, rather
        # than quote whatever article of another law shares its words — unless an
        # article holds nearly all the rest of the question (then with a note)
        rest = la.without_names(q, named.missing)
        arts = [r for r in results[:3] if r.chunk.kind == "article"]
        best = max((la.question_coverage(rest, r.chunk.text) for r in arts), default=0.0)
        why = f"names {named.missing}: not in the library; best article covers {best:.2f}"
        if best < la.NAMED_MISSING_MIN:
            answer = la.missing_law_refusal(q, named.missing, [e.title for e in entries])
            answer.context["explain"] = [*explain, f"{why} < {la.NAMED_MISSING_MIN}"]
            return answer
        note = la.missing_law_note(named.missing)
        explain.append(f"{why} ≥ {la.NAMED_MISSING_MIN}: answered with a note")
    if len(named.known) == 1:
        law = named.known[0]
        first = shelf.first_chunk(law)
        adopted = la.adoption_answer(q, first) if first is not None else None
        if adopted is not None:
            return adopted
        if not (filters and filters.doc_id):
            # the question names one law of the library: its articles only
            scoped = replace(filters or SearchFilters(), doc_id=law, kind="article")
            results = _search(retriever, q, scoped) or results
            explain.append(f"names {law}: searched its articles only")
    answer = la.answer_legal(
        q,
        results,
        store=retriever.store,
        min_similarity=la.dense_support(retriever.embedder.name),
    )
    if note and not answer.refused:
        answer.answer = f"{note}\n\n{answer.answer}"
    ocr_ids = {r.chunk.id for r in results if r.chunk.fields.get("ocr") == "true"}
    for cite in answer.citations:  # text read by OCR from a scan says so (issue 9)
        if cite.chunk_id in ocr_ids:
            cite.mark_ocr()
    if "support" in answer.context:
        explain.append(f"support: {answer.context['support']}")
    answer.context.setdefault("explain", explain)
    return answer


__all__ = ["legal_route"]
