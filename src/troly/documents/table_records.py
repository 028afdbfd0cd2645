"""Real tables (blocks from .docx/.doc/.pdf/.html) → :class:`~troly.schema.TaskRecord`.

A table is a task table when its header row names the columns of a plan's appendix: a
content column ("Nội dung", "Nhiệm vụ", "Tên sản phẩm") and a lead or partner agency column
("Cơ quan chủ trì", "Cơ quan phối hợp"). Columns are found by their header, not by position:

* group rows — a single value merged across the row, or a Roman STT with only a title
  ("I. Cải cách thể chế") — set the group (Roman) or subgroup (anything else);
* every other row with content is one task; a cell merged down (``vMerge``/``rowspan``)
  gives its value to each row it covers, and the record's note says so.

Text-only layouts of the same tables (tab / one-cell-per-line / pipe) are read from lines by
:mod:`troly.documents.tables`.
"""

from __future__ import annotations

import re
from typing import cast

from troly.documents.agencies import fold
from troly.documents.blocks import Table
from troly.documents.records import new_task_record
from troly.schema import TaskLayout, TaskRecord

APPENDIX = "Phụ lục"
SEP = " › "
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("stt", ("stt", "tt", "so tt", "so thu tu")),
    ("content", ("noi dung", "nhiem vu", "ten nhiem vu", "cong viec", "hoat dong")),
    ("product_name", ("ten san pham",)),
    ("lead", ("chu tri",)),
    ("partners", ("phoi hop",)),
    ("deadline", ("thoi gian", "thoi han", "tien do")),
    ("budget", ("kinh phi", "nguon von", "du toan")),
    ("product", ("san pham", "ket qua")),
    ("note", ("ghi chu",)),
    ("target", ("muc tieu",)),
)
_ROMAN = re.compile(r"^(?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3})\.?$")
_ROMAN_TITLE = re.compile(r"^(?P<num>[IVXL]{1,5})\.?\s+(?P<title>\S.*)$")


def _column_of(header: str) -> str | None:
    h = fold(header)
    if not h:
        return None
    for name, keys in COLUMNS:
        for k in keys:
            if h == k or h.startswith(k + " ") or f" {k}" in f" {h}":
                if name == "product" and "ten san pham" in h:
                    return "product_name"
                return name
    return None


def columns(table: Table) -> tuple[dict[str, int], int] | None:
    """Column index by role and the number of header rows, or None if not a task table."""
    texts = table.texts()
    for h in range(1, min(4, len(texts)) + 1):
        heads = [" ".join(dict.fromkeys(texts[r][c] for r in range(h))) for c in range(table.width)]
        roles: dict[str, int] = {}
        for c, text in enumerate(heads):
            role = _column_of(text)
            if role and role not in roles:
                roles[role] = c
        if "content" not in roles and "product_name" in roles:
            roles["content"] = roles.pop("product_name")
        if "content" in roles and ("lead" in roles or "partners" in roles):
            # more header rows while the next row is still header text (no number, no data)
            return roles, h
    return None


def records_from_tables(
    doc_id: str, tables: list[Table], dry_run: bool = False
) -> tuple[list[TaskRecord], list[str]]:
    """Task records of the task tables among ``tables`` (warnings for rows kept as-is)."""
    records: list[TaskRecord] = []
    warnings: list[str] = []
    for t_no, table in enumerate(tables, start=1):
        found = columns(table)
        if found is None:
            continue
        if dry_run:
            return [TaskRecord("", doc_id, "table", "", "", "", "")], []
        roles, header_rows = found
        group = subgroup = last_stt = ""
        texts = table.texts()
        rows = table.rows
        for r in range(header_rows, len(rows)):
            row = rows[r]

            cells = texts[r]

            def get(role: str, cells: list[str] = cells, roles: dict[str, int] = roles) -> str:
                c = roles.get(role)
                return cells[c].strip() if c is not None and c < len(cells) else ""

            origins = [c for c in row if c.is_origin and c.text.strip()]
            values = list(dict.fromkeys(c.text.strip() for c in row if c.text.strip()))
            if not values:
                continue
            if re.fullmatch(r"(\(?\d{1,2}\)?\s*)+", " ".join(values)):
                continue  # a "(1) (2) (3)" column-number row
            stt = get("stt").rstrip(".")
            content = get("content")
            merged_across = len(values) == 1 and (len(origins) <= 1) and table.width > 2
            if merged_across:
                m = _ROMAN_TITLE.match(values[0])
                if m:
                    group, subgroup = f"{m['num']}. {m['title'].strip()}", ""
                else:
                    subgroup = values[0]
                continue
            others = [get(k) for k in ("lead", "partners", "deadline", "product", "budget", "note")]
            if _ROMAN.match(stt) and content and not any(others):
                group, subgroup = f"{stt}. {content}", ""
                continue
            if not content:
                warnings.append(f"table {t_no} row {r + 1}: no content cell; kept out of tasks")
                continue
            content_col = roles["content"]
            if not row[content_col].is_origin:
                continue  # the same task continued in a row below (content merged down)
            inherited = [
                label
                for role, label in (("lead", "Cơ quan chủ trì"), ("partners", "Cơ quan phối hợp"))
                if role in roles and not row[roles[role]].is_origin and row[roles[role]].text
            ]
            note = get("note")
            if not stt and "stt" in roles:
                note = "\n".join(filter(None, [note, "Dòng không có STT trong bảng gốc"]))
            if inherited:
                extra = "; ".join(f"{lab}: lấy từ ô gộp phía trên" for lab in inherited)
                note = f"{note}\n{extra}".strip()
            from_text = len(table.row_lines) == len(rows)  # recovered from plain text
            row_at = f"line {table.row_lines[r]}" if from_text else f"table {t_no} row {r + 1}"
            if stt:
                last_stt, row_name = stt, f"STT {stt}"
            elif "stt" in roles:  # a row the table left unnumbered: say where it is
                row_name = f"dòng không số sau STT {last_stt}" if last_stt else "dòng không số"
                warnings.append(f"{row_at}: row without STT kept as its own task ({row_name})")
            else:
                row_name = f"dòng {r + 1}"
            where = [APPENDIX, group, subgroup, row_name]
            rec = new_task_record(
                doc_id,
                len(records) + 1,
                cast(TaskLayout, table.layout or "table"),
                location=SEP.join(p for p in where if p),
                group=group,
                stt=stt,
                content=content,
                lead_text=get("lead"),
                partners_text=get("partners"),
                product=get("product") or get("product_name"),
                deadline=get("deadline"),
                budget=get("budget"),
                note=note,
                line=table.row_lines[r] if from_text else r + 1,
                source_text=table.row_sources[r] if from_text else " | ".join(values),
            )
            rec.target = get("target")
            records.append(rec)
    return records, warnings
