"""Vietnamese administrative heading structure: I. → 1. (or 1.1.) → a) → dash items.

Turns the content lines of a plan into a forest of :class:`Section` with path labels
("III.2.b", "I.1.2" for Hà Tĩnh's "1.2." under "1."). Rules, in the order they matter:

* Roman "II. TITLE" opens a level-1 section.
* Arabic "3. …" opens a level-2 section under the current Roman one, except that an
  item numbered 1 right under an arabic *heading* that has no body yet opens a nested
  list (Bình Phước "1. Cải cách thể chế" → "1. Đổi mới tư duy …"); the nested list ends
  at a heading-like arabic line numbered one more than its parent.
* Decimal "1.2." / "2.1 " opens a child of arabic "1." / "2." when that is current.
* Lettered "a) …" / "đ) …" opens a child of the current arabic/decimal/Roman section.
* Dash and plus lines and plain paragraphs are body text of the current section.
* A line that starts in lower case and follows a paragraph with no closing
  punctuation is the rest of that paragraph broken by a page break: it is joined.
* Footnotes ("¹ Kế hoạch …") go to a "Chú thích" section; the recipient list
  ("Nơi nhận:") and signature block to "Nơi nhận"; text before the first Roman
  heading to "Mở đầu". Nothing is dropped.
* Duplicate labels (two items "8." in one section) keep their label as ``path`` and get
  a unique ``key`` ("II.8#2"), with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from troly.schema import Section

ROMAN = re.compile(r"^(?P<num>[IVX]{1,5})\.\s+(?P<rest>\S.*)$")
DECIMAL = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})+)\.?\s*(?P<rest>\S.*)$")
ARABIC = re.compile(r"^(?P<num>\d{1,2})\.\s*(?P<rest>\S.*)$")
LETTER = re.compile(r"^(?P<num>[a-zđ])\)\s*(?P<rest>\S.*)$")
FOOTNOTE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s*\S")
RECIPIENTS = re.compile(r"^Nơi nhận\s*:?\s*$")
TERMINAL = (".", ";", ":", "!", "?", "…", ")", "”", '"')

PREAMBLE = "Mở đầu"
CLOSING = "Nơi nhận"
FOOTNOTES = "Chú thích"
PLAN_HEAD = "Kế hoạch (phần đầu)"

_LEVEL_ARABIC = 2


def heading_like(text: str) -> bool:
    """Short and without closing punctuation: a title rather than a sentence."""
    t = text.strip()
    return len(t) <= 120 and not t.endswith((".", ";"))


@dataclass
class _Node:
    section: Section
    kind: str  # roman | arabic | nested | decimal | letter | special
    number: str = ""
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class StructureResult:
    sections: list[Section]
    warnings: list[str]


class _Builder:
    def __init__(self) -> None:
        self.roots: list[_Node] = []
        self.stack: list[_Node] = []
        self.nodes: list[_Node] = []
        self.warnings: list[str] = []
        self.keys: dict[str, int] = {}
        self.footnotes: _Node | None = None
        self.raw = ""  # the current source line, kept verbatim as a section heading

    # -- node creation -----------------------------------------------------------------
    def _make(self, path: str, title: str, level: int, line: int, kind: str, number: str) -> _Node:
        count = self.keys.get(path, 0) + 1
        self.keys[path] = count
        key = path if count == 1 else f"{path}#{count}"
        if count > 1 and kind != "special":
            self.warnings.append(
                f"duplicate number: '{path}' appears again at line {line} (kept as {key})"
            )
        node = _Node(Section(path=path, title=title, level=level, key=key, line=line), kind, number)
        self.nodes.append(node)
        return node

    def _attach(self, node: _Node, parent: _Node | None) -> None:
        if parent is None:
            self.roots.append(node)
        else:
            parent.section.children.append(node.section)

    def open_special(self, title: str, line: int) -> _Node:
        node = self._make(title, title, 1, line, "special", "")
        self._attach(node, None)
        self.stack = [node]
        return node

    def current(self) -> _Node | None:
        return self.stack[-1] if self.stack else None

    def _pop_to(self, kinds: tuple[str, ...]) -> _Node | None:
        while self.stack and self.stack[-1].kind not in kinds:
            self.stack.pop()
        return self.stack[-1] if self.stack else None

    # -- headings ------------------------------------------------------------------------
    def roman(self, num: str, rest: str, line: int) -> None:
        node = self._make(num, rest, 1, line, "roman", num)
        node.section.heading = self.raw
        self._attach(node, None)
        self.stack = [node]

    def arabic(self, num: str, rest: str, line: int) -> None:
        cur = self.current()
        if cur is None or (cur.kind == "special" and not self._has_roman()):
            # A numbered paragraph before any Roman section: body text.
            self.text(f"{num}. {rest}", line)
            return
        # Inside a nested list, or at a heading that may start one?
        arabic = self._find("arabic")
        nested = self._find("nested")
        if nested is not None and arabic is not None:
            if heading_like(rest) and _int(num) == _int(arabic.number) + 1:
                nested = None  # back to the outer list
            else:
                self._pop_to(("arabic",))
                self._open_child(arabic, "nested", num, rest, line, 3)
                return
        if (
            arabic is not None
            and num == "1"
            and self.current() is arabic
            and heading_like(arabic.section.title)
            and not arabic.paragraphs
            and not arabic.section.children
        ):
            self._open_child(arabic, "nested", num, rest, line, 3)
            return
        parent = self._pop_to(("roman", "special"))
        self._open_child(parent, "arabic", num, rest, line, _LEVEL_ARABIC)

    def decimal(self, num: str, rest: str, line: int) -> None:
        head, _, tail = num.partition(".")
        arabic = self._find("arabic")
        if arabic is not None and arabic.number == head:
            self._pop_to(("arabic",))
            self._open_child(arabic, "decimal", tail, rest, line, 3)
            return
        parent = self._pop_to(("roman", "special"))
        if parent is None:
            self.text(f"{num}. {rest}", line)
            return
        self._open_child(parent, "decimal", num, rest, line, _LEVEL_ARABIC)

    def letter(self, num: str, rest: str, line: int) -> None:
        parent = self._pop_to(("arabic", "nested", "decimal", "roman", "special"))
        if parent is None:
            self.text(f"{num}) {rest}", line)
            return
        self._open_child(parent, "letter", num, rest, line, parent.section.level + 1)

    def _open_child(
        self, parent: _Node | None, kind: str, num: str, rest: str, line: int, level: int
    ) -> None:
        base = parent.section.path if parent is not None and parent.kind != "special" else ""
        path = f"{base}.{num}" if base else num
        node = self._make(path, rest, level, line, kind, num)
        node.section.heading = self.raw
        self._attach(node, parent)
        while self.stack and self.stack[-1] is not parent:
            self.stack.pop()
        self.stack.append(node)

    def _find(self, kind: str) -> _Node | None:
        for node in reversed(self.stack):
            if node.kind == kind:
                return node
        return None

    def _has_roman(self) -> bool:
        return any(n.kind == "roman" for n in self.roots)

    # -- body text ----------------------------------------------------------------------
    def text(self, line_text: str, line: int, continuation_ok: bool = True) -> None:
        cur = self.current()
        if cur is None:
            cur = self.open_special(PREAMBLE, line)
        if continuation_ok and line_text[:1].islower() and (cur.paragraphs or cur.section.title):
            last = cur.paragraphs[-1] if cur.paragraphs else cur.section.title
            if not last.rstrip().endswith(TERMINAL):
                if cur.paragraphs:
                    cur.paragraphs[-1] = f"{last} {line_text}"
                else:
                    cur.section.title = f"{last} {line_text}"
                return
        cur.paragraphs.append(line_text)

    def footnote(self, line_text: str, line: int) -> None:
        if self.footnotes is None:
            self.footnotes = self._make(FOOTNOTES, FOOTNOTES, 1, line, "special", "")
        self.footnotes.paragraphs.append(line_text)

    def finish(self) -> StructureResult:
        if self.footnotes is not None:
            self.roots.append(self.footnotes)
        for node in self.nodes:
            node.section.text = "\n".join(node.paragraphs)
        return StructureResult([n.section for n in self.roots], self.warnings)


def _int(num: str) -> int:
    try:
        return int(num)
    except ValueError:
        return -1


def build_sections(lines: list[tuple[int, str]]) -> StructureResult:
    """Build the section forest from (line number, text) pairs of content lines."""
    b = _Builder()
    in_closing = False
    for lineno, raw in lines:
        line = raw.strip()
        if not line:
            continue
        b.raw = line
        if FOOTNOTE.match(line):
            b.footnote(line, lineno)
            continue
        if RECIPIENTS.match(line) or line.startswith("Nơi nhận:"):
            b.open_special(CLOSING, lineno)
            in_closing = True
            rest = line.split(":", 1)[1].strip() if ":" in line else ""
            if rest:
                b.text(rest, lineno, continuation_ok=False)
            continue
        if in_closing and line == "KẾ HOẠCH":
            in_closing = False
            b.open_special(PLAN_HEAD, lineno)
            continue
        m = ROMAN.match(line)
        if m:
            in_closing = False
            b.roman(m["num"], m["rest"], lineno)
            continue
        if in_closing:
            b.text(line, lineno, continuation_ok=False)
            continue
        m = DECIMAL.match(line)
        if m and not _looks_like_date_or_code(line):
            b.decimal(m["num"], m["rest"], lineno)
            continue
        m = ARABIC.match(line)
        if m:
            b.arabic(m["num"], m["rest"], lineno)
            continue
        m = LETTER.match(line)
        if m:
            b.letter(m["num"], m["rest"], lineno)
            continue
        b.text(line, lineno)
    return b.finish()


def _looks_like_date_or_code(line: str) -> bool:
    """ "15.7.2021 …" or "1.500 người" are not headings."""
    return bool(re.match(r"^\d{1,2}\.\d{1,2}\.\d{2,4}\b", line) or re.match(r"^\d+\.\d{3}\b", line))
