"""What the index holds: provinces, plan years and document kinds.

The answerer's scope (which provinces and years it can answer about, what a refusal
says the corpus covers) comes from the chunks in the index, not from the bundled
manifest, so a plan uploaded through the admin API is in scope as soon as it is
indexed. :meth:`CorpusScope.from_chunks` builds it; ``Answerer.scope()`` and
``Services.scope()`` return the current one (refreshed after every ingest/upload).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from troly.schema import Chunk

_YEAR = re.compile(r"(?<!\d)(20[0-3]\d)(?!\d)")


@dataclass(frozen=True)
class PlanRef:
    doc_id: str
    province: str
    year: int | None
    title: str


@dataclass
class CorpusScope:
    """Provinces, years and kinds of the documents in the index."""

    plans: list[PlanRef] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    years_mentioned: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> CorpusScope:
        plans: dict[str, PlanRef] = {}
        kinds: set[str] = set()
        mentioned: dict[str, set[int]] = {}
        for c in chunks:
            if c.doc_id not in plans and c.province:
                plans[c.doc_id] = PlanRef(c.doc_id, c.province, c.year, c.title)
            kinds.add(str(c.kind))
            if c.province:
                mentioned.setdefault(c.province, set()).update(
                    int(y) for y in _YEAR.findall(c.text)
                )
        ordered = sorted(plans.values(), key=lambda p: (p.province, p.year or 0, p.doc_id))
        return cls(ordered, sorted(kinds), mentioned)

    @classmethod
    def from_manifest(cls, plans: dict[str, list[int]]) -> CorpusScope:
        """A scope from province → years (used before anything is indexed)."""
        refs = [PlanRef("", p, y, "") for p, ys in sorted(plans.items()) for y in sorted(ys)]
        return cls(refs, [], {})

    @property
    def provinces(self) -> list[str]:
        return sorted({p.province for p in self.plans})

    @property
    def years(self) -> list[int]:
        return sorted({p.year for p in self.plans if p.year})

    @property
    def doc_ids(self) -> list[str]:
        return [p.doc_id for p in self.plans if p.doc_id]

    def years_of(self, province: str) -> list[int]:
        return sorted({p.year for p in self.plans if p.province == province and p.year})

    def by_province(self) -> dict[str, list[int]]:
        return {p: self.years_of(p) for p in self.provinces}

    def coverage_text(self) -> str:
        """One Vietnamese sentence naming what the corpus covers."""
        if not self.plans:
            return "Hệ thống hiện chưa có kế hoạch cải cách hành chính nào."
        parts = []
        for p in self.provinces:
            years = self.years_of(p)
            parts.append(
                f"tỉnh {p}" + (f" năm {', '.join(str(y) for y in years)}" if years else "")
            )
        return f"Hệ thống hiện có kế hoạch cải cách hành chính của: {'; '.join(parts)}."

    def to_dict(self) -> dict[str, Any]:
        """For UI filters and the API: provinces, years, kinds and the documents."""
        return {
            "provinces": self.provinces,
            "years": self.years,
            "kinds": list(self.kinds),
            "documents": [
                {"doc_id": p.doc_id, "province": p.province, "year": p.year, "title": p.title}
                for p in self.plans
            ],
        }
