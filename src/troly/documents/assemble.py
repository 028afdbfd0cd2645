"""Blocks → :class:`~troly.schema.DocumentTree`, whatever format the blocks came from.

The flow (a newcomer adding a format only writes a reader in :mod:`.formats`)::

    file ──formats.read──▶ BlockDocument ──assemble──▶ DocumentTree
                             paragraphs ──▶ structure (plan: I./1./a) │ legal: Chương/Điều)
                             tables     ──▶ task records (table_records) or body text
                             header     ──▶ metadata (docmeta) when the manifest is silent

* Layout tables (the two-column header "QUỐC HỘI | CỘNG HÒA …", the signature block
  "Nơi nhận | CHỦ TỊCH") are read as paragraphs, cell by cell.
* A table whose header names the task columns (STT, nội dung, cơ quan chủ trì …) becomes
  task records; any other table stays in the text of the section it appears in, one line
  per row ("cell | cell"), so it is searchable and cited with that section.
* Plain text: the tab and pipe tables its reader recovered as Table blocks go the same
  way (task tables → records; the appendix section keeps the lines around the table); the
  one-cell-per-line and "cell |" layouts are still read from the lines
  (:mod:`troly.documents.tables`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from troly.documents.blocks import BlockDocument, Paragraph, Table
from troly.documents.docmeta import document_fields
from troly.documents.legal import legal_structure
from troly.documents.plaintext import StructureFn, tree_from_lines
from troly.documents.structure import StructureResult, build_sections
from troly.schema import DocumentTree

# Structure parsers by document kind, over the same paragraph lines: a plan's headings
# (I. → 1. → a)) or a normative document's Phần/Chương/Mục/Điều/khoản/điểm.
STRUCTURES: dict[str, StructureFn] = {"plan": build_sections, "legal": legal_structure}
_DIEU = re.compile(r"^Điều\s+\d+[a-zđ]?\s*[.:]", re.IGNORECASE)
_ROMAN_HEAD = re.compile(r"^[IVX]{1,5}\.\s+\S")
_CHUONG = re.compile(r"^(?:Chương|CHƯƠNG)\s+[IVXLC\d]+\b")


def register_structure(kind: str, fn: Callable[[list[tuple[int, str]]], StructureResult]) -> None:
    STRUCTURES[kind] = fn


def structure_kind(paragraphs: list[str]) -> str:
    """'legal' when the body is articles (Điều N.) rather than a plan's Roman sections.

    A plan issued with a decision has a few articles ("Điều 1. Ban hành kèm theo …") and
    then Roman sections: that is a plan."""
    dieu = sum(1 for p in paragraphs if _DIEU.match(p))
    chuong = sum(1 for p in paragraphs if _CHUONG.match(p))
    roman = sum(1 for p in paragraphs if _ROMAN_HEAD.match(p))
    return "legal" if dieu >= 3 and (roman < 3 or chuong >= 2) else "plan"


def structure_for(kind: str) -> StructureFn:
    return STRUCTURES.get(kind, build_sections)


def is_layout_table(table: Table) -> bool:
    """A header/signature layout table rather than data: at most 3 rows × 3 columns and no
    STT column."""
    if table.width > 3 or len(table.rows) > 3:
        return False
    first = [c.text.strip().upper() for c in table.rows[0]] if table.rows else []
    return not any(t in ("STT", "TT", "SỐ TT") for t in first)


def table_lines(table: Table) -> list[str]:
    """A table as text lines, one per row, merged values repeated: "a | b | c"."""
    out = []
    for row in table.texts():
        cells: list[str] = []
        for t in row:
            t = " ".join(t.split())
            if cells and cells[-1] == t:
                continue  # a column-merged cell shown once
            cells.append(t)
        if any(cells):
            out.append(" | ".join(cells))
    return out


def assemble(
    doc: BlockDocument,
    path: Path,
    doc_id: str,
    manifest: dict[str, Any] | None,
    content_hash: str,
) -> DocumentTree:
    from troly.documents.table_records import records_from_tables

    raw: list[str] = []
    task_tables: list[Table] = []
    ocr_lines: set[int] = set()  # 1-based lines of ``raw`` read by OCR
    if doc.format == "txt":
        by_line = {b.line: b.text for b in doc.paragraphs()}
        for t in doc.tables():
            if records_from_tables(doc_id, [t], dry_run=True)[0]:
                task_tables.append(t)  # its lines leave the text: they become records
            else:
                by_line.update(t.source)  # any other table keeps its printed lines
        last = max([*by_line, *(n for t in task_tables for n, _ in t.source)], default=0)
        raw = [by_line.get(n, "") for n in range(1, last + 1)]
    else:
        for b in doc.blocks:
            before = len(raw)
            if isinstance(b, Paragraph):
                raw.append(b.text)
            elif is_layout_table(b):
                for col in range(b.width):
                    for row in b.rows:
                        cell = row[col] if col < len(row) else None
                        if cell is not None and cell.is_origin:
                            raw.extend(s for s in cell.text.split("\n") if s.strip())
            elif records_from_tables(doc_id, [b], dry_run=True)[0]:
                task_tables.append(b)
            else:
                raw.extend(table_lines(b))
            if b.ocr:
                ocr_lines.update(range(before + 1, len(raw) + 1))
    paragraphs = [s for s in raw if s.strip()]
    kind = structure_kind(paragraphs)
    records, table_warnings = records_from_tables(doc_id, task_tables)
    text_tables = doc.format == "txt" and bool(task_tables)
    tree = tree_from_lines(
        raw,
        path,
        doc_id,
        manifest,
        content_hash,
        appendix_tables=not task_tables or text_tables,
        structure=structure_for(kind),
        table_tasks=records if text_tables else None,
    )
    if task_tables:
        tree.tasks = records
        tree.warnings.extend(table_warnings)
    if ocr_lines:
        mark_ocr_sections(tree, ocr_lines)
    _fill_meta(tree, doc, paragraphs, manifest or {}, kind)
    return tree


def mark_ocr_sections(tree: DocumentTree, ocr_lines: set[int]) -> None:
    """``Section.ocr`` for every section whose own text (from its line up to the next
    section's line) holds a line read by OCR; the chunker passes it on to citations."""
    ordered = sorted(tree.iter_sections(), key=lambda s: s.line)
    for k, sec in enumerate(ordered):
        end = ordered[k + 1].line if k + 1 < len(ordered) else max(ocr_lines) + 1
        sec.ocr = any(n in ocr_lines for n in range(sec.line, max(end, sec.line + 1)))


def _fill_meta(
    tree: DocumentTree,
    doc: BlockDocument,
    paragraphs: list[str],
    manifest: dict[str, Any],
    kind: str,
) -> None:
    """Manifest first; what the document says about itself fills the gaps."""
    meta = tree.meta
    found = document_fields(paragraphs)
    if not manifest.get("title") and found.get("title") and meta.title in ("", meta.doc_id):
        meta.title = found["title"]
    number = found.get("number")
    if number and meta.number and meta.number != number and meta.number.startswith(number):
        meta.number = number  # "970/QĐ-TTg \"" (OCR noise after the number) → "970/QĐ-TTg"
    meta.number = meta.number or number
    meta.issued = meta.issued or found.get("issued")
    meta.signer = meta.signer or found.get("signer")
    meta.issuer = meta.issuer or found.get("issuer")
    meta.doc_type = meta.doc_type or found.get("doc_type")
    if not meta.province and found.get("province"):
        meta.province = found["province"]
    if meta.year is None and found.get("year", "").isdigit():
        meta.year = int(found["year"])
    meta.extra["format"] = doc.format
    meta.extra["structure"] = kind
    if kind == "legal":
        meta.extra.setdefault("kind", "law")  # chunked per Điều (troly.chunking.articles)
    if doc.pages:
        meta.extra["pages"] = str(doc.pages)
    if doc.ocr_pages:
        meta.extra["ocr_pages"] = ",".join(str(p) for p in doc.ocr_pages)
        tree.warnings.append(
            f"text of pages {meta.extra['ocr_pages']} was read by OCR (Tesseract) and may "
            "contain recognition errors"
        )
    tree.warnings.extend(doc.warnings)
