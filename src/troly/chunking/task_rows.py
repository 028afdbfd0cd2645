"""Task chunks: one per task record, fields labelled, values verbatim from the source."""

from __future__ import annotations

import re

from troly.schema import Chunk, DocumentTree, TaskRecord


def _source_cell(t: TaskRecord) -> str:
    """The task cell as printed ("2.3.Kiểm tra …"), found in the row's source lines."""
    probe = t.content[:40]
    for line in t.source_text.split("\n"):
        cell = line.strip().rstrip("|").strip()
        if probe and probe in cell:
            return cell
    return f"{t.stt}. {t.content}"


def _activity_cells(t: TaskRecord) -> list[str]:
    """The activity cells ("3.1. … 3.2. …") of the row's source lines, as printed."""
    out = []
    for line in t.source_text.split("\n"):
        cell = line.strip().rstrip("|").strip()
        if re.match(r"^3\.\d", cell) and cell not in out:
            out.append(cell)
    return out


def task_text(t: TaskRecord) -> str:
    """A readable rendering of the record whose values are the source cells verbatim."""
    if t.layout == "field_list" and t.source_text:
        return t.source_text
    lines: list[str] = []
    if t.target:
        lines.append(f"Mục tiêu: {t.target}")
    if t.layout == "pipe_table":
        lines.append(f"Nhiệm vụ: {_source_cell(t)}")
    else:
        lines.append(f"STT {t.stt}. {t.content}" if t.stt else t.content)
    if t.activities:
        cells = _activity_cells(t)
        acts = (
            " ".join(cells) if cells else "; ".join(f"{a.number}. {a.text}" for a in t.activities)
        )
        lines.append(f"Hoạt động: {acts}")
    fields = (
        ("Sản phẩm", t.product),
        ("Cơ quan chủ trì", t.lead_text),
        ("Cơ quan phối hợp", t.partners_text),
        ("Thời gian thực hiện", t.deadline),
        ("Kinh phí", t.budget),
        ("Ghi chú", "; ".join(x.strip() for x in t.note.split("\n") if x.strip())),
    )
    lines.extend(f"{name}: {value}" for name, value in fields if value)
    return "\n".join(lines)


def task_chunks(tree: DocumentTree) -> list[Chunk]:
    from troly.chunking import chunk_id, plan_label

    meta = tree.meta
    label = plan_label(tree)
    out: list[Chunk] = []
    for t in tree.tasks:
        text = task_text(t)
        headings = [p for p in t.location.split(" › ")[:-1]]
        context = " › ".join(headings)
        out.append(
            Chunk(
                id=chunk_id(meta.doc_id, "task", t.id, 0),
                doc_id=meta.doc_id,
                kind="task",
                text=text,
                embed_text=f"{label}. {context}\n{text}",
                path=t.section_path or t.stt,
                location=t.location,
                headings=headings,
                province=meta.province,
                year=meta.year,
                title=meta.title,
                lead=list(t.lead),
                partners=list(t.partners),
                deadline=t.deadline,
                task_id=t.id,
                fields={
                    "content": t.content,
                    "stt": t.stt,
                    "group": t.group,
                    "target": t.target,
                    "lead_text": t.lead_text,
                    "partners_text": t.partners_text,
                    "product": t.product,
                    "deadline": t.deadline,
                    "budget": t.budget,
                    "note": t.note,
                    "layout": t.layout,
                },
            )
        )
    return out
