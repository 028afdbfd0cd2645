"""English questions glossed into the plans' Vietnamese wording.

The assistant works in Vietnamese and no translation model ships; a question asked in
English ("By what date must Binh Phuoc departments send their 2024 administrative reform
plans?") is read through a small administrative glossary (``troly/data/
english_gloss.tsv``) into Vietnamese keywords ("trước ngày nào sở, ban, ngành gửi 2024
cải cách hành chính kế hoạch"; the answerer adds "của tỉnh Bình Phước"), which it can
search and match. The keywords are shown to the user with the answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from troly.paraphrase import tab_pairs

# at least this many topical glossary phrases must be found for a gloss to stand for the
# question; words that any question about a plan has do not count
MIN_PHRASES = 2
GENERIC = frozenset(
    {
        "tỉnh",
        "năm",
        "kế hoạch",
        "bao nhiêu",
        "tỷ lệ bao nhiêu",
        "thời gian",
        "thời gian nào",
        "trước ngày nào",
        "cơ quan nào chủ trì",
    }
)
_WORD = re.compile(r"[a-z0-9][a-z0-9/-]*")


def _words(text: str) -> list[str]:
    """Lower-cased words, possessives dropped ("people's committee's" → people committee)."""
    return _WORD.findall(re.sub(r"['’]s\b", "", text.lower()))


def parse_glossary(text: str) -> list[tuple[str, str]]:
    """(english, vietnamese) pairs of a glossary file; raises ValueError naming a
    malformed line."""
    pairs = tab_pairs(text, "English glossary: expected 'english<TAB>tiếng Việt' on")
    return [(en.lower(), vi) for en, vi in pairs]


@lru_cache(maxsize=1)
def glossary() -> tuple[tuple[tuple[str, ...], str], ...]:
    """(english words, vietnamese) entries, longest phrase first."""
    text = resources.files("troly").joinpath("data/english_gloss.tsv").read_text("utf-8")
    entries = [(tuple(_words(en)), vi) for en, vi in parse_glossary(text)]
    return tuple(sorted(entries, key=lambda e: -len(e[0])))


def gloss(question: str, province_named: bool = False) -> tuple[str, int]:
    """The Vietnamese reading of an English ``question`` and how many topical glossary
    phrases (not :data:`GENERIC`) it used. Numbers stay; other words without an entry are
    dropped (the caller adds the provinces the retriever found, with their accents; with
    ``province_named`` a bare "province" is left out too, as the caller names it)."""
    words = _words(question)
    out: list[str] = []
    used = 0
    i = 0
    while i < len(words):
        for en, vi in glossary():
            if tuple(words[i : i + len(en)]) == en:
                if not (province_named and vi == "tỉnh"):
                    out.append(vi)
                used += vi not in GENERIC
                i += len(en)
                break
        else:
            w = words[i]
            if any(ch.isdigit() for ch in w):
                out.append(w)
            i += 1
    return " ".join(out), used
