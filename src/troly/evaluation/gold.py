"""The gold question set (``eval/gold.jsonl``): loading and validation.

:func:`validate_gold` checks what ``eval/GOLD.md`` promises: field names and types, that
every evidence snippet is a verbatim substring of a single line of one of the item's
documents (``<corpus>/<doc_id>.txt``), that every fact is copied from the source, and the
coverage counts (every document covered, enough table rows, unaccented questions,
unanswerable items, comparisons, lists and citizen questions). It returns a
:class:`GoldReport` listing every problem, so one run shows them all.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from troly.text import has_diacritics

SPLITS = ("dev", "test")
TYPES = ("section", "table_row", "list", "comparison", "unanswerable")
PERSONAS = ("civil_servant", "citizen")
SNIPPET_MIN, SNIPPET_MAX = 15, 150
FACT_MAX_TOKENS = 6

# Coverage the set must keep (GOLD.md, issue "evaluation harness").
MIN_SHARE = {"table_row": 0.25, "unaccented": 0.15, "unanswerable": 0.10, "citizen": 0.25}
MIN_COUNT = {"comparison": 10, "list": 10}

_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "question": str,
    "type": str,
    "persona": str,
    "answerable": bool,
    "accented": bool,
    "doc_ids": list,
    "evidence": list,
    "locations": list,
    "facts": list,
}


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    type: str
    persona: str
    answerable: bool
    accented: bool
    doc_ids: tuple[str, ...]
    evidence: tuple[str, ...]
    locations: tuple[str, ...]
    facts: tuple[str, ...]
    history: tuple[str, ...] = ()
    split: str = ""

    @property
    def is_followup(self) -> bool:
        return bool(self.history)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GoldItem:
        return cls(
            id=d["id"],
            question=d["question"],
            type=d["type"],
            persona=d["persona"],
            answerable=bool(d["answerable"]),
            accented=bool(d["accented"]),
            doc_ids=tuple(d.get("doc_ids") or ()),
            evidence=tuple(d.get("evidence") or ()),
            locations=tuple(d.get("locations") or ()),
            facts=tuple(d.get("facts") or ()),
            history=tuple(d.get("history") or ()),
            split=str(d.get("split") or split_of(d["id"])),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "type": self.type,
            "persona": self.persona,
            "answerable": self.answerable,
            "accented": self.accented,
            "doc_ids": list(self.doc_ids),
            "evidence": list(self.evidence),
            "locations": list(self.locations),
            "facts": list(self.facts),
        }
        if self.history:
            out["history"] = list(self.history)
        if self.split:
            out["split"] = self.split
        return out


@dataclass
class GoldReport:
    """Result of :func:`validate_gold`: every problem found, and the coverage counts."""

    errors: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        head = f"{len(self.errors)} problem(s)" if self.errors else "gold set OK"
        return "\n".join([head, *(f"  - {e}" for e in self.errors)])


def read_jsonl_numbered(path: Path) -> list[tuple[int, Any]]:
    """(line number, parsed object) for every non-blank line."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not valid JSON: {exc}") from exc
    return rows


def read_jsonl(path: Path) -> list[Any]:
    return [row for _, row in read_jsonl_numbered(path)]


def load_gold(path: Path, limit: int | None = None) -> list[GoldItem]:
    """The items of a gold file (no validation; see :func:`validate_gold`)."""
    items = [GoldItem.from_dict(d) for d in read_jsonl(path)]
    return items[:limit] if limit else items


def split_of(item_id: str) -> str:
    """The split an item belongs to, fixed by its id alone: ``dev`` (tune on it) or
    ``test`` (never looked at while changing the answerer). First byte of SHA-256 of the
    id, even → dev, odd → test: about half each, independent of content and order."""
    return "dev" if hashlib.sha256(item_id.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def select_split(items: list[GoldItem], split: str | None) -> list[GoldItem]:
    """Items of one split (``dev``/``test``); ``None``/``all`` keeps every item."""
    if split in (None, "", "all"):
        return list(items)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (dev, test or all)")
    return [i for i in items if i.split == split]


def fact_tokens(fact: str) -> list[str]:
    """Space-separated tokens of a fact; a lone ``-`` is not counted (GOLD.md)."""
    return [t for t in fact.split() if t != "-"]


def is_count_fact(fact: str) -> bool:
    """A string of digits in a ``list`` item is the number of items, not source text."""
    return fact.strip().isdigit()


def scored_facts(facts: tuple[str, ...] | list[str]) -> list[str]:
    """The facts an answer is scored on: a lone ``-`` is not counted."""
    return [f for f in facts if f.strip() and f.strip() != "-"]


def corpus_documents(corpus_dir: Path) -> dict[str, str]:
    """doc_id → text of every ``<doc_id>.txt`` in the corpus folder."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(Path(corpus_dir).glob("*.txt"))}


def _check_item(
    d: dict[str, Any], where: str, lines: dict[str, list[str]], texts: dict[str, str]
) -> list[str]:
    errs: list[str] = []
    for name, typ in _FIELDS.items():
        if name not in d:
            errs.append(f"{where}: missing field '{name}'")
        elif not isinstance(d[name], typ):
            errs.append(f"{where}: field '{name}' must be {getattr(typ, '__name__', typ)}")
    if errs:
        return errs
    for name in ("doc_ids", "evidence", "locations", "facts"):
        if not all(isinstance(x, str) and x.strip() for x in d[name]):
            errs.append(f"{where}: '{name}' must be a list of non-empty strings")
    if "split" in d and d["split"] not in SPLITS:
        errs.append(f"{where}: 'split' must be one of {', '.join(SPLITS)}")
    elif "split" in d and isinstance(d.get("id"), str) and d["split"] != split_of(d["id"]):
        want = split_of(d["id"])
        errs.append(f"{where}: 'split' is {d['split']!r} but the id hashes to {want!r}")
    if "history" in d and (
        not isinstance(d["history"], list)
        or not d["history"]
        or not all(isinstance(x, str) and x.strip() for x in d["history"])
    ):
        errs.append(f"{where}: 'history' must be a non-empty list of strings")
    if errs:
        return errs

    q: str = d["question"]
    if not q.strip():
        errs.append(f"{where}: empty question")
    if d["type"] not in TYPES:
        errs.append(f"{where}: unknown type '{d['type']}' (one of {', '.join(TYPES)})")
    if d["persona"] not in PERSONAS:
        errs.append(f"{where}: unknown persona '{d['persona']}'")
    unanswerable = d["type"] == "unanswerable"
    if d["answerable"] == unanswerable:
        errs.append(f"{where}: answerable must be false exactly when type is unanswerable")
    if d["accented"] != has_diacritics(q) or (not d["accented"] and not q.isascii()):
        errs.append(
            f"{where}: accented={d['accented']} but the question "
            f"{'has' if has_diacritics(q) else 'has no'} diacritics"
            + ("" if q.isascii() else " (unaccented questions must be pure ASCII)")
        )
    doc_ids: list[str] = d["doc_ids"]
    evidence: list[str] = d["evidence"]
    unknown = [x for x in doc_ids if x not in lines]
    if unknown:
        errs.append(f"{where}: unknown doc_ids {unknown}")
    if unanswerable:
        for name in ("doc_ids", "evidence", "locations", "facts"):
            if d[name]:
                errs.append(f"{where}: unanswerable item must have empty '{name}'")
        return errs
    if not doc_ids:
        errs.append(f"{where}: answerable item without doc_ids")
    if not evidence:
        errs.append(f"{where}: answerable item without evidence")
    if len(d["locations"]) != len(evidence):
        errs.append(
            f"{where}: {len(d['locations'])} locations for {len(evidence)} evidence snippets"
        )
    known = [x for x in doc_ids if x in lines]
    covered: set[str] = set()
    all_found = True
    for s in evidence:
        if not SNIPPET_MIN <= len(s) <= SNIPPET_MAX:
            errs.append(
                f"{where}: evidence of {len(s)} chars (allowed {SNIPPET_MIN}–{SNIPPET_MAX})"
            )
        found = [x for x in known if any(s in line for line in lines[x])]
        if not found and known:
            all_found = False
            errs.append(f"{where}: evidence not found verbatim in one line of {known}: {s!r}")
        covered.update(found)
    for x in known:
        if x not in covered and evidence and all_found:
            errs.append(f"{where}: no evidence snippet comes from '{x}'")
    for f in d["facts"]:
        if len(fact_tokens(f)) > FACT_MAX_TOKENS:
            errs.append(f"{where}: fact longer than {FACT_MAX_TOKENS} tokens: {f!r}")
        if f.strip() == "-" or (d["type"] == "list" and is_count_fact(f)):
            continue
        if known and not any(f in texts[x] for x in known):
            errs.append(f"{where}: fact not copied from the source: {f!r}")
    return errs


def coverage(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    types = Counter(str(r.get("type")) for r in rows)
    per_doc = Counter(x for r in rows for x in (r.get("doc_ids") or []))
    unaccented = sum(1 for r in rows if r.get("accented") is False)
    citizen = sum(1 for r in rows if r.get("persona") == "citizen")
    return {
        "items": n,
        "types": dict(types),
        "per_document": dict(per_doc),
        "unaccented": unaccented,
        "citizen": citizen,
        "followups": sum(1 for r in rows if r.get("history")),
        "share": {
            "table_row": types["table_row"] / n if n else 0.0,
            "unaccented": unaccented / n if n else 0.0,
            "unanswerable": types["unanswerable"] / n if n else 0.0,
            "citizen": citizen / n if n else 0.0,
        },
    }


def validate_gold(
    source: Path | list[dict[str, Any]], corpus_dir: Path, check_coverage: bool = True
) -> GoldReport:
    """Check a gold file (or its parsed rows) against the corpus; see the module doc."""
    numbered = (
        read_jsonl_numbered(source)
        if isinstance(source, Path)
        else list(enumerate(source, start=1))
    )
    rows = [row for _, row in numbered]
    texts = corpus_documents(corpus_dir)
    lines = {doc: text.splitlines() for doc, text in texts.items()}
    report = GoldReport()
    if not texts:
        report.errors.append(f"no <doc_id>.txt documents in {corpus_dir}")
    seen: set[str] = set()
    for n, d in numbered:
        if not isinstance(d, dict):
            report.errors.append(f"line {n}: not a JSON object")
            continue
        item_id = d.get("id")
        where = f"{item_id or '?'} ({'line' if isinstance(source, Path) else 'item'} {n})"
        if isinstance(item_id, str):
            if item_id in seen:
                report.errors.append(f"{where}: duplicate id")
            seen.add(item_id)
        report.errors.extend(_check_item(d, where, lines, texts))
    good = [d for d in rows if isinstance(d, dict)]
    report.counts = coverage(good)
    if check_coverage:
        c = report.counts
        missing = sorted(set(texts) - set(c["per_document"]))
        if missing:
            report.errors.append(f"coverage: documents without any question: {missing}")
        for key, minimum in MIN_SHARE.items():
            if c["share"][key] < minimum:
                report.errors.append(
                    f"coverage: {key} is {c['share'][key]:.1%} of the items (minimum {minimum:.0%})"
                )
        for key, minimum in MIN_COUNT.items():
            if c["types"].get(key, 0) < minimum:
                report.errors.append(
                    f"coverage: {c['types'].get(key, 0)} '{key}' items (minimum {minimum})"
                )
    return report
