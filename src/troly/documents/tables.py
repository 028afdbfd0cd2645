"""The three appendix-table layouts of the corpus → :class:`~troly.schema.TaskRecord`.

Each parser takes the lines of the appendix region (from the "PHỤ LỤC" line to the end
of the file) and the 1-based file line number of its first line, and returns a
:class:`TableParse`. No text is dropped: lines before the table header are the
``preamble``, lines that fit no rule are ``leftover`` (the caller keeps both in an
appendix section), web-page lines after the table are the ``trailer``.

* ``tab_table`` (Phú Yên): one tab-separated row per line, header repeated per page.
* ``flat_table`` (Bình Phước): one cell per line, cells separated by empty lines; an
  empty *cell* is a line holding only a no-break space.
* ``pipe_table`` (Hà Tĩnh): a docx table exported as "cell |" lines; merged cells
  shift a row's cells to the left and pad its end with empty cells.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from troly.documents.agencies import fold, split_agencies
from troly.documents.records import new_task_record
from troly.schema import Activity, TaskRecord

TableLayout = Literal["tab_table", "flat_table", "pipe_table"]

APPENDIX = "Phụ lục"
SEP = " › "

# A line that starts the web-page trailer; everything from it on is not table content.
TRAILER_START: tuple[re.Pattern[str], ...] = (
    re.compile(r"^HIỆU LỰC VĂN BẢN$"),
    re.compile(r"^Tải văn bản$"),
    re.compile(r"^Đăng xuất$"),
    re.compile(r"^Đăng nhập$"),
    re.compile(r"^\s*•\s+\S[^:]*:"),
)

_ROMAN = re.compile(r"^(?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3})\.?$")
_STT = re.compile(r"^\d{1,3}\.?$")
_BARE_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,3})?\.?$")
_ROW_START = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})?\.?|[IVXL]{1,5}\.?)$")
_LEVEL = re.compile(r"^([1-5])\.(\d{1,2})(?!\d)")
_AGENCY_START = re.compile(
    r"^(?:Sở|Văn phòng|UBND|Các|Ủy ban|Phòng|Trung tâm|Ban|Đài|Báo|Cục|Địa phương)(?!\w)",
    re.IGNORECASE,
)


@dataclass
class TableParse:
    """What a table parser found in the appendix region (line numbers are 1-based)."""

    records: list[TaskRecord] = field(default_factory=list)
    preamble: list[tuple[int, str]] = field(default_factory=list)
    leftover: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    trailer: list[tuple[int, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def is_trailer_start(line: str) -> bool:
    s = line.rstrip()
    return any(p.match(s) for p in TRAILER_START)


_is_trailer_start = is_trailer_start


def _location(*parts: str) -> str:
    return SEP.join([APPENDIX, *(p for p in parts if p)])


def _group_label(numeral: str, title: str) -> str:
    return f"{numeral.rstrip('.')}. {title.strip()}"


def detect_table_layout(lines: Sequence[str]) -> TableLayout | None:
    """Which appendix layout ``lines`` hold, or ``None`` if none is recognised."""
    stripped = [ln.strip() for ln in lines]
    pipe_lines = sum(1 for s in stripped if s.endswith("|"))
    if "|" in stripped and pipe_lines >= 10:
        return "pipe_table"
    tab_rows = [ln for ln in lines if ln.count("\t") >= 3]
    if len(tab_rows) >= 2 and any(fold(r.split("\t")[0].strip()) == "stt" for r in tab_rows):
        return "tab_table"
    for i, s in enumerate(stripped):
        if fold(s) != "stt":
            continue
        following = [fold(t) for t in stripped[i + 1 : i + 14] if t]
        if (
            following
            and following[0].startswith("noi dung")
            and any(t.startswith("co quan chu tri") for t in following)
        ):
            return "flat_table"
    return None


# --------------------------------------------------------------------------- tab


def parse_tab_table(doc_id: str, lines: list[str], first_line_no: int) -> TableParse:
    """Phú Yên: "Stt\\tTên sản phẩm\\tCơ quan chủ trì…\\tCơ quan phối hợp\\tThời gian"."""
    out = TableParse()
    group = ""
    header_seen = False
    in_trailer = False
    width = 5
    for k, raw in enumerate(lines):
        n = first_line_no + k
        if not raw.strip():
            continue
        if in_trailer or (header_seen and _is_trailer_start(raw)):
            in_trailer = True
            out.trailer.append((n, raw.strip()))
            continue
        cells = [c.strip() for c in raw.split("\t")]
        if len(cells) >= 4 and fold(cells[0]) == "stt":
            if not header_seen:
                header_seen = True
                width = len(cells)
            continue  # the header repeats on every page
        if not header_seen:
            out.preamble.append((n, raw.strip()))
            continue
        if len(cells) >= 2 and _ROMAN.match(cells[0]) and cells[1] and not any(cells[2:]):
            group = _group_label(cells[0], cells[1])
            continue
        if len(cells) >= 3 and _STT.match(cells[0]) and cells[1]:
            note = ""
            if len(cells) > width:
                extra = [c for c in cells[width:] if c]
                if extra:
                    note = "Ô thừa ngoài bảng: " + " | ".join(extra)
                    out.warnings.append(f"line {n}: {len(cells)} cells, expected {width}")
            cells += [""] * (width - len(cells))
            if not group:
                out.warnings.append(f"line {n}: row before any group heading")
            stt = cells[0].rstrip(".")
            out.records.append(
                new_task_record(
                    doc_id,
                    len(out.records) + 1,
                    "tab_table",
                    location=_location(group, f"STT {stt}"),
                    group=group,
                    stt=stt,
                    content=cells[1],
                    lead_text=cells[2],
                    partners_text=cells[3],
                    deadline=cells[4] if width > 4 else "",
                    note=note,
                    line=n,
                    source_text=raw,
                )
            )
            continue
        out.leftover.append((n, raw.strip()))
        out.warnings.append(f"line {n}: not a table row, kept as leftover text")
    if not header_seen:
        out.warnings.append("tab table: no 'Stt' header row found")
    return out


# --------------------------------------------------------------------------- flat


def parse_flat_table(doc_id: str, lines: list[str], first_line_no: int) -> TableParse:
    """Bình Phước: one cell per line; an empty cell is a line of only "\\xa0"."""
    out = TableParse()
    header_at: int | None = None
    cells: list[tuple[int, str]] = []  # (line, stripped text); "" = empty cell
    for k, raw in enumerate(lines):
        n = first_line_no + k
        if header_at is None:
            if fold(raw.strip()) == "stt":
                header_at = k
                cells.append((n, raw.strip()))
            elif raw.strip():
                out.preamble.append((n, raw.strip()))
            continue
        if out.trailer or _is_trailer_start(raw):
            if raw.strip():
                out.trailer.append((n, raw.strip()))
            continue
        if raw == "":
            continue  # separator between cells
        cells.append((n, raw.strip()))
    if header_at is None:
        out.warnings.append("flat table: no 'STT' header cell found")
        return out

    # header: from "STT" up to and including "Ghi chú" (or up to the first group cell)
    width = 0
    for j, (_, text) in enumerate(cells[:10]):
        width = j + 1
        if fold(text).startswith("ghi chu"):
            break
    else:
        width = next(
            (j for j, (_, t) in enumerate(cells[1:10], 1) if _ROMAN.match(t) or _STT.match(t)),
            6,
        )
    i = width
    group = ""
    last_stt = ""
    while i < len(cells):
        n, text = cells[i]
        if _ROMAN.match(text) and i + 1 < len(cells) and cells[i + 1][1]:
            group = _group_label(text, cells[i + 1][1])
            i += 2
            continue
        if _STT.match(text) or text == "":
            row = cells[i : i + width]
            if len(row) < width:
                rest = [(ln, t) for ln, t in row if t]
                if rest:
                    out.leftover.extend(rest)
                    out.warnings.append(f"line {n}: incomplete row of {len(row)} cells")
                else:
                    out.warnings.append(
                        f"line {n}: {len(row)} trailing empty cell(s) after the last row ignored"
                    )
                break
            texts = [t for _, t in row] + [""] * (6 - width)
            stt = texts[0].rstrip(".")
            note = texts[5] if width >= 6 else ""
            if stt:
                last_stt = stt
                loc = _location(group, f"STT {stt}")
            else:
                where = f"dòng không số sau STT {last_stt}" if last_stt else "dòng không số"
                loc = _location(group, where)
                out.warnings.append(f"line {n}: row without STT kept as its own task ({where})")
                note = "\n".join(filter(None, [note, "Dòng không có STT trong bảng gốc"]))
            src_lines = lines[row[0][0] - first_line_no : row[-1][0] - first_line_no + 1]
            out.records.append(
                new_task_record(
                    doc_id,
                    len(out.records) + 1,
                    "flat_table",
                    location=loc,
                    group=group,
                    stt=stt,
                    content=texts[1],
                    lead_text=texts[2],
                    partners_text=texts[3],
                    deadline=texts[4],
                    note=note,
                    line=row[0][0],
                    source_text="\n".join(src_lines),
                )
            )
            i += width
            continue
        out.leftover.append((n, text))
        out.warnings.append(f"line {n}: cell outside any row, kept as leftover text")
        i += 1
    return out


# --------------------------------------------------------------------------- pipe

_COLS = 9
_TT, _TARGET, _TASK, _ACT, _PRODUCT, _LEAD, _PARTNERS, _DEADLINE, _BUDGET = range(_COLS)


@dataclass
class _Cell:
    text: str
    line: int  # line of its first non-blank character (or of the pipe before it)


@dataclass
class _PipeRow:
    cells: list[str]  # logical columns, len 9
    start_line: int  # line of the row's opening pipe
    end_line: int  # line of its closing pipe
    first_line: int  # line of its first non-empty cell
    lead: str = ""
    partners: str = ""
    lead_inherited: bool = False
    partners_inherited: bool = False
    target_inherited: bool = False
    acts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _TaskBlock:
    group: str
    subgroup: str
    target: str
    items: list[tuple[str, str]]
    rows: list[_PipeRow]


def split_numbered(text: str, level: int) -> list[tuple[str, str]]:
    """ "3.1. A 3.2. B" → [("3.1", "A"), ("3.2", "B")]; tolerant of "2.3.Kiểm", "2.11 X", "3.1: X".

    Only a run of consecutive numbers splits (so "3.5" inside a sentence does not);
    text without a leading number is one item with number "".
    """
    text = text.strip()
    if not text:
        return []
    pat = re.compile(rf"(?:(?<=\s)|^){level}\.(\d{{1,2}})(?!\d)(?:\s*[.:])?\s*")
    matches = list(pat.finditer(text))
    if not matches or matches[0].start() != 0:
        return [("", text)]
    kept = [matches[0]]
    for m in matches[1:]:
        if int(m.group(1)) == int(kept[-1].group(1)) + 1:
            kept.append(m)
    items: list[tuple[str, str]] = []
    for j, m in enumerate(kept):
        end = kept[j + 1].start() if j + 1 < len(kept) else len(text)
        items.append((f"{level}.{int(m.group(1))}", text[m.end() : end].strip()))
    return items


def _level(text: str) -> int | None:
    m = _LEVEL.match(text)
    return int(m.group(1)) if m else None


def _distinct(values: list[str]) -> list[str]:
    seen: list[str] = []
    for v in values:
        if v and v not in seen:
            seen.append(v)
    return seen


def _offset_of(cells: list[str], prev: list[str] | None) -> tuple[int | None, bool]:
    """How many leading (merged) columns a row omits; (None, _) if it cannot be placed.

    The second value is True when the offset was guessed by aligning with the row above
    (a continuation row with no numbered cell).
    """
    if _BARE_NUMBER.match(cells[0]) or _ROMAN.match(cells[0]) or fold(cells[0]) == "tt":
        return 0, False
    first = next((i for i, c in enumerate(cells) if c), None)
    if first is None:
        return None, False
    lvl = _level(cells[first])
    if lvl is not None and lvl <= 3:
        off = lvl - first
        return (off if 0 <= off < _COLS else None), False
    trailing = 0
    for c in reversed(cells):
        if c:
            break
        trailing += 1
    best: tuple[int, int] | None = None
    for k in range(1, trailing + 1):
        logical = [""] * k + cells[: _COLS - k]
        score = 0
        if prev is not None:
            score = sum(2 for c in range(_PRODUCT, _COLS) if logical[c] and logical[c] == prev[c])
        if logical[_LEAD] and _AGENCY_START.match(logical[_LEAD]):
            score += 1
        if best is None or score > best[1]:
            best = (k, score)
    if best is None:
        return None, True
    return best[0], True


def parse_pipe_table(doc_id: str, lines: list[str], first_line_no: int) -> TableParse:
    """Hà Tĩnh "KHUNG NHIỆM VỤ": one TaskRecord per task 2.x with its activities 3.x."""
    out = TableParse()
    start = next((k for k, ln in enumerate(lines) if ln.strip() == "|"), None)
    if start is None:
        out.warnings.append("pipe table: no row start ('|') found")
        out.preamble = [(first_line_no + k, ln.strip()) for k, ln in enumerate(lines) if ln.strip()]
        return out
    end = max(k for k, ln in enumerate(lines) if ln.rstrip().endswith("|"))
    out.preamble = [
        (first_line_no + k, ln.strip()) for k, ln in enumerate(lines[:start]) if ln.strip()
    ]
    in_trailer = False
    for k in range(end + 1, len(lines)):
        s = lines[k].strip()
        if not s:
            continue
        in_trailer = in_trailer or _is_trailer_start(lines[k])
        (out.trailer if in_trailer else out.leftover).append((first_line_no + k, s))

    region = lines[start : end + 1]
    text = "\n".join(region)
    line_starts = [0]
    for ln in region[:-1]:
        line_starts.append(line_starts[-1] + len(ln) + 1)

    def line_of(offset: int) -> int:
        return first_line_no + start + bisect.bisect_right(line_starts, offset) - 1

    pipes = [m.start() for m in re.finditer(r"\|", text)]

    def cell(a: int, b: int) -> _Cell:
        """Text between pipe a and pipe b (indices into ``pipes``)."""
        lo = pipes[a] + 1
        raw = text[lo : pipes[b]]
        body = "\n".join(s.strip() for s in raw.strip().split("\n"))
        offs = lo + (len(raw) - len(raw.lstrip()))
        return _Cell(body, line_of(offs if body else pipes[a]))

    def gap_before(p: int) -> str:
        lo = pipes[p - 1] + 1 if p > 0 else 0
        return text[lo : pipes[p]]

    def starts_row(p: int) -> bool:
        if p + _COLS >= len(pipes):
            return False
        g = gap_before(p)
        return not g.strip() and (p == 0 or "\n" in g)

    rows: list[_PipeRow] = []
    p = 0
    prev_logical: list[str] | None = None
    while p + _COLS < len(pipes):
        gap = gap_before(p)
        cells = [cell(p + j, p + j + 1) for j in range(_COLS)]
        texts = [c.text for c in cells]
        ok = starts_row(p)
        offset: int | None = 0
        guessed = False
        if ok:
            offset, guessed = _offset_of(texts, prev_logical)
            if not any(texts):
                offset = 0
            ok = offset is not None and not any(texts[_COLS - offset :] if offset else [])
        if not ok:
            # misaligned: keep the text we cannot place, resync at the next row start
            q = p + 1
            while q + _COLS < len(pipes) and not (
                starts_row(q) and _ROW_START.match(cell(q, q + 1).text)
            ):
                q += 1
            if gap.strip():
                out.leftover.append((line_of(pipes[p]), gap.strip()))
            for j in range(p, min(q, len(pipes) - 1)):
                c = cell(j, j + 1)
                if c.text:
                    out.leftover.append((c.line, c.text))
            out.warnings.append(
                f"pipe table: row at line {line_of(pipes[p])} does not have 9 cells in "
                f"place; {q - p} cell(s) kept as leftover and parsing resumed"
            )
            p = q
            continue
        assert offset is not None
        logical = [""] * offset + texts[: _COLS - offset]
        first = next((c.line for c in cells if c.text), line_of(pipes[p]))
        if guessed:
            out.warnings.append(
                f"line {first}: continuation row without numbers placed at column "
                f"{offset + 1} by aligning with the row above"
            )
        rows.append(
            _PipeRow(
                cells=logical,
                start_line=line_of(pipes[p]),
                end_line=line_of(pipes[p + _COLS]),
                first_line=first,
            )
        )
        if any(logical[_PRODUCT:]):
            prev_logical = logical
        p += _COLS + 1
    tail = [pipes[j] for j in range(p, len(pipes))]
    if tail:
        out.warnings.append(
            f"pipe table: {len(tail)} pipe(s) after the last complete row at line "
            f"{line_of(tail[0])}"
        )
        rest = text[tail[0] :].replace("|", " ").strip()
        if rest:
            out.leftover.append((line_of(tail[0]), rest))

    blocks = _pipe_blocks(rows, out)
    _pipe_records(doc_id, blocks, lines, first_line_no, out)
    return out


def _pipe_blocks(rows: list[_PipeRow], out: TableParse) -> list[_TaskBlock]:
    """Walk the logical rows: groups, targets, merged cells → task blocks."""
    blocks: list[_TaskBlock] = []
    group = subgroup = target = ""
    block: _TaskBlock | None = None
    above: _PipeRow | None = None  # previous row of the same target block
    header_seen = False
    for row in rows:
        c = row.cells
        if not any(c):
            continue
        if fold(c[_TT]) == "tt" and not header_seen:
            header_seen = True
            continue
        if _ROMAN.match(c[_TT]) and c[_TARGET] and not any(c[_TASK:]):
            group, subgroup, target, block, above = (
                _group_label(c[_TT], c[_TARGET]),
                "",
                "",
                None,
                None,
            )
            continue
        if (
            _BARE_NUMBER.match(c[_TT])
            and c[_TARGET]
            and _level(c[_TARGET]) is None
            and not any(c[_TASK:])
        ):
            subgroup, target, block, above = _group_label(c[_TT], c[_TARGET]), "", None, None
            continue
        new_target = bool(c[_TARGET])
        if new_target:
            target, above = c[_TARGET], None
        elif c[_TT] and target:
            row.target_inherited = True
        if c[_LEAD]:
            row.lead = c[_LEAD]
        elif above is not None and above.lead:
            row.lead, row.lead_inherited = above.lead, True
        if c[_PARTNERS]:
            row.partners = c[_PARTNERS]
        elif above is not None and above.partners:
            row.partners, row.partners_inherited = above.partners, True
        row.acts = split_numbered(c[_ACT], 3)
        if c[_TASK]:
            items = split_numbered(c[_TASK], 2)
            if items[0][0] == "":
                out.warnings.append(f"line {row.first_line}: task cell without a 2.x number")
            block = _TaskBlock(group, subgroup, target, items, [row])
            blocks.append(block)
        elif block is not None and not new_target:
            block.rows.append(row)
        else:
            out.warnings.append(
                f"line {row.first_line}: row has no task (2.x) cell; kept as a task of its own"
            )
            block = _TaskBlock(group, subgroup, target, [("", "")], [row])
            blocks.append(block)
        above = row
    return blocks


def _pipe_records(
    doc_id: str,
    blocks: list[_TaskBlock],
    lines: list[str],
    first_line_no: int,
    out: TableParse,
) -> None:
    seen_locations: set[str] = set()
    for block in blocks:
        n_items = len(block.items)
        acts = [(num, txt, row) for row in block.rows for num, txt in row.acts]
        pair_rows = n_items > 1 and len(block.rows) == n_items
        pair_acts = n_items > 1 and len(acts) == n_items
        for idx, (number, content) in enumerate(block.items):
            rows = [block.rows[idx]] if pair_rows else block.rows
            my_acts = [acts[idx]] if pair_acts else acts
            notes: list[str] = []
            if n_items > 1:
                others = ", ".join(num or "?" for num, _ in block.items)
                how = (
                    "ghép theo thứ tự"
                    if (pair_rows or pair_acts)
                    else "dùng chung cho các nhiệm vụ này"
                )
                notes.append(
                    f"Ô nhiệm vụ gốc ghi chung các nhiệm vụ {others}; "
                    f"hoạt động và các cột khác được {how}"
                )
            if any(r.target_inherited for r in rows) or block.rows[0].target_inherited:
                notes.append("Mục tiêu: lấy từ ô gộp phía trên")
            if any(r.lead_inherited for r in rows):
                notes.append("Cơ quan chủ trì: lấy từ ô gộp phía trên")
            if any(r.partners_inherited for r in rows):
                notes.append("Cơ quan phối hợp: lấy từ ô gộp phía trên")
            lead_texts = _distinct([r.lead for r in rows])
            partner_texts = _distinct([r.partners for r in rows])
            stt = number
            group = block.group
            if number:
                loc = _location(group, block.subgroup, f"Nhiệm vụ {number}")
            else:
                loc = _location(group, block.subgroup, f"dòng {block.rows[0].first_line}")
            if loc in seen_locations:
                loc = f"{loc} (dòng {block.rows[0].first_line})"
            seen_locations.add(loc)
            src_rows = sorted(
                {id(r): r for r in [block.rows[0], *rows]}.values(), key=lambda r: r.start_line
            )
            source = "\n".join(
                "\n".join(lines[r.start_line - first_line_no : r.end_line - first_line_no + 1])
                for r in src_rows
            )
            rec = new_task_record(
                doc_id,
                len(out.records) + 1,
                "pipe_table",
                location=loc,
                group=group,
                stt=stt,
                content=content or block.target,
                lead_text="\n".join(lead_texts),
                partners_text="\n".join(partner_texts),
                product="; ".join(_distinct([r.cells[_PRODUCT] for r in rows])),
                deadline="; ".join(_distinct([r.cells[_DEADLINE] for r in rows])),
                budget="; ".join(_distinct([r.cells[_BUDGET] for r in rows])),
                note="\n".join(notes),
                line=block.rows[0].first_line,
                source_text=source,
            )
            lead_names: list[str] = []
            for t in lead_texts:
                lead_names += [a for a in split_agencies(t) if a not in lead_names]
            partner_names: list[str] = []
            for t in partner_texts:
                partner_names += [a for a in split_agencies(t) if a not in partner_names]
            rec.lead, rec.partners = lead_names, partner_names
            rec.target = block.target
            rec.activities = [
                Activity(
                    number=num,
                    text=txt,
                    product=row.cells[_PRODUCT],
                    lead=row.lead,
                    partners=row.partners,
                    deadline=row.cells[_DEADLINE],
                    budget=row.cells[_BUDGET],
                )
                for num, txt, row in my_acts
            ]
            out.records.append(rec)
