"""Quảng Ngãi: tasks written as lettered items with inline field lists.

An item "a) <task>" is followed by lines such as "- Cơ quan chủ trì: …",
"- Cơ quan phối hợp: …", "- Sản phẩm: …", "- Thời gian thực hiện: …". The structure
parser gives each item as a :class:`~troly.schema.Section` (title = the item's first
line without "a) ", text = the following lines verbatim). This module turns those
sections into :class:`~troly.schema.TaskRecord` s.

* A field value may continue on following "+ …" lines (kept, joined with "\\n").
* An item made of sub-tasks ("- <sub-task>" followed by "+ Cơ quan chủ trì thực hiện:
  …" etc.) gives one record per sub-task, located "II.2.k-1", "II.2.k-2".
* A line that is neither a field nor a continuation goes to ``note``: nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from troly.documents.agencies import fold
from troly.documents.records import new_task_record
from troly.schema import Section, TaskRecord

# field name → patterns of the folded label (as found in the corpus, plus close variants)
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "lead": (r"co quan chu tri\b.*", r"co quan thuc hien\b.*", r"don vi chu tri\b.*"),
    "partners": (r"co quan phoi hop\b.*", r"don vi phoi hop\b.*"),
    "product": (r"san pham\b.*", r"ket qua\W*san pham\b.*"),
    "deadline": (r"thoi gian\b.*", r"thoi han\b.*"),
}
# labels that carry no extra meaning; any other label wording is recorded in the note
PLAIN_LABELS = {
    "co quan chu tri",
    "co quan chu tri thuc hien",
    "co quan phoi hop",
    "san pham",
    "thoi gian thuc hien",
    "thoi gian hoan thanh",
}

_FIELD_LINE = re.compile(r"^(?P<mark>[-+])\s*(?P<label>[^:]{2,60}?)\s*:\s*(?P<value>.*)$")
_LETTER = re.compile(r"^[a-zđ]$")


def _field_of(label: str) -> str | None:
    key = fold(label)
    for name, patterns in FIELD_LABELS.items():
        if any(re.fullmatch(p, key) for p in patterns):
            return name
    return None


@dataclass
class _Fields:
    values: dict[str, list[str]] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    last: str | None = None

    def add(self, name: str, label: str, value: str) -> None:
        self.values.setdefault(name, [])
        if value:
            self.values[name].append(value)
        if fold(label) not in PLAIN_LABELS:
            self.labels.append(label)
        self.last = name

    def extend(self, line: str) -> None:
        assert self.last is not None
        self.values[self.last].append(line)

    def get(self, name: str) -> str:
        return "\n".join(self.values.get(name, []))


@dataclass
class _SubTask:
    text: str
    offset: int  # index of its line in the item's text
    fields: _Fields = field(default_factory=_Fields)


def _is_field(line: str) -> tuple[str, str, str, str] | None:
    """(mark, field name, label, value) for a "- Label: value" / "+ Label: value" line."""
    m = _FIELD_LINE.match(line)
    if not m:
        return None
    name = _field_of(m.group("label"))
    if name is None:
        return None
    return m.group("mark"), name, m.group("label").strip(), m.group("value").strip()


def _parse_item(lines: list[str]) -> tuple[_Fields, list[_SubTask]]:
    """Fields of the item itself, and its sub-tasks (if it has "- x" + "+ field" groups)."""
    stripped = [ln.strip() for ln in lines]
    sub_mode = any(
        s.startswith("-")
        and _is_field(s) is None
        and i + 1 < len(stripped)
        and (nxt := _is_field(stripped[i + 1])) is not None
        and nxt[0] == "+"
        for i, s in enumerate(stripped)
    )
    top = _Fields()
    subs: list[_SubTask] = []
    current = top
    for i, s in enumerate(stripped):
        if not s:
            continue
        f = _is_field(s)
        if f is not None:
            mark, name, label, value = f
            if not (sub_mode and mark == "+" and subs):
                current = top  # a "- Field:" line speaks for the whole item
            current.add(name, label, value)
        elif sub_mode and s.startswith("-"):
            subs.append(_SubTask(re.sub(r"^-\s*", "", s), i))
            current = subs[-1].fields
        elif s.startswith("+") and current.last is not None:
            current.extend(s)  # a field value continued on a "+ …" bullet
        else:
            current.notes.append(s)
    return top, subs


def records_from_field_sections(doc_id: str, sections: list[Section]) -> list[TaskRecord]:
    """TaskRecords for every lettered item (path ending in a letter) that has field lines.

    ``sections`` is the flat list of all sections in document order (parents before
    their children). Two parents can share a path (Quảng Ngãi numbers two items "7."
    in section II), so an item's parent is the *latest* earlier section whose path is
    the item's path without its last part.
    """
    records: list[TaskRecord] = []
    latest: dict[str, Section] = {}
    for sec in sections:
        latest[sec.path] = sec
        parent_path, _, letter = sec.path.rpartition(".")
        if not _LETTER.match(letter):
            continue
        text_lines = sec.text.split("\n") if sec.text else []
        top, subs = _parse_item(text_lines)
        if not top.values and not any(s.fields.values for s in subs):
            continue  # a lettered paragraph without fields is not a task
        parent = latest.get(parent_path)
        group = f"{parent.path}. {parent.title}" if parent else parent_path
        heading = f"{letter}) {sec.title}"
        if not subs:
            records.append(
                _record(
                    doc_id,
                    len(records) + 1,
                    sec,
                    group,
                    letter,
                    sec.path,
                    sec.title,
                    top,
                    [],
                    sec.line,
                    "\n".join([heading, *text_lines]),
                )
            )
            continue
        for k, sub in enumerate(subs, 1):
            end = subs[k].offset if k < len(subs) else len(text_lines)
            src = [heading, *text_lines[sub.offset : end]]
            records.append(
                _record(
                    doc_id,
                    len(records) + 1,
                    sec,
                    group,
                    f"{letter}-{k}",
                    f"{sec.path}-{k}",
                    f"{sec.title} — {sub.text}",
                    _merge(top, sub.fields),
                    top.notes,
                    sec.line + 1 + sub.offset if sec.line else 0,
                    "\n".join(src),
                )
            )
    return records


def _merge(top: _Fields, own: _Fields) -> _Fields:
    """A sub-task's fields, falling back to fields given for the whole item."""
    out = _Fields(values={**top.values, **own.values}, labels=[*top.labels, *own.labels])
    out.notes = list(own.notes)
    return out


def _record(
    doc_id: str,
    index: int,
    sec: Section,
    group: str,
    stt: str,
    location: str,
    content: str,
    fields: _Fields,
    extra_notes: list[str],
    line: int,
    source: str,
) -> TaskRecord:
    lead_text = fields.get("lead")
    partners_text = fields.get("partners")
    notes = [*extra_notes, *fields.notes]
    notes += [f"Nhãn trường trong văn bản: «{lb}»" for lb in fields.labels]
    return new_task_record(
        doc_id,
        index,
        "field_list",
        location=location,
        group=group,
        stt=stt,
        content=content,
        lead_text=lead_text,
        partners_text=partners_text,
        product=fields.get("product"),
        deadline=fields.get("deadline"),
        note="\n".join(notes),
        section_path=sec.path,
        line=line or sec.line,
        source_text=source,
    )
