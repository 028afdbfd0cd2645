"""Vietnamese text utilities: normalisation, diacritic folding, tokenisation.

The lexical index works on *folded* tokens (no diacritics, đ→d, lower case) so that a
question typed without diacritics ("thoi gian hoan thanh") matches the accented source.
Tokens come from underthesea's word segmentation (run per sentence, as underthesea
glues tokens across sentence ends otherwise), each compound word contributing both the
compound ("thong_tin") and its syllables ("thong", "tin").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_TOKEN = re.compile(r"[0-9a-z]+(?:[/.,%-][0-9a-z]+)*%?")
_INNER_PUNCT = re.compile(r"[/.,-]")

# Vietnamese function words that carry no retrieval signal (folded forms).
STOPWORDS = frozenset(
    """
    va cua cac la co cho trong voi duoc nhung mot nay do de thi ma tai ve theo tu tren den
    nhu khi da se dang bi hay hoac cung nao gi sao bao nhieu ai the o ra vao lai con nhu
    """.split()
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean_ws(text: str) -> str:
    """Collapse runs of spaces (including no-break spaces) and strip."""
    return _WS.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip diacritics, map đ→d. ``fold("Đắk Lắk") == "dak lak"``."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d")


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


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


def document_terms(text: str) -> list[str]:
    """Folded lexical terms of a passage: syllables plus underthesea compounds.

    Numbers and codes keep their inner punctuation ("2024", "i/2024", "90%",
    "76/nq-cp") so deadlines and document numbers match exactly. Compounds are the
    multi-syllable words underthesea finds ("thông tin" → "thong_tin").
    """
    terms: list[str] = []
    for sent in _sentences(nfc(text)):
        terms.extend(_plain_terms(fold(sent)))
        for word in _segment(sent):
            parts = _TOKEN.findall(fold(word))
            if len(parts) >= 2:
                terms.append("_".join(parts))
    return terms


def query_terms(text: str, max_n: int = 3) -> list[str]:
    """Folded lexical terms of a question: syllables plus all 2..max_n-grams.

    The n-grams play the part of compounds: "thoi gian" (typed without diacritics, where
    word segmentation is unreliable) yields "thoi_gian", which matches the compound the
    passage side got from underthesea. Non-words among the n-grams match nothing.
    """
    terms: list[str] = []
    for sent in re.split(r"[\n.?!;]+", nfc(text)):
        folded = fold(sent)
        toks = _TOKEN.findall(folded)
        terms.extend(_plain_terms(folded))
        for n in range(2, max_n + 1):
            for i in range(len(toks) - n + 1):
                terms.append("_".join(toks[i : i + n]))
    return terms


def term_counts(terms: list[str]) -> Counter[str]:
    return Counter(terms)
