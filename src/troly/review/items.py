"""A parsed plan → the items a review compares: paragraphs, task records, target sentences.

* A **paragraph** item is one heading line or body paragraph of a section, located by
  the section's path ("III.2.b"; "II.8 (#2)" for the second item numbered 8).
* A **task** item is a :class:`~troly.schema.TaskRecord`; it is matched on its content
  (plus its target when the content alone is too short to identify it, as in Hà Tĩnh's
  "Tham mưu UBND tỉnh ban hành") and compared field by field.
* Every item carries its **target sentences**: the sentences that hold numeric targets
  (:func:`~troly.review.normalize.extract_measures`), for indicator comparisons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from troly.chunking.task_rows import task_text
from troly.documents.structure import CLOSING, FOOTNOTES, PLAN_HEAD, PREAMBLE, heading_like
from troly.review.normalize import Measure, content_size, extract_measures, split_sentences, terms
from troly.schema import ChunkKind, DocumentTree, Section, TaskRecord

ItemKind = Literal["paragraph", "task"]
Part = Literal["front", "body", "appendix"]

APPENDIX_PATH = "Phụ lục"
SKIP_SECTIONS = frozenset({CLOSING, FOOTNOTES})
FRONT_SECTIONS = frozenset({PREAMBLE, PLAN_HEAD})
# Front-matter paragraphs that are formalities, not plan content.
_FORMALITIES = re.compile(
    r"^(Căn cứ|Theo đề nghị|Xét đề nghị|QUYẾT ĐỊNH|KẾ HOẠCH|Số\s*:|CỘNG HÒA|Độc lập|"
    r"ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|Điều \d|CHỦ TỊCH|TM\.|KT\.|Nơi nhận)",
    re.IGNORECASE,
)
_TARGET_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s*")
MIN_MATCH_WORDS = 4
MIN_PART_WORDS = 6


@dataclass
class TargetSentence:
    """A sentence with numeric targets; ``sid`` is unique within its document."""

    sid: str
    text: str
    measures: list[Measure]


@dataclass
class Item:
    uid: str
    doc_id: str
    kind: ItemKind
    cite_kind: ChunkKind
    location: str
    key: str
    part: Part
    text: str
    match_text: str
    terms: frozenset[str]
    size: int
    order: int
    task: TaskRecord | None = None
    sentences: list[TargetSentence] = field(default_factory=list)
    section_title: str = ""
    heading: bool = False
    parts: list[tuple[str, frozenset[str]]] = field(default_factory=list)

    @property
    def matchable(self) -> bool:
        """Long enough to be compared as a whole; section headings ("Cải cách thể chế")
        are the same in every plan and are not."""
        return self.size >= MIN_MATCH_WORDS and not self.heading


def section_location(sec: Section) -> str:
    """The citation label of a section: its path, "(#2)" for a repeated number."""
    if sec.key and sec.key != sec.path and "#" in sec.key:
        return f"{sec.path} (#{sec.key.rsplit('#', 1)[1]})"
    return sec.path


def _sentences(uid: str, text: str, seen: set[str] | None = None) -> list[TargetSentence]:
    """Target sentences of ``text``; ``seen`` skips sentences already taken (a target
    shared by several task rows of one block is compared once)."""
    out: list[TargetSentence] = []
    for k, sent in enumerate(split_sentences(text)):
        norm = " ".join(sent.split())
        measures = extract_measures(norm)
        if not measures or (seen is not None and norm in seen):
            continue
        if seen is not None:
            seen.add(norm)
        out.append(TargetSentence(f"{uid}/s{k}", norm, measures))
    return out


def task_match_text(t: TaskRecord) -> str:
    """What identifies a task: its content, plus its target when the content is short."""
    content = t.content.strip()
    if content_size(content) < 7 and t.target:
        return f"{content}. {_TARGET_NUMBER.sub('', t.target)}"
    return content


def extract_items(tree: DocumentTree, include_front: bool = False) -> list[Item]:
    """Paragraph and task items of a plan, in document order (sections, then tasks).

    ``include_front`` keeps paragraphs of the preamble ("Mở đầu") — wanted for a draft
    snippet written without headings, not for the corpus (legal bases, header lines).
    """
    doc = tree.doc_id
    items: list[Item] = []
    seen_targets: set[str] = set()
    task_paths = {t.section_path for t in tree.tasks if t.section_path}

    def add(
        kind: ItemKind,
        cite: ChunkKind,
        location: str,
        key: str,
        part: Part,
        text: str,
        match_text: str,
        task: TaskRecord | None = None,
        sentence_sources: tuple[str, ...] = (),
        section_title: str = "",
        heading: bool = False,
    ) -> None:
        uid = f"{doc}#{len(items)}"
        sents: list[TargetSentence] = []
        for k, src in enumerate(sentence_sources):
            if src:
                shared = seen_targets if (task is not None and k == 1) else None
                sents += _sentences(f"{uid}.{k}", src, shared)
        sentences = split_sentences(match_text) if task is None else []
        parts = (
            [(x, terms(x)) for x in sentences if content_size(x) >= MIN_PART_WORDS]
            if len(sentences) > 1
            else []
        )
        items.append(
            Item(
                uid=uid,
                doc_id=doc,
                kind=kind,
                cite_kind=cite,
                location=location,
                key=key,
                part=part,
                text=text,
                match_text=match_text,
                terms=terms(match_text),
                size=content_size(match_text),
                order=len(items),
                task=task,
                sentences=sents,
                section_title=section_title,
                heading=heading,
                parts=parts,
            )
        )

    def visit(sec: Section, part: Part) -> None:
        if sec.path in task_paths:
            return  # a lettered item with fields: it is a task record
        location = section_location(sec)
        paragraphs: list[str] = []
        if sec.title and sec.title not in (PREAMBLE, PLAN_HEAD):
            paragraphs.append(sec.heading or sec.title)
        paragraphs += [p.strip() for p in sec.text.split("\n") if p.strip()]
        for k, para in enumerate(paragraphs):
            if part == "front" and _FORMALITIES.match(para):
                continue
            is_title = k == 0 and para == (sec.heading or sec.title)
            match = sec.title if is_title else para
            match = re.sub(r"^[-+•–]\s*", "", match)
            heading = (
                is_title
                and heading_like(sec.title)
                and bool(sec.children or sec.text.strip())
                and content_size(sec.title) < 12
            )
            add(
                "paragraph",
                "section",
                location,
                sec.key or sec.path,
                part,
                para,
                match,
                sentence_sources=(match,),
                section_title=sec.title,
                heading=heading,
            )
        for child in sec.children:
            visit(child, part)

    for root in tree.sections:
        if root.path in SKIP_SECTIONS or root.path == APPENDIX_PATH:
            continue
        if root.path in FRONT_SECTIONS:
            if include_front:
                visit(root, "front")
            continue
        visit(root, "body")

    for t in tree.tasks:
        part: Part = "body" if t.layout == "field_list" else "appendix"
        target = _TARGET_NUMBER.sub("", t.target) if t.target else ""
        add(
            "task",
            "task",
            t.location,
            t.id,
            part,
            task_text(t),
            task_match_text(t),
            task=t,
            sentence_sources=(t.content, target),
        )
    return items
