"""Plain data types shared by every layer of troly.

This module imports nothing from troly: parsers produce these types, the chunker turns
them into :class:`Chunk`, the index stores chunks, and the retriever returns
:class:`SearchResult`. Library types (llama-index nodes, Qdrant points) are converted
to and from these at one boundary each and never leak further.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ChunkKind = Literal["section", "task", "article"]
# What a search may be restricted to: one chunk kind, or "plan" = the plans' sections and
# task rows together (everything but the articles of laws).
FilterKind = Literal["section", "task", "article", "plan"]
PLAN_KINDS: tuple[ChunkKind, ...] = ("section", "task")

#: Added to the location of text that Tesseract read from a scanned page (a chunk's
#: ``fields["ocr"] == "true"``), so every citation of it says so, in the UI too.
OCR_NOTE = " (văn bản nhận dạng từ ảnh quét)"
TaskLayout = Literal["tab_table", "flat_table", "pipe_table", "field_list", "table"]


@dataclass
class Section:
    """A numbered part of a plan: ``I.`` → ``1.`` → ``a)`` (or ``1.1.`` in Hà Tĩnh).

    ``path`` is the human label used in citations ("III.2.b"); two items of a plan can
    share a label (Bình Phước numbers two items "8." in section II), so ``key`` is the
    unique identifier inside the document. ``text`` is the body verbatim, paragraphs
    separated by newlines, without the children's text.
    """

    path: str
    title: str
    text: str = ""
    heading: str = ""
    level: int = 0
    key: str = ""
    line: int = 0
    children: list[Section] = field(default_factory=list)
    ocr: bool = False  # its own text was read by OCR from a scanned page

    def walk(self) -> Iterator[Section]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class Activity:
    """One activity (3.x) of a Hà Tĩnh task with the fields of its own table row."""

    number: str
    text: str
    product: str = ""
    lead: str = ""
    partners: str = ""
    deadline: str = ""
    budget: str = ""


@dataclass
class TaskRecord:
    """A task with its lead agency, partners, product, deadline, budget and note.

    ``lead``/``partners`` are normalised agency names; ``lead_text``/``partners_text``
    keep the source cell verbatim. ``location`` is what a citation shows, e.g.
    "Phụ lục › II. Cải cách thể chế › STT 3" or "II.1.d".
    """

    id: str
    doc_id: str
    layout: TaskLayout
    location: str
    group: str
    stt: str
    content: str
    lead: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    lead_text: str = ""
    partners_text: str = ""
    product: str = ""
    deadline: str = ""
    budget: str = ""
    note: str = ""
    target: str = ""
    activities: list[Activity] = field(default_factory=list)
    section_path: str = ""
    line: int = 0
    source_text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DocumentMeta:
    doc_id: str
    title: str = ""
    province: str = ""
    year: int | None = None
    number: str | None = None
    issued: str | None = None
    signer: str | None = None
    issuer: str | None = None
    doc_type: str | None = None
    source_path: str = ""
    content_hash: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class DocumentTree:
    """A parsed plan: metadata, the section forest, and the task records."""

    meta: DocumentMeta
    sections: list[Section] = field(default_factory=list)
    tasks: list[TaskRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    def iter_sections(self) -> Iterator[Section]:
        for root in self.sections:
            yield from root.walk()

    def to_dict(self) -> dict[str, Any]:
        """The ``troly inspect --json`` shape."""
        m = self.meta
        return {
            "doc_id": m.doc_id,
            "title": m.title,
            "province": m.province,
            "year": m.year,
            "number": m.number,
            "issued": m.issued,
            "signer": m.signer,
            "issuer": m.issuer,
            "doc_type": m.doc_type,
            "extra": m.extra,
            "sections": [
                {"path": s.path, "key": s.key, "level": s.level, "title": s.title, "text": s.text}
                for s in self.iter_sections()
            ],
            "tasks": [
                {
                    "id": t.id,
                    "location": t.location,
                    "group": t.group,
                    "stt": t.stt,
                    "content": t.content,
                    "lead": t.lead,
                    "partners": t.partners,
                    "lead_text": t.lead_text,
                    "partners_text": t.partners_text,
                    "product": t.product,
                    "deadline": t.deadline,
                    "budget": t.budget,
                    "note": t.note,
                    "target": t.target,
                    "activities": [asdict(a) for a in t.activities],
                    "layout": t.layout,
                }
                for t in self.tasks
            ],
            "warnings": self.warnings,
        }


@dataclass
class Chunk:
    """The unit that is embedded, indexed and cited.

    ``text`` is the source wording verbatim (citations quote it); ``embed_text`` adds
    the plan's province, year and heading chain, which is what gets embedded and
    lexically indexed.
    """

    id: str
    doc_id: str
    kind: ChunkKind
    text: str
    embed_text: str
    path: str
    location: str
    headings: list[str]
    province: str
    year: int | None
    title: str
    lead: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    deadline: str = ""
    task_id: str = ""
    ordinal: int = 0
    content_hash: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Chunk:
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in payload.items() if k in names})


@dataclass
class SearchFilters:
    province: str | None = None
    year: int | None = None
    doc_id: str | None = None
    kind: FilterKind | None = None
    lead: str | None = None

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


@dataclass
class SearchResult:
    chunk: Chunk
    score: float
    rank: int = 0
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None  # the model's similarity to the question, when ranked

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "doc_id": self.chunk.doc_id,
            "location": self.chunk.location,
            "kind": self.chunk.kind,
            "text": self.chunk.text,
            "score": round(self.score, 6),
        }


@dataclass
class Citation:
    """A numbered source of an answer; ``text`` is the cited chunk's source text verbatim."""

    n: int
    doc_id: str
    title: str
    location: str
    kind: ChunkKind
    text: str
    score: float = 0.0
    chunk_id: str = ""
    ocr: bool = False  # the cited text was machine-read (OCR) from a scanned page

    def __post_init__(self) -> None:
        # a chunk read by OCR carries OCR_NOTE in its location: the flag follows it
        self.ocr = self.ocr or self.location.endswith(OCR_NOTE)
        if self.ocr:
            self.mark_ocr()

    def mark_ocr(self) -> None:
        self.ocr = True
        if not self.location.endswith(OCR_NOTE):
            self.location += OCR_NOTE

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "location": self.location,
            "kind": self.kind,
            "text": self.text,
            "score": round(self.score, 6),
            "ocr": self.ocr,
        }


@dataclass
class Answer:
    """The answer contract shared by `troly ask --json`, the API and the UI.

    ``answer`` carries markers [n] that point at ``citations[n-1]``. ``refused`` is true
    when the plans do not support an answer (the text then says so politely).
    """

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    took_ms: float = 0.0
    id: str = ""
    mode: str = "extractive"
    intent: str = ""
    context: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "took_ms": round(self.took_ms, 1),
            "mode": self.mode,
            "intent": self.intent,
        }
