"""Plain text → blocks: paragraphs (one per source line, kept verbatim, NFC) and the tables
that text prints as layouts of lines.

Tables recovered here as :class:`~troly.documents.blocks.Table` blocks — so that they go
through the same block → :mod:`~troly.documents.table_records` path as a .docx table:

* **tab rows** (Phú Yên's appendix, any "a⇥b⇥c" export): a run of ≥ 2 lines holding tabs
  (blank lines inside the run allowed); the header row repeated on every page is dropped;
* **pipe rows** ("a | b | c" or Markdown "| a | b |", with or without a "|---|" rule):
  a run of ≥ 2 consecutive lines with the same number of cells.

Two layouts stay with the line parsers of :mod:`troly.documents.tables`, which read them
exactly (the pinned task records of the bundled plans depend on it): the one-cell-per-line
layout (Bình Phước; a line holding only a no-break space is an empty cell) and the
"cell |" export of a Word table with merged cells (Hà Tĩnh), whose rows cannot be cut
without that parser's knowledge of the task/activity columns. This reader therefore keeps
those lines as printed — including a line holding only a no-break space — with their
1-based line numbers.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from troly.documents.blocks import Block, BlockDocument, Cell, Paragraph, Table
from troly.documents.formats.common import check_legacy, fail


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
    tables = recover_tables(lines)
    in_table = {n for t in tables for n, _ in t.source}
    blocks: list[Block] = [
        Paragraph(line, line=n)
        for n, line in enumerate(lines, start=1)
        if line != "" and n not in in_table
    ]
    blocks.extend(tables)
    blocks.sort(key=lambda b: b.line)
    return BlockDocument(blocks=blocks, format="txt")


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


def recover_tables(lines: list[str]) -> list[Table]:
    """Tab and pipe tables printed in ``lines`` (see the module doc)."""
    tables: list[Table] = []
    i = 0
    while i < len(lines):
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
