"""The one constructor of :class:`TaskRecord` shared by every task layout."""

from __future__ import annotations

from troly.documents.agencies import split_agencies
from troly.schema import TaskLayout, TaskRecord


def new_task_record(
    doc_id: str,
    index: int,
    layout: TaskLayout,
    *,
    location: str,
    group: str,
    stt: str,
    content: str,
    lead_text: str,
    partners_text: str,
    line: int,
    source_text: str,
    product: str = "",
    deadline: str = "",
    budget: str = "",
    note: str = "",
    section_path: str = "",
) -> TaskRecord:
    """A record with a stable id (``{doc_id}/t{index:03d}``) and agencies normalised."""
    return TaskRecord(
        id=f"{doc_id}/t{index:03d}",
        doc_id=doc_id,
        layout=layout,
        location=location,
        group=group,
        stt=stt,
        content=content,
        lead=split_agencies(lead_text),
        partners=split_agencies(partners_text),
        lead_text=lead_text,
        partners_text=partners_text,
        product=product,
        deadline=deadline,
        budget=budget,
        note=note,
        section_path=section_path,
        line=line,
        source_text=source_text,
    )
