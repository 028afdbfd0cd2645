"""Plain text → blocks: paragraphs (one per source line, kept verbatim, NFC) and the tables
that text prints as layouts of lines.

Tables recovered here as :class:`~troly.documents.blocks.Table` blocks — so that they go
through the same block → :mod:`~troly.documents.table_records` path as a .docx table:

* **tab rows** (Phú Yên's appendix, any "a⇥b⇥c" export): a run of ≥ 2 lines holding tabs
  (blank lines inside the run allowed); the header row repeated on every page is dropped;
* **pipe rows** ("a | b | c" or Markdown "| a | b |", with or without a "|---|" rule):
  a run of ≥ 2 consecutive lines with the same number of cells;
* **one cell per line** (Bình Phước's appendix): "STT", "Nội dung…", … "Ghi chú" one per
  line, cells separated by empty lines, an empty cell being a line holding only a no-break
  space, a group row being a Roman numeral and its title.

Each row keeps its source line number and verbatim source, so its task record is the same
as the line parsers of :mod:`troly.documents.tables` give. One layout stays with those line
parsers: the "cell |" export of a Word table with merged cells (Hà Tĩnh), whose rows cannot
be cut without that parser's knowledge of the task/activity columns (a merged cell shifts a
row's cells to the left). Paragraphs are one per source line, kept as printed, with their
1-based line numbers.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from troly.documents.agencies import fold
from troly.documents.blocks import Block, BlockDocument, Cell, Paragraph, Table
from troly.documents.formats.common import check_legacy, fail
from troly.documents.tables import is_trailer_start

_ROMAN = re.compile(r"^(?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3})\.?$")
_STT = re.compile(r"^\d{1,3}\.?$")


def decode_text(path: Path, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(
            path,
            f"không phải văn bản UTF-8 (byte {exc.start}); xin vui lòng lưu lại với mã UTF-8",
            f"not UTF-8 text (byte {exc.start})",
        ) from exc


def text_lines(text: str) -> list[str]:
    return (
        unicodedata.normalize("NFC", text)
        .replace("\u00d0", "\u0110")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .split("\n")
    )


def read_text(path: Path, data: bytes | None = None) -> BlockDocument:
    data = path.read_bytes() if data is None else data
    text = decode_text(path, data)
    check_legacy(path.name, text)
    lines = text_lines(text)
    warnings: list[str] = []
    tables = recover_tables(lines, warnings)
    in_table = {n for t in tables for n, _ in t.source}
    blocks: list[Block] = [
        Paragraph(line, line=n)
        for n, line in enumerate(lines, start=1)
        if line != "" and n not in in_table
    ]
    blocks.extend(tables)
    blocks.sort(key=lambda b: b.line)
    return BlockDocument(blocks=blocks, format="txt", warnings=warnings)


_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")


def tab_cells(line: str) -> list[str] | None:
    """The cells of a tab-separated row, or None."""
    if "\t" not in line or not line.strip():
        return None
    return [c.strip() for c in line.split("\t")]


def pipe_cells(line: str) -> list[str] | None:
    """The cells of "a | b" / "| a | b |", or None (a line with one cell — "text |", the
    Word "cell |" export — is not a pipe row)."""
    s = line.strip()
    inner = s[1:] if s.startswith("|") else s
    inner = inner[:-1] if inner.endswith("|") else inner
    if "|" not in inner:
        return None
    cells = [c.strip() for c in inner.split("|")]
    return cells if sum(1 for c in cells if c) >= 2 else None


def recover_tables(lines: list[str], warnings: list[str] | None = None) -> list[Table]:
    """Tables printed in ``lines`` as tab rows, pipe rows or one cell per line."""
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        flat = flat_table(lines, i, warnings)
        if flat is not None:
            tables.append(flat[0])
            i = flat[1]
            continue
        if tab_cells(lines[i]) is not None:
            j, rows = i, []
            while j < len(lines):
                cells = tab_cells(lines[j])
                if cells is not None:
                    rows.append((j + 1, lines[j], cells))
                    j += 1
                elif not lines[j].strip():
                    k = j
                    while k < len(lines) and not lines[k].strip():
                        k += 1
                    if k < len(lines) and tab_cells(lines[k]) is not None:
                        j = k  # a page break inside the table
                    else:
                        break
                else:
                    break
            table = _table(rows, "tab_table")
            if table is not None:
                tables.append(table)
                i = j
                continue
        if pipe_cells(lines[i]) is not None:
            j, rows = i, []
            width = len(pipe_cells(lines[i]) or [])
            while j < len(lines):
                if _RULE.match(lines[j].strip()) and j > i:
                    rows.append((j + 1, lines[j], []))  # a Markdown rule under the header
                    j += 1
                    continue
                cells = pipe_cells(lines[j])
                if cells is None or len(cells) != width:
                    break
                rows.append((j + 1, lines[j], cells))
                j += 1
            table = _table(rows, "table")
            if table is not None:
                tables.append(table)
                i = j
                continue
        i += 1
    return tables


def _is_flat_header(lines: list[str], i: int) -> bool:
    if fold(lines[i].strip()) != "stt":
        return False
    following = [fold(t.strip()) for t in lines[i + 1 : i + 14] if t.strip()]
    return bool(
        following
        and following[0].startswith("noi dung")
        and any(t.startswith("co quan chu tri") for t in following)
    )


def flat_table(
    lines: list[str], i: int, warnings: list[str] | None = None
) -> tuple[Table, int] | None:
    """The one-cell-per-line layout starting at ``lines[i]`` ("STT", then "Nội dung…",
    "Cơ quan chủ trì" … "Ghi chú" one per line): cells are separated by empty lines and an
    empty cell is a line holding only a no-break space; a group row is a Roman numeral and
    its title. Returns the table and the index after it (it ends at the web-page trailer or
    at the first cell that fits no row, which stays text)."""
    if not _is_flat_header(lines, i):
        return None
    cells: list[tuple[int, str]] = []  # (0-based line index, text)
    j = i
    while j < len(lines) and not (j > i and is_trailer_start(lines[j])):
        if lines[j] != "":
            cells.append((j, lines[j].strip()))
        j += 1
    width = 0
    for k, (_, text) in enumerate(cells[:10]):
        width = k + 1
        if fold(text).startswith("ghi chu"):
            break
    else:
        return None
    rows: list[list[tuple[int, str]]] = [cells[:width]]
    k = width
    while k < len(cells):
        text = cells[k][1]
        if _ROMAN.match(text) and k + 1 < len(cells) and cells[k + 1][1]:
            rows.append([cells[k], cells[k + 1]])
            k += 2
            continue
        if (_STT.match(text) or text == "") and k + width <= len(cells):
            rows.append(cells[k : k + width])
            k += width
            continue
        rest = cells[k:]
        if rest and not any(t for _, t in rest) and len(rest) < width and warnings is not None:
            warnings.append(
                f"line {rest[0][0] + 1}: {len(rest)} trailing empty cell(s) after the last row "
                "ignored"
            )
        break  # a cell outside any row, or an incomplete last row: left as text
    end = rows[-1][-1][0] + 1
    grid = [[Cell(t) for _, t in row] + [Cell("")] * (width - len(row)) for row in rows]
    return (
        Table(
            rows=[[Cell(c.text) for c in row] for row in grid],
            header_rows=1,
            line=i + 1,
            layout="flat_table",
            row_lines=[row[0][0] + 1 for row in rows],
            row_sources=["\n".join(lines[row[0][0] : row[-1][0] + 1]) for row in rows],
            source=[(n + 1, lines[n]) for n in range(i, end) if lines[n] != ""],
        ),
        end,
    )


def _squash(cells: list[str]) -> list[str]:
    """Cells compared without spaces or case ("tham mưu/ thực hiện" = "tham mưu/thực hiện")."""
    return [re.sub(r"\s+", "", c).casefold() for c in cells]


def _table(rows: list[tuple[int, str, list[str]]], layout: str) -> Table | None:
    """A Table from source rows; the header row repeated later (each printed page) and
    Markdown rules are dropped from the grid but kept in ``source``."""
    data = [r for r in rows if r[2]]
    if len(data) < 2:
        return None
    header = _squash(data[0][2])
    ruled = any(not cells for _, _, cells in rows)
    kept = [data[0]] + [r for r in data[1:] if _squash(r[2]) != header]
    width = max(len(c) for _, _, c in kept)
    grid = [
        [Cell(t) for t in cells] + [Cell("") for _ in range(width - len(cells))]
        for *_, cells in kept
    ]
    return Table(
        rows=grid,
        header_rows=1 if ruled or len(kept) < len(data) else 0,
        line=rows[0][0],
        layout=layout,
        row_lines=[n for n, _, _ in kept],
        row_sources=[src for _, src, _ in kept],
        source=[(n, src) for n, src, _ in rows],
    )
