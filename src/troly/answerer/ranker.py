"""Sentence relevance learned on the dev split: a small logistic regression.

Each candidate sentence (from the top retrieved chunks) gets features the answerer
already computes — topic-word coverage (unigrams, word pairs), specificity, the chunk's
retrieval rank, section vs task row, heading match, figure match, length — and the
model's probability that the sentence holds the answer. The weights live in
``troly/data/sentence_ranker.json``, fitted by ``scripts/train_ranker.py`` on the dev
split only (labels: the sentence contains a gold evidence snippet). The same
probability is what the refusal check compares with its threshold, also chosen on dev.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from troly.composer import (
    bigrams,
    coverage,
    figures,
    matched,
    pair_share,
    sentences,
    share_used,
)
from troly.schema import Chunk
from troly.text import fold

FEATURES = (
    "coverage",
    "unigram",
    "bigram",
    "specificity",
    "inv_rank",
    "is_section",
    "heading",
    "figure_match",
    "has_figure",
    "log_len",
)


def features(
    sentence: str, chunk: Chunk, rank: int, terms: list[str], want_figure: bool
) -> list[float]:
    # the sentence is read once: coverage and specificity as composer.coverage and
    # composer.specificity compute them, from the same matched words
    words, present = matched(terms, sentence)
    uni = sum(1 for t in terms if t in present) / len(terms) if terms else 0.0
    qb = bigrams(terms)
    bi = pair_share(qb, words, present) if qb else uni
    has_fig = 1.0 if figures(sentence) else 0.0
    return [
        0.7 * uni + 0.3 * bi if qb else uni,
        uni,
        bi,
        share_used(words, present),
        1.0 / (1 + rank),
        1.0 if chunk.kind == "section" else 0.0,
        coverage(terms, " ".join(chunk.headings)) if chunk.headings else 0.0,
        has_fig if want_figure else 0.0,
        has_fig,
        math.log(1 + len(sentence)) / 6.0,
    ]


def logistic(
    weights: list[float], bias: float, x: list[float], bound: float | None = None
) -> float:
    """A logistic model's probability for features ``x``; with ``bound``, the linear score
    is clipped to ±bound first (no overflow for extreme inputs)."""
    z = bias + sum(w * v for w, v in zip(weights, x, strict=True))
    if bound is not None:
        z = max(-bound, min(bound, z))
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class SentenceRanker:
    weights: list[float]
    bias: float
    threshold: float = 0.5  # refusal: the best sentence's probability below this
    meta: dict[str, object] | None = None

    def prob(self, x: list[float]) -> float:
        return logistic(self.weights, self.bias, x)

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "weights": self.weights,
                "bias": self.bias,
                "threshold": self.threshold,
                "meta": self.meta or {},
            },
            ensure_ascii=False,
            indent=1,
        )


@lru_cache(maxsize=1)
def load_ranker() -> SentenceRanker | None:
    """The fitted model, or None when the data file is missing or malformed."""
    try:
        raw = resources.files("troly").joinpath("data/sentence_ranker.json").read_text("utf-8")
        d = json.loads(raw)
    except (FileNotFoundError, ValueError):
        return None
    if list(d.get("features", [])) != list(FEATURES):
        return None
    return SentenceRanker(
        [float(w) for w in d["weights"]], float(d["bias"]), float(d["threshold"]), d.get("meta")
    )


_ENUMERATOR = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[a-zđ]\)|[ivxlc]+\.)\s+")


def _shape(text: str) -> str:
    """A line as compared with a heading: folded, without its enumerator ("3.", "a)")
    and final punctuation (the sentence splitter cuts "3." off a heading line)."""
    return _ENUMERATOR.sub("", " ".join(fold(text).split())).rstrip(".:; ")


def _sentence_like(line: str) -> bool:
    """A line that reads as a sentence: it ends as one and is not written in capitals."""
    t = line.strip()
    return t.endswith((".", ";", "!", "?")) and not t.isupper()


def candidates(
    chunks: list[Chunk], terms: list[str], want_figure: bool
) -> list[tuple[str, Chunk, list[float]]]:
    """(sentence, chunk, features) for every sentence of the top chunks but their own
    heading lines without a figure ("3. Các cơ quan Trung ương đóng trên địa bàn tỉnh"):
    such a heading says what the passage is about, not what it says — its words count
    through the heading feature, for the sentences under it."""
    out = []
    for rank, chunk in enumerate(chunks):
        own = {_shape(h) for h in chunk.headings}
        said = [s for s in sentences(chunk.text) if len(s) >= 12]
        body = [s for s in said if _shape(s) not in own or figures(s)]
        # (a heading stating a figure — a target — is quotable; so is a one-line item,
        # "c) Đảm bảo giữ vững an ninh, chính trị …", whose line is its whole text: a
        # sentence, not a title such as "V. KẾ HOẠCH CỤ THỂ … (có phụ lục kèm theo)")
        for s in body or [s for s in said if _sentence_like(s)]:
            out.append((s, chunk, features(s, chunk, rank, terms, want_figure)))
    return out
