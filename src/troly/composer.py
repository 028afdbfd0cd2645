"""Extractive composition: Vietnamese answer text from evidence, with [n] markers.

Pure functions on strings and chunks, no I/O. Every factual phrase in what they
return is copied from the cited chunk (task fields verbatim, sentences verbatim);
only the connecting words ("do … chủ trì", "Theo …") are written here.
"""

from __future__ import annotations

import itertools
import re
from contextvars import ContextVar
from dataclasses import dataclass, field

from troly.schema import Chunk
from troly.text import ABBREVIATIONS, accented_words, fold

# The accented forms of the words of the question being answered (folded word → accent
# keys, troly.text.question_accents), set by troly.answerer.evidence.accents_of; unset
# (None), topic words match on folded text alone.
QUESTION_ACCENTS: ContextVar[dict[str, frozenset[str]] | None] = ContextVar(
    "question_accents", default=None
)

# Words that shape a question but carry no topic (folded).
QUESTION_WORDS = frozenset(
    [
        "ai",
        "gi",
        "nao",
        "bao",
        "nhieu",
        "may",
        "khi",
        "luc",
        "dau",
        "sao",
        "the",
        "nhu",
        "la",
        "co",
        "khong",
        "phai",
        "duoc",
        "cua",
        "o",
        "tai",
        "tinh",
        "nam",
        "hay",
        "cho",
        "biet",
        "toi",
        "minh",
        "em",
        "xin",
        "hoi",
        "vay",
        "thi",
        "con",
        "nhung",
        "cac",
        "viec",
        "va",
        "voi",
        "trong",
        "theo",
        "ve",
        "den",
        "tu",
        "muc",
        "tieu",
        "chi",
        "tieu",
        "ke",
        "hoach",
        "cchc",
        "cai",
        "cach",
        "hanh",
        "chinh",
        "nha",
        "nuoc",
        "dat",
        "ra",
        "de",
        "ra",
        "phan",
        "dau",
        "lam",
    ]
)

FIGURE = re.compile(r"(?<![\w/.-])\d+(?:[.,]\d+)?\s*%|(?<![\w/.-])\d+(?:[.,]\d+)?(?![\w/%-])")
YEAR = re.compile(r"^(19|20)\d{2}$")
_SENT_SPLIT = re.compile(r"(?<=[.;!?])\s+(?=[A-ZĐÀ-Ỹ0-9“\"(-])")


@dataclass
class Scored:
    text: str
    score: float
    chunk: Chunk
    coverage: float = 0.0
    has_figure: bool = False
    # who the sentence is about when only its section heading says so ("Sở Tư pháp")
    subject: str = ""


@dataclass
class Evidence:
    """Citations collected while composing: chunk id → marker number."""

    chunks: list[Chunk] = field(default_factory=list)

    def mark(self, chunk: Chunk) -> int:
        for i, c in enumerate(self.chunks, start=1):
            if c.id == chunk.id:
                return i
        self.chunks.append(chunk)
        return len(self.chunks)


GENERIC_PHRASES = re.compile(
    r"\b(nhiem vu|trach nhiem|vai tro|noi dung|duoc giao|nhu the nao|the nao|cu the"
    r"|la gi|ra sao|o dau|tu dau|so sanh|khac nhau|giong nhau|giua|phan tram)\b"
)


def content_terms(question: str, provinces: list[str] | None = None) -> list[str]:
    """Topic words of a question: folded, minus question words, generic phrases
    ("nhiệm vụ", "vai trò") and province names."""
    folded = GENERIC_PHRASES.sub(" ", fold(question))
    for p in provinces or []:
        folded = folded.replace(fold(p), " ")
    words = re.findall(r"[0-9a-z]+(?:[/.][0-9a-z]+)*%?", folded)
    out: list[str] = []
    for w in words:
        if w in QUESTION_WORDS or (len(w) < 2 and not w.isdigit()):
            continue
        if w in ABBREVIATIONS:
            out.extend(x for x in ABBREVIATIONS[w].split() if x not in QUESTION_WORDS)
            continue
        out.append(w)
    return list(dict.fromkeys(out))


def bigrams(words: list[str]) -> set[str]:
    return {f"{a} {b}" for a, b in itertools.pairwise(words)}


def _folded_words(text: str) -> list[str]:
    folded = fold(text)
    for abbr, full in ABBREVIATIONS.items():
        if abbr in folded:
            folded = re.sub(rf"(?<![a-z0-9]){re.escape(abbr)}(?![a-z0-9])", full, folded)
    return re.findall(r"[0-9a-z]+(?:[/.][0-9a-z]+)*%?", folded)


def matched(terms: list[str], text: str) -> tuple[list[str], set[str]]:
    """(the text's folded words, the question terms the text holds): a term typed with
    accents counts only when the text holds the same accented word ("bỏ" is not "bộ")."""
    words = _folded_words(text)
    present = set(words) & set(terms)
    acc = QUESTION_ACCENTS.get() or {}
    need = [t for t in present if t in acc]
    if need:
        have = accented_words(text)
        present -= {t for t in need if not acc[t] & have}
    return words, present


def coverage(terms: list[str], text: str) -> float:
    """Share of the question's topic words (and word pairs) found in ``text``."""
    if not terms:
        return 0.0
    words, present = matched(terms, text)
    uni = sum(1 for t in terms if t in present) / len(terms)
    qb = bigrams(terms)
    if not qb:
        return uni
    return 0.7 * uni + 0.3 * pair_share(qb, words, present)


def pair_share(qb: set[str], words: list[str], present: set[str]) -> float:
    """Share of the question's word pairs that ``words`` hold, both words matched."""
    return len({b for b in qb & bigrams(words) if all(x in present for x in b.split())}) / len(qb)


def specificity(terms: list[str], text: str) -> float:
    """Share of ``text``'s words that the question uses: a row named almost word for word
    by the question beats a longer row that merely contains the same words."""
    return share_used(*matched(terms, text))


def share_used(words: list[str], present: set[str]) -> float:
    """Share of a text's ``words`` (question words aside) among the matched terms."""
    kept = [w for w in words if w not in QUESTION_WORDS]
    if not kept:
        return 0.0
    return sum(1 for w in kept if w in present) / len(kept)


def _heading_like(line: str) -> bool:
    t = line.strip()
    return len(t) <= 90 and not t.endswith((".", ";", ":"))


# Numbers that are not quantities: an item's outline number ("1.6. 25% …", "3.5. Văn
# bản", "2.5 Tăng cường", a line starting "1.3 100% …"; Vietnamese writes decimals with
# a comma, so "1.5 tỷ" and "phiên bản 2.0;" stay figures), a standard's code ("ISO
# 9001:2015", "TCVN 5603"), a pair joined by a colon ("14:30"), a level's or a
# provision's label ("mức độ 3, 4", "khoản 2")
_OUTLINE_NUMBER = re.compile(r"\d+\.\d{1,2}")
_STANDARD_BEFORE = re.compile(r"(?:ISO|TCVN|IEC)\s*$", re.IGNORECASE)
_LABEL_BEFORE = re.compile(
    r"(?:(?:mức độ|cấp độ)\s+(?:\d+,\s*)?|(?:điều|khoản|chương|phụ lục)\s+)$", re.IGNORECASE
)


def _outline_number(text: str, start: int, end: int) -> bool:
    """Is the number at ``text[start:end]`` ("1.6") an item's outline number?"""
    rest = text[end:]
    if rest.startswith(".") and (not rest[1:].strip() or rest[1:2].isspace()):
        return True  # "1.6. …", a cell ending "… các cấp 3.6."
    nxt = rest.lstrip(" \t")
    if not rest[:1].isspace() or not nxt:
        return False
    if nxt[0].isupper():
        return True  # "2.5 Tăng cường …"
    before = text[:start].rstrip(" \t")
    return (not before or before.endswith("\n")) and nxt[0].isdigit()  # "1.3 100% …"


def _code_or_label(text: str, start: int, end: int) -> bool:
    """Is the number at ``text[start:end]`` part of a code ("ISO 9001", "9001:2015",
    "14:30") or a label ("mức độ 3, 4", "khoản 2")?"""
    joined = text[end : end + 1] == ":" and text[end + 1 : end + 2].isdigit()
    joined = joined or (start >= 2 and text[start - 1] == ":" and text[start - 2].isdigit())
    return (
        joined
        or bool(_STANDARD_BEFORE.search(text[max(0, start - 6) : start]))
        or bool(_LABEL_BEFORE.search(text[max(0, start - 24) : start]))
    )


def figures(text: str) -> list[str]:
    """Numbers that state a quantity: not years, not parts of codes or dates, not an
    item's outline number, a standard's code or a level's or provision's label."""
    out = []
    for m in FIGURE.finditer(text):
        s = m.group(0).strip()
        if YEAR.match(s):
            continue
        if _OUTLINE_NUMBER.fullmatch(s) and _outline_number(text, m.start(), m.end()):
            continue
        if _code_or_label(text, m.start(), m.end()):
            continue
        out.append(s)
    return out


# "gồm:", "bao gồm:", "như sau:", "sau đây:", "là:" open an enumeration; a field label
# ("Cơ quan phối hợp: A; B") does not
_LIST_OPEN = re.compile(r"(?<!\w)(?:gồm|sau|đây|là)\s*:", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """Sentences of a chunk (lines first, then sentence ends), verbatim. An enumeration
    opened by "gồm:" (or "như sau:", "là:") and separated by semicolons ("… 6 nội dung
    CCHC gồm: Cải cách thể chế; Cải cách thủ tục hành chính; …") stays one sentence: its
    items are its content."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        listing = False
        for p in _SENT_SPLIT.split(line):
            p = p.strip()
            if not p:
                continue
            if listing:
                out[-1] = f"{out[-1]} {p}"
            else:
                out.append(p)
            listing = out[-1].endswith(";") and bool(_LIST_OPEN.search(out[-1]))
    return out


def best_sentences(
    chunks: list[Chunk], terms: list[str], want_figure: bool, limit: int = 2
) -> list[Scored]:
    """The sentences that cover the question best, at most ``limit``, best first."""
    scored: list[Scored] = []
    for rank, chunk in enumerate(chunks):
        for s in sentences(chunk.text):
            if len(s) < 12:
                continue
            cov = coverage(terms, s)
            has_fig = bool(figures(s))
            score = cov - 0.02 * rank + (0.15 if want_figure and has_fig else 0.0)
            scored.append(Scored(s, score, chunk, cov, has_fig))
    scored.sort(key=lambda x: -x.score)
    if not scored:
        return []
    chosen = [scored[0]]
    for cand in scored[1:]:
        if len(chosen) >= limit:
            break
        if (
            cand.score >= 0.8 * chosen[0].score
            and cand.coverage >= 0.5
            and cand.text not in {c.text for c in chosen}
        ):
            chosen.append(cand)
    return chosen


_BULLET = re.compile(r"^\s*[-+•*]\s+")
_CELL_NUMBERING = re.compile(r"(?:^|(?<=\s))\d+(?:\.\d+)+\.?\s+(?=[A-ZĐÀ-Ỹa-zđà-ỹ])")


def clean_cell(text: str) -> str:
    """A table cell as it reads in a sentence: no numbering artefacts ("5.1. Trung tâm …
    5.2. Sở Tài chính …" → "Trung tâm …; Sở Tài chính …"), no bullets, one line."""
    lines = [_BULLET.sub("", x).strip() for x in text.split("\n") if x.strip()]
    joined = "; ".join(x.rstrip(";,.") for x in lines if x)
    parts = [p.strip().rstrip(";,") for p in _CELL_NUMBERING.split(joined) if p.strip()]
    return "; ".join(p for p in parts if p and p != ";")


def quote(text: str, limit: int = 700) -> str:
    """A sentence as quoted in an answer (no leading "- " bullet); over-long ones are cut
    at a clause boundary."""
    t = _BULLET.sub("", text.strip()).rstrip(";").strip()
    if len(t) <= limit:
        return t
    cut = max(t.rfind("; ", 0, limit), t.rfind(", ", 0, limit))
    return (t[:cut] if cut > limit // 2 else t[:limit]).rstrip() + " …"


def plan_name(chunk: Chunk) -> str:
    year = f" năm {chunk.year}" if chunk.year else ""
    return f"Kế hoạch CCHC{year} của tỉnh {chunk.province}"


_ITEM_NUMBER = re.compile(r"^\d+(\.\d+)*\.\s*")  # "1.3. " before a cell's text
FIELD_LABELS = {
    "lead": "Cơ quan chủ trì",
    "partners": "Cơ quan phối hợp",
    "deadline": "Thời gian thực hiện",
    "product": "Sản phẩm",
    "budget": "Kinh phí",
}


def _value(text: str) -> str:
    """A field value as it reads inside a sentence: no trailing full stop."""
    return text.strip().rstrip(".;,").strip()


def _agent(lead: str) -> str:
    """ "Các sở, ban, ngành" reads "các sở, ban, ngành" after "do"."""
    return "c" + lead[1:] if lead.startswith("Các ") else lead


def task_field(chunk: Chunk, name: str) -> str:
    f = chunk.fields
    value = _value(
        {
            "lead": f.get("lead_text", ""),
            "partners": f.get("partners_text", ""),
            "deadline": f.get("deadline", ""),
            "product": f.get("product", ""),
            "budget": f.get("budget", ""),
        }.get(name, "")
    )
    return clean_cell(value) if name in ("lead", "partners") else value


def describe_task(chunk: Chunk, n: int, focus: str | None = None, with_plan: bool = True) -> str:
    """One task record as a sentence: content, lead, partners, product, deadline, budget."""
    f = chunk.fields
    content = _value(quote(f.get("content", "") or chunk.text.split("\n")[0], 400))
    lead = task_field(chunk, "lead")
    parts: list[str] = []
    head = f"Theo {plan_name(chunk)} ({chunk.location}), " if with_plan else ""
    if focus and focus in FIELD_LABELS and focus != "lead":
        value = task_field(chunk, focus)
        label = FIELD_LABELS[focus]
        if value:
            parts.append(f"{head}{label.lower()} của nhiệm vụ “{content}” là: {value} [{n}].")
        else:
            parts.append(
                f"{head}nhiệm vụ “{content}” không ghi {label.lower()} cụ thể trong kế hoạch [{n}]."
            )
        head = ""
        content = ""
    if content:
        if lead:
            parts.append(f"{head}nhiệm vụ “{content}” do {_agent(lead)} chủ trì [{n}].")
        else:
            parts.append(f"{head}nhiệm vụ “{content}” (kế hoạch không ghi cơ quan chủ trì) [{n}].")
    extras = []
    for name in ("partners", "product", "deadline", "budget"):
        if name == focus:
            continue
        value = task_field(chunk, name)
        if value:
            extras.append(f"{FIELD_LABELS[name].lower()}: {value}")
    if focus and focus != "lead" and lead:
        extras.insert(0, f"cơ quan chủ trì: {lead}")
    target = _value(f.get("target", ""))
    if target and fold(target) not in fold(content):
        # the row's measurable goal ("1.3. … cắt giảm 20% quy định và 20% chi phí …"): the
        # figures a question about the task may ask for
        goal = _ITEM_NUMBER.sub("", target)
        extras.insert(0, f"mục tiêu: {quote(goal, 300)}")
    if extras:
        parts.append(_capitalise("; ".join(extras)) + f" [{n}].")
    return " ".join(parts)


def row_context(chunk: Chunk, n: int, quoted: str) -> str:
    """The row's product, lead agency and deadline, for an answer that quotes a task
    row's sentences ("Mục tiêu: …", "Nhiệm vụ: …"): the row says who does it, by when
    and with what result. Fields already quoted are left out; "" if none is left."""
    seen = fold(quoted)
    bits = []
    for name in ("product", "lead", "deadline"):
        value = task_field(chunk, name)
        if value and fold(value) not in seen:
            bits.append(f"{FIELD_LABELS[name].lower()}: {quote(value, 200)}")
    return f"{_capitalise('; '.join(bits))} [{n}]." if bits else ""


def describe_task_short(chunk: Chunk, n: int) -> str:
    """One line of a list of tasks: what, who leads, what it delivers (when the row says
    more than its task does: "Kiểm tra tại 140 cơ quan, đơn vị"; cut at 120 characters),
    by when."""
    f = chunk.fields
    content = quote(f.get("content", ""), 220)
    bits = []
    lead = task_field(chunk, "lead")
    if lead:
        bits.append(f"chủ trì: {lead}")
    product = task_field(chunk, "product")
    # a product of one or two words ("Quyết định", "Báo cáo") says nothing the task lacks
    if len(product.split()) > 2 and fold(product) not in fold(content):
        bits.append(f"sản phẩm: {quote(product, 120)}")
    deadline = task_field(chunk, "deadline")
    if deadline:
        bits.append(f"thời gian: {deadline}")
    tail = f" ({'; '.join(bits)})" if bits else ""
    return f"{content}{tail} [{n}]"


def _capitalise(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def section_answer(picked: list[Scored], ev: Evidence) -> str:
    """Verbatim sentences, each with its section and marker."""
    lines = []
    for i, sc in enumerate(picked):
        n = ev.mark(sc.chunk)
        where = sc.chunk.location
        prefix = f"Theo {plan_name(sc.chunk)}" if i == 0 else "Ngoài ra"
        label = f"mục {where}" if where and sc.chunk.kind == "section" else where
        if sc.subject:  # the agency only its heading names: "mục IV.5 – Sở Tư pháp"
            label = f"{label} – {sc.subject}" if label else sc.subject
        lines.append(f"{prefix} ({label}): “{quote(sc.text)}” [{n}].")
    return "\n".join(lines)
