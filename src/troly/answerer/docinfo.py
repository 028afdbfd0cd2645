"""Questions about a plan as a document: its number (số hiệu), date, signer, issuer, the
documents it is based on ("Căn cứ …") and the proposal it answers ("Theo đề nghị …").

"KH CCHC 2024 của Bình Phước được ban hành kèm theo quyết định số mấy, ngày nào, ai ký?"
asks about the document, not about anything it plans: no sentence of the plan shares its
words. The answer quotes the header lines that state what is asked ("Số: 2142/QĐ-UBND",
"Bình Phước, ngày 29 tháng 12 năm 2023", "(Ban hành kèm theo Quyết định số … ngày … của
…)", "ỦY BAN NHÂN DÂN / TỈNH BÌNH PHƯỚC") and adds what the document's signature said at
ingest (:func:`troly.documents.docmeta.document_fields`, kept in the fields of the
document's first chunk by :func:`troly.chunking.chunk_document`): the signer is printed
under the signature, which no chunk quotes. What the document does not state is said.

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

# Fields of a document's first chunk (troly.chunking.meta_fields) and how they are named.
LABELS = {
    "doc_number": "số hiệu",
    "doc_issued": "ngày ban hành",
    "doc_issuer": "cơ quan ban hành",
    "doc_signer": "người ký",
    "doc_basis": "căn cứ ban hành",
    "doc_proposal": "văn bản đề nghị ban hành",
}

# What is asked, on the folded question ("sở nào ban hành" asks for the issuer: "so nao"
# is not "số nào")
_ASKS = {
    "doc_number": re.compile(
        r"\bso (may|hieu|bao nhieu|ky hieu)\b|\bquyet dinh (so )?(may|nao)\b|\bso\s*\?"
    ),
    "doc_issued": re.compile(
        r"\bngay (nao|bao nhieu|may|thang nao)\b|\bkhi nao\b|\bbao gio\b|\bthoi (gian|diem) nao\b"
        r"|\bngay ban hanh\b|\bngay ky\b"
    ),
    "doc_signer": re.compile(r"\b(ai|nguoi nao) (da )?ky\b|\bnguoi ky\b|\bky boi ai\b"),
    "doc_issuer": re.compile(
        r"\b(co quan|don vi|so|ben|ai) (nao )?(da )?ban hanh\b|\bdo (ai|co quan nao) ban hanh\b"
    ),
    "doc_basis": re.compile(
        r"\bcan cu\b|\bdua (tren|vao) (nhung |cac )?(van ban|co so|gi|dau|nao)\b|\bco so phap ly\b"
    ),
    "doc_proposal": re.compile(r"\bde nghi\b|\bto trinh\b"),
}
# the question names the document and its issuing: "kế hoạch … ban hành", "QĐ … ai ký"
_DOCUMENT = re.compile(r"\b(ke hoach|kh|quyet dinh|qd|van ban)\b")
# … and asks about its making: "ban hành", "số hiệu", "ký ngày nào", "căn cứ", "đề nghị"
_ISSUING = re.compile(
    r"\bban hanh\b|\bso hieu\b|\bky (ngay|khi|vao|luc)\b|\bngay ky\b|\bcan cu\b"
    r"|\bdua (tren|vao)\b|\bde nghi\b|\bto trinh\b"
)
# words that name a document, its issuing or ask the question: not a topic
_NOT_TOPIC_WORDS = (
    "ke hoach kh quyet dinh qd van ban ban hanh kem theo ky so hieu ngay thang nam nao "
    "bao nhieu may khi gio thoi gian diem ai nguoi co quan don vi da duoc do boi la gi "
    "cua tinh thanh pho thi xa huyen ubnd uy nhan dan chu tich cchc cai cach chinh nha "
    "nuoc tren dia mang lan luot va voi cho o tai hay khong vao luc nay the cu ben "
    "can dua nhung cac gi de nghi to trinh theo co phap ly xay dung lap"
)
_NOT_TOPIC = frozenset(_NOT_TOPIC_WORDS.split())
# the number is asked ("số hiệu", "kèm theo quyết định nào"), beside a basis
_NUMBER_ASKED = re.compile(
    r"\bso (may|hieu|bao nhieu|ky hieu)\b|\bkem (theo )?quyet dinh\b|\bban hanh kem\b"
)
# the kinds of document a basis is ("căn cứ vào nghị quyết … và quyết định nào?"): they
# pick the basis lines, they are not a topic
_BASIS_KINDS = (
    "hien phap",
    "bo luat",
    "luat",
    "nghi quyet",
    "nghi dinh",
    "quyet dinh",
    "chi thi",
    "thong tu",
    "huong dan",
    "cong van",
    "ke hoach",
)
_BASIS_WORDS_TEXT = (
    "hien phap bo luat nghi quyet dinh chi thi thong tu huong dan cong van hdnd hoi dong "
    "chinh phu thu tuong dang tinh uy noi"
)
_BASIS_WORDS = frozenset(_BASIS_WORDS_TEXT.split())
MAX_OTHER_WORDS = 0
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def may_ask(question: str) -> bool:
    """A cheap first look: the question names a document, its issuing and asks a field."""
    fq = fold(question)
    named = _DOCUMENT.search(fq) and (_ISSUING.search(fq) or _ASKS["doc_signer"].search(fq))
    return bool(named) and any(p.search(fq) for p in _ASKS.values())


def asked_fields(question: str, title_words: Sequence[str] = ()) -> list[str]:
    """The document fields a question asks about (in :data:`LABELS` order), or [] when it
    is not a question about the document itself (see the module doc)."""
    if not may_ask(question):
        return []
    fq = fold(question)
    wanted = [name for name in LABELS if _ASKS[name].search(fq)]
    if "doc_issuer" in wanted and "doc_number" in wanted and not re.search(r"\bso hieu\b", fq):
        wanted.remove("doc_number")  # "sở nào ban hành …": only the issuer is asked
    if "doc_basis" in wanted and "doc_number" in wanted and not _NUMBER_ASKED.search(fq):
        wanted.remove("doc_number")  # "căn cứ vào … quyết định nào?": a basis, not the number
    known = _NOT_TOPIC | {fold(w) for w in title_words}
    if "doc_basis" in wanted:
        known |= _BASIS_WORDS
    words = re.findall(r"[a-z]+", fq)
    others = [w for w in words if w not in known and len(w) > 1]
    return wanted if len(others) <= MAX_OTHER_WORDS else []


def basis_kinds(question: str) -> list[str]:
    """The kinds of document a question about the plan's basis names ("căn cứ vào nghị
    quyết … và quyết định nào?" → nghị quyết, quyết định), folded; [] when it names none
    or does not ask the basis. "Kế hoạch" names the plan itself and is not counted."""
    fq = fold(question)
    m = _ASKS["doc_basis"].search(fq)
    if m is None:
        return []
    clause = fq[m.start() :]  # the kinds named after "căn cứ", not "kèm theo quyết định …"
    return [
        k
        for k in _BASIS_KINDS
        if k != "ke hoach" and re.search(rf"(?<!phap )\b{k}\b", clause)  # not "pháp luật"
    ]


def _basis_of_kind(text: str, kinds: Sequence[str]) -> bool:
    """A basis line cites a document of one of ``kinds`` (each "; "-separated basis)."""
    ft = fold(text)
    return any(re.search(rf"(?:^|;)\s*-?\s*(?:can cu\s+(?:vao\s+)?)?{k}\b", ft) for k in kinds)


def years_named(question: str) -> set[int]:
    return {int(m.group(0)) for m in _YEAR.finditer(question)}


# header lines that state the number, the date, the issuing, quoted as written
_NUMBER_LINE = re.compile(r"^\s*Số\s*:\s*\d+\s*/|^\s*Số\s+\d+\s*/\s*[A-ZĐ]")
# "<place>, ngày … tháng … năm …" (not a "Căn cứ …" line that dates a law)
_DATE_LINE = re.compile(
    r"^(?!Căn cứ)[^\W\d_][^,;:()]{0,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}\s*$",
    re.I,
)
_ISSUED_WITH = re.compile(r"^\s*\(?\s*Ban hành kèm theo\b.*\d{4}.*$", re.I)
_ISSUER_OF = re.compile(r"\d{4}\s+của\s+(.+?)\)?\s*$")
_ORGAN_LINE = re.compile(r"^(ỦY BAN|UỶ BAN|HỘI ĐỒNG|BỘ |CHÍNH PHỦ|THỦ TƯỚNG|TỈNH|THÀNH PHỐ)")
# "Căn cứ Luật …", "Căn cứ Nghị quyết số …" (not "Căn cứ các nội dung của Kế hoạch này")
_BASIS_LINE = re.compile(
    r"^\s*-?\s*Căn cứ\s+(?:vào\s+)?(?:Hiến pháp|Bộ luật|Luật|Nghị quyết|Nghị định|Quyết định"
    r"|Chỉ thị|Thông tư|Hướng dẫn|Công văn|Văn bản|Kế hoạch|Chương trình)\b"
)
_PROPOSAL_LINE = re.compile(r"^\s*Theo đề nghị (của|tại)\b")


HEAD_CHUNKS = 3  # a plan's first section chunks, read as its header


def document_heads(sections: Sequence[Chunk]) -> dict[str, list[Chunk]]:
    """The first :data:`HEAD_CHUNKS` section chunks of each document (its header), by
    document id, in document order."""
    heads: dict[str, list[Chunk]] = {}
    for c in sorted(sections, key=lambda c: (c.doc_id, c.ordinal)):
        group = heads.setdefault(c.doc_id, [])
        if len(group) < HEAD_CHUNKS:
            group.append(c)
    return heads


@dataclass
class HeaderLine:
    chunk: Chunk
    text: str
    states: frozenset[str]  # the fields (LABELS keys) the line states


def header_lines(head: Sequence[Chunk]) -> list[HeaderLine]:
    """The lines of a document's first chunks that state its number, date or issuer: "Số:
    …", "<place>, ngày … tháng … năm …", "(Ban hành kèm theo Quyết định số … ngày … của
    …)" and the issuing body's capitalised lines at the very top ("ỦY BAN NHÂN DÂN",
    "TỈNH BÌNH PHƯỚC", joined)."""
    out: list[HeaderLine] = []
    seen: set[str] = set()
    for k, chunk in enumerate(head):
        lines = [ln.strip() for ln in chunk.text.split("\n")]
        if k == 0:
            top = []
            for ln in lines[:3]:
                if not (ln and ln.upper() == ln and _ORGAN_LINE.match(ln)):
                    break
                top.append(ln)
            if top:
                text = " ".join(top)
                seen.add(text)
                out.append(HeaderLine(chunk, text, frozenset({"doc_issuer"})))
        for text in lines:
            if not text or text in seen:
                continue
            states: set[str] = set()
            if _NUMBER_LINE.match(text):
                states.add("doc_number")
            if _DATE_LINE.match(text):
                states.add("doc_issued")
            if _BASIS_LINE.match(text):
                states.add("doc_basis")
            if _PROPOSAL_LINE.match(text):
                states.add("doc_proposal")
            if _ISSUED_WITH.match(text):
                states |= {"doc_number", "doc_issued"}
                if _ISSUER_OF.search(text):
                    states.add("doc_issuer")
            if states:
                seen.add(text)
                out.append(HeaderLine(chunk, text, frozenset(states)))
    return out


def title_words(head: Sequence[Chunk]) -> list[str]:
    """The words of a document's title, province and year (its own name)."""
    if not head:
        return []
    c = head[0]
    return re.findall(r"[a-z0-9]+", fold(f"{c.title} {c.province} {c.year or ''}"))


def describe(
    head: Sequence[Chunk], wanted: Sequence[str], ev: Evidence, kinds: Sequence[str] = ()
) -> str:
    """The answer for one document: the header lines stating what is asked, quoted (each
    marked in ``ev``) — of its basis, only the documents of the ``kinds`` named, when
    some are; the signer, from under the signature; and what the document does not
    state. Empty when it states nothing that was asked."""
    if not head:
        return ""
    asked = set(wanted)
    lines = [h for h in header_lines(head) if h.states & asked]
    if kinds and any(_basis_of_kind(h.text, kinds) for h in lines if "doc_basis" in h.states):
        lines = [h for h in lines if h.states != {"doc_basis"} or _basis_of_kind(h.text, kinds)]
    if any("doc_issuer" in h.states and len(h.states) > 1 for h in lines):
        # "(Ban hành kèm theo … của Ủy ban nhân dân tỉnh)" names the issuer already
        lines = [h for h in lines if h.states != frozenset({"doc_issuer"})]
    stated = set().union(*(h.states for h in lines)) if lines else set()
    parts = [f"“{h.text.strip('()')}” [{ev.mark(h.chunk)}]" for h in lines]
    signer = head[0].fields.get("doc_signer", "") if "doc_signer" in asked else ""
    if signer:
        stated.add("doc_signer")
    if not parts and not signer:
        return ""
    name = plan_name(head[0])
    text = f"Theo phần đầu văn bản {name}: " + "; ".join(parts) + "." if parts else ""
    if signer:
        text += (" " if text else "") + f"Người ký văn bản {name} (theo phần chữ ký): {signer}."
    missing = [LABELS[n] for n in wanted if n not in stated]
    if missing:
        text += f" Văn bản không ghi {', '.join(missing)}."
    return text


def not_stated(head: Sequence[Chunk], wanted: Sequence[str]) -> str:
    """ "bản Kế hoạch … mà hệ thống đang lưu không ghi ngày ban hành." """
    what = ", ".join(LABELS[n] for n in wanted)
    name = plan_name(head[0]) if head else "văn bản"
    return f"bản {name} mà hệ thống đang lưu không ghi {what}."
