"""Diacritic restoration for questions typed without accents, learned from the index.

The embedding model (multilingual-e5) does not match "ke hoach cai cach hanh chinh" with
"kế hoạch cải cách hành chính", so an unaccented question gets little from the dense half
of the search. The folded lexical terms still match; this module gives the dense half an
accented reading of the question as well. It is a syllable bigram model counted over the
indexed texts themselves (the words and names of the documents being asked about), decoded
with Viterbi: each unaccented syllable may become any accented form seen for it in the
index, and the sequence the bigram counts make most likely wins. Syllables the index never
holds ("online", typos) are left as typed. The lexical search keeps the question as typed
(folded), so a wrong restoration costs only part of the dense half.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cached_property
from importlib import resources

from troly.text import FINALS, INITIALS, accent_key, fold, has_diacritics

_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)
_LAMBDA = 0.7  # weight of the bigram estimate against the unigram one
_MAX_FORMS = 6  # accented forms kept per folded syllable


def seed_text() -> list[str]:
    """Question words and province names (``data/restore_seed.txt``), which the documents
    themselves rarely hold: "bao nhiêu", "gì", "có … không", "Khánh Hòa"."""
    raw = resources.files("troly").joinpath("data/restore_seed.txt").read_text("utf-8")
    return [ln for ln in raw.splitlines() if ln.strip() and not ln.startswith("#")]


class DiacriticRestorer:
    """Restores accents of unaccented Vietnamese text from counts over a corpus (plus
    :func:`seed_text`)."""

    def __init__(self, texts: Iterable[str]) -> None:
        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for text in [*seed_text(), *texts]:
            for run in _runs(text.lower()):
                unigrams.update(run)
                bigrams.update(itertools.pairwise(run))
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        for word, n in unigrams.items():
            forms[fold(word)][word] += n
        self.forms = {f: [w for w, _ in c.most_common(_MAX_FORMS)] for f, c in forms.items()}
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.total = max(1, sum(unigrams.values()))
        self._lengths: dict[int, list[str]] | None = None

    def __len__(self) -> int:
        return len(self.forms)

    @cached_property
    def accent_keys(self) -> frozenset[str]:
        """Every word the model knows, as :func:`troly.text.accent_key` writes it."""
        return frozenset(accent_key(w) for w in self.unigrams)

    def _logp(self, prev: str | None, word: str) -> float:
        uni = (self.unigrams[word] + 0.1) / (self.total + 0.1 * len(self.unigrams))
        if prev is None or not self.unigrams[prev]:
            return math.log(uni)
        bi = self.bigrams[(prev, word)] / self.unigrams[prev]
        return math.log(_LAMBDA * bi + (1 - _LAMBDA) * uni)

    def _decode(self, folded: list[str]) -> list[str]:
        """Most likely accented forms of a run of known folded syllables (Viterbi)."""
        beams: dict[str, tuple[float, list[str]]] = {}
        for i, f in enumerate(folded):
            new: dict[str, tuple[float, list[str]]] = {}
            for w in self.forms[f]:
                if i == 0:
                    new[w] = (self._logp(None, w), [w])
                    continue
                best = max(
                    ((s + self._logp(p, w), path) for p, (s, path) in beams.items()),
                    key=lambda x: x[0],
                )
                new[w] = (best[0], [*best[1], w])
            beams = new
        return max(beams.values(), key=lambda x: x[0])[1]

    def restore(self, text: str) -> str:
        """``text`` with accents restored where the whole text is typed without them;
        text that has any diacritics is returned unchanged (the user chose its accents)."""
        if has_diacritics(text) or not self.forms:
            return text
        tokens = list(_SYLLABLE.finditer(text))
        out: list[str] = []
        last = 0
        i = 0
        while i < len(tokens):
            j = i
            while j < len(tokens) and fold(tokens[j].group(0)) in self.forms:
                # a run continues only across plain spaces between syllables
                if j > i and text[tokens[j - 1].end() : tokens[j].start()].strip():
                    break
                j += 1
            if j == i:
                i += 1
                continue
            run = tokens[i:j]
            restored = self._decode([fold(m.group(0)) for m in run])
            for m, w in zip(run, restored, strict=True):
                out.append(text[last : m.start()])
                typed = m.group(0)
                out.append(w[:1].upper() + w[1:] if typed[:1].isupper() else w)
                last = m.end()
            i = j
        out.append(text[last:])
        return "".join(out)

    def _near(self, folded: str) -> list[str]:
        """Folded syllables of the index one edit from ``folded`` (a letter dropped,
        added, changed, or two neighbours swapped); the index's syllables are grouped by
        length once, when first needed."""
        if self._lengths is None:
            lengths: dict[int, list[str]] = defaultdict(list)
            for f in self.forms:
                lengths[len(f)].append(f)
            self._lengths = lengths
        n = len(folded)
        return [
            cand
            for size in (n - 1, n, n + 1)
            for cand in self._lengths.get(size, [])
            if _one_edit(folded, cand)
        ]

    def correct(self, text: str) -> str:
        """``text`` with typing slips in accented syllables mended: a syllable typed with
        diacritics that the index never holds, even folded ("chíhn", "lòg"), becomes the
        form one edit away that the neighbouring syllables make most likely ("Sở Tài
        chính", "hài lòng"). Unaccented and unknown words (English, codes, names) are left
        as typed: only a syllable the user plainly typed as Vietnamese is mended — one
        with a valid initial and a single vowel group whose ending no syllable has
        ("chíhn", "lòg"; not "Krông", "ôtô", "Jút") — and never an all-capital token
        ("TĐC", "VNĐ"). At most :data:`_MAX_MENDS` are looked at per text."""
        if not self.forms:
            return text
        tokens = list(_SYLLABLE.finditer(text))
        out: list[str] = []
        last = 0
        looked = 0
        for i, m in enumerate(tokens):
            typed = m.group(0)
            low = typed.lower()
            folded = fold(low)
            if low == folded or len(low) < 3 or typed.isupper() or folded in self.forms:
                continue
            if _SYLLABLE_SHAPE.match(folded) or not _MENDABLE.match(folded):
                continue  # a word the index lacks ("lượt", "vậy"), or no Vietnamese slip
            looked += 1
            if looked > _MAX_MENDS:
                break
            prev = tokens[i - 1].group(0).lower() if i else None
            nxt = tokens[i + 1].group(0).lower() if i + 1 < len(tokens) else None
            best: tuple[float, str] | None = None
            for cand in self._near(folded):
                for w in self.forms[cand]:
                    if not _one_edit(low, w):
                        continue  # one slip, its accents as typed: "chíhn" → "chính"
                    score = self._logp(prev, w)
                    if nxt is not None and self.unigrams[nxt]:
                        score += self._logp(w, nxt)
                    if best is None or score > best[0]:
                        best = (score, w)
            if best is None:
                continue
            w = best[1]
            out.append(text[last : m.start()])
            out.append(w[:1].upper() + w[1:] if typed[:1].isupper() else w)
            last = m.end()
        out.append(text[last:])
        return "".join(out)


# a syllable's initial and final consonants, folded (troly.text's inventory), and a
# lone "q" ("qu" with its "u" slipped)
_INITIAL = "|".join(sorted({fold(i) for i in INITIALS} | {"q"}, key=len, reverse=True))
_FINAL = "|".join(sorted(FINALS, key=len, reverse=True))
# a well-formed Vietnamese syllable, folded: initial consonant(s), one to three vowels,
# a final consonant of the few a syllable may end in; "chihn", "log" are not
_SYLLABLE_SHAPE = re.compile(rf"^(?:{_INITIAL})?[aeiouy]{{1,3}}(?:{_FINAL})?$")


# what a slip in one Vietnamese syllable looks like, folded: a valid initial, one vowel
# group, a consonant ending ("chihn", "log"); two vowel groups ("oto", "cano") or an
# initial no syllable has ("krong", "jut") are other words, left as typed
_MENDABLE = re.compile(rf"^(?:{_INITIAL})?[aeiouy]{{1,3}}[bcdfghjklmnpqrstvwxz]{{1,3}}$")
_MAX_MENDS = 4  # malformed syllables looked at per text (a question has one or two)


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by exactly one edit: a letter dropped, added or changed, or
    two neighbouring letters swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _runs(text: str) -> Iterable[list[str]]:
    """Syllable runs of ``text`` split at punctuation (bigrams do not cross a comma)."""
    for piece in re.split(r"[^\w\s]|\d|_|\n", text):
        words = _SYLLABLE.findall(piece)
        if words:
            yield words
