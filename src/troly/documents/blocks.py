"""The intermediate block model every format reader produces.

A reader (:mod:`troly.documents.formats`) turns one file into a :class:`BlockDocument`: an
ordered list of :class:`Paragraph` and :class:`Table` blocks, plus what the reader learnt
about the file (its format, page count, whether OCR made the text). Everything after the
readers — structure, the table parsers, field lists, metadata, chunking — works on blocks,
whatever the format (:mod:`troly.documents.assemble`).

Text in blocks is NFC, with whitespace runs collapsed, and a paragraph's ``text`` is the
text *as printed*: automatic list numbering is rendered into it ("I. ", "1. ", "a) ",
"Điều 5. ") and also kept apart in ``label``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

#: Progress inside one document: ``on_page(stage, done, total)`` after each page a reader
#: finished — stage "page" (a PDF page read) or "ocr" (a scanned page recognised by
#: Tesseract; ``total`` = the scanned pages). Formats without pages do not call it.
PageProgress = Callable[[str, int, int], None]


@dataclass
class Paragraph:
    """One paragraph as printed.

    ``style`` is the source style name when known ("Heading 1", "Title", "h2"), ``level`` the
    heading level it implies (0 = body), ``page`` the 1-based page when the format has pages
    (PDF), ``line`` the 1-based source line for plain text. ``ocr`` marks text that Tesseract
    read from a page image.
    """

    text: str
    label: str = ""
    style: str = ""
    level: int = 0
    page: int | None = None
    line: int = 0
    ocr: bool = False

    kind = "paragraph"


@dataclass
class Cell:
    """One cell of a table's grid.

    Merged cells are resolved: the origin cell of a merge has ``row_span``/``col_span`` > 1
    and every other grid position it covers holds a cell with ``merged_from`` = the origin's
    (row, column) and the same ``text``, so a row read alone still carries the merged value.
    """

    text: str
    row_span: int = 1
    col_span: int = 1
    merged_from: tuple[int, int] | None = None

    @property
    def is_origin(self) -> bool:
        return self.merged_from is None


@dataclass
class Table:
    """A rectangular grid of cells (row × column), spans resolved, ``header_rows`` first rows
    are headers (repeated header rows of a table continued across pages are dropped)."""

    rows: list[list[Cell]]
    header_rows: int = 0
    page: int | None = None
    line: int = 0
    ocr: bool = False
    last_page: int | None = None  # a table continued across pages ends here
    # Recovered from plain text (formats.text): the layout it was printed in ("tab_table",
    # "table" for pipe rows), each row's 1-based source line and verbatim source line, and
    # every source line of the table (dropped repeated headers and separator rows too).
    layout: str = ""
    row_lines: list[int] = field(default_factory=list)
    row_sources: list[str] = field(default_factory=list)
    source: list[tuple[int, str]] = field(default_factory=list)

    kind = "table"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def texts(self) -> list[list[str]]:
        """The grid as strings, merged values copied into every covered position."""
        return [[c.text for c in row] for row in self.rows]

    def origin_texts(self) -> list[list[str]]:
        """The grid as strings, covered positions empty (what a reader sees once)."""
        return [[c.text if c.is_origin else "" for c in row] for row in self.rows]


Block = Paragraph | Table


@dataclass
class BlockDocument:
    """What a reader found in one file."""

    blocks: list[Block]
    format: str  # txt | docx | doc | pdf | pdf-ocr | html
    pages: int | None = None
    ocr_pages: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)  # e.g. <title>, <meta> of an HTML page

    def paragraphs(self) -> Iterator[Paragraph]:
        for b in self.blocks:
            if isinstance(b, Paragraph):
                yield b

    def tables(self) -> Iterator[Table]:
        for b in self.blocks:
            if isinstance(b, Table):
                yield b

    def text(self) -> str:
        """Plain text: one line per paragraph, a table as tab-separated rows."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                out.extend("\t".join(row) for row in b.origin_texts())
        return "\n".join(out)


def grid_from_spans(spec: list[list[tuple[str, int, int]]]) -> list[list[Cell]]:
    """Resolve a table given as rows of (text, row_span, col_span) origin cells, in reading
    order, into a full grid (HTML/PDF style: covered positions are skipped in ``spec``)."""
    grid: dict[tuple[int, int], Cell] = {}
    width = 0
    for r, row in enumerate(spec):
        c = 0
        for text, rs, cs in row:
            while (r, c) in grid:
                c += 1
            rs, cs = max(1, rs), max(1, cs)
            grid[(r, c)] = Cell(text, rs, cs)
            for dr in range(rs):
                for dc in range(cs):
                    if dr or dc:
                        grid[(r + dr, c + dc)] = Cell(text, merged_from=(r, c))
            c += cs
            width = max(width, c)
    height = max((r for r, _ in grid), default=-1) + 1
    height = min(height, len(spec)) if spec else 0
    width = max([width, *(c + 1 for (r, c) in grid if r < height)], default=0)
    return [[grid.get((r, c), Cell("")) for c in range(width)] for r in range(height)]
