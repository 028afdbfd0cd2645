"""Questions about a plan as a document: its number (số hiệu), date, signer and issuer.

"KH CCHC 2024 của Bình Phước được ban hành kèm theo quyết định số mấy, ngày nào, ai ký?"
asks about the document, not about anything it plans: no sentence of the plan shares its
words. The answer quotes the header lines that state the number and date ("Số:
2142/QĐ-UBND", "Bình Phước, ngày 29 tháng 12 năm 2023", "(Ban hành kèm theo Quyết định số
… ngày …)") and adds what the document's header and signature said at ingest
(:func:`troly.documents.docmeta.document_fields`, kept in the fields of the document's
first chunk by :func:`troly.chunking.chunk_document`): the signer is printed under the
signature, which no chunk quotes.

A question is about the document only when, besides the asking words, the plan's own name
(its title, province and year) and the words naming a document ("kế hoạch", "quyết định",
"ban hành"), no word is left (:data:`MAX_OTHER_WORDS`): "Sở Nội vụ ban hành kế hoạch
kiểm tra khi nào?" asks about a task, not about the plan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from troly.composer import Evidence, plan_name
from troly.schema import Chunk
from troly.text import fold

# Fields of a document's first chunk (troly.chunking.META_FIELDS) and how they are named.
LABELS = {
    "doc_number": "Số hiệu",
    "doc_issued": "Ngày ban hành",
    "doc_issuer": "Cơ quan ban hành",
    "doc_signer": "Người ký",
}

# What is asked, on the folded question
_ASKS = {
    "doc_number": re.compile(
        r"\bso (may|hieu|bao nhieu|nao|ky hieu)\b|\bquyet dinh (so )?(may|nao)\b|\bso\s*\?"
    ),
    "doc_issued": re.compile(
        r"\bngay (nao|bao nhieu|may|thang nao)\b|\bkhi nao\b|\bbao gio\b|\bthoi (gian|diem) nao\b"
        r"|\bngay ban hanh\b|\bngay ky\b"
    ),
    "doc_signer": re.compile(r"\b(ai|nguoi nao) (da )?ky\b|\bnguoi ky\b|\bky boi ai\b"),
    "doc_issuer": re.compile(r"\b(co quan|don vi|ai) (nao )?(da )?ban hanh\b"),
}
# the question names the document and its issuing: "kế hoạch … ban hành", "QĐ … ký"
_DOCUMENT = re.compile(r"\b(ke hoach|kh|quyet dinh|qd|van ban)\b")
_ISSUING = re.compile(r"\bban hanh\b")
# words that name a document, its issuing or ask the question: not a topic
_NOT_TOPIC_WORDS = (
    "ke hoach kh quyet dinh qd van ban ban hanh kem theo ky so hieu ngay thang nam nao "
    "bao nhieu may khi gio thoi gian diem ai nguoi co quan don vi da duoc do boi la gi "
    "cua tinh ubnd uy nhan dan chu tich cchc cai cach chinh nha nuoc tren dia mang "
    "lan luot va voi cho o tai hay khong vao luc nay the cu"
)
_NOT_TOPIC = frozenset(_NOT_TOPIC_WORDS.split())
MAX_OTHER_WORDS = 0


def asked_fields(question: str, title_words: Sequence[str] = ()) -> list[str]:
    """The document fields a question asks about (in :data:`LABELS` order), or [] when it
    is not a question about the document itself (see the module doc)."""
    fq = fold(question)
    if not (_DOCUMENT.search(fq) and (_ISSUING.search(fq) or _ASKS["doc_signer"].search(fq))):
        return []
    wanted = [name for name in LABELS if _ASKS[name].search(fq)]
    if not wanted:
        return []
    known = _NOT_TOPIC | {fold(w) for w in title_words}
    words = re.findall(r"[a-z]+", fq)
    others = [w for w in words if w not in known and len(w) > 1]
    return wanted if len(others) <= MAX_OTHER_WORDS else []


# header lines that state the number and the date, quoted as written
_NUMBER_LINE = re.compile(r"^\s*Số\s*:?\s*\d+\s*/\s*\S+", re.I)
_DATE_LINE = re.compile(r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}", re.I)
_ISSUED_WITH = re.compile(r"^\s*\(?\s*Ban hành kèm theo\b.*\d{4}.*\)?\s*$", re.I)


@dataclass
class HeaderLine:
    chunk: Chunk
    text: str


def header_lines(head: Sequence[Chunk]) -> list[HeaderLine]:
    """The lines of a document's first chunks that state its number and date: "Số: …",
    "<place>, ngày … tháng … năm …" and "(Ban hành kèm theo Quyết định số … ngày …)"."""
    out: list[HeaderLine] = []
    seen: set[str] = set()
    for chunk in head:
        for line in chunk.text.split("\n"):
            text = line.strip()
            short_date = len(text) <= 80 and _DATE_LINE.search(text)
            if not text or text in seen:
                continue
            if _NUMBER_LINE.match(text) or short_date or _ISSUED_WITH.match(text):
                seen.add(text)
                out.append(HeaderLine(chunk, text))
    return out


def title_words(head: Sequence[Chunk]) -> list[str]:
    """The words of a document's title, province and year (its own name)."""
    if not head:
        return []
    c = head[0]
    return re.findall(r"[a-z0-9]+", fold(f"{c.title} {c.province} {c.year or ''}"))


def describe(head: Sequence[Chunk], wanted: Sequence[str], ev: Evidence) -> str:
    """The answer for one document: its header lines quoted (each marked in ``ev``), then
    what was asked that no quoted line states (the signer, under the signature). Empty when
    the document says nothing of it."""
    if not head:
        return ""
    quoted = header_lines(head) if {"doc_number", "doc_issued"} & set(wanted) else []
    fields = head[0].fields
    parts = [f"“{h.text.strip('()')}” [{ev.mark(h.chunk)}]" for h in quoted]
    said = fold(" ".join(h.text for h in quoted))
    extra: list[str] = []
    for name in wanted:
        value = fields.get(name, "")
        if not value or fold(value) in said:
            continue
        if name == "doc_signer":
            extra.append(f"người ký (ở phần chữ ký của văn bản): {value}")
        elif name in ("doc_issuer",) or not quoted:
            extra.append(f"{LABELS[name].lower()}: {value}")
    if not parts and not extra:
        return ""
    name = plan_name(head[0])
    text = f"Theo phần đầu văn bản {name}: " + "; ".join(parts) if parts else f"{name}:"
    if extra:
        text += ("; " if parts else " ") + "; ".join(extra)
    text += "."
    missing = [LABELS[n].lower() for n in wanted if not fields.get(n)]
    if missing and not parts:
        text += f" Văn bản không ghi {', '.join(missing)}."
    return text


def not_stated(head: Sequence[Chunk], wanted: Sequence[str]) -> str:
    """ "văn bản Kế hoạch … hiện có không ghi ngày ban hành." """
    what = ", ".join(LABELS[n].lower() for n in wanted)
    name = plan_name(head[0]) if head else "văn bản"
    return f"văn bản {name} hiện có không ghi {what}."
