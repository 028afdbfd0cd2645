"""Legal chunks: one per Điều; a long article split by khoản.

Each chunk's ``text`` is verbatim: the article heading ("Điều 12. Nơi cư trú …") followed
by the article's intro and the khoản it covers, so that a quote can be re-parsed into
khoản/điểm (:func:`troly.documents.legal.parse_legal`). ``location`` is the citation
path ("Luật Cư trú 2020 › Chương II › Điều 12 › khoản 2"); ``fields`` carry the law, the
article, the khoản covered and the chapter path. ``embed_text`` prefixes the law's name
and the chapter path to the whole text: it is what gets lexically indexed. The dense
model reads its first ``EMBED_CHARS`` characters (:func:`dense_text`).
"""

from __future__ import annotations

from troly.documents.legal import ADOPTION, CLOSING, unit_kind, unit_number, unit_text
from troly.schema import Chunk, DocumentTree, Section

# multilingual-e5 reads 512 tokens; Vietnamese legal text averages ~3.5 characters per
# token, so ~1000 characters of title + leading text (~300 tokens) keep the ingest affordable
# on 2 cores while covering most articles whole (median article: ~600 characters).
EMBED_CHARS = 1000


def law_label(tree: DocumentTree) -> str:
    """ "Luật Cư trú 2020" (title and year, as shown in citation paths)."""
    m = tree.meta
    return f"{m.title} {m.year}" if m.year and str(m.year) not in m.title else m.title


def law_citation_name(tree: DocumentTree) -> str:
    """ "Luật Cư trú năm 2020" (as written after "Điều 12" in a Vietnamese citation)."""
    m = tree.meta
    return f"{m.title} năm {m.year}" if m.year and str(m.year) not in m.title else m.title


def truncate(text: str, limit: int = EMBED_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


def article_embed_text(law_name: str, heading_chain: str, article_text: str) -> str:
    """What is indexed for an article: law name, chapter path, then the whole text."""
    head = f"{law_name} › {heading_chain}" if heading_chain else law_name
    return f"{head}\n{article_text}"


def _clause_label(numbers: list[str]) -> str:
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f"khoản {numbers[0]}"
    return f"khoản {numbers[0]}–{numbers[-1]}"


def _pieces(article: Section, max_chars: int) -> list[tuple[str, list[str]]]:
    """(text, khoản numbers) pieces of an article; one piece if it fits."""
    whole = unit_text(article)
    clauses = [c for c in article.children if unit_kind(c) == "khoan"]
    if len(whole) <= max_chars or len(clauses) < 2:
        return [(whole, [])]
    head = article.heading
    intro = article.text
    pieces: list[tuple[str, list[str]]] = []
    buf: list[str] = [intro] if intro else []
    nums: list[str] = []
    size = len(head) + len(intro)
    for c in clauses:
        t = unit_text(c)
        if nums and size + len(t) > max_chars:
            pieces.append(("\n".join([head, *buf]), nums))
            buf, nums, size = [], [], len(head)
        buf.append(t)
        nums.append(unit_number(c))
        size += len(t) + 1
    if buf:
        pieces.append(("\n".join([head, *buf]), nums))
    return pieces


def adoption_sentence(tree: DocumentTree) -> str:
    """The adoption formula of a law's closing block, verbatim ("Luật này được Quốc hội
    … thông qua ngày 13 tháng 11 năm 2020."), or "" when it has none."""
    for root in tree.sections:
        if root.path != CLOSING:
            continue
        for line in root.text.split("\n"):
            if ADOPTION.match(line.strip()):
                return line.strip()
    return ""


def article_chunks(tree: DocumentTree, max_chars: int = 2400) -> list[Chunk]:
    """One chunk per Điều (split by khoản beyond ``max_chars``), in document order."""
    from troly.chunking import chunk_id

    meta = tree.meta
    label = law_label(tree)
    cite_name = law_citation_name(tree)
    adopted = adoption_sentence(tree)
    out: list[Chunk] = []

    def visit(sec: Section, chain: list[Section]) -> None:
        if unit_kind(sec) == "dieu":
            containers = [s for s in chain if unit_kind(s) in ("phan", "chuong", "muc", "tieumuc")]
            chapter = " › ".join(s.path for s in containers)
            headings = [f"{s.path}. {s.title}".rstrip(". ") for s in containers]
            article_no = unit_number(sec)
            for i, (text, nums) in enumerate(_pieces(sec, max_chars)):
                clause = _clause_label(nums)
                where = f"Điều {article_no}" + (f", {clause}" if clause else "")
                loc = " › ".join(
                    p for p in [label, chapter, f"Điều {article_no}", clause.replace("–", "-")] if p
                )
                cite = f"{clause + ' ' if clause else ''}Điều {article_no} {cite_name}"
                out.append(
                    Chunk(
                        id=chunk_id(meta.doc_id, "article", sec.key, i),
                        doc_id=meta.doc_id,
                        kind="article",
                        text=text,
                        embed_text=article_embed_text(label, " › ".join(headings), text),
                        path=where,
                        location=loc,
                        headings=[*headings, sec.heading],
                        province="",
                        year=meta.year,
                        title=meta.title,
                        fields={
                            "law": meta.title,
                            "law_number": meta.number or "",
                            "article": article_no,
                            "article_title": sec.title,
                            "clauses": ",".join(nums),
                            "chapter": chapter,
                            "citation": cite,
                            **({"adopted": adopted} if adopted else {}),
                            **({"ocr": "true"} if any(s.ocr for s in sec.walk()) else {}),
                        },
                    )
                )
            return
        for child in sec.children:
            visit(child, [*chain, sec])

    for root in tree.sections:
        visit(root, [])
    for i, c in enumerate(out):
        c.ordinal = i
        c.content_hash = meta.content_hash
    return out


__all__ = [
    "EMBED_CHARS",
    "adoption_sentence",
    "article_chunks",
    "article_embed_text",
    "law_citation_name",
    "law_label",
    "truncate",
]
