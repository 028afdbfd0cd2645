"""Verdicts for yes/no and multiple-choice legal questions, grounded in quoted text.

:func:`verdict_for` gives a verdict only when the quoted khoản/điểm decide it:

* **yes/no** ("…, đúng hay sai?", "… có … không?", "… phải không?"): the statement (the
  question without its question words and "theo Luật …") is aligned with the quoted
  text. When nearly all of its content words are there (coverage ≥ ``yes_coverage``) and
  nothing conflicts, the verdict is "Đúng"/"Có"; when most are there
  (≥ ``no_coverage``) but a figure, a negation or a bound differs
  (:func:`troly.review.laws.conflicts`), it is "Sai"/"Không". Anything else: no verdict.
* **multiple choice** (options "A. …", "B. …" on their own lines or inline): each option's
  coverage by the quoted text; the best option wins when it is covered
  (≥ ``choice_coverage``) and ahead of the next by ``choice_margin``; "Cả … phương án
  trên"/"Tất cả …" wins when every other option is covered.

The thresholds are tuned on the ALQAC dev split only (``troly eval-legal`` measures
accuracy and coverage on dev and test); verdicts are off by default in the product
(``answer_legal(..., verdicts=False)``) — see the README for the measured figures.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from troly.text import fold


@dataclass(frozen=True)
class VerdictParams:
    """Thresholds; the defaults are the ones `troly eval-legal` chose on the ALQAC dev
    split (2023/2024 questions, tuned BM25 retrieval)."""

    yes_coverage: float = 0.95
    no_coverage: float = 0.85
    choice_coverage: float = 0.80
    choice_margin: float = 0.10


DEFAULT = VerdictParams()

_WORD = re.compile(r"[0-9a-z]+")
_STOP_WORDS = (
    "va cua cac la duoc nhung mot voi trong thi co khong hay dung sai nao gi ai khi "
    "theo quy dinh luat bo nay do cho ve nhu the phai neu hoac cung tai"
)
_STOP = frozenset(_STOP_WORDS.split())
_YESNO_TAIL = re.compile(
    r"[,.;:]?\s*(?:đúng\s+hay\s+sai|đúng\s+hay\s+không|phải\s+không|đúng\s+không)\s*[?.]*\s*$",
    re.IGNORECASE,
)
_CO_KHONG = re.compile(r"\bcó\b(?P<body>.+?)\bkhông\s*\??\s*$", re.IGNORECASE | re.S)
_THEO_LUAT = re.compile(
    r"(?:^|,\s*|\s)(?:theo|căn cứ)(?:\s+quy\s+định)?(?:\s+(?:của|tại))?\s+"
    r"(?:Bộ\s+luật|Luật|Hiến\s+pháp)(?:\s+[A-ZĐÂĂÊÔƠƯ][\wÀ-ỹ]*(?:\s+[\wÀ-ỹ]+){0,6}?)?"
    r"(?=[,.?]|\s+(?:thì|là|có|được|không)\b|$)",
    re.IGNORECASE,
)
_CHOICE_LINE = re.compile(r"(?m)^\s*([A-F])[.)]\s+(.+?)\s*$")
_CHOICE_INLINE = re.compile(r"(?:^|\s)([A-F])[.)]\s+(.+?)(?=\s+[A-F][.)]\s+|$)", re.S)
_ALL = re.compile(r"^(?:cả|tất\s+cả)\b.*(?:trên|đều\s+đúng)", re.IGNORECASE)
_NONE = re.compile(r"^(?:cả|tất\s+cả)\b.*đều\s+sai|^không\s+(?:có\s+)?phương\s+án", re.I)
_LETTERS = re.compile(r"\b([A-F])\b")
# a stem asking for the exception: "… nào sau đây không …", "… không phải là …", "trừ"
_NEGATIVE_STEM = re.compile(r"\b(không|trừ|ngoại\s+trừ)\b", re.IGNORECASE)
# a law named in a statement: "theo quy định của Luật Tố tụng hành chính"
_LAW_NAMED = re.compile(
    r"\b(?P<name>(?:Bộ\s+luật|Luật)\s+[\wÀ-ỹ]+(?:\s+(?!đúng\b|thì\b|là\b|khi\b)[\wÀ-ỹ]+){0,5})"
)


@dataclass
class Verdict:
    kind: str  # "yesno" | "choice"
    value: str  # "Đúng" | "Sai" | "Có" | "Không" | an option letter
    coverage: float
    reason: str
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _content(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text)) if w not in _STOP]


def coverage(statement: str, quoted: str) -> float:
    """Share of the statement's content words (bigrams counted double) in the quote."""
    s = _content(statement)
    if not s:
        return 0.0
    q = _content(quoted)
    qs, qb = set(q), {f"{a}_{b}" for a, b in itertools.pairwise(q)}
    sb = {f"{a}_{b}" for a, b in itertools.pairwise(s)}
    ss = set(s)
    return (len(ss & qs) + 2 * len(sb & qb)) / (len(ss) + 2 * len(sb))


def split_choices(question: str) -> tuple[str, dict[str, str]]:
    """The question stem and its options (lines "A. …", else inline " A. … B. …")."""
    lines = dict(_CHOICE_LINE.findall(question))
    if len(lines) >= 2:
        stem = _CHOICE_LINE.sub("", question).strip()
        return stem, lines
    first = re.search(r"(?:^|\s)A[.)]\s+", question)
    if first is None:
        return question, {}
    opts = dict(_CHOICE_INLINE.findall(question[first.start() :]))
    if len(opts) >= 2 and "B" in opts:
        return question[: first.start()].strip(), {k: v.strip() for k, v in opts.items()}
    return question, {}


def yes_no_statement(question: str) -> tuple[str, str] | None:
    """(statement, style) for a yes/no question; style "dung" or "co"; else None."""
    q = " ".join(question.split())
    if _YESNO_TAIL.search(q):
        return _clean(_YESNO_TAIL.sub("", q)), "dung"
    m = _CO_KHONG.search(q)
    if m and "?" in q[m.end("body") :]:
        return _clean(q[: m.start()] + " " + m["body"]), "co"
    return None


def _clean(statement: str) -> str:
    return _THEO_LUAT.sub(" ", statement).strip(" ,.;:?")


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.;:])\s+|\n+", text)
    return [p for p in parts if p.strip()]


def _aligned(statement: str, quoted: str) -> str:
    """The window of the quote (one or two consecutive sentences) the statement is in."""
    sents = _sentences(quoted)
    windows = sents + [f"{a} {b}" for a, b in itertools.pairwise(sents)]
    return max(windows, key=lambda w: coverage(statement, w), default=quoted)


def _other_law(question: str, text: str, laws: Sequence[str]) -> str:
    """A law the statement names that is neither the quoted articles' law nor named in
    the quote ("theo quy định của Bộ luật hình sự" against a Luật Trọng tài article)."""
    if not laws:
        return ""
    titles = [fold(x).lower() for x in laws]
    quoted = fold(text).lower()
    for m in _LAW_NAMED.finditer(question):
        name = fold(m["name"]).lower()
        words = name.split()
        if words[1:2] == ["nay"] or (words[0] == "bo" and words[2:3] == ["nay"]):
            continue
        if any(t.startswith(name) or name.startswith(t) for t in titles) or name in quoted:
            continue
        if len(words) >= 3 and " ".join(words[:3]) in quoted:
            continue
        return m["name"]
    return ""


def verdict_for(
    question: str,
    quotes: Sequence[str],
    params: VerdictParams = DEFAULT,
    laws: Sequence[str] = (),
) -> Verdict | None:
    """A verdict grounded in ``quotes`` (the quoted units' text), or None. ``laws`` are
    the names of the quoted articles' laws (a statement naming another law is "Sai")."""
    from troly.review.laws import conflicts

    text = "\n".join(quotes)
    if not text.strip():
        return None
    stem, choices = split_choices(question)
    if len(choices) >= 2:
        return _choice(stem, choices, text, params)
    yn = yes_no_statement(question)
    if yn is None:
        return None
    statement, style = yn
    if len(_content(statement)) < 3:
        return None
    cov = coverage(statement, text)
    window = _aligned(statement, text)
    diffs = conflicts(statement, window)
    reasons = [d.detail for d in diffs]
    other = _other_law(question, text, laws)
    if other:
        reasons.append(f"quy định này thuộc văn bản khác, không phải {other}")
    yes, no = ("Đúng", "Sai") if style == "dung" else ("Có", "Không")
    if cov >= params.yes_coverage and not reasons:
        return Verdict(
            "yesno",
            yes,
            cov,
            "the statement's wording is in the quoted text",
            f"{yes}. Nội dung này khớp với quy định được trích dẫn dưới đây.",
        )
    if cov >= params.no_coverage and reasons:
        why = "; ".join(reasons)
        return Verdict(
            "yesno",
            no,
            cov,
            why,
            f"{no}. Quy định được trích dẫn dưới đây ghi khác ({why}).",
        )
    return None


def asks_exception(stem: str, text: str) -> bool:
    """Whether the options to pick are the ones the quote does not hold: the stem's
    polarity differs from the quote's ("nào sau đây không thuộc …" against a list of
    what is; "được phép đăng ký" against "Địa điểm không được đăng ký")."""
    from troly.review.laws import _negated, _occurs, _words, negation_flip

    sw, tw = _words(stem), _words(text)
    if negation_flip(sw, tw):
        return True
    if not _NEGATIVE_STEM.search(stem):
        return False
    # "nào sau đây không được đăng ký" against "Địa điểm không được đăng ký …": same side
    return not any(_occurs(tw, p, negated=True) for p in _negated(sw))


def _choice(stem: str, choices: dict[str, str], text: str, params: VerdictParams) -> Verdict | None:
    from troly.review.laws import conflicts

    alls = [k for k, v in choices.items() if _ALL.search(v.strip())]
    nones = [k for k, v in choices.items() if _NONE.search(v.strip())]
    covs: dict[str, float] = {}
    for k, v in choices.items():
        if k in alls or k in nones:
            continue
        c = coverage(v, text)
        if conflicts(v, _aligned(v, text)):
            c *= 0.5  # the option states a figure/negation the quote does not
        covs[k] = c
    if len(covs) < 2:
        return None
    covered = {k for k, c in covs.items() if c >= params.choice_coverage}
    if asks_exception(stem, text):
        # the exception: the one option the quote does not hold, all others held
        rest = [k for k in covs if k not in covered]
        if len(rest) == 1 and len(covered) >= 2:
            k = rest[0]
            return Verdict(
                "choice",
                k,
                covs[k],
                "the only option not in the quoted text (the question asks for the exception)",
                f"Phương án đúng: {k} ({choices[k].rstrip('.')}) — là phương án duy nhất không "
                "có trong quy định được trích dẫn dưới đây.",
            )
        return None
    for k in alls:
        named = set(_LETTERS.findall(choices[k])) & set(covs) or set(covs)
        if named <= covered:
            return Verdict(
                "choice",
                k,
                min(covs[x] for x in named),
                "every option it names is in the quoted text",
                f"Phương án đúng: {k} ({choices[k].rstrip('.')}) — các phương án đó đều có "
                "trong quy định được trích dẫn dưới đây.",
            )
    ranked = sorted(covs.items(), key=lambda x: -x[1])
    best, c1 = ranked[0]
    c2 = ranked[1][1]
    if alls and len(covered) > 1:
        return None  # several options hold: "all of the above" may be meant
    if c1 >= params.choice_coverage and c1 - c2 >= params.choice_margin:
        return Verdict(
            "choice",
            best,
            c1,
            f"option coverage {c1:.2f} vs {c2:.2f}",
            f"Phương án đúng: {best} ({choices[best].rstrip('.')}) — khớp với quy định được "
            "trích dẫn dưới đây.",
        )
    return None


__all__ = [
    "DEFAULT",
    "Verdict",
    "VerdictParams",
    "coverage",
    "split_choices",
    "verdict_for",
    "yes_no_statement",
]
