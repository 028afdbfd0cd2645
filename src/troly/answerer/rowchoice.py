"""Row or prose: whether a task row answers a question better than the chosen sentences.

When the top passages hold a task row (an appendix row, a lettered Quảng Ngãi item) and
the sentence chooser has picked prose, the answerer must decide which of the two to
quote. A row's cells carry generic words ("báo cáo kết quả", "các sở, ban ngành; UBND
cấp huyện") that lift its topic-word coverage, so comparing coverages alone lets a row
beat the prose sentence that answers. The decision is a small logistic regression over
what the answerer already knows at that point (the row's coverage and specificity, the
best sentence's coverage and score, whether the row holds the field asked, whether the
question has several parts, the row's retrieval rank). Its weights live in
``troly/data/row_choice.json``, fitted by ``scripts/train_row_choice.py`` on the dev
splits only (label: the gold evidence is in the row and not in the sentences picked,
or the reverse). The row is quoted when the model's probability is at least one half.

Some cases are decided before the model (:func:`decide`): with no sentence, or with a
one-part question whose best sentence is the row's own and that asks for nothing the row
lacks, the row is quoted with its fields; a question asking several things is answered
part by part by the sentences, so a row covering no more of it than they do is not. The
decision chooses what to quote, not whether to answer: the answerer still quotes a row
the model passes over when the sentences alone would be a refusal.
The model's ``sentence_score`` feature is the sentence ranker's probability: the data file
records a fingerprint of ``sentence_ranker.json`` (:func:`ranker_fingerprint`), and a
unit test fails when the ranker is refitted without refitting this model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from troly.answerer.ranker import logistic
from troly.composer import Scored
from troly.schema import Chunk

log = logging.getLogger(__name__)

ROW_FEATURES = (
    "row_coverage",
    "row_specificity",
    "sentence_coverage",
    "coverage_gap",
    "answers_focus",
    "no_focus",
    "multi_part",
    "row_rank",
    "sentence_score",
    "sentence_in_a_row",
)


def row_features(
    *,
    row_coverage: float,
    row_specificity: float,
    sentence_coverage: float,
    answers_focus: bool,
    no_focus: bool,
    multi_part: bool,
    row_rank: int,
    sentence_score: float,
    sentence_in_a_row: bool,
) -> list[float]:
    """The decision's features, in :data:`ROW_FEATURES` order."""
    return [
        row_coverage,
        row_specificity,
        sentence_coverage,
        row_coverage - sentence_coverage,
        1.0 if answers_focus else 0.0,
        1.0 if no_focus else 0.0,
        1.0 if multi_part else 0.0,
        1.0 / (1 + row_rank),
        sentence_score,
        1.0 if sentence_in_a_row else 0.0,
    ]


@dataclass
class RowChoice:
    weights: list[float]
    bias: float
    meta: dict[str, object] | None = None

    def prob(self, x: list[float]) -> float:
        return logistic(self.weights, self.bias, x, bound=60.0)

    def prefers_row(self, x: list[float]) -> bool:
        return self.prob(x) >= 0.5

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(ROW_FEATURES),
                "weights": self.weights,
                "bias": self.bias,
                "meta": self.meta or {},
            },
            ensure_ascii=False,
            indent=1,
        )


class MarginRule(RowChoice):
    """The hand-set rule the model replaced, kept as the fallback when the data file is
    missing and as the baseline ``scripts/train_row_choice.py`` reports beside the model:
    with one part, a row holding the field asked wins unless a sentence covers 0.15 more
    of the question's words, a row with no field asked wins ties; otherwise the row must
    cover more than the sentence."""

    def __init__(self) -> None:
        super().__init__([0.0] * len(ROW_FEATURES), 0.0, {"fitted": False})

    def prob(self, x: list[float]) -> float:
        f = dict(zip(ROW_FEATURES, x, strict=True))
        single = f["multi_part"] == 0.0
        focus = f["answers_focus"] == 1.0
        margin = 0.15 if focus and single else 0.0
        if single and (focus or f["no_focus"] == 1.0):
            ahead = f["row_coverage"] + margin >= f["sentence_coverage"]
        else:
            ahead = f["row_coverage"] > f["sentence_coverage"]
        return 1.0 if ahead else 0.0


@dataclass
class RowDecision:
    """One weighing of a task row against the sentences picked, as ``decide`` made it;
    the answerer appends these to its ``decision_log`` when one is set (the training
    script's way of seeing them)."""

    question: str
    row: Chunk
    sentences: list[Scored] = field(default_factory=list)
    features: list[float] = field(default_factory=list)
    prob: float = 0.0
    reason: str = ""
    guarded: bool = False  # settled before the model (see decide)


def decide(
    choice: RowChoice, x: list[float], *, has_sentence: bool, own_sentence: bool
) -> tuple[float, str, bool]:
    """(probability that the row answers, what decided it, whether a guard settled it
    before the model). ``own_sentence``: the best sentence is the row's own text."""
    f = dict(zip(ROW_FEATURES, x, strict=True))
    single = f["multi_part"] == 0.0
    if not has_sentence:
        return 1.0, "no sentence to weigh it against", True
    if single and own_sentence and (f["answers_focus"] == 1.0 or f["no_focus"] == 1.0):
        return 1.0, "the best sentence is the row's own", True
    if not single and f["coverage_gap"] <= 0.0:
        return 0.0, "several parts, and the row covers no more of them than the sentences", True
    p = choice.prob(x)
    name = "margin rule" if isinstance(choice, MarginRule) else "row-or-prose model"
    return p, f"{name} p={p:.2f}", False


def ranker_fingerprint(raw: str | None = None) -> str:
    """A short hash of the sentence ranker's weights (the model's ``sentence_score``
    feature is that ranker's probability); "" when the ranker's file is missing."""
    if raw is None:
        try:
            raw = resources.files("troly").joinpath("data/sentence_ranker.json").read_text("utf-8")
        except (FileNotFoundError, OSError):
            return ""
    try:
        d = json.loads(raw)
        key = json.dumps([d["features"], d["weights"], d["bias"]], sort_keys=True)
    except (ValueError, TypeError, KeyError):
        return ""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def parse_row_choice(raw: str) -> RowChoice:
    """The model of a ``row_choice.json`` text; :class:`MarginRule` when the text is not
    JSON, its features are not :data:`ROW_FEATURES` or a number is not finite."""
    try:
        d = json.loads(raw)
        if list(d.get("features", [])) != list(ROW_FEATURES):
            return MarginRule()
        weights = [float(w) for w in d["weights"]]
        bias = float(d["bias"])
        if len(weights) != len(ROW_FEATURES) or not all(map(math.isfinite, [*weights, bias])):
            return MarginRule()
        return RowChoice(weights, bias, d.get("meta"))
    except (ValueError, TypeError, KeyError, AttributeError):
        return MarginRule()


@lru_cache(maxsize=1)
def load_row_choice() -> RowChoice:
    """The fitted model shipped in ``troly/data/row_choice.json``; :class:`MarginRule`
    (with a warning) when the file is missing or malformed."""
    try:
        raw = resources.files("troly").joinpath("data/row_choice.json").read_text("utf-8")
    except (FileNotFoundError, OSError, UnicodeDecodeError):
        raw = ""
    choice = parse_row_choice(raw)
    if isinstance(choice, MarginRule):
        log.warning("row_choice.json missing or malformed: the hand-set margin rule decides")
    return choice
