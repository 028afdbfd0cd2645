"""Structure of a Vietnamese normative legal document (văn bản quy phạm pháp luật).

Works on a sequence of paragraph texts (whatever format they came from), so any block
model that yields paragraphs can feed it. Recognised, in the order of the hierarchy:

* ``Phần thứ nhất`` / ``PHẦN I`` → Phần (level 1)
* ``Chương II`` / ``CHƯƠNG II`` → Chương
* ``Mục 1`` → Mục, ``Tiểu mục 1`` → Tiểu mục
* ``Điều 12. Nơi cư trú …`` (or ``Điều 115`` alone, as in the Hiến pháp) → Điều, with
  its title
* ``1. …`` inside an Điều → khoản; ``a) …`` inside a khoản (or an Điều) → điểm
* ``Căn cứ …`` lines before the first unit → the "Căn cứ" section; other text before it
  (issuer, number, title) → "Mở đầu".
* After an article, the closing block — a rule line ("_____"), the adoption formula
  ("Luật này được Quốc hội … thông qua ngày …"), a signatory's title ("CHỦ TỊCH QUỐC
  HỘI", "TM. CHÍNH PHỦ"), "(Đã ký)" or "Nơi nhận:" — and everything after it up to the
  next Phần/Chương/Điều → the "Phần ký" section, not the last khoản.

A Phần/Chương/Mục title given on the next paragraph (``CHƯƠNG I`` then ``NHỮNG QUY ĐỊNH
CHUNG``) is taken as the title. Every unit is a :class:`troly.schema.Section`; its
``key`` encodes the unit kind and number path (``dieu:12/khoan:2/diem:a``) and is unique
in the document; ``path`` is the label used in citations ("Điều 12", "khoản 2",
"điểm a"); ``heading`` is the source paragraph verbatim. Nothing is dropped: dash items
and continuation paragraphs are the body (``text``) of the current unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from troly.documents.structure import StructureResult
from troly.schema import DocumentMeta, DocumentTree, Section

UNIT_ORDER = ("phan", "chuong", "muc", "tieumuc", "dieu", "khoan", "diem")
UNIT_LABEL = {
    "phan": "Phần",
    "chuong": "Chương",
    "muc": "Mục",
    "tieumuc": "Tiểu mục",
    "dieu": "Điều",
    "khoan": "khoản",
    "diem": "điểm",
}
PREAMBLE = "Mở đầu"
BASIS = "Căn cứ"
CLOSING = "Phần ký"

_ROMAN_OR_NUM = r"(?:[IVXLC]+|\d+)"
_ORDINAL = r"(?:thứ\s+\w+|" + _ROMAN_OR_NUM + r")"
PHAN = re.compile(r"^phần\s+(?P<num>" + _ORDINAL + r")\b[.:]?\s*(?P<rest>.*)$", re.IGNORECASE)
CHUONG = re.compile(r"^chương\s+(?P<num>" + _ROMAN_OR_NUM + r")\b[.:]?\s*(?P<rest>.*)$", re.I)
TIEUMUC = re.compile(r"^tiểu\s+mục\s+(?P<num>\d+)\b[.:]?\s*(?P<rest>.*)$", re.IGNORECASE)
MUC = re.compile(r"^mục\s+(?P<num>\d+)\b[.:]?\s*(?P<rest>.*)$", re.IGNORECASE)
DIEU = re.compile(r"^Điều\s+(?P<num>\d+[a-zđ]?)(?:\s*\.\s*(?P<rest>.*)|\s*)$")
KHOAN = re.compile(r"^(?P<num>\d{1,3})\.\s*(?P<rest>\S.*)$")
DIEM = re.compile(r"^(?P<num>[a-zđ])\)\s*(?P<rest>\S.*)$")
CAN_CU = re.compile(r"^Căn\s+cứ\b", re.IGNORECASE)
# the closing block of a normative document (see module doc)
RULE_LINE = re.compile(r"^[_\-–—=]{5,}$")
_ADOPTION = (
    r"(?:Bộ\s+luật|Luật|Hiến\s+pháp|Pháp\s+lệnh|Nghị\s+quyết)\s+này\s+(?:đã\s+)?được\b"
    r".*\bthông\s+qua\s+ngày\b"
)
ADOPTION = re.compile("^" + _ADOPTION, re.IGNORECASE)
# the formula run into the last paragraph of the last article ("… được giao trong Luật.
# Luật này được Quốc hội … thông qua ngày …", as some Word files have it)
_ADOPTION_INSIDE = re.compile(r"(?<=[.;])\s+(?=" + _ADOPTION + ")", re.IGNORECASE)
SIGNATORY = re.compile(
    r"^(?:(?:TM|KT|Q|TUQ|TL)\.\s*)?(?:NỮ\s+)?(?:PHÓ\s+)?"
    r"(?:CHỦ\s+TỊCH|CHAIRMAN|CHAIRWOMAN|THỦ\s+TƯỚNG|BỘ\s+TRƯỞNG|CHÁNH\s+ÁN|VIỆN\s+TRƯỞNG|"
    r"TỔNG\s+KIỂM\s+TOÁN|CHÍNH\s+PHỦ|ỦY\s+BAN|UỶ\s+BAN|QUỐC\s+HỘI)\b"
)
SIGNED = re.compile(r"^\(\s*(?:đã\s+ký|ký)\b[^)]*\)$", re.IGNORECASE)
RECIPIENTS = re.compile(r"^Nơi\s+nhận\s*:", re.IGNORECASE)

_WS = re.compile(r"[ \t\u00a0\u202f]+")


def normalize_legal_text(text: str) -> str:
    """NFC, "Ð" (U+00D0, Icelandic eth) → "Đ" (U+0110), single spaces, no CR."""
    text = unicodedata.normalize("NFC", text).replace("\u00d0", "\u0110").replace("\r", "")
    return "\n".join(_WS.sub(" ", line).strip() for line in text.split("\n"))


def unit_kind(section: Section) -> str:
    """The unit of a section made by this module ("dieu", "khoan", …; "" otherwise)."""
    last = section.key.rsplit("/", 1)[-1]
    kind = last.split(":", 1)[0]
    return kind if kind in UNIT_ORDER else ""


def unit_number(section: Section) -> str:
    last = section.key.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


@dataclass
class LegalStructure:
    """The parsed units (a forest of sections), the "Căn cứ" lines, and warnings."""

    sections: list[Section]
    basis: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def articles(self) -> list[Section]:
        return [s for root in self.sections for s in root.walk() if unit_kind(s) == "dieu"]


def _is_caps_title(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and len(text) <= 200 and all(c.isupper() for c in letters)


class _Builder:
    def __init__(self) -> None:
        self.roots: list[Section] = []
        self.stack: list[tuple[str, Section]] = []
        self.keys: set[str] = set()
        self.warnings: list[str] = []
        self.basis: list[str] = []
        self.preamble: Section | None = None
        self.basis_section: Section | None = None
        self.pending_title: Section | None = None  # a Phần/Chương/Mục waiting for its title
        self.articles: dict[str, str] = {}  # article number → key of its first occurrence
        self.closing: Section | None = None  # the open "Phần ký" (closing block), if any
        self.closings = 0

    def _parent_for(self, kind: str) -> Section | None:
        rank = UNIT_ORDER.index(kind)
        while self.stack and UNIT_ORDER.index(self.stack[-1][0]) >= rank:
            self.stack.pop()
        return self.stack[-1][1] if self.stack else None

    def open(self, kind: str, num: str, title: str, raw: str, line: int) -> Section:
        self.closing = None
        parent = self._parent_for(kind)
        base = f"{parent.key}/" if parent is not None and kind in ("khoan", "diem") else ""
        if kind == "dieu":
            base = ""  # an article number is unique in the whole document
        key = f"{base}{kind}:{num}"
        if key in self.keys:
            n = 2
            while f"{key}#{n}" in self.keys:
                n += 1
            self.warnings.append(f"duplicate {UNIT_LABEL[kind]} {num} at paragraph {line}")
            key = f"{key}#{n}"
        self.keys.add(key)
        level = 1 if parent is None else parent.level + 1
        sec = Section(
            path=f"{UNIT_LABEL[kind]} {num}",
            title=title,
            heading=raw,
            level=level,
            key=key,
            line=line,
        )
        if parent is None:
            self.roots.append(sec)
        else:
            parent.children.append(sec)
        self.stack.append((kind, sec))
        self.pending_title = (
            sec if kind in ("phan", "chuong", "muc", "tieumuc") and not title else None
        )
        return sec

    def close(self, line: int) -> None:
        """Start the closing block: later text belongs to it, not to the last unit."""
        self.closings += 1
        key = "closing" if self.closings == 1 else f"closing#{self.closings}"
        self.closing = Section(path=CLOSING, title=CLOSING, key=key, line=line)
        self.roots.append(self.closing)
        self.stack = []

    def text(self, para: str, line: int) -> None:
        if self.pending_title is not None and _is_caps_title(para):
            self.pending_title.title = para
            self.pending_title.heading += "\n" + para
            self.pending_title = None
            return
        self.pending_title = None
        if self.closing is not None:
            target = self.closing
        elif not self.stack:
            if CAN_CU.match(para):
                self.basis.append(para)
                if self.basis_section is None:
                    self.basis_section = Section(path=BASIS, title=BASIS, key="basis", line=line)
                    self.roots.append(self.basis_section)
                target = self.basis_section
            else:
                if self.preamble is None:
                    self.preamble = Section(
                        path=PREAMBLE, title=PREAMBLE, key="preamble", line=line
                    )
                    self.roots.insert(0, self.preamble)
                target = self.preamble
        else:
            target = self.stack[-1][1]
        target.text = f"{target.text}\n{para}" if target.text else para


def _starts_closing(para: str) -> bool:
    if RULE_LINE.match(para) or ADOPTION.match(para) or SIGNED.match(para):
        return True
    if RECIPIENTS.match(para):
        return True
    return _is_caps_title(para) and len(para) <= 80 and bool(SIGNATORY.match(para))


def _paragraphs(paragraphs: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line, normalised non-empty paragraph); an adoption formula run into the end of a
    paragraph is split off as a paragraph of its own (same line number)."""
    for line, raw in enumerate(paragraphs, start=1):
        para = normalize_legal_text(raw).strip()
        if not para:
            continue
        for piece in _ADOPTION_INSIDE.split(para, maxsplit=1):
            yield line, piece


def parse_legal(paragraphs: Iterable[str]) -> LegalStructure:
    """Parse paragraph texts of a legal document into its unit tree (see module doc)."""
    b = _Builder()
    for line, para in _paragraphs(paragraphs):
        in_article = any(kind == "dieu" for kind, _ in b.stack)
        if in_article and b.closing is None and _starts_closing(para):
            b.close(line)
            if RULE_LINE.match(para):
                continue  # the rule itself carries no text
        if m := DIEU.match(para):
            b.open("dieu", m["num"], (m["rest"] or "").strip(), para, line)
        elif m := PHAN.match(para):
            b.open("phan", m["num"], m["rest"].strip(), para, line)
        elif m := CHUONG.match(para):
            b.open("chuong", m["num"].upper(), m["rest"].strip(), para, line)
        elif (m := TIEUMUC.match(para)) and not in_article:
            b.open("tieumuc", m["num"], m["rest"].strip(), para, line)
        elif (m := MUC.match(para)) and not in_article:
            b.open("muc", m["num"], m["rest"].strip(), para, line)
        elif in_article and (m := KHOAN.match(para)):
            b.open("khoan", m["num"], m["rest"].strip(), para, line)
        elif in_article and (m := DIEM.match(para)):
            b.open("diem", m["num"], m["rest"].strip(), para, line)
        else:
            b.text(para, line)
    return LegalStructure(sections=b.roots, basis=b.basis, warnings=b.warnings)


def article_paragraphs(number: str, text: str) -> list[str]:
    """Paragraphs of one article given as "title\\n\\nbody" (the ALQAC layout).

    The first line is the title unless it reads as a sentence or a numbered clause (the
    Hiến pháp's articles have no titles): then the heading is "Điều N" alone.
    """
    lines = [ln.strip() for ln in normalize_legal_text(text).split("\n") if ln.strip()]
    if not lines:
        return [f"Điều {number}"]
    first = lines[0]
    titled = (
        len(first) <= 250
        and not first.endswith((".", ";", ":"))
        and not KHOAN.match(first)
        and not DIEM.match(first)
    )
    if titled:
        return [f"Điều {number}. {first}", *lines[1:]]
    return [f"Điều {number}", *lines]


def unit_text(section: Section) -> str:
    """A unit's own heading and body plus all its descendants', in source order."""
    parts = [section.heading] if section.heading else []
    if section.text:
        parts.append(section.text)
    for child in section.children:
        parts.append(unit_text(child))
    return "\n".join(p for p in parts if p)


def citation_form(units: Sequence[Section], law_label: str = "") -> str:
    """The Vietnamese way of citing: "điểm a khoản 2 Điều 12 Luật Cư trú năm 2020"."""
    parts: list[str] = []
    for sec in reversed(units):
        kind = unit_kind(sec)
        if kind in ("diem", "khoan", "dieu"):
            parts.append(f"{UNIT_LABEL[kind]} {unit_number(sec)}")
    text = " ".join(parts)
    return f"{text} {law_label}".strip() if law_label else text


class LibraryError(ValueError):
    """The legal library folder or its manifest is unusable; the message says why."""


def legal_structure(lines: list[tuple[int, str]]) -> StructureResult:
    """The legal parser as a structure stage of :mod:`troly.documents.assemble`: any
    format's paragraphs (``(line, text)`` pairs) → the Phần/Chương/Điều/khoản/điểm tree."""
    parsed = parse_legal(text for _, text in lines)
    warnings = list(parsed.warnings)
    if parsed.basis:
        warnings.append(f"{len(parsed.basis)} dòng căn cứ / 'Căn cứ' lines in the preamble")
    return StructureResult(sections=parsed.sections, warnings=warnings)


def tree_from_paragraphs(meta: DocumentMeta, paragraphs: Iterable[str]) -> DocumentTree:
    """A DocumentTree of a legal document (kind "law" in ``meta.extra``)."""
    parsed = parse_legal(paragraphs)
    meta.extra.setdefault("kind", "law")
    if parsed.basis:
        meta.extra["basis"] = "\n".join(parsed.basis)
    return DocumentTree(meta=meta, sections=parsed.sections, warnings=parsed.warnings)


def load_library(folder: Path) -> list[DocumentTree]:
    """Parse every law listed in ``folder/manifest.yaml`` (see ingest/legal/)."""
    import hashlib

    import yaml

    manifest = folder / "manifest.yaml"
    if not manifest.is_file():
        raise LibraryError(f"no manifest.yaml in {folder} (the legal library folder)")
    data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    trees: list[DocumentTree] = []
    for entry in data.get("laws") or []:
        missing = [k for k in ("id", "file", "title") if not entry.get(k)]
        if missing:
            raise LibraryError(f"{manifest}: an entry lacks {', '.join(missing)}: {entry}")
        path = folder / entry["file"]
        if not path.is_file():
            raise LibraryError(f"{manifest}: file not found for {entry['id']}: {path}")
        raw = path.read_text(encoding="utf-8")
        extra = {
            k: str(entry[k])
            for k in ("passed", "effective", "alqac_id", "source")
            if entry.get(k) is not None
        }
        meta = DocumentMeta(
            doc_id=entry["id"],
            title=entry["title"],
            year=entry.get("year"),
            number=entry.get("number"),
            issued=entry.get("passed"),
            doc_type=entry.get("doc_type"),
            source_path=str(path),
            content_hash=hashlib.sha1(raw.encode("utf-8")).hexdigest(),
            extra=extra,
        )
        trees.append(tree_from_paragraphs(meta, raw.split("\n")))
    return trees


__all__ = [
    "ADOPTION",
    "BASIS",
    "CLOSING",
    "PREAMBLE",
    "LegalStructure",
    "LibraryError",
    "article_paragraphs",
    "citation_form",
    "legal_structure",
    "load_library",
    "normalize_legal_text",
    "parse_legal",
    "tree_from_paragraphs",
    "unit_kind",
    "unit_number",
    "unit_text",
]
