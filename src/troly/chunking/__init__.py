"""DocumentTree → chunks: one per leaf section (long ones split on sentences), one per task.

Chunk ``text`` keeps the source wording verbatim so that citations can quote it;
``embed_text`` prefixes the plan's province, year and heading chain, which is what gets
embedded and lexically indexed (without it the wrong province wins on similar plans).
Point ids are deterministic (uuid5 of document, kind, key and piece) so re-ingesting is
idempotent.
"""

from __future__ import annotations

import uuid

from troly.chunking.sections import section_chunks
from troly.chunking.task_rows import task_chunks
from troly.schema import OCR_NOTE, Chunk, DocumentTree

NAMESPACE = uuid.UUID("6f1c4c1e-9a43-4a8e-b7f5-2f0f3c8a7d10")


def chunk_id(doc_id: str, kind: str, key: str, piece: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{doc_id}|{kind}|{key}|{piece}"))


def plan_label(tree: DocumentTree) -> str:
    m = tree.meta
    year = f" năm {m.year}" if m.year else ""
    return f"Kế hoạch CCHC{year} tỉnh {m.province}" if m.province else m.title


def chunk_document(tree: DocumentTree, max_chars: int = 1200) -> list[Chunk]:
    """All chunks of a document, in document order (sections first, then tasks).

    A law of the legal library (``meta.extra["kind"] == "law"``) gets one chunk per Điều
    instead (:func:`troly.chunking.articles.article_chunks`).
    """
    if tree.meta.extra.get("kind") == "law":
        from troly.chunking.articles import article_chunks

        return _mark_ocr(article_chunks(tree, max(2 * max_chars, 2400)))
    chunks = section_chunks(tree, max_chars) + task_chunks(tree)
    for i, c in enumerate(chunks):
        c.ordinal = i
        c.content_hash = tree.meta.content_hash
    if chunks:
        chunks[0].fields.update(meta_fields(tree))
    return _mark_ocr(chunks)


def meta_fields(tree: DocumentTree) -> dict[str, str]:
    """What the document's header and signature say about it (number, date, issuer,
    signer), as fields of its first chunk: the signature block is quoted by no chunk, and
    a question about the document itself is answered from them
    (:mod:`troly.answerer.docinfo`)."""
    m = tree.meta
    values = {
        "doc_number": m.number,
        "doc_issued": m.issued,
        "doc_issuer": m.issuer,
        "doc_signer": m.signer,
        "doc_type": m.doc_type,
    }
    return {k: v for k, v in values.items() if v}


def dense_text(chunk: Chunk) -> str:
    """What the dense model reads of a chunk: ``embed_text``, for an article its first
    ``EMBED_CHARS`` characters (ingest cost on 2 cores; most articles fit whole). The
    lexical index reads the whole ``embed_text``: a long article's later khoản must match."""
    if chunk.kind == "article":
        from troly.chunking.articles import EMBED_CHARS, truncate

        return truncate(chunk.embed_text, EMBED_CHARS)
    return chunk.embed_text


# How many more times an article's heading ("Điều 35. Chiếm hữu, sử dụng, định đoạt tài
# sản chung") is read by the lexical index: the heading names the article's subject, so
# it weighs like a boosted field. Chosen on the dev splits by scripts/tune_lexical.py
# (laws dev MRR@10 0.936 → 0.941; ×2 and ×3 the same; plans unaffected).
ARTICLE_HEADING_REPEAT = 1


def lexical_texts(chunk: Chunk, heading_repeat: int = ARTICLE_HEADING_REPEAT) -> list[str]:
    """The texts the lexical index reads for a chunk: the whole ``embed_text`` and, for a
    legal article, its heading line ``heading_repeat`` more times."""
    texts = [chunk.embed_text]
    if chunk.kind == "article":
        lines = chunk.embed_text.split("\n", 2)  # law › chapter path, heading, text
        if len(lines) > 1 and lines[1].strip():
            texts.extend([lines[1]] * heading_repeat)
    return texts


def lexical_terms(
    chunk: Chunk, heading_repeat: int = ARTICLE_HEADING_REPEAT, bigrams: bool = True
) -> list[str]:
    """The passage terms of a chunk's lexical vector (:func:`lexical_texts` read by
    :func:`troly.text.document_terms`); the parameters exist for the tuning script."""
    from troly.text import document_terms

    return [
        t for text in lexical_texts(chunk, heading_repeat) for t in document_terms(text, bigrams)
    ]


def _mark_ocr(chunks: list[Chunk]) -> list[Chunk]:
    """Text read by OCR says so where it is cited: its location ends with OCR_NOTE."""
    for c in chunks:
        if c.fields.get("ocr") == "true" and not c.location.endswith(OCR_NOTE):
            c.location += OCR_NOTE
    return chunks


__all__ = [
    "chunk_document",
    "chunk_id",
    "dense_text",
    "lexical_terms",
    "lexical_texts",
    "plan_label",
]
