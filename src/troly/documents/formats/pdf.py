"""PDF → blocks with pdfplumber (pdfminer.six): text layer, ruled tables, reading order.

Per page:

1. Ruled tables are found from the drawn lines (``page.find_tables``); each table's spans
   are rebuilt from its cell boxes against the table's column/row edges.
2. The words outside tables are grouped into printed lines. Two-column pages (Công báo) are
   read column by column between full-width lines.
3. Running headers/footers (a line at the top/bottom of the page repeated on many pages with
   only its digits changing) and page numbers are removed.
4. Lines are re-joined into paragraphs: a new paragraph starts at a numbering label
   ("Điều 5.", "2.", "a)", "-"), after a line ending a sentence when the next line is
   indented, or after a large vertical gap.

Across pages, a table that starts a page continues the table that ended the previous page
when the column count matches (a repeated header row is dropped).

A page whose text layer holds only a digital-signature stamp (a couple of hundred characters
or fewer) and which carries an image is a *scanned* page: :mod:`.ocr` reads it.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from troly.documents.blocks import Block, BlockDocument, Cell, PageProgress, Paragraph, Table
from troly.documents.errors import DocumentError
from troly.documents.formats.common import check_legacy, clean, fail

SCANNED_MAX_CHARS = 250  # a signature stamp: "Người ký: … Thời gian ký: …" ≈ 150–200 chars
_NEW_PARA = re.compile(
    r"^(?:[IVXL]{1,5}\.\s|\d{1,2}(?:\.\d{1,2})*\.\s|[a-zđ]\)\s|[-–+•]\s|"
    r"(?:Điều|Chương|Mục|Phần|PHẦN|CHƯƠNG|MỤC)\s+[\dIVXLA-Z]+)"
)
_TERMINAL = (".", ":", ";", "!", "?", "…")
_DIGITS = re.compile(r"\d+")
_PAGE_NO = re.compile(r"^(?:-\s*)?(?:Trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*-)?$", re.I)


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int
    size: float


def open_pdf(path: Path, data: bytes) -> Any:
    import io

    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = len(pdf.pages)
    except Exception as exc:  # pdfminer raises many types; the message names the reason
        name = f"{type(exc).__name__} {exc}".lower()
        inner = getattr(exc, "args", [None])[0]
        inner_name = type(inner).__name__.lower() if inner is not None else ""
        if "password" in name or "encrypt" in name or "password" in inner_name:
            raise fail(
                path,
                "PDF được đặt mật khẩu/mã hóa, không đọc được; "
                "xin vui lòng gỡ mật khẩu rồi tải lại",
                "the PDF is encrypted (password protected)",
            ) from exc
        raise fail(
            path,
            f"PDF bị hỏng hoặc không hợp lệ ({type(exc).__name__})",
            f"corrupt or invalid PDF: {type(exc).__name__}",
        ) from exc
    return pdf


# ------------------------------------------------------------------ tables


def _edges(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float, tol: float = 2.0) -> int:
    return min(range(len(edges)), key=lambda k: abs(edges[k] - v)) if edges else 0


def _ncols(table: Any) -> int:
    boxes = [c for c in table.cells if c]
    return len(_edges([b[0] for b in boxes] + [b[2] for b in boxes])) - 1 if boxes else 0


def table_from_cells(page: Any, table: Any, page_no: int) -> Table | None:
    """Rebuild a grid with spans from pdfplumber's cell boxes (x0, top, x1, bottom)."""
    boxes = [c for c in table.cells if c]
    if not boxes:
        return None
    xs = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    ncols, nrows = len(xs) - 1, len(ys) - 1
    if ncols < 1 or nrows < 1:
        return None
    grid: list[list[Cell | None]] = [[None] * ncols for _ in range(nrows)]
    for b in sorted(boxes, key=lambda b: (b[1], b[0])):
        c0, c1 = _index(xs, b[0]), _index(xs, b[2])
        r0, r1 = _index(ys, b[1]), _index(ys, b[3])
        if c1 <= c0 or r1 <= r0 or grid[r0][c0] is not None:
            continue
        text = _cell_text(page, b)
        grid[r0][c0] = Cell(text, row_span=r1 - r0, col_span=c1 - c0)
        for r in range(r0, r1):
            for c in range(c0, c1):
                if (r, c) != (r0, c0) and grid[r][c] is None:
                    grid[r][c] = Cell(text, merged_from=(r0, c0))
    full = [[c if c is not None else Cell("") for c in row] for row in grid]
    keep = [r for r, row in enumerate(full) if any(c.text for c in row)]
    if not keep:
        return None
    new_index = {old: new for new, old in enumerate(keep)}
    rows = []
    for r in keep:
        for cell in full[r]:
            if cell.merged_from is not None:
                origin = new_index.get(cell.merged_from[0])
                cell.merged_from = None if origin is None else (origin, cell.merged_from[1])
        rows.append(full[r])
    header = 1 if rows[0][0].text.strip().upper() in ("STT", "TT") else 0
    return Table(rows=rows, header_rows=header, page=page_no)


def _cell_text(page: Any, box: tuple[float, float, float, float]) -> str:
    x0, top, x1, bottom = box

    def inside(obj: dict[str, Any]) -> bool:  # by the glyph's centre: ascents overhang
        if obj.get("object_type") != "char":
            return False
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return x0 <= cx <= x1 and top <= cy <= bottom

    crop = page.filter(inside)
    lines = _lines_of(crop.extract_words(keep_blank_chars=False, extra_attrs=["size"]), 0)
    return "\n".join(_join_paragraphs(lines, cell=True))


# ------------------------------------------------------------------ lines


def _lines_of(words: list[dict[str, Any]], page_no: int) -> list[_Line]:
    words = sorted(words, key=lambda w: (round(w["top"]), w["x0"]))
    lines: list[list[dict[str, Any]]] = []
    for w in words:
        for line in reversed(lines[-3:]):
            ref = line[0]
            if abs(w["top"] - ref["top"]) <= max(2.0, 0.35 * (ref["bottom"] - ref["top"])):
                line.append(w)
                break
        else:
            lines.append([w])
    out = []
    for ws in lines:
        ws.sort(key=lambda w: w["x0"])
        # a wide gap splits a printed line into side-by-side segments (header columns)
        segments: list[list[dict[str, Any]]] = [[]]
        for w in ws:
            seg = segments[-1]
            size = float(w.get("size", 10) or 10)
            if seg and w["x0"] - seg[-1]["x1"] > 3 * size:
                segments.append([w])
            else:
                seg.append(w)
        for seg in segments:
            out.append(
                _Line(
                    text=clean(" ".join(w["text"] for w in seg)),
                    x0=min(w["x0"] for w in seg),
                    x1=max(w["x1"] for w in seg),
                    top=min(w["top"] for w in seg),
                    bottom=max(w["bottom"] for w in seg),
                    page=page_no,
                    size=statistics.median(float(w.get("size", 10)) for w in seg),
                )
            )
    return sorted(out, key=lambda ln: (ln.top, ln.x0))


def _columns(lines: list[_Line], width: float) -> list[_Line]:
    """Reading order for a two-column page: bands between full-width lines, left then right."""
    if len(lines) < 10:
        return lines
    best_x, best = 0.0, len(lines) + 1
    for k in range(35, 66):
        x = width * k / 100
        crossing = sum(1 for ln in lines if ln.x0 < x - 2 < x + 2 < ln.x1)
        if crossing < best:
            best_x, best = x, crossing
    left = sum(1 for ln in lines if ln.x1 <= best_x)
    right = sum(1 for ln in lines if ln.x0 >= best_x)
    if left < 0.25 * len(lines) or right < 0.25 * len(lines) or best > 0.15 * len(lines):
        return lines
    out: list[_Line] = []
    band: list[_Line] = []
    for ln in lines:
        if ln.x0 < best_x < ln.x1:
            out.extend(sorted((b for b in band if b.x1 <= best_x), key=lambda b: b.top))
            out.extend(sorted((b for b in band if b.x1 > best_x), key=lambda b: b.top))
            band = []
            out.append(ln)
        else:
            band.append(ln)
    out.extend(sorted((b for b in band if b.x1 <= best_x), key=lambda b: b.top))
    out.extend(sorted((b for b in band if b.x1 > best_x), key=lambda b: b.top))
    return out


def _running(pages: list[list[_Line]], heights: list[float]) -> set[str]:
    """Texts (digits masked) of top/bottom lines repeated on at least half the pages."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines, h in zip(pages, heights, strict=True):
        seen = set()
        for ln in lines:
            if ln.top < 0.1 * h or ln.bottom > 0.9 * h:
                seen.add(_DIGITS.sub("#", ln.text))
        counts.update(seen)
    return {t for t, n in counts.items() if n >= max(2, len(pages) // 2)}


def _join_paragraphs(lines: list[_Line], cell: bool = False) -> list[str]:
    """Printed lines → paragraphs (broken lines re-joined with a space; a word broken at a
    narrow cell's edge — "25/10/202" + "4" — keeps that space: the page does not say
    whether the break was inside a word)."""
    paras: list[str] = []
    if not lines:
        return paras
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    heights = [ln.bottom - ln.top for ln in lines] or [10.0]
    lh = statistics.median(heights)
    prev: _Line | None = None
    for ln in lines:
        start = prev is None
        if prev is not None:
            gap = ln.top - prev.bottom if ln.page == prev.page else lh * 0.5
            indented = ln.x0 > left + 8 and not cell
            ended = prev.text.endswith(_TERMINAL)
            short = prev.x1 < right - 0.15 * (right - left)  # the line stopped early
            start = bool(
                _NEW_PARA.match(ln.text)
                or gap > 1.2 * lh
                or ln.top < prev.bottom - 0.5 * lh  # beside the previous line or a new column
                or ln.x1 < prev.x0
                or ln.x0 > prev.x1  # no horizontal overlap: another column of a layout
                or (ended and (indented or cell))
                or (ended and ln.x0 > prev.x0 + 8)
                or (short and not cell)
            )
        if start or not paras:
            paras.append(ln.text)
        else:
            paras[-1] = f"{paras[-1]} {ln.text}"
        prev = ln
    return paras


# ------------------------------------------------------------------ pages


def page_needs_ocr(page: Any) -> bool:
    chars = sum(1 for c in page.chars if not c.get("text", " ").isspace())
    return chars <= SCANNED_MAX_CHARS and bool(page.images)


def read_pdf_pages(
    path: Path,
    data: bytes,
    ocr_pages: set[int] | None = None,
    skip: set[int] | None = None,
    force_text: bool = False,
    on_page: PageProgress | None = None,
) -> tuple[list[Block], int, list[int]]:
    """Blocks of every page (1-based ``page``), the page count, and the pages that need OCR
    (text layer ≈ empty or a signature stamp only, with an image) — those are left out.
    ``on_page("page", k, n)`` after each page read (skipped pages are not reported)."""
    pdf = open_pdf(path, data)
    blocks: list[Block] = []
    scanned: list[int] = []
    page_lines: list[list[_Line]] = []
    page_tables: list[list[Table]] = []
    heights: list[float] = []
    with pdf:
        n_pages = len(pdf.pages)
        for k, page in enumerate(pdf.pages, start=1):
            heights.append(float(page.height))
            if skip and k in skip:
                page_lines.append([])
                page_tables.append([])
                continue
            try:
                if not force_text and page_needs_ocr(page):
                    scanned.append(k)
                    page_lines.append([])
                    page_tables.append([])
                    if on_page:
                        on_page("page", k, n_pages)
                    continue
                # a one-column "table" is a frame around text, read as text
                found = [f for f in page.find_tables() if _ncols(f) >= 2]
                tables = [t for t in (table_from_cells(page, f, k) for f in found) if t]
                boxes = [f.bbox for f in found]

                def outside(obj: dict[str, Any], boxes: list[Any] = boxes) -> bool:
                    if obj.get("object_type") != "char":
                        return True
                    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                    return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

                rest = page.filter(outside) if boxes else page
                words = rest.extract_words(keep_blank_chars=False, extra_attrs=["size"])
                lines = _columns(_lines_of(words, k), float(page.width))
                for t, f in zip(tables, [f for f in found], strict=False):
                    t.line = int(f.bbox[1])  # the table's top, for ordering
                page_lines.append(lines)
                page_tables.append(tables)
                if on_page:
                    on_page("page", k, n_pages)
            except DocumentError:
                raise
            except Exception as exc:  # a broken page: report it, keep the rest
                raise fail(
                    path,
                    f"không đọc được trang {k} của PDF ({type(exc).__name__})",
                    f"cannot read page {k}: {type(exc).__name__}: {exc}",
                ) from exc
    running = _running(page_lines, heights)
    for k, (lines, tables, h) in enumerate(
        zip(page_lines, page_tables, heights, strict=True), start=1
    ):
        kept = [
            ln
            for ln in lines
            if not (
                (ln.top < 0.1 * h or ln.bottom > 0.9 * h)
                and (_DIGITS.sub("#", ln.text) in running or _PAGE_NO.match(ln.text))
            )
        ]
        # interleave paragraphs and tables by vertical position
        events: list[tuple[float, Block | list[_Line]]] = []
        chunk: list[_Line] = []
        tops = sorted(tables, key=lambda t: t.line)
        ti = 0
        for ln in kept:
            while ti < len(tops) and tops[ti].line <= ln.top:
                if chunk:
                    events.append((chunk[0].top, chunk))
                    chunk = []
                events.append((tops[ti].line, tops[ti]))
                ti += 1
            chunk.append(ln)
        if chunk:
            events.append((chunk[0].top, chunk))
        for t in tops[ti:]:
            events.append((t.line, t))
        for _, ev in events:
            if isinstance(ev, Table):
                ev.line = 0
                _append_table(blocks, ev)
            else:
                assert isinstance(ev, list)
                for text in _join_paragraphs(ev):
                    blocks.append(Paragraph(text, page=k, ocr=bool(ocr_pages and k in ocr_pages)))
    return blocks, n_pages, scanned


def _append_table(blocks: list[Block], table: Table) -> None:
    """Join a table continued from the previous page (same width, header repeated or not);
    a row broken by the page break (its first cell empty, its text going on in lower case)
    is joined back into the row it continues."""
    prev = blocks[-1] if blocks else None
    last = (prev.last_page or prev.page) if isinstance(prev, Table) else None
    if (
        isinstance(prev, Table)
        and last is not None
        and table.page == last + 1
        and prev.width == table.width
    ):
        prev.last_page = table.page
        rows = table.rows
        dropped = 0
        if prev.header_rows and [c.text for c in rows[0]] == [c.text for c in prev.rows[0]]:
            dropped = prev.header_rows
        if len(rows) > dropped and prev.rows and _continues(rows[dropped], prev.rows[-1]):
            for c, cell in enumerate(rows[dropped]):
                above = prev.rows[-1][c]
                if cell.text and cell.is_origin and above.is_origin:
                    above.text = f"{above.text} {cell.text}".strip()
            dropped += 1
        base = len(prev.rows)
        shift = base - dropped
        for row in rows[dropped:]:
            out: list[Cell] = []
            for cell in row:
                if cell.merged_from is None:
                    out.append(Cell(cell.text, cell.row_span, cell.col_span))
                    continue
                o_row, o_col = cell.merged_from
                # an origin in a dropped row (repeated header, re-joined row) is the row above
                r0 = o_row + shift if o_row >= dropped else base - 1
                origin = prev.rows[r0][o_col] if 0 <= r0 < len(prev.rows) else None
                text = origin.text if origin is not None else cell.text
                out.append(Cell(text, merged_from=(r0, o_col)))
            prev.rows.append(out)
        return
    blocks.append(table)


def _continues(row: list[Cell], above: list[Cell]) -> bool:
    """Is ``row`` (first on a new page) the rest of ``above`` broken by the page break? Its
    first cell (STT) is empty, and its text goes on in lower case or most cells that were
    filled above are empty (only the columns that overflowed go on)."""
    texts = [c.text for c in row]
    first = next((t for t in texts if t.strip()), "")
    if not first or texts[0].strip():
        return False
    filled = [k for k, c in enumerate(above) if c.text.strip() and k > 0]
    empty_now = sum(1 for k in filled if k < len(texts) and not texts[k].strip())
    return not first[:1].isupper() or (bool(filled) and empty_now * 2 >= len(filled))


def read_pdf(
    path: Path,
    data: bytes | None = None,
    ocr: bool = True,
    on_page: PageProgress | None = None,
) -> BlockDocument:
    from troly.documents.formats import ocr as ocr_mod

    data = path.read_bytes() if data is None else data
    blocks, n_pages, scanned = read_pdf_pages(path, data, on_page=on_page)
    warnings: list[str] = []
    fmt = "pdf"
    has_text = any(isinstance(b, Paragraph) and b.text.strip() for b in blocks)
    if scanned:
        if not ocr or (has_text and not ocr_mod.available()):
            # a text PDF with an image-only page (a logo, a signature): keep the text, say so
            warnings.append(
                f"pages {scanned} look scanned and were not OCR'd (OCR not installed or off)"
            )
        else:
            ocr_blocks = ocr_mod.ocr_pages(path, data, scanned, on_page=on_page)
            blocks = _merge_by_page(blocks, ocr_blocks)
            fmt = "pdf-ocr" if len(scanned) == n_pages else "pdf+ocr"
    text = "\n".join(b.text for b in blocks if isinstance(b, Paragraph))
    if not text.strip() and not any(isinstance(b, Table) for b in blocks):
        raise fail(path, "PDF không có nội dung văn bản", "the PDF has no text")
    check_legacy(path.name, text)
    return BlockDocument(
        blocks=blocks, format=fmt, pages=n_pages, ocr_pages=scanned, warnings=warnings
    )


def _page_of(b: Block) -> int:
    return b.page or 0


def _merge_by_page(a: list[Block], b: list[Block]) -> list[Block]:
    """Blocks of text pages and OCR pages, in page order (stable within a page)."""
    return sorted([*a, *b], key=_page_of)
