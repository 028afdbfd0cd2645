"""``Reviewer(services).review(draft)`` and ``.audit(doc_id)``: the comparison engine.

For every item of the draft (paragraph or task) the reviewer finds existing items that
say the same thing and checks whether they agree:

1. **candidates** — IDF-weighted overlap of diacritic-folded terms against every item of
   the plans in scope (the parsed trees of ``settings.corpus_dir``), plus, when the index
   is available and nothing lexical is close, the hybrid retriever's hits
   (``services.retriever.search`` with :class:`SearchFilters`);
2. **similarity** — ``0.75 × lexical + 0.25 × dense`` for the best candidates, dense being
   the cosine of ``services.embedder`` vectors rescaled from [0.80, 1] to [0, 1]; it is
   computed where it can change the outcome (lexical between 0.47 and 0.98);
3. **fields** — for the same task (similarity ≥ 0.80): lead and partner agencies (as
   normalised agency sets), deadline (normalised: "Quý I/2024" ≡ "Quý I năm 2024");
4. **indicators** — every numeric target of the draft against every numeric target in
   scope: same unit and indicator phrase similarity ≥ 0.85, different value.

A pair with a differing field or value is a *contradiction*; otherwise a similarity
≥ 0.85 is a *duplicate* and ≥ 0.60 an *overlap* note. The draft is also checked against
itself (:mod:`troly.review.internal`) and, when the index holds laws (article chunks),
against the law articles (:mod:`troly.review.laws`): a provision that repeats an article
or states it differently, with "khoản N Điều M Luật X" cited.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from troly.chunking import plan_label
from troly.documents import DocumentError, load_manifest, parse
from troly.review.draft import ReviewError, parse_draft, read_draft_file
from troly.review.internal import (
    INDICATOR_THRESHOLD,
    clip,
    duplicate_numbering,
    item_citation,
    measure_conflicts,
    reference_dates,
    repeated_items,
    value_explanation,
)
from troly.review.items import Item, TargetSentence, extract_items
from troly.review.model import FieldDiff, Finding, ReviewReport
from troly.review.normalize import (
    Idf,
    Measure,
    agency_diff,
    compare_deadlines,
    idf_table,
    is_generic_agency,
    weighted_dice,
)
from troly.schema import DocumentTree, SearchFilters
from troly.text import fold

if TYPE_CHECKING:
    from troly.services import Services

DUPLICATE = 0.85
OVERLAP = 0.60
SAME_TASK = 0.80
STRICT_DUPLICATE = 0.95
LEX_CANDIDATE = 0.30
TOP_CANDIDATES = 6
DENSE_CANDIDATES = 4
DENSE_FLOOR = 0.80
DENSE_WEIGHT = 0.25
# Dense similarity is computed only where it can change a decision: below 0.47 lexical,
# even a perfect cosine keeps the combined score under OVERLAP; from 0.98 on, the texts
# are the same words in the same order and the score stays lexical.
DENSE_BAND = ((OVERLAP - DENSE_WEIGHT) / (1 - DENSE_WEIGHT), 0.98)
RETRIEVER_K = 5
MAX_CITATIONS = 3


@dataclass
class CorpusDoc:
    tree: DocumentTree
    items: list[Item]
    title: str
    label: str

    @property
    def doc_id(self) -> str:
        return self.tree.doc_id

    @property
    def province(self) -> str:
        return self.tree.meta.province

    @property
    def year(self) -> int | None:
        return self.tree.meta.year


@dataclass
class _ValueDiff:
    sa: TargetSentence
    sb: TargetSentence
    ma: Measure
    mb: Measure
    sim: float


@dataclass
class _Pair:
    d: Item
    c: Item
    lexical: float
    dense: float | None = None
    part: str = ""  # the sentence of ``c`` that matched, when it matched better than ``c``
    diffs: list[FieldDiff] = field(default_factory=list)
    values: list[_ValueDiff] = field(default_factory=list)
    via: str = "lexical"

    @property
    def similarity(self) -> float:
        if self.dense is None:
            return self.lexical
        scaled = min(1.0, max(0.0, (self.dense - DENSE_FLOOR) / (1.0 - DENSE_FLOOR)))
        return (1.0 - DENSE_WEIGHT) * self.lexical + DENSE_WEIGHT * scaled

    @property
    def scores(self) -> dict[str, float]:
        out = {"lexical": self.lexical}
        if self.dense is not None:
            out["dense"] = self.dense
        return out

    @property
    def contradictions(self) -> list[FieldDiff]:
        return [f for f in self.diffs if f.grade == "contradiction"]


def _unigrams(item: Item) -> set[str]:
    return {t for t in item.terms if "_" not in t and "#" not in t}


def _substituted(a: Item, b: Item) -> bool:
    """Short texts that each have words the other lacks ("chỉ số PCI" / "chỉ số DTI")."""
    ua, ub = _unigrams(a), _unigrams(b)
    return bool(ua - ub) and bool(ub - ua) and min(a.size, b.size) <= 15


def _looks_like_path(s: str) -> bool:
    """A one-line string naming a file ("draft.txt", an existing path), not draft text."""
    s = s.strip()
    if not s or "\n" in s or len(s) > 1000:
        return False
    if re.fullmatch(r"\S+\.(?:txt|text|md|docx|doc|pdf)", s):
        return True
    try:
        return Path(s).is_file()
    except OSError:  # "File name too long" and the like: it is text
        return False


class Reviewer:
    """Flags duplication and contradiction between a draft and the existing plans.

    One instance caches the parsed corpus, its term statistics and the dense vectors it
    computed; it is safe to share between threads (the API and the UI keep one).
    """

    def __init__(
        self, services: Services, *, use_index: bool = True, use_dense: bool = True
    ) -> None:
        self.services = services
        self.use_index = use_index
        self.use_dense = use_dense
        self._corpus: dict[str, CorpusDoc] | None = None
        self._idf: Idf | None = None
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.RLock()
        self._index_state: str | None = None

    # ------------------------------------------------------------------ corpus
    def corpus(self) -> dict[str, CorpusDoc]:
        with self._lock:
            if self._corpus is None:
                docs: dict[str, CorpusDoc] = {}
                for entry in load_manifest(self.services.settings.corpus_dir):
                    tree = parse(entry.path, entry.id, entry.fields)
                    docs[entry.id] = CorpusDoc(
                        tree, extract_items(tree), tree.meta.title, plan_label(tree)
                    )
                self._corpus = docs
                self._idf = idf_table(i.terms for d in docs.values() for i in d.items)
            return self._corpus

    def idf(self) -> Idf:
        self.corpus()
        assert self._idf is not None
        return self._idf

    def doc_ids(self) -> list[str]:
        return list(self.corpus())

    def provinces(self) -> list[str]:
        return sorted({d.province for d in self.corpus().values() if d.province})

    # ------------------------------------------------------------------ public API
    def review(
        self,
        draft: str | Path | DocumentTree,
        province: str | None = None,
        against: Sequence[str] | None = None,
        year: int | None = None,
        title: str | None = None,
    ) -> ReviewReport:
        """Review a draft (text, a .txt/.docx path, or a parsed tree) against the plans.

        ``against`` restricts the comparison to those plans; otherwise ``province`` (given
        or recognised in the draft) restricts it to that province's plans; otherwise all
        plans are compared (differences between provinces may be normal: a warning says so).
        """
        t0 = time.perf_counter()
        tree = self._load(draft, province, year, title)
        warnings = list(_draft_warnings(tree))
        scope, prov, scope_warnings = self._scope(tree, province, against)
        warnings += scope_warnings
        draft_year = year or tree.meta.year
        title_ = title or tree.meta.title or "Dự thảo"
        d_items = extract_items(tree, include_front=True)
        if not d_items:
            raise ReviewError(
                "Dự thảo không có nội dung để rà soát. / The draft has no content to review."
            )
        findings = self._compare(d_items, scope, draft_year, title_, warnings)
        findings += self._internal(tree, d_items, title_)
        law_findings, laws = self._against_laws(d_items, title_, warnings)
        findings += law_findings
        report = ReviewReport(
            mode="review",
            doc_id=tree.doc_id,
            title=title_,
            province=prov,
            year=draft_year,
            compared_with=[d.doc_id for d in scope] + laws,
            items_checked=len(d_items),
            findings=_finish(findings),
            warnings=warnings,
        )
        report.took_ms = (time.perf_counter() - t0) * 1000
        return report

    def audit(self, doc_id: str) -> ReviewReport:
        """Check one plan of the corpus against itself."""
        t0 = time.perf_counter()
        corpus = self.corpus()
        if doc_id not in corpus:
            raise ReviewError(
                f"Không có văn bản '{doc_id}' / unknown document; có / known: {', '.join(corpus)}",
                status=404,
            )
        doc = corpus[doc_id]
        findings = self._internal(doc.tree, doc.items, doc.title)
        report = ReviewReport(
            mode="audit",
            doc_id=doc_id,
            title=doc.title,
            province=doc.province or None,
            year=doc.year,
            items_checked=len(doc.items),
            findings=_finish(findings),
        )
        report.took_ms = (time.perf_counter() - t0) * 1000
        return report

    def audit_all(self) -> list[ReviewReport]:
        return [self.audit(doc_id) for doc_id in self.corpus()]

    # ------------------------------------------------------------------ loading
    def _load(
        self,
        draft: str | Path | DocumentTree,
        province: str | None,
        year: int | None,
        title: str | None,
    ) -> DocumentTree:
        if isinstance(draft, DocumentTree):
            return draft
        if isinstance(draft, Path) or _looks_like_path(draft):
            text = read_draft_file(draft)
        else:
            text = draft
        return parse_draft(text, title=title, province=province, year=year)

    def _scope(
        self, tree: DocumentTree, province: str | None, against: Sequence[str] | None
    ) -> tuple[list[CorpusDoc], str | None, list[str]]:
        corpus = self.corpus()
        if against:
            unknown = [d for d in against if d not in corpus]
            if unknown:
                raise ReviewError(
                    f"Không có văn bản {', '.join(repr(u) for u in unknown)} / unknown "
                    f"document; có / known: {', '.join(corpus)}",
                    status=404,
                )
            docs = [corpus[d] for d in dict.fromkeys(against)]
            provs = {d.province for d in docs}
            return docs, (next(iter(provs)) if len(provs) == 1 else province), []
        known = self.provinces()
        if province:
            match = [p for p in known if fold(p) == fold(province.strip())]
            if not match:
                raise ReviewError(
                    f"Không có kế hoạch nào của tỉnh '{province}' / unknown province; "
                    f"có / known: {', '.join(known)}",
                    status=404,
                )
            return [d for d in corpus.values() if d.province == match[0]], match[0], []
        detected = self._detect_province(tree, known)
        if detected:
            docs = [d for d in corpus.values() if d.province == detected]
            return (
                docs,
                detected,
                [
                    f"Dự thảo được nhận diện là của tỉnh {detected}: chỉ so sánh với kế hoạch "
                    f"của tỉnh này (dùng --province/--against để chọn khác)."
                ],
            )
        return (
            list(corpus.values()),
            None,
            [
                "Chưa xác định tỉnh của dự thảo: đang so sánh với kế hoạch của tất cả các tỉnh; "
                "khác biệt giữa các tỉnh có thể là bình thường (dùng --province để chọn)."
            ],
        )

    @staticmethod
    def _detect_province(tree: DocumentTree, known: list[str]) -> str | None:
        from troly.retriever import ProvinceDetector

        if tree.meta.province and tree.meta.province in known:
            return tree.meta.province
        texts = [tree.meta.title]
        for sec in tree.iter_sections():
            texts += [sec.title, sec.text]
        texts += [t.content for t in tree.tasks]
        found = ProvinceDetector(known).detect("\n".join(texts))
        return found[0] if len(found) == 1 else None

    # ------------------------------------------------------------------ comparison
    def _compare(
        self,
        d_items: list[Item],
        scope: list[CorpusDoc],
        draft_year: int | None,
        draft_title: str,
        warnings: list[str],
    ) -> list[Finding]:
        idf = self.idf()
        by_doc = {d.doc_id: d for d in scope}
        c_items = [i for d in scope for i in d.items]
        c_match = [c for c in c_items if c.matchable]
        pairs: dict[tuple[str, str], _Pair] = {}

        # 1. lexical candidates (and retriever hits where nothing lexical is close)
        for d in d_items:
            if not d.matchable:
                continue
            scored = sorted(((*lexical_match(d, c, idf), c) for c in c_match), key=lambda x: -x[0])
            cands = [x for x in scored[:TOP_CANDIDATES] if x[0] >= LEX_CANDIDATE]
            for s, part, c in cands:
                pairs[(d.uid, c.uid)] = _Pair(d, c, s, part=part)
            if self.use_index and (not cands or cands[0][0] < DUPLICATE):
                for c in self._retrieve(d, scope, warnings):
                    if (d.uid, c.uid) not in pairs:
                        s, part = lexical_match(d, c, idf)
                        pairs[(d.uid, c.uid)] = _Pair(d, c, s, part=part, via="index")

        # 2. dense similarity for each draft item's best candidates
        if self.use_dense and pairs:
            self._add_dense(pairs, warnings)

        # 3. field comparison for the same task
        for p in pairs.values():
            if p.similarity >= SAME_TASK and p.d.task is not None and p.c.task is not None:
                shift = 0
                cy = by_doc[p.c.doc_id].year
                if draft_year and cy:
                    shift = draft_year - cy
                p.diffs += task_diffs(p.d, p.c, shift)

        # 4. numeric targets: the same indicator with another value
        d_sents = [(d, s) for d in d_items for s in d.sentences]
        c_sents = [(c, s) for c in c_items for s in c.sentences]
        for d, sa, c, sb, ma, mb, sim in measure_conflicts(d_sents, c_sents, idf):
            key = (d.uid, c.uid)
            if key not in pairs:
                pairs[key] = _Pair(d, c, weighted_dice(d.terms, c.terms, idf), via="indicator")
            pairs[key].values.append(_ValueDiff(sa, sb, ma, mb, sim))
        for p in pairs.values():
            for v in p.values:
                p.diffs.append(
                    FieldDiff(
                        "value",
                        v.ma.display,
                        v.mb.display,
                        detail=f"chỉ tiêu: {clip(v.ma.span, 80)}",
                    )
                )

        # 5. findings, per draft item
        findings: list[Finding] = []
        by_draft: dict[str, list[_Pair]] = {}
        for p in pairs.values():
            by_draft.setdefault(p.d.uid, []).append(p)
        for d in d_items:
            plist = sorted(by_draft.get(d.uid, []), key=lambda p: -p.similarity)
            findings += self._findings_for(d, plist, by_doc, draft_title)
        return findings

    def _findings_for(
        self, d: Item, plist: list[_Pair], by_doc: dict[str, CorpusDoc], draft_title: str
    ) -> list[Finding]:
        out: list[Finding] = []
        contra = [p for p in plist if p.contradictions]
        groups: dict[tuple[tuple[str, str], ...], list[_Pair]] = {}
        for p in contra:
            sig = tuple(sorted((f.field, f.corpus) for f in p.contradictions))
            groups.setdefault(sig, []).append(p)
        for group in groups.values():
            out.append(self._contradiction(d, group, by_doc, draft_title))
        if contra:
            return out
        dups = [
            p
            for p in plist
            if p.similarity >= DUPLICATE
            and (p.similarity >= STRICT_DUPLICATE or not _substituted(p.d, p.c))
        ]
        if dups:
            out.append(self._similar("duplicate", d, dups[:MAX_CITATIONS], by_doc, draft_title))
            return out
        near = [p for p in plist if p.similarity >= OVERLAP]
        if near:
            out.append(self._similar("overlap", d, near[:2], by_doc, draft_title))
        return out

    def _contradiction(
        self, d: Item, group: list[_Pair], by_doc: dict[str, CorpusDoc], draft_title: str
    ) -> Finding:
        p = group[0]
        doc = by_doc[p.c.doc_id]
        citations = [
            item_citation(q.c, by_doc[q.c.doc_id].title, n=k + 1, score=q.similarity)
            for k, q in enumerate(group[:MAX_CITATIONS])
        ]
        if p.values and not [f for f in p.contradictions if f.field != "value"]:
            v = p.values[0]
            where_b = f"{doc.label} ({p.c.location})"
            explanation = value_explanation(
                v.ma, v.mb, v.sa, v.sb, "dự thảo", where_b, internal=False
            )
            draft_excerpt = " ".join(dict.fromkeys(x.sa.text for x in p.values))
            corpus_excerpts = [
                " ".join(dict.fromkeys(x.sb.text for x in q.values)) or q.c.text
                for q in group[:MAX_CITATIONS]
            ]
        else:
            what = "Nhiệm vụ" if d.task is not None else "Nội dung"
            details = "; ".join(_describe(f) for f in p.contradictions)
            explanation = (
                f"{what} này trùng với {p.c.location} của {doc.label} (độ tương đồng "
                f"{p.similarity:.2f}) nhưng khác {_field_names(p.contradictions)}: {details}. "
                "Xin vui lòng kiểm tra lại."
            )
            draft_excerpt = d.text
            corpus_excerpts = [q.c.text for q in group[:MAX_CITATIONS]]
        similarity, scores = p.similarity, p.scores
        if p.values and p.similarity < SAME_TASK:
            # matched on the indicator, not on the whole text
            similarity = max(v.sim for v in p.values)
            scores = {**scores, "indicator": similarity}
        return Finding(
            kind="contradiction",
            explanation=explanation,
            draft=item_citation(d, draft_title),
            citations=citations,
            fields=list(p.diffs),
            similarity=similarity,
            scores=scores,
            draft_excerpt=draft_excerpt,
            corpus_excerpts=corpus_excerpts,
            order=d.order,
        )

    def _similar(
        self,
        kind: str,
        d: Item,
        plist: list[_Pair],
        by_doc: dict[str, CorpusDoc],
        draft_title: str,
    ) -> Finding:
        p = plist[0]
        doc = by_doc[p.c.doc_id]
        others = ""
        if len(plist) > 1:
            others = " và " + ", ".join(q.c.location for q in plist[1:])
        if kind == "duplicate":
            explanation = (
                f"Nội dung này gần như trùng với {p.c.location}{others} của {doc.label} "
                f"(độ tương đồng {p.similarity:.2f}); xin cân nhắc cập nhật kết quả, chỉ tiêu "
                "mới hoặc lược bỏ nếu không cần nhắc lại."
            )
        else:
            explanation = (
                f"Nội dung này tương tự một phần với {p.c.location} của {doc.label} "
                f"(độ tương đồng {p.similarity:.2f}); xin tham khảo để tránh trùng lặp."
            )
        notes = [f for f in p.diffs if f.grade == "note"]
        if notes:
            explanation = explanation[:-1] + f" Lưu ý: {'; '.join(_describe(f) for f in notes)}."
        return Finding(
            kind="duplicate" if kind == "duplicate" else "overlap",
            explanation=explanation,
            draft=item_citation(d, draft_title),
            citations=[
                item_citation(q.c, by_doc[q.c.doc_id].title, n=k + 1, score=q.similarity)
                for k, q in enumerate(plist)
            ],
            fields=notes,
            similarity=p.similarity,
            scores=p.scores,
            draft_excerpt=d.text,
            corpus_excerpts=[q.part or q.c.text for q in plist],
            order=d.order,
        )

    # ------------------------------------------------------------------ internal checks
    def _internal(self, tree: DocumentTree, items: list[Item], title: str) -> list[Finding]:
        idf = self.idf()
        out = duplicate_numbering(tree, title)
        out += reference_dates(tree, title)
        out += repeated_items(items, title, idf)
        sents = [(i, s) for i in items for s in i.sentences]
        merged: dict[tuple[str, str], list[Any]] = {}
        for ia, sa, ib, sb, ma, mb, sim in measure_conflicts(
            sents, sents, idf, INDICATOR_THRESHOLD, same_doc=True
        ):
            merged.setdefault((sa.sid, sb.sid), []).append((ia, sa, ib, sb, ma, mb, sim))
        for conflicts in merged.values():
            ia, sa, ib, sb, ma, mb, sim = conflicts[0]
            out.append(
                Finding(
                    kind="internal_contradiction",
                    explanation=value_explanation(
                        ma, mb, sa, sb, ia.location, ib.location, internal=True
                    ),
                    draft=item_citation(ia, title),
                    citations=[item_citation(ib, title, n=1, score=sim)],
                    fields=[
                        FieldDiff("value", x[4].display, x[5].display, detail=clip(x[4].span, 80))
                        for x in conflicts
                    ],
                    similarity=sim,
                    scores={"indicator": sim},
                    draft_excerpt=sa.text,
                    corpus_excerpts=[sb.text],
                    order=ia.order,
                )
            )
        return out

    # ------------------------------------------------------------------ laws
    def _has_laws(self) -> bool:
        from troly.index_store import IndexUnavailable

        try:
            store = self.services.store
            return store.exists() and store.count(SearchFilters(kind="article")) > 0
        except IndexUnavailable:
            return False

    def _against_laws(
        self, d_items: list[Item], draft_title: str, warnings: list[str]
    ) -> tuple[list[Finding], list[str]]:
        """Draft items against the law articles of the index (none when it holds none)."""
        if not self.use_index or not self._has_laws():
            return [], []
        from troly.embedding import EmbeddingError
        from troly.index_store import IndexUnavailable
        from troly.retriever import QueryError
        from troly.review.laws import law_findings

        flt = SearchFilters(kind="article")

        def search(text: str, k: int) -> list[Any]:
            return list(self.services.retriever.search(text, k=k, filters=flt))

        try:
            return law_findings(d_items, search, draft_title)
        except (IndexUnavailable, EmbeddingError, QueryError) as exc:
            warnings.append(f"Không so sánh được với văn bản pháp luật: {exc}")
            return [], []

    # ------------------------------------------------------------------ index & dense
    def _retrieve(self, d: Item, scope: list[CorpusDoc], warnings: list[str]) -> list[Item]:
        if self._index_state is None:
            self._index_state = self._check_index()
        if self._index_state != "ok":
            msg = self._index_state
            if msg not in warnings:
                warnings.append(msg)
            return []
        from troly.embedding import EmbeddingError
        from troly.index_store import IndexUnavailable
        from troly.retriever import QueryError

        docs = {c.doc_id: c for c in scope}
        provinces = sorted({c.province for c in scope if c.province})
        flt = SearchFilters(kind=None)
        if len(docs) == 1:
            flt.doc_id = next(iter(docs))
        elif provinces and len(docs) < len(self.corpus()):
            flt.province = "|".join(provinces)
        try:
            hits = self.services.retriever.search(d.match_text[:1500], k=RETRIEVER_K, filters=flt)
        except (IndexUnavailable, EmbeddingError, QueryError) as exc:
            self._index_state = f"Không dùng được chỉ mục tìm kiếm: {exc}"
            return []
        out: list[Item] = []
        for h in hits:
            doc = docs.get(h.chunk.doc_id)
            if doc is None:
                continue
            item = _item_for_chunk(
                doc, h.chunk.kind, h.chunk.task_id, h.chunk.location, h.chunk.text
            )
            if item is not None and item.matchable and item not in out:
                out.append(item)
        return out

    def _check_index(self) -> str:
        from troly.index_store import IndexUnavailable

        try:
            store = self.services.store
            if not store.exists() or store.count() == 0:
                return (
                    "Chỉ mục tìm kiếm đang trống (chạy `troly ingest`): chỉ so sánh trên "
                    "văn bản đã phân tích."
                )
        except IndexUnavailable as exc:
            return f"Không dùng được chỉ mục tìm kiếm ({exc}); chỉ so sánh trên văn bản."
        return "ok"

    def _add_dense(self, pairs: dict[tuple[str, str], _Pair], warnings: list[str]) -> None:
        from troly.embedding import EmbeddingError

        best: dict[str, list[_Pair]] = {}
        for p in pairs.values():
            best.setdefault(p.d.uid, []).append(p)
        chosen: list[_Pair] = []
        for plist in best.values():
            plist.sort(key=lambda p: -p.lexical)
            chosen += [
                p for p in plist[:DENSE_CANDIDATES] if DENSE_BAND[0] <= p.lexical < DENSE_BAND[1]
            ]
        if not chosen:
            return
        texts = {t for p in chosen for t in (p.d.match_text, p.part or p.c.match_text)}
        try:
            vecs = self._embed(sorted(texts))
        except EmbeddingError as exc:
            warnings.append(f"Không dùng được mô hình nhúng ({exc}); chỉ so sánh từ vựng.")
            self.use_dense = False
            return
        for p in chosen:
            p.dense = float(np.dot(vecs[p.d.match_text], vecs[p.part or p.c.match_text]))

    def _embed(self, texts: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            missing = [t for t in texts if t not in self._vectors]
        if missing:
            batch = self.services.settings.embedding.batch_size or 16
            for k in range(0, len(missing), batch):
                part = missing[k : k + batch]
                vecs = self.services.embedder.embed_queries([t[:2000] for t in part])
                with self._lock:
                    for t, v in zip(part, vecs, strict=True):
                        self._vectors[t] = np.asarray(v, dtype=np.float32)
        with self._lock:
            return {t: self._vectors[t] for t in texts}


# ---------------------------------------------------------------------- helpers


def lexical_match(d: Item, c: Item, idf: Idf) -> tuple[float, str]:
    """Lexical similarity of a draft item to a corpus item, and the corpus sentence that
    matched when a one-sentence draft item repeats one sentence of a longer paragraph."""
    best = weighted_dice(d.terms, c.terms, idf)
    part = ""
    if c.parts and not d.parts:
        for text, t in c.parts:
            s = weighted_dice(d.terms, t, idf)
            if s > best:
                best, part = s, text
    return best, part


def _item_for_chunk(
    doc: CorpusDoc, kind: str, task_id: str, location: str, text: str
) -> Item | None:
    if kind == "task":
        return next((i for i in doc.items if i.task is not None and i.task.id == task_id), None)
    body = " ".join(text.split())
    same = [
        i for i in doc.items if i.kind == "paragraph" and i.location.split(" (#")[0] == location
    ]
    inside = [i for i in same if " ".join(i.text.split())[:60] in body]
    pool = inside or same
    return max(pool, key=lambda i: i.size) if pool else None


def task_diffs(d: Item, c: Item, year_shift: int = 0) -> list[FieldDiff]:
    """Lead, partners and deadline differences between two records of the same task."""
    assert d.task is not None and c.task is not None
    a, b = d.task, c.task
    out: list[FieldDiff] = []
    if a.lead and b.lead:
        only_a, only_b = agency_diff(a.lead, b.lead)
        if only_a or only_b:
            out.append(
                FieldDiff(
                    "lead",
                    a.lead_text or ", ".join(a.lead),
                    b.lead_text or ", ".join(b.lead),
                    detail=_only(only_a, only_b),
                )
            )
    if a.partners and b.partners:
        only_a, only_b = agency_diff(a.partners, b.partners)
        if only_a or only_b:
            generic = all(is_generic_agency(x) for x in only_a + only_b)
            out.append(
                FieldDiff(
                    "partners",
                    a.partners_text or ", ".join(a.partners),
                    b.partners_text or ", ".join(b.partners),
                    detail=_only(only_a, only_b)
                    + ("; chỉ khác các nhóm cơ quan chung" if generic else ""),
                    grade="note" if generic else "contradiction",
                )
            )
    if a.deadline.strip() and b.deadline.strip():
        verdict = compare_deadlines(a.deadline, b.deadline, year_shift)
        if verdict == "different":
            out.append(FieldDiff("deadline", a.deadline, b.deadline))
        elif verdict == "year_only":
            out.append(
                FieldDiff("deadline", a.deadline, b.deadline, detail="chỉ khác năm", grade="note")
            )
        elif verdict == "partial":
            out.append(
                FieldDiff(
                    "deadline",
                    a.deadline,
                    b.deadline,
                    detail="cùng mốc thời gian, một bên ghi thêm",
                    grade="note",
                )
            )
        elif verdict == "unknown" and fold(a.deadline).strip(" .") != fold(b.deadline).strip(" ."):
            out.append(
                FieldDiff(
                    "deadline",
                    a.deadline,
                    b.deadline,
                    detail="cách ghi khác nhau, không so sánh được tự động",
                    grade="note",
                )
            )
    return out


def _only(only_a: list[str], only_b: list[str]) -> str:
    parts = []
    if only_a:
        parts.append("chỉ dự thảo có: " + ", ".join(only_a))
    if only_b:
        parts.append("chỉ kế hoạch có: " + ", ".join(only_b))
    return "; ".join(parts)


def _describe(f: FieldDiff) -> str:
    label = f.label.lower() if f.field != "value" else "chỉ tiêu"
    extra = f" ({f.detail})" if f.detail and f.field in ("lead", "partners", "deadline") else ""
    return f"{label} dự thảo ghi «{clip(f.draft, 80)}», kế hoạch ghi «{clip(f.corpus, 80)}»{extra}"


def _field_names(diffs: list[FieldDiff]) -> str:
    names = list(dict.fromkeys(f.label.lower() for f in diffs))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def _draft_warnings(tree: DocumentTree) -> list[str]:
    return [
        f"Phân tích dự thảo: {w}" for w in tree.warnings if not w.startswith("duplicate number")
    ]


def _finish(findings: list[Finding]) -> list[Finding]:
    findings.sort(key=lambda f: f.sort_key())
    for k, f in enumerate(findings, 1):
        f.id = f"F{k:03d}"
    return findings


__all__ = ["CorpusDoc", "DocumentError", "ReviewError", "Reviewer", "task_diffs"]
