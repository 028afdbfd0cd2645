"""Evidence gathering: task rows that match a question's constraints, the prose
sections about an agency, and the sentences that best answer each part of a question.

Pure functions over chunks (the search itself happens in :mod:`troly.answerer.core`).
Sentence choice uses :func:`troly.composer.coverage` of the question's topic words,
with the paraphrase layer's canonical words added (:mod:`troly.paraphrase`), so a
question saying "online" is covered by a sentence saying "trực tuyến".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import pairwise

from troly.answerer.analysis import (
    ASK,
    ASK_WORDS,
    counted_word,
    counts,
    deadline_periods,
    wants_figure,
    within,
)
from troly.answerer.ranker import SentenceRanker, candidates
from troly.composer import (
    QUESTION_ACCENTS,
    YEAR,
    Scored,
    best_sentences,
    content_terms,
    coverage,
    figures,
    sentences,
)
from troly.documents.agencies import AGENCY_ALIASES, agency_key, agency_matches
from troly.paraphrase import canonical_phrases, canonical_terms
from troly.schema import Chunk
from troly.text import accent_key, fold, has_diacritics, nfc, question_accents, spell_out

PART_OWN = 0.6  # share of a part's own words its sentence must hold
PART_POOL = 20  # the best sentences for a part (by the ranker) weighed by its own words


def squash(text: str) -> str:
    """Folded words separated by single spaces: how agency names are compared."""
    return re.sub(r"[^0-9a-z&]+", " ", fold(text)).strip()


# (squashed alias, canonical name), longest folded alias first; aliases under four
# characters ("STP") are not looked for in questions. Squashed once, not per question.
_AGENCY_ALIASES = [
    (squashed, canonical)
    for alias, canonical in sorted(
        {fold(k): v for k, v in AGENCY_ALIASES.items()}.items(), key=lambda kv: -len(kv[0])
    )
    if len(squashed := squash(alias)) >= 4
]
ROLE_CUE = re.compile(
    r"trach nhiem|nhiem vu gi|vai tro|duoc giao|phai lam gi|lam gi|co nhiem vu|giao (nhung )?viec"
    r"|nhung viec gi|chiu trach nhiem|tham muu|phu trach (gi|nhung)"
    # "phụ trách nội dung cải cách nào", "đảm nhiệm lĩnh vực gì"
    r"|\b(phu trach|dam nhiem|dam nhan)( \w+){0,4} (gi|nao)\b"
)


def lead_names(rows: list[Chunk]) -> dict[str, str]:
    """The lead agencies of ``rows`` named with at least three words, by squashed form."""
    return {key: name for c in rows for name in c.lead if len((key := squash(name)).split()) >= 3}


def agencies_in(q: str, known: dict[str, str] | None = None) -> list[str]:
    """Canonical agency names a question mentions (longest alias first); when the alias
    table knows none, a name of ``known`` (:func:`lead_names` of the plans asked about:
    "Trung tâm Phục vụ hành chính công", however typed) named in full, the longest."""
    fq = f" {squash(q)} "
    found: list[str] = []
    taken = fq
    for a, canonical in _AGENCY_ALIASES:
        if f" {a} " in taken:
            if canonical not in found:
                found.append(canonical)
            taken = taken.replace(f" {a} ", " # ")
    if not found and known:
        hits = [name for key, name in known.items() if f" {key} " in fq]
        found = sorted(hits, key=len, reverse=True)[:1]
    return found


@contextmanager
def accents_of(texts: list[str], known: Collection[str] | None = None) -> Iterator[None]:
    """While answering ``texts`` (a question, then its earlier turns), a topic word typed
    with diacritics matches only the same accented word (:func:`troly.composer.matched`):
    "bỏ" is not "bộ", "toàn" not "toán". Abbreviations count spelled out ("UBND" → "Ủy
    ban nhân dân"), and the canonical forms the paraphrases of an accented text add
    count with their own accents ("trả tiền online" adds "thanh toán trực tuyến"). A word
    the question types without marks, or whose accented form the index never holds
    (``known``, accent keys: a slip such as "quyêt"), keeps folded matching."""
    spelled = [spell_out(nfc(t)) for t in texts]
    phrases = [p for t in texts if has_diacritics(t) for p in canonical_phrases(t)]
    accents = question_accents(" ".join([*spelled, *phrases]))
    plain = {fold(w) for w in re.findall(r"\w+", spelled[0]) if not has_diacritics(w)}
    accents = {
        k: v
        for k, v in accents.items()
        if k not in plain and (known is None or all(a in known for a in v))
    }
    token = QUESTION_ACCENTS.set(accents)
    try:
        yield
    finally:
        QUESTION_ACCENTS.reset(token)


def question_terms(q: str, provinces: list[str]) -> list[str]:
    """Topic words of a question plus the canonical words of its paraphrases."""
    terms = content_terms(q, provinces)
    extra = [t for t in canonical_terms(q) if t not in terms and len(t) > 1]
    return terms + extra


def rows_by_agency(rows: list[Chunk], agency: str, role: str) -> list[Chunk]:
    """The rows ``agency`` leads (``role`` "lead"), joins ("partners") or either."""
    key = agency_key(agency)
    roles = ("lead", "partners") if role == "either" else (role,)
    return [
        c
        for c in rows
        if any(
            agency_key(x) == key or agency_matches(agency, x) for r in roles for x in getattr(c, r)
        )
    ]


def rows_in_periods(rows: list[Chunk], periods: set[str]) -> list[Chunk]:
    """Rows due within the asked periods, compared as time ranges."""
    return [c for c in rows if within(deadline_periods(c.deadline), periods)]


# A deadline named by an event, not a period ("Kỳ họp HĐND tỉnh thường kỳ giữa năm 2024",
# "Theo lộ trình đề án được phê duyệt"): a question holding at least this share of its
# words, and two of them, asks for the rows due then. Words that only date it do not count.
DEADLINE_SHARE = 0.6
_DATING = frozenset(
    {"nam", "quy", "thang", "ngay", "tinh", "trong", "truoc", "cua", "va", "hang", "dinh"}
)


def rows_by_deadline_event(rows: list[Chunk], fq: str) -> tuple[list[Chunk], str]:
    """The rows whose deadline cell names an event the (folded) question names ("những
    nghị quyết trình kỳ họp HĐND giữa năm"), and those deadlines as written, quoted (most
    frequent first); ``(rows, "")`` when the question names no row's deadline."""
    asked = set(re.findall(r"[a-z0-9]+", fq))
    events = {  # a cell naming a period ("Hoàn thành trong Quý I năm 2024") is no event
        c.id: {w for w in re.findall(r"[a-z]+", fold(c.deadline)) if w not in _DATING}
        for c in rows
        if not deadline_periods(c.deadline)
    }
    shares = [
        words & asked
        for words in events.values()
        if len(words & asked) >= 2 and len(words & asked) >= DEADLINE_SHARE * len(words)
    ]
    # the rows whose event holds every word a matching cell shares with the question
    # ("Kỳ họp HĐND thường lệ giữa năm" beside "Kỳ họp HĐND tỉnh thường kỳ giữa năm 2024")
    hits = [c for c in rows if c.id in events and any(sh <= events[c.id] for sh in shares)]
    if not hits:
        return rows, ""
    named = [f"“{d}”" for d, _ in Counter(c.deadline for c in hits).most_common()]
    said = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} hoặc {named[-1]}"
    return hits, said


GROUP_SHARE = 0.8  # share of a group title's words a question must hold to name it
GROUP_PREFIX = 3  # … or the title's first words, in order ("phần áp dụng ISO …")
_GROUP_FILLER = frozenset({"va", "cac"})


def row_groups(row: Chunk) -> list[str]:
    """The groups a task row sits in: its appendix group ("VII. XÂY DỰNG VÀ PHÁT TRIỂN
    CHÍNH PHỦ ĐIỆN TỬ …") and the headings under it ("2. Áp dụng ISO 9001:2015 …")."""
    group = row.fields.get("group", "")
    below = row.headings[row.headings.index(group) + 1 :] if group in row.headings else []
    return [g for g in [group, *below] if g]


def _title_words(group: str) -> list[str]:
    title = re.sub(r"^[ivx]+\.\s*", "", fold(group)).strip()
    title = re.sub(r"^\d+(\.\d+)*\.?\s*", "", title)
    return [w for w in re.findall(r"[0-9a-z]+", title) if w not in _GROUP_FILLER]


# words every group of a reform plan has: a title's first words must name more than these
_GENERIC_TITLE = frozenset(
    {"cai", "cach", "hanh", "chinh", "cong", "tac", "nha", "nuoc", "xay", "dung", "phat"}
    | {"trien", "nang", "cao", "thuc", "hien", "nhiem", "vu", "chi", "so"}
)


def _distinctive_head(words: list[str]) -> list[str]:
    """A title's first words up to its second word outside the words every group has
    ("áp dụng ISO", "công tác tuyên truyền"; "nâng cao chỉ số năng lực"), at least
    :data:`GROUP_PREFIX` words; [] when the title has fewer than two such words."""
    seen = 0
    for i, w in enumerate(words):
        seen += w not in _GENERIC_TITLE
        if seen == 2:
            return words[: max(i + 1, GROUP_PREFIX)]
    return []


def _bigrams(words: list[str]) -> set[str]:
    return {f"{a} {b}" for a, b in pairwise(words)}


def match_group(fq: str, rows: list[Chunk], spelled: str = "") -> str | None:
    """The group (or sub-group) of ``rows`` a folded question names: most of its title's
    words; or, in the question with abbreviations spelled out (``spelled``: "CCHC" →
    "cải cách hành chính"), most of its title's word pairs, or its first
    :data:`GROUP_PREFIX` words in order when they are more than the words every group has
    ("phần áp dụng ISO …"). The title with most words named wins."""
    qwords = set(re.findall(r"[0-9a-z]+", fq))
    swords = re.findall(r"[0-9a-z]+", spelled or fq)
    flat, pairs = f" {' '.join(swords)} ", _bigrams(swords)
    best: tuple[float, str] | None = None
    for g in dict.fromkeys(x for c in rows for x in row_groups(c)):
        words = _title_words(g)
        if len(words) < 2:
            continue
        share = sum(1 for w in words if w in qwords) / len(words)
        title_pairs = _bigrams(words)
        paired = len(title_pairs & pairs) / len(title_pairs)
        head = _distinctive_head(words)
        prefix = bool(head) and f" {' '.join(head)} " in flat
        named = max(share, paired)
        if (named >= GROUP_SHARE or prefix) and (best is None or named * len(words) > best[0]):
            best = (named * len(words), g)
    return best[1] if best else None


TOPIC_SHARE = 0.65  # a row on the topic covers it at least this share of the best row


def rows_on_topic(
    rows: list[Chunk], terms: list[str], threshold: float, question: str = ""
) -> list[Chunk]:
    """The rows a list question without an agency, period or group asks for by its topic
    alone ("Bình Phước làm những gì để tuyên truyền CCHC?", "các nhiệm vụ nâng cao chỉ số
    PAPI … giao cho những sở nào?"): every row whose task covers the topic words about as
    well as the best row does (at least the support ``threshold``), in document order; []
    unless two or more do — one row is a single answer, not a list. A ``question`` typed
    with diacritics must also be matched with them: "tuyển dụng" is not "tuyên truyền"."""
    words = [t for t in terms if not YEAR.match(t)]
    if not words:
        return []
    text = {c.id: c.fields.get("content", "") or c.text for c in rows}
    cov = {c.id: coverage(words, text[c.id]) for c in rows}
    best = max(cov.values(), default=0.0)
    floor = max(threshold, TOPIC_SHARE * best)
    found = [c for c in rows if cov[c.id] >= floor]
    if has_diacritics(question):
        topic = set(words)
        raw = [w for w in re.findall(r"\w+", question.lower()) if fold(w) in topic]
        found = [c for c in found if not _matched_by_folding_only(raw, text[c.id])]
    return sorted(found, key=lambda c: (c.doc_id, c.ordinal)) if len(found) >= 2 else []


def _matched_by_folding_only(words: list[str], text: str) -> bool:
    """Some question word (with its diacritics) is in ``text`` only once they are dropped:
    "tuyển" against "tuyên truyền", "tại" against "tài chính"."""
    have = {accent_key(w) for w in re.findall(r"\w+", text.lower())}
    folded = {fold(w) for w in have}
    forms: dict[str, set[str]] = {}  # "số" and "sở" in one question: either form will do
    for w in words:
        forms.setdefault(fold(w), set()).add(accent_key(w))
    return any(f in folded and not (raw & have) for f, raw in forms.items())


def starts_with_agency(text: str, agency: str) -> bool:
    head = re.sub(r"^[\s\d.)a-z]{0,6}[.)]\s*", "", fold(text.strip())[:120])
    key = fold(agency)
    return head.startswith(key) or agency_matches(agency, head[: len(key) + 12])


# a heading's numbering: "5. ", "IV. ", "a) ", "- "
_HEADING_MARK = re.compile(r"^\s*(?:[IVX]+\.|\d+(?:\.\d+)*\.?|[a-zđ]\)|[-+•])\s*")


def heading_subject(c: Chunk, sentence: str) -> str:
    """The agency a sentence is about when only its section's heading names it ("5. Sở
    Tư pháp" › "Tham mưu giúp UBND tỉnh … Cải cách thể chế"; "3. Sở Tư pháp" › "a) Chủ
    trì …"): that heading as printed, or "" (a task row, a heading that names no agency
    first, or a sentence that names it itself)."""
    if c.kind != "section":
        return ""
    said = fold(sentence)
    for h in reversed(c.headings[-2:]):
        if re.match(r"^\s*[a-zđ]\)", h):
            continue  # an item a), b), … : its agency is in the heading above
        body = _HEADING_MARK.sub("", h.strip()).split(":")[0].strip()
        if not body or "…" in body or len(body) > 80:
            continue  # a whole sentence standing as a heading
        names = agencies_in(body)
        if not names or not starts_with_agency(body, names[0]):
            return ""
        return "" if fold(body) in said or fold(names[0]) in said else body
    return ""


def agency_sections(chunks: list[Chunk], agency: str) -> list[Chunk]:
    """Prose sections about an agency's duties: a heading of theirs or their first words
    name it ("5. Sở Tài chính: Chủ trì …", a heading "9. Sở Y tế", or the items "a) …",
    "b) …" under a heading "3. Sở Tư pháp")."""
    out = []
    for c in chunks:
        if c.kind != "section":
            continue
        if any(starts_with_agency(h, agency) for h in c.headings) or starts_with_agency(
            c.text, agency
        ):
            out.append(c)
    return out


def _shape(text: str) -> str:
    return re.sub(r"[^0-9a-z%]+", " ", fold(text)).strip()


def near_duplicate(a: str, b: str) -> bool:
    """Two sentences saying the same thing (the appendix repeating a target verbatim)."""
    wa, wb = set(_shape(a).split()), set(_shape(b).split())
    if not wa or not wb:
        return False
    overlap = len(wa & wb) / min(len(wa), len(wb))
    same_figures = set(figures(a)) == set(figures(b))
    return overlap >= 0.8 and same_figures


@dataclass
class Picked:
    """Sentences chosen for one part of a question."""

    part: str
    sentences: list[Scored]


WEB_ADDRESS = re.compile(r"https?://|www\.|\b[\w-]+(\.[\w-]+)*\.gov\.vn\b", re.I)


# a code: letters and digits in one token ("Chỉ số B1", "mẫu 01a", "5G"); not a plain
# number, a year or a document number's parts alone
_CODE = re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{2,}\b")


def codes_in(text: str) -> set[str]:
    """The codes a text names, folded ("Chỉ số B1" → {"b1"})."""
    return set(_CODE.findall(fold(text)))


# a question asking which agency: "cơ quan nào", "sở nào", "là ai", "ai chủ trì"
AGENCY_ASKED = re.compile(
    r"\b(co quan|don vi|(?<!chi )(?<!hoach )(?<!van ban )so|ben|nganh) nao\b"
    r"|\bla ai\b|\bdo ai\b|\bcua ai\b"
    r"|\bai (chu tri|lam|thuc hien|phu trach|lo(?! lang)|dam nhiem|chiu trach nhiem|trien khai"
    r"|ban hanh)\b"
)


def _names_agency(s: Scored) -> bool:
    """A sentence names an agency, in its words or by its section's heading."""
    return bool(agencies_in(s.text)) or bool(heading_subject(s.chunk, s.text))


def sentence_pool(
    chunks: list[Chunk],
    terms: list[str],
    want_figure: bool,
    ranker: SentenceRanker | None,
    limit: int | None = None,
) -> list[Scored]:
    """The candidate sentences best first: by the learned ranker, or by coverage without
    one; the first ``limit`` (all when None)."""
    if ranker is not None:
        return ranked_sentences(chunks, terms, want_figure, ranker)[:limit]
    return best_sentences(chunks, terms, want_figure, limit if limit is not None else 1000)


def best_with_address(
    chunks: list[Chunk], terms: list[str], ranker: SentenceRanker | None
) -> Scored | None:
    """The best sentence holding a web address ("… trang web nào?"), by the ranker (or
    by coverage without one); None when no passage holds one."""
    ranked = sentence_pool(chunks, terms, False, ranker)
    return next((s for s in ranked if WEB_ADDRESS.search(s.text) and s.coverage > 0), None)


def with_addresses_beside(
    picked: list[Scored], terms: list[str], keep_others: bool
) -> list[Scored]:
    """ "Vào trang web nào?": the first sentence giving an address, and the others of its
    passage that give one ("Cổng dịch vụ công của tỉnh (<https://…>); Cổng dịch vụ công
    quốc gia (<https://…>)" is cut in two at the semicolon), in the passage's order;
    sentences without an address only for a question asking more (``keep_others``)."""
    first = next((p for p in picked if WEB_ADDRESS.search(p.text)), None)
    if first is None:
        return picked
    order = sentences(first.chunk.text)
    beside = [
        Scored(s, first.score, first.chunk, coverage(terms, s))
        for s in order
        if WEB_ADDRESS.search(s) and s != first.text
    ]
    found = sorted(
        [first, *beside[:2]], key=lambda s: order.index(s.text) if s.text in order else -1
    )
    others = [p for p in picked if not WEB_ADDRESS.search(p.text)] if keep_others else []
    return found + others


def ranked_sentences(
    chunks: list[Chunk], terms: list[str], want_figure: bool, ranker: SentenceRanker
) -> list[Scored]:
    """Every candidate sentence scored by the learned model, best first."""
    out = [
        Scored(s, ranker.prob(f), c, coverage=f[0], has_figure=bool(f[8]))
        for s, c, f in candidates(chunks, terms, want_figure)
    ]
    out.sort(key=lambda x: -x.score)
    return out


def _best(
    chunks: list[Chunk],
    terms: list[str],
    want_figure: bool,
    limit: int,
    ranker: SentenceRanker | None,
) -> list[Scored]:
    if ranker is None:
        return best_sentences(chunks, terms, want_figure, limit)
    ranked = ranked_sentences(chunks, terms, want_figure, ranker)
    if not ranked:
        return []
    if want_figure and not ranked[0].has_figure and ranked[0].coverage > 0:
        # "bao nhiêu …?": a sentence without a figure cannot answer it; the best one with
        # a figure goes first when it covers the question about as well
        top = ranked[0].coverage
        ahead = [s for s in ranked if s.has_figure and s.coverage >= 0.8 * top]
        moved = {id(s) for s in ahead}
        ranked = ahead + [s for s in ranked if id(s) not in moved]
    chosen = [ranked[0]]
    if want_figure and not ranked[0].has_figure:
        # the figure may sit in the next sentence of the same passage ("… dịch vụ công
        # mức độ 3, 4 … . Đảm bảo cung cấp trên 80% ở mức độ 3, …"): it continues the
        # chosen sentence, whose coverage it takes (the composer keeps the sentences
        # with a figure)
        first = ranked[0]
        order = sentences(first.chunk.text)
        after = order.index(first.text) + 1 if first.text in order else -1
        chosen += [
            replace(s, coverage=max(s.coverage, first.coverage))
            for s in ranked[1:]
            if s.chunk.id == first.chunk.id
            and s.has_figure
            and 0 < after < len(order)
            and s.text == order[after]
        ][:1]
    for cand in ranked[1:]:
        if len(chosen) >= limit:
            break
        if cand.text not in {c.text for c in chosen} and cand.score >= max(
            0.5, 0.85 * chosen[0].score
        ):
            chosen.append(cand)
    return chosen


def about_other(other: list[str], terms: list[str], text: str) -> bool:
    """``text`` holds at least half of the words only ``other`` (another part of the
    question) has, beyond ``terms``."""
    own = [t for t in other if t not in terms]
    return bool(own) and coverage(own, text) >= 0.5


def pick_sentences(
    chunks: list[Chunk],
    parts: list[str],
    provinces: list[str],
    want_figure: bool,
    limit: int = 2,
    ranker: SentenceRanker | None = None,
) -> list[Scored]:
    """The best sentences over all parts of a question: the best for the whole question,
    then the best for each further part when it is a different sentence — for a part with
    words of its own, the sentence among the ranker's first :data:`PART_POOL` holding most
    of them (at least :data:`PART_OWN`; among equals, one with a figure when the part asks
    for one, then the ranker's order), the rest of the question only breaking ties;
    the last of coordinated objects sharing one asking word gets its own sentence
    (:func:`complement`); near-duplicates
    (a target the appendix repeats word for word) are dropped. With ``ranker`` the
    sentences are ordered by the model learned on dev (:mod:`troly.answerer.ranker`)."""
    whole = " ".join(parts)
    whole_terms = question_terms(whole, provinces)
    chosen = list(_best(chunks, whole_terms, want_figure, limit, ranker))
    whole_ranked: list[Scored] | None = None

    def whole_pool(first: int | None = None) -> list[Scored]:
        """The whole question's candidates, best first, ranked once for the rules below
        that look past the best sentence (a count, an agency, a code)."""
        nonlocal whole_ranked
        if whole_ranked is None:
            whole_ranked = sentence_pool(chunks, whole_terms, want_figure, ranker)
        return whole_ranked[:first]

    word = counted_word(whole)
    if word and chosen and not counts(word, chosen[0].text):
        # "bao nhiêu UBND cấp xã?": "199 UBND cấp xã" answers it, "100% UBND cấp xã" does
        # not; a sentence counting the word goes first when it covers the question about
        # as well, or stands in the same passage as the best one (the passage covers the
        # question: "b) … áp dụng HTQLCL đối với 199 UBND cấp xã" under ISO 9001:2015)
        top = chosen[0]
        counted = [
            s
            for s in whole_pool(PART_POOL)
            if counts(word, s.text)
            and (s.coverage >= 0.8 * top.coverage or s.chunk.id == top.chunk.id)
        ]
        chosen = counted[:1] + chosen
    if AGENCY_ASKED.search(fold(whole)) and chosen and not _names_agency(chosen[0]):
        # "cơ quan nào là cơ quan thường trực?": a sentence naming an agency (itself or
        # by its section's heading, "4. Sở Nội vụ" › "- Là cơ quan thường trực …") goes
        # first when it covers the question about as well
        floor = 0.8 * chosen[0].coverage
        naming = [s for s in whole_pool(PART_POOL) if _names_agency(s) and s.coverage >= floor]
        chosen = naming[:1] + chosen
    named = codes_in(whole)
    if named and chosen and not named & codes_in(chosen[0].text):
        # "có nhắc đến Chỉ số B1 không?": a code the question names (letters and digits
        # together) is what it is about; a sentence holding it goes first
        coded = [s for s in whole_pool() if named & codes_in(s.text) and s.coverage > 0]
        chosen = coded[:1] + chosen
    if len(parts) > 1:
        part_terms = [question_terms(part, provinces) for part in parts]
        for i, part in enumerate(parts):
            terms = part_terms[i]
            # another part's topic words (not its asking words: "trước ngày nào" has none)
            others = [
                [t for t in o if t not in ASK_WORDS] for o in part_terms[:i] + part_terms[i + 1 :]
            ]
            shared = [t for t in whole_terms if t not in terms]
            # with the ranker, the part's best is the first of its ranking (what _best
            # gives without a figure asked), kept for the own-words choice below
            ranked = ranked_sentences(chunks, terms + shared[:4], False, ranker) if ranker else []
            best = ranked[:1] if ranker else _best(chunks, terms + shared[:4], False, 1, None)
            ok = bool(best) and best[0].coverage >= 0.3
            if len(terms) >= 2 and ranker is not None:
                # the part's own words come first, the rest of the question breaks ties:
                # in "… tối thiểu bao nhiêu cơ quan và phấn đấu có mấy sáng kiến" the
                # second part asks about "sáng kiến", not the first part's "kiểm tra"
                pool = ranked[:PART_POOL]
                figure = wants_figure(part)  # "… và có mấy sáng kiến": its figure
                what = counted_word(part)  # … and a count of what it counts
                own = sorted(
                    pool,
                    key=lambda s: (
                        -coverage(terms, s.text),
                        # among equals, not one about another part's own words: in "… hài
                        # lòng đạt bao nhiêu? Riêng đất đai … bao nhiêu?" the sentence on
                        # "đất đai" belongs to the second part, the first has its own
                        any(about_other(o, terms, s.text) for o in others),
                        figure and not s.has_figure,
                        bool(what) and not counts(what or "", s.text),
                    ),
                )[:1]
                if own and coverage(terms, own[0].text) >= PART_OWN:
                    best, ok = own, True
            if ok:
                chosen.append(best[0])
    # the last of coordinated objects sharing one asking word ("… toàn trình và thanh
    # toán online là bao nhiêu %?"): its sentence follows the one answering the first
    extra = complement(chosen, whole, whole_terms, want_figure, lambda: whole_pool(PART_POOL))
    if extra is not None:
        chosen = [*chosen[: extra[1]], extra[0], *chosen[extra[1] :]]
    out: list[Scored] = []
    for s in chosen:
        if any(s.text == o.text or near_duplicate(s.text, o.text) for o in out):
            continue
        out.append(s)
    return out[: max(limit, len(parts) + 1) + (extra is not None)]


_COORDINATED = re.compile(r"\bva\b")


def _pairs(text: str) -> set[str]:
    """The folded word pairs of ``text``."""
    return _bigrams(re.findall(r"[0-9a-z%]+", fold(text)))


def complement(
    chosen: list[Scored],
    whole: str,
    whole_terms: list[str],
    want_figure: bool,
    pool: Callable[[], list[Scored]],
) -> tuple[Scored, int] | None:
    """For a question whose last coordinated object shares the asking word with the
    first ("tỷ lệ nộp hồ sơ trực tuyến toàn trình và thanh toán online là bao nhiêu %?"):
    when no chosen sentence (with a figure, when one is asked) holds the object's word
    pairs (adjacent topic words of the question), the sentence of ``pool()`` in the same
    passage as the one answering the first object (with a figure when one is asked)
    holding most of them — at least one for an object of one or two pairs, two for a
    longer one — and where it goes: after that sentence. ``pool`` is ranked only then."""
    fq = fold(whole)
    if not chosen or not _COORDINATED.search(fq):
        return None
    tail = _COORDINATED.split(fq)[-1]
    asking = ASK.search(tail)
    if asking is not None:
        tail = tail[: asking.start()]
    topic = set(whole_terms) - ASK_WORDS
    words = re.findall(r"[0-9a-z%]+", tail)
    element = {f"{a} {b}" for a, b in pairwise(words) if a in topic and b in topic}
    kept = [s for s in chosen if s.has_figure] if want_figure else chosen
    if not element or not kept:
        return None
    said: set[str] = set().union(*(_pairs(s.text) for s in kept))
    wanted = element - said
    if not wanted:
        return None
    anchor = kept[0]
    need = 1 if len(element) <= 2 else 2
    taken = {c.text for c in chosen}
    best, best_n = None, need - 1
    for s in pool():
        if s.text in taken or s.chunk.id != anchor.chunk.id:
            continue
        if want_figure and not s.has_figure:
            continue
        n = len(wanted & _pairs(s.text))
        if n > best_n:
            best, best_n = s, n
    return (best, chosen.index(anchor) + 1) if best is not None else None


def plan_level_sentences(
    chunks: list[Chunk], q: str, provinces: list[str], ranker: SentenceRanker | None
) -> list[Scored]:
    """For a question that names only a plan (its province and year: "Kế hoạch năm 2025
    của tỉnh X có mục tiêu gì?"): the best sentences of the best-ranked passage, scored
    on all the question's words, generic ones included, since no topic word is left."""
    if not chunks:
        return []
    folded = fold(q)
    for p in provinces:
        folded = folded.replace(fold(p), " ")
    words = [w for w in re.findall(r"[0-9a-z]+", folded) if not YEAR.match(w) and len(w) > 1]
    return sentence_pool(chunks[:1], words, False, ranker, 2)
