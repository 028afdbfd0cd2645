"""The plain-text format: web noise → metadata, body → sections, appendix → task records."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from troly.documents.fields import records_from_field_sections
from troly.documents.metadata import clean_lines, header_fields, strip_pipes
from troly.documents.structure import StructureResult, build_sections
from troly.documents.tables import (
    TableParse,
    detect_table_layout,
    is_trailer_start,
    parse_flat_table,
    parse_pipe_table,
    parse_tab_table,
)
from troly.schema import DocumentMeta, DocumentTree, Section, TaskRecord
from troly.text import nfc

# A structure parser: content lines (line number, text) → section forest. The plan heading
# parser (I. → 1. → a)) is the default; a legal one (Chương/Mục/Điều/khoản/điểm) plugs in
# through troly.documents.assemble.STRUCTURES.
StructureFn = Callable[[list[tuple[int, str]]], StructureResult]

APPENDIX_TITLES = {"PHỤ LỤC", "PHU LUC"}
APPENDIX_PATH = "Phụ lục"
_MIN_DUP_RUN = 8

TABLE_PARSERS = {
    "tab_table": parse_tab_table,
    "flat_table": parse_flat_table,
    "pipe_table": parse_pipe_table,
}


def drop_repeated_blocks(
    lines: list[tuple[int, str]], warnings: list[str]
) -> list[tuple[int, str]]:
    """Remove a run of >= 8 non-empty lines that repeats an earlier run verbatim.

    Hà Tĩnh's export contains its decision header twice; indexing both copies would
    only duplicate results. The second copy is reported in the warnings.
    """
    content = [(n, t) for n, t in lines if t]
    texts = [t for _, t in content]
    first_seen: dict[tuple[str, ...], int] = {}
    drop: set[int] = set()
    i = 0
    while i + _MIN_DUP_RUN <= len(texts):
        key = tuple(texts[i : i + _MIN_DUP_RUN])
        j = first_seen.get(key)
        if j is not None and j + _MIN_DUP_RUN <= i:
            m = _MIN_DUP_RUN
            while i + m < len(texts) and j + m < i and texts[j + m] == texts[i + m]:
                m += 1
            warnings.append(
                f"repeated block: lines {content[i][0]}–{content[i + m - 1][0]} repeat lines "
                f"{content[j][0]}–{content[j + m - 1][0]} verbatim; the copy was not indexed"
            )
            drop.update(content[k][0] for k in range(i, i + m))
            i += m
            continue
        first_seen.setdefault(key, i)
        i += 1
    return [(n, t) for n, t in lines if n not in drop]


def _appendix_start(raw: list[str]) -> int | None:
    for idx, line in enumerate(raw):
        if line.strip().upper() in APPENDIX_TITLES:
            return idx
    return None


def _appendix_section(parse: TableParse, line: int) -> Section:
    pre = [t.strip() for _, t in parse.preamble if t.strip()]
    rest = [t.strip() for _, t in parse.leftover if t.strip()]
    title = " ".join(pre[:3]) if pre else APPENDIX_PATH
    body = pre[3:] + rest
    return Section(
        path=APPENDIX_PATH, title=title, text="\n".join(body), level=1, key=APPENDIX_PATH, line=line
    )


def _around_tables(region: list[str], first_line: int, records: list[TaskRecord]) -> TableParse:
    """The appendix region whose task table was read as a Table block (its lines blank):
    lines before the first task row are the preamble, lines after it the leftover, up to
    the web-page trailer."""
    first_task = min((r.line for r in records), default=first_line)
    out = TableParse(records=records)
    in_trailer = False
    for k, line in enumerate(region):
        n = first_line + k
        if not line.strip():
            continue
        if n < first_task:
            out.preamble.append((n, line.strip()))
            continue
        in_trailer = in_trailer or is_trailer_start(line)
        (out.trailer if in_trailer else out.leftover).append((n, line.strip()))
    return out


def parse_text(path: Path, doc_id: str, manifest: dict[str, object] | None = None) -> DocumentTree:
    data = path.read_bytes()
    raw = nfc(data.decode("utf-8")).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return tree_from_lines(raw, path, doc_id, manifest, hashlib.sha256(data).hexdigest())


def tree_from_lines(
    raw: list[str],
    path: Path,
    doc_id: str,
    manifest: dict[str, object] | None,
    content_hash: str,
    appendix_tables: bool = True,
    structure: StructureFn | None = None,
    table_tasks: list[TaskRecord] | None = None,
) -> DocumentTree:
    """Lines of text (one paragraph per line) → tree: chrome and metadata, sections by
    ``structure`` (the plan heading parser unless another is given), then the appendix
    table layouts recovered from the lines (``appendix_tables``) or field lists.

    ``table_tasks``: the records of task tables a reader already recovered as Table blocks
    (their lines are blank in ``raw``); the appendix section is then built from the lines
    around them, and they are the document's tasks."""
    cleaned = clean_lines(raw)
    removed = {n for n, _ in cleaned.removed}
    warnings: list[str] = []
    if cleaned.removed:
        warnings.append(f"web-page chrome removed: {len(cleaned.removed)} lines")

    start = _appendix_start(raw) if appendix_tables else None
    body = [(n, strip_pipes(t)) for n, t in cleaned.lines if start is None or n <= start]
    body = drop_repeated_blocks(body, warnings)
    built = (structure or build_sections)(body)
    warnings.extend(built.warnings)
    sections = built.sections

    tasks: list[TaskRecord] = []
    if start is not None:
        region = ["" if (start + k + 1) in removed else line for k, line in enumerate(raw[start:])]
        layout = detect_table_layout(region) if table_tasks is None else None
        if table_tasks is not None:
            parsed = _around_tables(region, start + 1, table_tasks)
            tasks = parsed.records
            sections.append(_appendix_section(parsed, start + 1))
        elif layout is None:
            warnings.append("appendix found but no known table layout; kept as text")
            text_lines = [t for t in region[1:] if t.strip()]
            sections.append(
                Section(
                    path=APPENDIX_PATH,
                    title=APPENDIX_PATH,
                    text="\n".join(text_lines),
                    level=1,
                    key=APPENDIX_PATH,
                    line=start + 1,
                )
            )
        else:
            parsed = TABLE_PARSERS[layout](doc_id, region, start + 1)
            tasks = parsed.records
            warnings.extend(parsed.warnings)
            sections.append(_appendix_section(parsed, start + 1))
    elif table_tasks is not None:
        tasks = table_tasks
    else:
        flat = [s for root in sections for s in root.walk()]
        tasks = records_from_field_sections(doc_id, flat)

    meta = DocumentMeta(doc_id=doc_id, source_path=str(path))
    meta.content_hash = content_hash
    found = header_fields(cleaned.lines)
    mf = manifest or {}
    meta.title = str(mf.get("title") or cleaned.web_title or doc_id)
    meta.province = str(mf.get("province") or "")
    year = mf.get("year")
    meta.year = int(year) if isinstance(year, int | str) and str(year).isdigit() else None
    number = cleaned.meta.get("number") or found.get("number") or mf.get("number")
    meta.number = str(number) if number else None
    meta.issued = cleaned.meta.get("issued") or found.get("issued")
    meta.signer = cleaned.meta.get("signer") or found.get("signer")
    meta.issuer = cleaned.meta.get("issuer")
    meta.doc_type = cleaned.meta.get("doc_type")
    core = {"number", "issued", "signer", "issuer", "doc_type"}
    meta.extra = {k: v for k, v in cleaned.meta.items() if k not in core}
    if cleaned.web_title:
        meta.extra["web_title"] = cleaned.web_title
    return DocumentTree(meta=meta, sections=sections, tasks=tasks, warnings=warnings)
