"""Word .docx → blocks, by walking the document XML (python-docx opens the package).

Why a walker and not ``paragraph.text``: python-docx drops automatic list numbering
(Word prints "I.", "1.", "a)", "Điều 5." from ``numbering.xml``; the text has none of it)
and does not resolve merged cells. This module renders each numbered paragraph's label from
its ``w:numPr`` (or its style's) through the abstract numbering's ``lvlText``/``numFmt``
with per-list counters (``start``, ``lvlOverride/startOverride``, deeper levels restarting),
and resolves ``gridSpan``/``vMerge`` into a full grid. Headers, footers, footnotes and
comments are not body text and are not read. Content controls (``w:sdt``) are entered.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from troly.documents.blocks import Block, BlockDocument, Cell, Paragraph, Table
from troly.documents.errors import DocumentError
from troly.documents.formats.common import (
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_RATIO,
    check_legacy,
    clean,
    fail,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _w(el: Any, name: str) -> Any:
    return el.find(f"{W}{name}") if el is not None else None


def _val(el: Any, attr: str = "val") -> str | None:
    if el is None:
        return None
    v = el.get(f"{W}{attr}")
    return str(v) if v is not None else None


# ------------------------------------------------------------------ numbering


def _roman(n: int) -> str:
    out = ""
    for value, sym in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out += sym
            n -= value
    return out


def _letters(n: int) -> str:
    # Word: a..z, then aa..zz, aaa..
    n = max(n, 1)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # lvlRestart: restart after this (1-based) level
    is_lgl: bool = False
    suffix: str = "tab"


@dataclass
class _Numbering:
    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    num_abstract: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, dict[int, _Level | int]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)

    def level(self, num_id: str, ilvl: int) -> _Level | None:
        ov = self.overrides.get(num_id, {}).get(ilvl)
        if isinstance(ov, _Level):
            return ov
        abs_id = self.num_abstract.get(num_id)
        if abs_id is None:
            return None
        return self.abstract.get(abs_id, {}).get(ilvl)

    def label(self, num_id: str, ilvl: int) -> str:
        lvl = self.level(num_id, ilvl)
        if lvl is None or num_id == "0":
            return ""
        key = self.num_abstract.get(num_id, num_id)
        counters = self.counters.setdefault(key, {})
        if num_id not in self.started:
            self.started.add(num_id)
            # A list instance with startOverride restarts the shared counters.
            for k, ov in self.overrides.get(num_id, {}).items():
                if isinstance(ov, int):
                    counters[k] = ov - 1
        if ilvl in counters:
            counters[ilvl] += 1
        else:
            counters[ilvl] = lvl.start
        for deeper in [k for k in counters if k > ilvl]:
            dl = self.level(num_id, deeper)
            if dl is None or dl.restart is None or dl.restart > ilvl:
                del counters[deeper]
        if lvl.fmt == "bullet":
            return ""
        text = lvl.text
        for k in range(9):
            token = f"%{k + 1}"
            if token not in text:
                continue
            kl = self.level(num_id, k)
            fmt = "decimal" if (lvl.is_lgl or kl is None) else kl.fmt
            value = counters.get(k, kl.start if kl else 1)
            text = text.replace(token, format_number(value, fmt))
        return clean(text)


def _parse_level(el: Any) -> _Level:
    lvl = _Level()
    start = _val(_w(el, "start"))
    if start and start.lstrip("-").isdigit():
        lvl.start = int(start)
    lvl.fmt = _val(_w(el, "numFmt")) or "decimal"
    text = _val(_w(el, "lvlText"))
    lvl.text = text if text is not None else ""
    restart = _val(_w(el, "lvlRestart"))
    lvl.restart = int(restart) - 1 if restart and restart.isdigit() else None
    lvl.is_lgl = _w(el, "isLgl") is not None
    lvl.suffix = _val(_w(el, "suff")) or "tab"
    return lvl


def _load_numbering(doc: Any) -> _Numbering:
    out = _Numbering()
    try:
        part = doc.part.numbering_part
    except (KeyError, NotImplementedError, AttributeError):
        return out
    root = part.element
    for ab in root.findall(f"{W}abstractNum"):
        abs_id = _val(ab, "abstractNumId") or ""
        levels = {}
        for lv in ab.findall(f"{W}lvl"):
            ilvl = int(_val(lv, "ilvl") or 0)
            levels[ilvl] = _parse_level(lv)
        out.abstract[abs_id] = levels
    for num in root.findall(f"{W}num"):
        num_id = _val(num, "numId") or ""
        out.num_abstract[num_id] = _val(_w(num, "abstractNumId")) or ""
        ovs: dict[int, _Level | int] = {}
        for ov in num.findall(f"{W}lvlOverride"):
            ilvl = int(_val(ov, "ilvl") or 0)
            lv = _w(ov, "lvl")
            if lv is not None:
                ovs[ilvl] = _parse_level(lv)
            so = _val(_w(ov, "startOverride"))
            if so and so.isdigit() and lv is None:
                ovs[ilvl] = int(so)
        out.overrides[num_id] = ovs
    return out


# ------------------------------------------------------------------ styles


@dataclass
class _Style:
    name: str = ""
    based_on: str | None = None
    num_id: str | None = None
    ilvl: int | None = None
    outline: int | None = None


def _load_styles(doc: Any) -> dict[str, _Style]:
    out: dict[str, _Style] = {}
    try:
        root = doc.styles.element
    except (KeyError, AttributeError, NotImplementedError):
        return out
    for st in root.findall(f"{W}style"):
        sid = _val(st, "styleId") or ""
        s = _Style(name=_val(_w(st, "name")) or sid, based_on=_val(_w(st, "basedOn")))
        ppr = _w(st, "pPr")
        numpr = _w(ppr, "numPr")
        if numpr is not None:
            s.num_id = _val(_w(numpr, "numId"))
            ilvl = _val(_w(numpr, "ilvl"))
            s.ilvl = int(ilvl) if ilvl and ilvl.isdigit() else None
        ol = _val(_w(ppr, "outlineLvl"))
        s.outline = int(ol) if ol and ol.isdigit() else None
        out[sid] = s
    return out


def _style_chain(styles: dict[str, _Style], sid: str | None) -> list[_Style]:
    chain: list[_Style] = []
    seen: set[str] = set()
    while sid and sid in styles and sid not in seen:
        seen.add(sid)
        chain.append(styles[sid])
        sid = styles[sid].based_on
    return chain


def _heading_level(name: str, outline: int | None) -> int:
    low = name.lower()
    if low.startswith("heading ") and low[8:].strip().isdigit():
        return int(low[8:].strip())
    if low == "title":
        return 1
    if outline is not None and outline < 9:
        return outline + 1
    return 0


# ------------------------------------------------------------------ walker


class _Walker:
    def __init__(self, doc: Any) -> None:
        self.numbering = _load_numbering(doc)
        self.styles = _load_styles(doc)

    def run_text(self, p: Any) -> str:
        parts: list[str] = []
        for el in p.iter():
            tag = el.tag
            if tag == f"{W}t":
                parts.append(el.text or "")
            elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                parts.append(" ")
            elif tag == f"{W}noBreakHyphen":
                parts.append("-")
        return "".join(parts)

    def paragraph(self, p: Any) -> Paragraph | None:
        ppr = _w(p, "pPr")
        sid = _val(_w(ppr, "pStyle"))
        chain = _style_chain(self.styles, sid)
        name = chain[0].name if chain else ""
        num_id: str | None = None
        ilvl: int | None = None
        numpr = _w(ppr, "numPr")
        if numpr is not None:
            num_id = _val(_w(numpr, "numId"))
            v = _val(_w(numpr, "ilvl"))
            ilvl = int(v) if v and v.isdigit() else None
        for st in chain:
            if num_id is None and st.num_id is not None:
                num_id = st.num_id
            if ilvl is None and st.ilvl is not None:
                ilvl = st.ilvl
        outline = next((st.outline for st in chain if st.outline is not None), None)
        ol = _val(_w(ppr, "outlineLvl"))
        if ol and ol.isdigit():
            outline = int(ol)
        text = clean(self.run_text(p))
        label = self.numbering.label(num_id, ilvl or 0) if num_id else ""
        if not text and not label:
            return None
        shown = f"{label} {text}".strip() if label else text
        return Paragraph(text=shown, label=label, style=name, level=_heading_level(name, outline))

    def cell_text(self, tc: Any) -> str:
        lines: list[str] = []
        for el in tc:
            if el.tag == f"{W}p":
                para = self.paragraph(el)
                if para is not None:
                    lines.append(para.text)
            elif el.tag == f"{W}tbl":  # nested table: its text, row by row
                for tr in el.iter(f"{W}tr"):
                    row = [clean(self.run_text(c)) for c in tr.findall(f"{W}tc")]
                    lines.append(" | ".join(c for c in row if c))
            elif el.tag == f"{W}sdt":
                lines.append(self.cell_text(_w(el, "sdtContent")))
        return "\n".join(s for s in lines if s)

    def table(self, tbl: Any) -> Table:
        grid: list[list[Cell]] = []
        header = 0
        header_done = False
        for r, tr in enumerate(tbl.findall(f"{W}tr")):
            trpr = _w(tr, "trPr")
            before = _val(_w(trpr, "gridBefore"))
            row: list[Cell] = [Cell("") for _ in range(int(before) if before else 0)]
            for tc in tr.findall(f"{W}tc"):
                tcpr = _w(tc, "tcPr")
                span = _val(_w(tcpr, "gridSpan"))
                cs = int(span) if span and span.isdigit() else 1
                vm = _w(tcpr, "vMerge")
                c = len(row)
                if vm is not None and _val(vm) != "restart" and r > 0:
                    # continues the cell above: find its origin
                    above = grid[r - 1][c] if c < len(grid[r - 1]) else None
                    if above is not None:
                        origin = above.merged_from or (r - 1, c)
                        oc = grid[origin[0]][origin[1]]
                        oc.row_span += 1
                        for _ in range(cs):
                            row.append(Cell(oc.text, merged_from=origin))
                        continue
                text = self.cell_text(tc)
                row.append(Cell(text, col_span=cs))
                for _ in range(cs - 1):
                    row.append(Cell(text, merged_from=(r, c)))
            grid.append(row)
            if not header_done and _w(trpr, "tblHeader") is not None:
                header += 1
            else:
                header_done = True
        width = max((len(row) for row in grid), default=0)
        for row in grid:
            row.extend(Cell("") for _ in range(width - len(row)))
        if header == 0 and grid and grid[0] and grid[0][0].text.strip().upper() in ("STT", "TT"):
            header = 1
        return Table(rows=grid, header_rows=header)

    def body(self, parent: Any, out: list[Block]) -> None:
        for el in parent:
            if el.tag == f"{W}p":
                para = self.paragraph(el)
                if para is not None:
                    out.append(para)
            elif el.tag == f"{W}tbl":
                out.append(self.table(el))
            elif el.tag == f"{W}sdt":
                content = _w(el, "sdtContent")
                if content is not None:
                    self.body(content, out)


def check_zip(path: Path, data: bytes) -> None:
    """Refuse a zip bomb or a zip that is not a Word document, before inflating anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
    except zipfile.BadZipFile as exc:
        raise fail(path, "tệp .docx bị hỏng (không phải zip hợp lệ)", "corrupt .docx") from exc
    if "word/document.xml" not in names:
        raise fail(
            path,
            "tệp zip không phải văn bản Word (.docx)",
            "a zip archive that is not a Word .docx",
        )
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
        raise fail(
            path,
            f"tệp nén bất thường (giải nén {total} byte, gấp {total // packed} lần), nghi là "
            "'zip bomb'; đã từ chối",
            f"suspicious compression ({total} bytes unpacked, ratio {total // packed}): refused",
        )


def read_docx(path: Path, data: bytes | None = None) -> BlockDocument:
    data = path.read_bytes() if data is None else data
    check_zip(path, data)
    import docx  # python-docx
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
        walker = _Walker(document)
        blocks: list[Block] = []
        walker.body(document.element.body, blocks)
    except etree.XMLSyntaxError as exc:
        raise fail(path, f"XML trong .docx không hợp lệ ({exc})", f"invalid XML: {exc}") from exc
    except DocumentError:
        raise
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise fail(
            path, f"không đọc được .docx ({type(exc).__name__})", f"cannot read .docx: {exc}"
        ) from exc
    check_legacy(path.name, "\n".join(p.text for p in blocks if isinstance(p, Paragraph)))
    return BlockDocument(blocks=blocks, format="docx")
