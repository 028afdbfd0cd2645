"""Section chunks: each section's own heading and body, split on sentence boundaries."""

from __future__ import annotations

from troly.schema import Chunk, DocumentTree, Section
from troly.text import split_sentences

# Sections that hold no plan content worth answering from.
SKIP_PATHS = frozenset({"Nơi nhận"})


def _pieces(lines: list[str], max_chars: int) -> list[str]:
    """Group paragraphs (then sentences of long paragraphs) into pieces <= max_chars.

    A piece never ends mid-sentence; a single sentence longer than the limit stays whole.
    """
    units: list[str] = []
    for para in lines:
        if len(para) <= max_chars:
            units.append(para)
        else:
            units.extend(split_sentences(para) or [para])
    pieces: list[str] = []
    buf: list[str] = []
    size = 0
    for u in units:
        extra = len(u) + (1 if buf else 0)
        if buf and size + extra > max_chars:
            pieces.append("\n".join(buf))
            buf, size = [], 0
            extra = len(u)
        buf.append(u)
        size += extra
    if buf:
        pieces.append("\n".join(buf))
    return pieces


def _chain(stack: list[Section]) -> list[str]:
    out = []
    for s in stack:
        if s.heading:
            out.append(s.heading if len(s.heading) <= 90 else s.heading[:87].rstrip() + "…")
        else:
            out.append(s.title)
    return out


def section_chunks(tree: DocumentTree, max_chars: int) -> list[Chunk]:
    from troly.chunking import chunk_id, plan_label

    meta = tree.meta
    task_paths = {t.section_path for t in tree.tasks if t.section_path}
    label = plan_label(tree)
    out: list[Chunk] = []

    def visit(sec: Section, stack: list[Section]) -> None:
        path_stack = [*stack, sec]
        if sec.path not in SKIP_PATHS and sec.path not in task_paths:
            body = [p for p in sec.text.split("\n") if p.strip()]
            head = sec.heading or ""
            own = ([head] if head else []) + body
            # A title-only parent is carried in its children's heading chain instead.
            if body or (head and sec.is_leaf):
                headings = _chain(path_stack)
                for i, piece in enumerate(_pieces(own, max_chars)):
                    context = " › ".join(headings[:-1] if piece.startswith(head) else headings)
                    out.append(
                        Chunk(
                            id=chunk_id(meta.doc_id, "section", sec.key, i),
                            doc_id=meta.doc_id,
                            kind="section",
                            text=piece,
                            embed_text=f"{label}. {context}\n{piece}"
                            if context
                            else f"{label}.\n{piece}",
                            path=sec.path,
                            location=sec.path,
                            headings=headings,
                            province=meta.province,
                            year=meta.year,
                            title=meta.title,
                            fields={"ocr": "true"} if sec.ocr else {},
                        )
                    )
        for child in sec.children:
            visit(child, path_stack)

    for root in tree.sections:
        visit(root, [])
    return out
