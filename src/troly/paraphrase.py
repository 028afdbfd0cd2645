"""A Vietnamese paraphrase layer: colloquial ↔ administrative wording.

The lexicon (``troly/data/paraphrases.tsv``) maps what users type ("online", "app",
"hạn chót", "làm hồ sơ qua mạng", "người lớn") to the plans' own wording ("trực tuyến",
"ứng dụng", "trước ngày", "nộp hồ sơ trực tuyến", "người dân trưởng thành");
``troly/data/legal_paraphrases.tsv`` maps citizens' words to the laws' ("lấy vợ" →
"kết hôn", "hộ khẩu" → "đăng ký thường trú", "áp dụng cho ai" → "đối tượng áp dụng").
Matching is on diacritic-folded text, so "lam ho so qua mang" works as well; a question
typed with diacritics must carry the variant's own ("để thuê" is not "đẻ thuê"). One function,
:func:`expand`, is shared by retrieval (extra query words), sentence choice and the
refusal check (a sentence using the canonical form covers the user's variant).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from troly.text import fold, has_diacritics


@dataclass(frozen=True)
class Entry:
    canonical: str
    variants: tuple[str, ...]

    @property
    def folded_variants(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(fold(v) for v in self.variants if fold(v) != fold(self.canonical))
        )


def tab_pairs(text: str, what: str) -> list[tuple[str, str]]:
    """The two columns of each line of a tab-separated data file (blank lines and "#"
    comments skipped); raises ValueError naming the file kind and a malformed line."""
    out: list[tuple[str, str]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"{what} line {n}")
        out.append((parts[0].strip(), parts[1].strip()))
    return out


def parse_lexicon(text: str) -> list[Entry]:
    """Entries of a lexicon file; raises ValueError naming a malformed line."""
    pairs = tab_pairs(text, "paraphrase lexicon: expected 'canonical<TAB>a | b' on")
    return [
        Entry(canon, tuple(v.strip() for v in variants.split("|") if v.strip()))
        for canon, variants in pairs
    ]


# The plans' lexicon and the laws' (citizens' words ↔ the laws' wording); one layer reads
# both, each file's canonical forms are checked against its own corpus by the tests.
LEXICON_FILES = ("paraphrases.tsv", "legal_paraphrases.tsv")


@cache
def lexicon_file(name: str) -> tuple[Entry, ...]:
    text = resources.files("troly").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return tuple(parse_lexicon(text))


def lexicon() -> tuple[Entry, ...]:
    return tuple(e for name in LEXICON_FILES for e in lexicon_file(name))


_WORDS = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str, tuple[tuple[str, ...], ...]], ...]:
    """(folded pattern, folded canonical form, the words of the variant as written, with
    their accents)."""
    pats: list[tuple[re.Pattern[str], str, tuple[tuple[str, ...], ...]]] = []
    for e in lexicon():
        canon = fold(e.canonical)
        for v in e.folded_variants:
            written = tuple(tuple(_WORDS.findall(w.lower())) for w in e.variants if fold(w) == v)
            pats.append((re.compile(rf"(?<![a-z0-9]){re.escape(v)}(?![a-z0-9])"), canon, written))
    # longest variant first, so "nop ho so online" wins over "online"
    pats.sort(key=lambda p: -len(p[0].pattern))
    return tuple(pats)


def _typed_as(typed: str, written: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the words ``typed`` (from a question typed with diacritics) are those of one
    of the ``written`` variants, with their own diacritics: "để thuê" is not "đẻ thuê",
    "vợ tôi" not "vô tội", "thông tin gia đình" not "tin giả"."""
    return tuple(_WORDS.findall(typed.lower())) in written


def matches(text: str) -> list[tuple[str, str]]:
    """(variant found, canonical form) pairs in ``text`` (folded), longest first, without
    overlaps. Found on folded text; in a question typed with diacritics, the words must be
    the variant's as written (:func:`_typed_as`)."""
    typed = unicodedata.normalize("NFC", text)
    folded = fold(typed)
    # a question typed with diacritics is matched as typed; fold keeps one character per
    # letter, so spans of the folded text are spans of the typed one
    accented = has_diacritics(typed) and len(folded) == len(typed)
    found: list[tuple[str, str]] = []
    for pat, canon, written in _patterns():
        if canon in folded:
            continue
        for m in pat.finditer(folded):
            if accented and not _typed_as(typed[m.start() : m.end()], written):
                continue
            found.append((m.group(0), canon))
            # blank the span (same length: positions stay aligned with the typed text)
            folded = folded[: m.start()] + "#" * (m.end() - m.start()) + folded[m.end() :]
            break
    return found


def expand(text: str) -> str:
    """``text`` (folded) with the canonical form of every paraphrase appended:
    "nop ho so online o dau" → "nop ho so online o dau . nop ho so truc tuyen"."""
    folded = fold(text)
    extra = [canon for _, canon in matches(text)]
    return folded if not extra else folded + " . " + " . ".join(dict.fromkeys(extra))


def canonical_terms(text: str) -> list[str]:
    """The folded words the paraphrases of ``text`` add (for coverage scoring)."""
    words: list[str] = []
    for _, canon in matches(text):
        words.extend(re.findall(r"[0-9a-z]+", canon))
    return list(dict.fromkeys(words))


@lru_cache(maxsize=1)
def _written_canonical() -> dict[str, str]:
    return {fold(e.canonical): e.canonical for e in lexicon()}


def canonical_phrases(text: str) -> list[str]:
    """The canonical forms, as written (with their accents), of the paraphrases in
    ``text``: "trả tiền online" → ["thanh toán trực tuyến"]."""
    written = _written_canonical()
    return list(dict.fromkeys(written.get(canon, canon) for _, canon in matches(text)))
