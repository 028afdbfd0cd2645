"""Vietnamese text utilities: normalisation, diacritic folding, tokenisation.

The lexical index works on *folded* tokens (no diacritics, đ→d, lower case) so that a
question typed without diacritics ("thoi gian hoan thanh") matches the accented source.
Tokens come from underthesea's word segmentation (run per sentence, as underthesea
glues tokens across sentence ends otherwise), each compound word contributing both the
compound ("thong_tin") and its syllables ("thong", "tin").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from functools import lru_cache

_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_TOKEN = re.compile(r"[0-9a-z]+(?:[/.,%-][0-9a-z]+)*%?")
_INNER_PUNCT = re.compile(r"[/.,-]")

# Function words dropped as single terms (folded forms). Kept short on purpose: folding
# merges words ("có"/"cơ", "để"/"đề", "tại"/"tài", "từ"/"tư"), so only words whose every
# accented form is a function word are listed; IDF weighs the rest. They still take part
# in query n-grams.
STOPWORDS = frozenset(["va", "cua", "cac", "la", "duoc", "nhung", "mot", "voi", "trong"])


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip diacritics, map đ→d. ``fold("Đắk Lắk") == "dak lak"``."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d")


# Abbreviations used throughout the plans and their spelled-out forms, as printed. Lexical
# terms of either form are indexed under both (folded), so "TTHC" matches "thủ tục hành
# chính"; the dense query gets the spelled-out form too (:func:`spell_out`), because the
# embedding model does not know that "TTHC" means "thủ tục hành chính".
SPELLED_OUT = {
    "tthc": "thủ tục hành chính",
    "cchc": "cải cách hành chính",
    "ubnd": "Ủy ban nhân dân",
    "hdnd": "Hội đồng nhân dân",
    "qppl": "quy phạm pháp luật",
    "vbqppl": "văn bản quy phạm pháp luật",
    "csdl": "cơ sở dữ liệu",
    "cntt": "công nghệ thông tin",
    "dvc": "dịch vụ công",
    "dvctt": "dịch vụ công trực tuyến",
    "cbccvc": "cán bộ công chức viên chức",
    "pbgdpl": "phổ biến giáo dục pháp luật",
    "tdthpl": "theo dõi thi hành pháp luật",
    "attt": "an toàn thông tin",
    "snv": "Sở Nội vụ",
    "stttt": "Sở Thông tin và Truyền thông",
    "tt&tt": "Thông tin và Truyền thông",
    "khdt": "Kế hoạch và Đầu tư",
    "kh&dt": "Kế hoạch và Đầu tư",
    "khcn": "Khoa học và Công nghệ",
    "kh&cn": "Khoa học và Công nghệ",
    "dtsn": "đơn vị sự nghiệp",
    "htqlcl": "hệ thống quản lý chất lượng",
    "par": "chỉ số cải cách hành chính",
    "sipas": "chỉ số hài lòng",
    # found by matching the plans' capitalised tokens with word runs of the same initials
    # (stop 24): each is printed both ways in the plans
    "sncl": "sự nghiệp công lập",
    "nsnn": "ngân sách nhà nước",
    "hcnn": "hành chính nhà nước",
    "cqdt": "chính quyền điện tử",
    "cds": "chuyển đổi số",
    "cbcc": "cán bộ công chức",
    "tslcd": "truyền số liệu chuyên dùng",
    "ptth": "phát thanh truyền hình",
    "mttqvn": "Mặt trận Tổ quốc Việt Nam",
    "bnv": "Bộ Nội vụ",
}
ABBREVIATIONS = {abbr: fold(full) for abbr, full in SPELLED_OUT.items()}
_EXPANSION_PATTERNS = [
    (abbr, re.compile(r"(?<![a-z0-9])" + re.escape(full) + r"(?![a-z0-9])"))
    for abbr, full in ABBREVIATIONS.items()
]


def expand_abbreviations(folded: str) -> str:
    """Append the other form of every abbreviation or spelled-out phrase found."""
    extra: list[str] = []
    tokens = set(re.findall(r"[a-z0-9&]+", folded))
    for abbr, pat in _EXPANSION_PATTERNS:
        if abbr in tokens:
            extra.append(ABBREVIATIONS[abbr])
        elif pat.search(folded):
            extra.append(abbr)
    return folded if not extra else folded + " . " + " . ".join(extra)


_ABBR_TOKEN = re.compile(
    r"(?<![\w&])("
    # "CQĐT", "KH&ĐT": a "d" of the key is typed "đ" as often as not
    + "|".join(
        re.escape(a).replace("d", "[dđ]") for a in sorted(SPELLED_OUT, key=len, reverse=True)
    )
    + r")(?![\w&])",
    re.IGNORECASE,
)


def spell_out(text: str) -> str:
    """``text`` with each abbreviation replaced by its spelled-out form: "kiểm soát TTHC" →
    "kiểm soát thủ tục hành chính", so both spellings of a question embed alike. For the
    dense query only (the lexical terms already carry both forms)."""
    return _ABBR_TOKEN.sub(lambda m: SPELLED_OUT[fold(m.group(0))], text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean_ws(text: str) -> str:
    """Collapse runs of spaces (including no-break spaces) and strip."""
    return _WS.sub(" ", text).strip()


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


@lru_cache(maxsize=65536)
def accent_key(word: str) -> str:
    """A lowercased word with its tone mark moved to the end, so the old and new tone
    placements ("hoà", "hòa") compare equal."""
    nfd = unicodedata.normalize("NFD", word.lower())
    tones = "".join(c for c in nfd if c in _TONES)
    base = "".join(c for c in nfd if c not in _TONES)
    return unicodedata.normalize("NFC", base) + tones


@lru_cache(maxsize=65536)
def accented_words(text: str) -> frozenset[str]:
    """The accent keys of the words of ``text``, abbreviations spelled out ("HĐND" →
    "hội đồng nhân dân")."""
    return frozenset(accent_key(w) for w in re.findall(r"\w+", spell_out(nfc(text)).lower()))


def question_accents(text: str) -> dict[str, frozenset[str]]:
    """folded word → its accent keys, for the words of ``text`` typed with diacritics."""
    out: dict[str, set[str]] = {}
    for w in re.findall(r"\w+", nfc(text)):
        if has_diacritics(w):
            out.setdefault(fold(w), set()).add(accent_key(w))
    return {k: frozenset(v) for k, v in out.items()}


def normalize_for_match(text: str) -> str:
    """Form used to test whether a snippet occurs in a chunk: folded, single spaces."""
    return clean_ws(fold(nfc(text)))


def _segment(sentence: str) -> list[str]:
    from underthesea import word_tokenize

    try:
        return list(word_tokenize(sentence))
    except Exception:  # underthesea fails on odd inputs; fall back to whitespace
        return sentence.split()


def _sentences(text: str) -> list[str]:
    from underthesea import sent_tokenize

    out: list[str] = []
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            continue
        try:
            out.extend(sent_tokenize(para))
        except Exception:
            out.append(para)
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (per paragraph), using underthesea."""
    return _sentences(text)


def _plain_terms(folded: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN.findall(folded):
        if tok in STOPWORDS:
            continue
        out.append(tok)
        if _INNER_PUNCT.search(tok):  # "i/2024" also as "i" and "2024"
            out.extend(p for p in _INNER_PUNCT.split(tok) if p and p not in STOPWORDS)
    return out


def document_terms(text: str, bigrams: bool = True) -> list[str]:
    """Folded lexical terms of a passage: syllables, syllable bigrams and underthesea
    compounds.

    Numbers and codes keep their inner punctuation ("2024", "i/2024", "90%",
    "76/nq-cp") so deadlines and document numbers match exactly. Compounds are the
    multi-syllable words underthesea finds ("thông tin" → "thong_tin"). Every pair of
    adjacent syllables is a term too ("nhà thuê" → "nha_thue"), as on the question side
    (:func:`query_terms`): a question's word pair that underthesea did not join in the
    passage still matches it, and a pair found in order weighs more than its syllables
    scattered through a long article (dev splits: plans hit@1 0.805 → 0.850, laws
    0.885 → 0.915; ``scripts/tune_lexical.py``). A two-syllable word underthesea found
    is thus counted twice (as the word and as the pair): that is the form that was tuned.
    """
    terms: list[str] = []
    for sent in _sentences(nfc(text)):
        folded = fold(sent)
        terms.extend(_plain_terms(folded))
        if bigrams:
            toks = _TOKEN.findall(folded)
            terms.extend(f"{a}_{b}" for a, b in itertools.pairwise(toks))
        for word in _segment(sent):
            parts = _TOKEN.findall(fold(word))
            if len(parts) >= 2:
                terms.append("_".join(parts))
        expanded = expand_abbreviations(folded)
        if expanded != folded:
            for extra in expanded[len(folded) :].split(" . "):
                toks = _TOKEN.findall(extra)
                terms.extend(t for t in toks if t not in STOPWORDS)
                terms.extend("_".join(toks[i : i + 2]) for i in range(len(toks) - 1))
    return terms


def query_terms(text: str, max_n: int = 3) -> list[str]:
    """Folded lexical terms of a question: syllables plus all 2..max_n-grams.

    The n-grams play the part of compounds: "thoi gian" (typed without diacritics, where
    word segmentation is unreliable) yields "thoi_gian", which matches the compound the
    passage side got from underthesea. Non-words among the n-grams match nothing.
    """
    terms: list[str] = []
    for sent in re.split(r"[\n.?!;]+", expand_abbreviations(fold(nfc(text)))):
        folded = sent
        toks = _TOKEN.findall(folded)
        terms.extend(_plain_terms(folded))
        for n in range(2, max_n + 1):
            for i in range(len(toks) - n + 1):
                terms.append("_".join(toks[i : i + n]))
    return terms


def term_counts(terms: list[str]) -> Counter[str]:
    return Counter(terms)


# Characters removed from text typed by users: C0/C1 controls (but tab and newline, which
# become spaces), zero-width and bidi-control characters, the BOM. Vietnamese text needs
# none of them; left in, they split words ("chủ\u200btrì") or hide text.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def normalize_user_text(text: str) -> str:
    """The form of a user's question at every entry point (API, UI, CLI): Unicode NFC
    (decomposed "ệ" typed by some Vietnamese keyboards becomes the single precomposed
    character, so citations, speed and length limits match the composed form), invisible
    and control characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text or "")
    text = _INVISIBLE.sub("", text.replace("\t", " ").replace("\r", " ").replace("\n", " "))
    return clean_ws(text)


# Vietnamese syllables: one vowel group each; a token holding two vowel groups split by
# consonants is two syllables typed together ("tổ chứcbộ máy"), when the consonants
# between them part into a final and an initial of Vietnamese
_VOWELS = "aăâeêioôơuưy"
# the consonants a Vietnamese syllable may begin with and end with, as written
INITIALS = (
    *("b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh"),
    *("nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"),
)
FINALS = ("c", "ch", "m", "n", "ng", "nh", "p", "t")
_FINALS = ("", *FINALS)
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng (combining)
_INITIAL = re.compile("|".join(INITIALS))
_VIETNAMESE_ONLY = re.compile(f"[ăâđêôơư{_TONES}]")
_WORD = re.compile(r"\w+")


def _base(ch: str) -> str:
    """A letter without its tone mark (keeps ă, â, ê, ô, ơ, ư)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", ch) if c not in _TONES)
    return unicodedata.normalize("NFC", bare)


def _split_word(word: str) -> str:
    low = word.lower()  # NFC: one character per letter, tone included
    marked = _VIETNAMESE_ONLY.search(low) or _VIETNAMESE_ONLY.search(
        unicodedata.normalize("NFD", low)
    )
    if not marked or not low.isalpha():
        return word  # "online", "website": not Vietnamese run together
    groups = [m.span() for m in re.finditer(f"[{_VOWELS}]+", "".join(_base(c) for c in low))]
    if len(groups) != 2:
        return word
    (_, end), (start, _) = groups
    run = "".join(_base(c) for c in low[end:start])
    for k in range(len(run) + 1):
        final, initial = run[:k], run[k:]
        if final in _FINALS and _INITIAL.fullmatch(initial):
            return f"{word[: end + k]} {word[end + k :]}"
    return word


def split_run_together(text: str) -> str:
    """Two Vietnamese syllables typed without the space between them are split: "tổ
    chứcbộ máy" → "tổ chức bộ máy". Only tokens with a Vietnamese letter or tone mark
    (never "online", "email") and exactly two vowel groups whose consonants part into a
    syllable's final and the next one's initial. The text comes back composed (NFC)."""
    return _WORD.sub(lambda m: _split_word(m.group()), unicodedata.normalize("NFC", text))
