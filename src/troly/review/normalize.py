"""Comparison logic on literal strings: tokens, numeric targets, deadlines, agency sets.

Everything here is pure (no model, no index) so it is unit-tested on inline strings:

* :func:`terms` — diacritic-folded unigrams and bigrams with numbers masked ("90%" → "#%"),
  abbreviations expanded both ways ("TTHC" ≡ "thủ tục hành chính");
* :func:`weighted_dice` — IDF-weighted overlap of two term sets (0..1);
* :func:`extract_measures` — the numeric targets of a sentence ("đạt tối thiểu 70%",
  "03 cuộc đối thoại"), each with its value, unit, comparator and the *indicator phrase*
  around it (folded, numbers masked) so the same indicator can be found elsewhere;
* :func:`normalize_deadline` / :func:`compare_deadlines` — "Quý I/2024" ≡ "Quý I năm 2024",
  "Năm 2024" ≡ "Trong năm 2024" ≡ "Thường xuyên trong năm", year-only differences apart;
* :func:`agency_diff` — the agencies only one side names, by canonical agency key.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from troly.documents.agencies import agency_key
from troly.text import STOPWORDS, expand_abbreviations, fold, nfc

# --------------------------------------------------------------------------- tokens

_WORD = re.compile(r"[0-9a-z&]+(?:[/.,%-][0-9a-z]+)*%?")
_HAS_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")

# Words that say how a target is compared, not what is measured ("đạt tối thiểu 70%").
COMPARATOR_WORDS = frozenset(
    [
        *("dat", "toi", "thieu", "it", "nhat", "tren", "tro", "len", "tu"),
        *("khong", "qua", "duoi", "phan", "dau", "khoang", "hon", "vuot", "den"),
    ]
)


def mask_number(token: str) -> str:
    """ "90%" → "#%", "2024" → "#", "i/2024" → "i/#"; tokens without digits unchanged."""
    return _DIGITS.sub("#", token) if _HAS_DIGIT.search(token) else token


def tokens(text: str) -> list[str]:
    """Folded word tokens of ``text`` with numbers masked (stopwords kept, in order)."""
    folded = fold(nfc(text)).replace("đ", "d")
    return [mask_number(t) for t in _WORD.findall(folded)]


def terms(text: str, drop: frozenset[str] = frozenset()) -> frozenset[str]:
    """Unigrams (without stopwords and ``drop``) plus bigrams ("thu_tuc"), numbers masked.

    Abbreviations are expanded both ways first (``troly.text.expand_abbreviations``), so
    "TTHC" and "thủ tục hành chính" share their terms.
    """
    folded = expand_abbreviations(fold(nfc(text)))
    out: set[str] = set()
    for part in folded.split(" . "):
        toks = [mask_number(t) for t in _WORD.findall(part) if t not in drop]
        out.update(t for t in toks if t not in STOPWORDS and t != "#")
        out.update(f"{a}_{b}" for a, b in itertools.pairwise(toks))
    return frozenset(out)


def content_size(text: str) -> int:
    """How many content words ``text`` has (folded, no stopwords, no bare numbers)."""
    return sum(1 for t in tokens(text) if t not in STOPWORDS and not _HAS_DIGIT.search(t))


class Idf(dict[str, float]):
    """Term → inverse document frequency; ``default`` (the largest) for unseen terms."""

    default: float = 1.0


def idf_table(docs: Iterable[frozenset[str]]) -> Idf:
    """Smoothed inverse document frequency of every term in ``docs``."""
    df: dict[str, int] = {}
    n = 0
    for d in docs:
        n += 1
        for t in d:
            df[t] = df.get(t, 0) + 1
    out = Idf({t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()})
    out.default = max(out.values()) if out else 1.0
    return out


def _default(idf: Mapping[str, float] | None) -> float:
    if idf is None:
        return 1.0
    d = getattr(idf, "default", None)
    return float(d) if d is not None else (max(idf.values()) if idf else 1.0)


def _weight(term: str, idf: Mapping[str, float] | None, default: float) -> float:
    w = idf.get(term, default) if idf is not None else 1.0
    return w * (1.25 if "_" in term else 1.0)


def weighted_dice(
    a: frozenset[str], b: frozenset[str], idf: Mapping[str, float] | None = None
) -> float:
    """IDF-weighted Dice overlap of two term sets: 1.0 for equal sets, 0.0 for disjoint."""
    if not a or not b:
        return 0.0
    default = _default(idf)
    wa = sum(_weight(t, idf, default) for t in a)
    wb = sum(_weight(t, idf, default) for t in b)
    common = sum(_weight(t, idf, default) for t in a & b)
    return 2.0 * common / (wa + wb) if wa + wb else 0.0


def weighted_containment(
    small: frozenset[str], big: frozenset[str], idf: Mapping[str, float] | None = None
) -> float:
    """Share (IDF-weighted) of ``small``'s terms found in ``big``."""
    if not small:
        return 0.0
    default = _default(idf)
    ws = sum(_weight(t, idf, default) for t in small)
    common = sum(_weight(t, idf, default) for t in small & big)
    return common / ws if ws else 0.0


# --------------------------------------------------------------------------- sentences

_SENT_END = re.compile(r"(?<=[.!?;])\s+(?=[-–+•]?\s*[A-ZĐÀ-Ỹ0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph: split after ". ", "; ", "! ", "? " before a capital/digit.

    Deliberately simple (no model): decimal commas, "TT-BNV", "1.2." headings and
    abbreviations without a following capital do not split.
    """
    out: list[str] = []
    for para in nfc(text).split("\n"):
        para = para.strip()
        if not para:
            continue
        out.extend(s.strip() for s in _SENT_END.split(para) if s.strip())
    return out


# --------------------------------------------------------------------------- measures

# Units counted in the plans ("02 Hội nghị", "03 sáng kiến", "28 biên chế"); folded.
COUNT_UNITS: tuple[str, ...] = (
    "hoi nghi",
    "cuoc",
    "lop",
    "sang kien",
    "giai phap",
    "bien che",
    "don vi",
    "truong",
    "dot",
    "chuyen",
    "mo hinh",
    "buoi",
    "dien dan",
    "phien",
    "chuong trinh",
    "de an",
    "ho so",
    "thu tuc",
    "tthc",
    "co quan",
    "xa",
    "nguoi",
)
_PERCENT = re.compile(
    r"(?<![\w/.,])(?P<lo>\d{1,3}(?:[.,]\d{1,2})?)(?:\s*%?\s*(?:đến|-|–)\s*"
    r"(?P<hi>\d{1,3}(?:[.,]\d{1,2})?))?\s*%"
)
_COUNT = re.compile(
    r"(?<![\w/.,])(?P<lo>\d{1,4})(?:\s*(?:đến|-|–)\s*(?P<hi>\d{1,4}))?\s+(?P<unit>[^\W\d_]+(?:\s+[^\W\d_]+)?)",
)
_SCOPE_MARKERS = re.compile(r"(?i)\btrong\s+(?:số\s+)?đó\b")
_DELIMS = re.compile(r"(?i)[;,:\n]|\.\s|\s-\s|\svà\s|\btrong\s+(?:số\s+)?đó\b")
_LOWER_BOUND = (
    "toi thieu",
    "it nhat",
    "khong duoi",
    "khong thap hon",
    "tro len",
    "tu ",
    "phan dau dat tren",
)
_STRICT_LOWER = ("tren", "hon", "vuot")
_UPPER_BOUND = ("toi da", "khong qua", "khong vuot qua", "khong vuot")
_STRICT_UPPER = ("duoi",)
_APPROX = ("khoang", "xap xi")


@dataclass(frozen=True)
class Measure:
    """A numeric target inside a sentence.

    ``value`` is (low, high) — equal for a single number. ``context`` is the indicator
    phrase: the part of the sentence that belongs to this number, folded, numbers
    masked, comparator words removed; ``context_terms`` its terms. ``scoped`` is true
    when the number follows "trong đó"/"trong số đó" (it is measured within a subset).
    """

    value: tuple[float, float]
    unit: str
    comparator: str
    raw: str
    span: str
    context: str
    context_terms: frozenset[str]
    index: int = 0
    scoped: bool = False

    @property
    def display(self) -> str:
        lo, hi = self.value
        num = _fmt(lo) if lo == hi else f"{_fmt(lo)}–{_fmt(hi)}"
        unit = "%" if self.unit == "%" else f" {self.unit}"
        return f"{COMPARATOR_LABELS.get(self.comparator, '')}{num}{unit}"


COMPARATOR_LABELS = {">=": "≥ ", ">": "> ", "<=": "≤ ", "<": "< ", "~": "≈ ", "=": ""}


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}".replace(".", ",")


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def _comparator(before: str, after: str) -> str:
    b = " " + fold(before)[-40:]
    a = fold(after)[:20]
    if any(f" {w}" in b for w in _UPPER_BOUND):
        return "<="
    if any(f" {w}" in b for w in _STRICT_UPPER):
        return "<"
    if "tro len" in a or any(f" {w}" in b for w in _LOWER_BOUND if w != "tro len"):
        return ">="
    if any(re.search(rf"\b{w}\s*$", b) or f" {w} " in b[-14:] for w in _STRICT_LOWER):
        return ">"
    if any(f" {w}" in b for w in _APPROX):
        return "~"
    return "="


def _unit_of(word_pair: str) -> str | None:
    w = fold(word_pair)
    for unit in COUNT_UNITS:
        if w == unit or w.startswith(unit + " "):
            return unit
    return None


@dataclass
class _Hit:
    start: int
    end: int
    value: tuple[float, float]
    unit: str


def _find_numbers(s: str) -> list[_Hit]:
    hits: list[_Hit] = []
    taken: list[tuple[int, int]] = []
    for m in _PERCENT.finditer(s):
        lo = _num(m["lo"])
        hi = _num(m["hi"]) if m["hi"] else lo
        hits.append(_Hit(m.start(), m.end(), (lo, hi), "%"))
        taken.append((m.start(), m.end()))
    for m in _COUNT.finditer(s):
        if any(a <= m.start() < b for a, b in taken):
            continue
        unit = _unit_of(m["unit"])
        if unit is None:
            continue
        before = fold(s[max(0, m.start() - 12) : m.start()])
        if re.search(r"(ngay|thang|nam|quy|so|khoan|dieu|muc|giai doan)\s*$", before):
            continue
        lo = float(m["lo"])
        hi = float(m["hi"]) if m["hi"] else lo
        end = m.start("unit") + len(m["unit"].split()[0])
        if " " in unit:
            end = m.end("unit")
        hits.append(_Hit(m.start(), end, (lo, hi), unit))
    hits.sort(key=lambda h: h.start)
    return hits


def _boundary(s: str, a: int, b: int) -> int:
    """Where the text between two numbers (s[a:b]) is cut: after its last delimiter."""
    last = None
    for m in _DELIMS.finditer(s, a, b):
        last = m
    if last is None:
        return b
    return last.start() if _SCOPE_MARKERS.match(last.group(0)) else last.end()


def extract_measures(sentence: str) -> list[Measure]:
    """The numeric targets of one sentence, each with its own indicator phrase.

    The sentence is cut between consecutive numbers at the last delimiter (",", ";",
    ":", " và ", "trong đó") so that "cấp tỉnh 100%, cấp huyện 100%, cấp xã 95%" gives
    three measures. A piece with fewer than four content words is prefixed with the
    sentence head (the words before the first number) so it still names its indicator.
    """
    s = nfc(sentence)
    hits = _find_numbers(s)
    if not hits:
        return []
    bounds = [0]
    for prev, nxt in itertools.pairwise(hits):
        bounds.append(_boundary(s, prev.end, nxt.start))
    bounds.append(len(s))
    head = s[: hits[0].start]
    out: list[Measure] = []
    for i, h in enumerate(hits):
        span = s[bounds[i] : bounds[i + 1]].strip(" ,;:")
        scoped = i > 0 and bool(_SCOPE_MARKERS.search(s[hits[i - 1].end : h.start]))
        span_ctx = _SCOPE_MARKERS.sub(" ", span)
        # later pieces share the sentence head ("… tương ứng: cấp tỉnh 100%, cấp xã 95%")
        ctx_text = f"{head} {span_ctx}" if i > 0 else span_ctx
        comparator = _comparator(s[: h.start], s[h.end :])
        if comparator == "=" and i > 0 and "tuong ung" in fold(head) and out:
            comparator = out[0].comparator
        drop = COMPARATOR_WORDS | {fold(w) for w in h.unit.split()}
        ctx_terms = terms(_strip_numbers(ctx_text), drop=drop)
        context = " ".join(t for t in tokens(_strip_numbers(ctx_text)) if t not in drop)
        out.append(
            Measure(
                value=h.value,
                unit=h.unit,
                comparator=comparator,
                raw=s[h.start : h.end],
                span=span,
                context=context,
                context_terms=ctx_terms,
                index=i,
                scoped=scoped,
            )
        )
    return out


def _strip_numbers(text: str) -> str:
    return _DIGITS.sub(" ", text)


def same_value(a: Measure, b: Measure) -> bool:
    return (
        a.unit == b.unit
        and abs(a.value[0] - b.value[0]) < 1e-9
        and (abs(a.value[1] - b.value[1]) < 1e-9)
    )


def indicator_similarity(a: Measure, b: Measure, idf: Mapping[str, float] | None = None) -> float:
    """How surely two measures name the same indicator (0 when the units differ)."""
    if a.unit != b.unit:
        return 0.0
    return weighted_dice(a.context_terms, b.context_terms, idf)


def align_measures(
    left: list[Measure],
    right: list[Measure],
    threshold: float,
    idf: Mapping[str, float] | None = None,
) -> list[tuple[Measure, Measure, float]]:
    """One-to-one pairs of measures naming the same indicator, best pairs first."""
    pairs = [
        (indicator_similarity(a, b, idf), i, j)
        for i, a in enumerate(left)
        for j, b in enumerate(right)
    ]
    pairs.sort(key=lambda p: -p[0])
    used_l: set[int] = set()
    used_r: set[int] = set()
    out: list[tuple[Measure, Measure, float]] = []
    for sim, i, j in pairs:
        if sim < threshold:
            break
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        out.append((left[i], right[j], sim))
    return out


# --------------------------------------------------------------------------- deadlines

_ROMAN_Q = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTERS = re.compile(
    r"quy\s+(?P<qs>(?:(?:iv|iii|ii|i|[1-4])\s*(?:,|-|–|va|den)?\s*)+)"
    r"(?:\s*(?:/|nam)\s*(?P<y>\d{4}))?"
)
_MONTH = re.compile(r"thang\s+(?P<m>\d{1,2})(?:\s*(?:/|nam)\s*(?P<y>\d{4}))?")
_DATE = re.compile(r"(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})")
_YEAR = re.compile(r"\b(?:nam|trong nam|ca nam)\s+(?P<y>\d{4})\b")
_BARE_YEAR = re.compile(r"\b(?P<y>20\d{2})\b")

WHOLE_YEAR = "whole_year"


@dataclass(frozen=True)
class Deadline:
    """A deadline as comparable parts.

    ``specific``: (kind, number, year) for dates, months and quarters ("quy", 1, 2024);
    ``coarse``: recurring/whole-period words ("whole_year", "hang_quy", …);
    ``years``: years named on their own ("Năm 2024"). ``text`` keeps the source.
    """

    text: str
    specific: frozenset[tuple[str, int, int | None]] = field(default_factory=frozenset)
    coarse: frozenset[str] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)

    @property
    def parsed(self) -> bool:
        return bool(self.specific or self.coarse or self.years)


_COARSE = (
    ("hang quy", "hang_quy"),
    ("hang thang", "hang_thang"),
    ("hang tuan", "hang_tuan"),
    ("hang nam", "hang_nam"),
    ("6 thang", "6_thang"),
    ("06 thang", "6_thang"),
    ("sau thang", "6_thang"),
    ("dot xuat", "dot_xuat"),
)


def normalize_deadline(text: str) -> Deadline:
    """Parse a deadline cell ("Quý I/2024", "Quý I năm 2024", "Thường xuyên trong năm")."""
    raw = nfc(text or "").strip()
    s = fold(raw).replace("hằng", "hang").replace("hàng", "hang")
    s = re.sub(r"\bhang\b|\bhang\b", "hang", s)
    specific: set[tuple[str, int, int | None]] = set()
    coarse: set[str] = set()
    years: set[int] = set()
    consumed = s
    for m in _DATE.finditer(s):
        specific.add(("ngay", int(m["m"]) * 100 + int(m["d"]), int(m["y"])))
        consumed = consumed.replace(m.group(0), " ")
    for m in _QUARTERS.finditer(consumed):
        qs = re.findall(r"iv|iii|ii|i|[1-4]", m["qs"])
        nums = [_ROMAN_Q[q] for q in qs]
        if re.search(r"[-–]|den", m["qs"]) and len(nums) == 2:
            nums = list(range(nums[0], nums[1] + 1))
        year = int(m["y"]) if m["y"] else None
        specific.update(("quy", q, year) for q in nums)
        consumed = consumed.replace(m.group(0), " ")
    for m in _MONTH.finditer(consumed):
        if re.match(r"thang\s+\d{1,2}\s*thang", m.group(0)):
            continue
        month = int(m["m"])
        if 1 <= month <= 12:
            specific.add(("thang", month, int(m["y"]) if m["y"] else None))
            consumed = consumed.replace(m.group(0), " ")
    for key, label in _COARSE:
        if key in consumed:
            coarse.add(label)
            consumed = consumed.replace(key, " ")
    if "thuong xuyen" in consumed or "lien tuc" in consumed:
        coarse.add(WHOLE_YEAR)
    for m in _YEAR.finditer(consumed):
        years.add(int(m["y"]))
    if not years and not specific:
        years.update(int(m["y"]) for m in _BARE_YEAR.finditer(consumed))
    if years and not specific:
        coarse.add(WHOLE_YEAR)
    if re.search(r"\btrong nam\b|\bca nam\b", consumed) and not specific:
        coarse.add(WHOLE_YEAR)
    # Years a quarter/month omitted ("Quý I, II năm 2025" was handled; "Quý I" + "năm 2024")
    if years and specific and any(y is None for _, _, y in specific):
        year = min(years)
        specific = {(k, n, y if y is not None else year) for k, n, y in specific}
    return Deadline(raw, frozenset(specific), frozenset(coarse), frozenset(years))


def _shift(d: Deadline, delta: int) -> Deadline:
    if not delta:
        return d
    return Deadline(
        d.text,
        frozenset((k, n, y + delta if y is not None else None) for k, n, y in d.specific),
        d.coarse,
        frozenset(y + delta for y in d.years),
    )


def _specific_equal(
    a: frozenset[tuple[str, int, int | None]], b: frozenset[tuple[str, int, int | None]]
) -> bool:
    """Equal, treating a missing year on one side as a wildcard."""
    if {(k, n) for k, n, _ in a} != {(k, n) for k, n, _ in b}:
        return False
    for k, n, y in a:
        ys = {yb for kb, nb, yb in b if (kb, nb) == (k, n)}
        if y is not None and None not in ys and y not in ys:
            return False
    return True


def compare_deadlines(a: str, b: str, year_shift: int = 0) -> str:
    """ "same", "year_only", "partial", "different" or "unknown".

    ``year_shift`` is added to ``b``'s years before comparing (a 2025 draft against a
    2024 plan: +1). "year_only": equal once all years move by one offset (a task carried
    into next year's plan). "partial": the same dates, months and quarters but one side
    adds a recurring word ("Tháng 01/2025; Thường xuyên"). "unknown": one side could not
    be read (free text).
    """
    da, db = normalize_deadline(a), normalize_deadline(b)
    if not da.text or not db.text:
        return "unknown"
    if fold(da.text).strip(" .") == fold(db.text).strip(" ."):
        return "same"
    if not da.parsed or not db.parsed:
        return "unknown"
    for delta, verdict in ((year_shift, "same"), (None, "year_only")):
        if delta is None:
            ya = {y for _, _, y in da.specific if y} | set(da.years)
            yb = {y for _, _, y in db.specific if y} | set(db.years)
            if not ya or not yb:
                continue
            delta = min(ya) - min(yb)
            if not delta:
                continue
        sb = _shift(db, delta)
        if (
            _specific_equal(da.specific, sb.specific)
            and da.coarse == sb.coarse
            and (not da.years or not sb.years or da.years == sb.years)
        ):
            return verdict
    if da.specific and _specific_equal(da.specific, _shift(db, year_shift).specific):
        return "partial"
    return "different"


# --------------------------------------------------------------------------- agencies


def _agency_key(name: str) -> str:
    key = agency_key(name)
    return re.sub(r"\s+khac$", "", key)  # "các cơ quan liên quan khác" ≡ "… liên quan"


def agency_diff(a: Iterable[str], b: Iterable[str]) -> tuple[list[str], list[str]]:
    """Agencies named only in ``a`` and only in ``b`` (compared by canonical key)."""
    ka = {_agency_key(x): x for x in a if x.strip()}
    kb = {_agency_key(x): x for x in b if x.strip()}
    return [ka[k] for k in ka if k not in kb], [kb[k] for k in kb if k not in ka]


_GENERIC = re.compile(r"^(?:cac|nhung)\b|\blien quan\b|^(?:co quan|don vi|dia phuong|so, ban)")


def is_generic_agency(name: str) -> bool:
    """A collective ("Các sở, ban, ngành", "Các cơ quan, đơn vị có liên quan"), not one body."""
    return bool(_GENERIC.search(fold(name).strip()))


# --------------------------------------------------------------------------- references

_SELF_REF = re.compile(
    r"(?i)kèm\s+theo\s+(?P<kind>Kế\s+hoạch|Quyết\s+định)\s+số\s*:?\s*"
    r"(?P<num>\d+\s*/\s*[\wĐđ-]+(?:\s*/\s*[\wĐđ-]+)?)\s+ngày\s+(?P<date>\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4})"
)
_PLACE_DATE = re.compile(
    r"^(?P<place>[^,|]{2,40}),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})"
)


def normalize_date(text: str) -> str:
    """ "5/1/2024", "05 / 01 / 2024" → "05/01/2024"."""
    m = re.search(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", text)
    if not m:
        return text.strip()
    return f"{int(m[1]):02d}/{int(m[2]):02d}/{m[3]}"


def normalize_doc_number(text: str) -> str:
    """ "275 /KH-UBND" → "275/KH-UBND" (upper case, no spaces)."""
    return re.sub(r"\s+", "", nfc(text)).upper()


@dataclass(frozen=True)
class SelfReference:
    kind: str
    number: str
    date: str
    text: str
    formula: bool  # the line opens with "(Ban hành) kèm theo …": the plan's own attachment


_FORMULA = re.compile(r"(?i)^\W{0,3}(?:ban\s+hành\s+)?kèm\s+theo\b")


def self_references(text: str) -> list[SelfReference]:
    """ "Ban hành kèm theo Kế hoạch số: 275/KH-UBND ngày 25/12/2023" and the like.

    ``formula`` marks the attachment formula at the start of a line — the way a plan or
    its appendix names the document it belongs to; elsewhere in a sentence the same
    words usually cite another document ("Đề án … ban hành kèm theo Quyết định số …").
    """
    out = []
    t = nfc(text)
    for m in _SELF_REF.finditer(t):
        line_start = t.rfind("\n", 0, m.start()) + 1
        out.append(
            SelfReference(
                kind=" ".join(m["kind"].split()),
                number=normalize_doc_number(m["num"]),
                date=normalize_date(m["date"]),
                text=m.group(0),
                formula=bool(_FORMULA.match(t[line_start : m.end()])),
            )
        )
    return out


def header_date(line: str) -> str | None:
    """ "Phú Yên, ngày 15 tháng 12 năm 2023" → "15/12/2023"."""
    m = _PLACE_DATE.match(nfc(line).strip().strip("|").strip())
    if not m:
        return None
    return f"{int(m['d']):02d}/{int(m['m']):02d}/{m['y']}"
