"""The answerer: question → analysis → evidence → composition (or a refusal).

``Answerer.ask(question, history=None, filters=None, audience=None) -> Answer``. The
default is extractive (no LLM):

* **list**: "Sở Nội vụ Phú Yên chủ trì những nhiệm vụ nào?", "việc nào phải xong trong
  Quý I/2024?" (periods compared as time ranges) → every matching task row, counted;
* **agency role**: "Sở Tài chính có trách nhiệm gì?" → the prose sections about the
  agency (Tổ chức thực hiện) and the rows it leads, together;
* **comparison**: evidence per province, side by side;
* otherwise the best task row or the best sentences, one per part of a multi-part
  question, verbatim with their section;
* **refusal** when the plans do not support an answer, with a referral that fits the
  topic (:mod:`troly.answerer.refusal`).

The scope (provinces, years, kinds) comes from the index (:mod:`troly.answerer.scope`)
and is refreshed by :meth:`Answerer.invalidate` after every ingest or upload. Every
answer carries ``context["explain"]``: why each sentence was chosen, or why it refused.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from troly.answerer import docinfo
from troly.answerer.analysis import (
    ALL_PROVINCES,
    COMPARE_CUE,
    DONE_BY,
    NUMBER_CUE,
    PRODUCT_NAMES,
    Analysis,
    analyse,
    either_role,
    period_label,
    product_asked,
    yearless_periods,
)
from troly.answerer.compose import (
    Draft,
    Turn,
    explain_sentences,
    first_quote,
    plain_lead,
    sentences_draft,
)
from troly.answerer.evidence import (
    ROLE_CUE,
    WEB_ADDRESS,
    accents_of,
    agencies_in,
    agency_sections,
    best_with_address,
    lead_names,
    match_group,
    pick_sentences,
    plan_level_sentences,
    question_terms,
    row_groups,
    rows_by_agency,
    rows_by_deadline_event,
    rows_in_periods,
    rows_on_topic,
    starts_with_agency,
    with_addresses_beside,
)
from troly.answerer.followup import history_questions, is_followup, new_topic, swap_province
from troly.answerer.items import item_parent, items_text, items_under, section_items
from troly.answerer.legal import legal_route
from troly.answerer.ranker import load_ranker
from troly.answerer.refusal import (
    missing_plan_year,
    names_plan_of_year,
    refusal_text,
    scope_refusal,
)
from troly.answerer.rowchoice import RowDecision, decide, load_row_choice, row_features
from troly.answerer.scope import CorpusScope
from troly.composer import (
    YEAR,
    Evidence,
    coverage,
    describe_task,
    describe_task_short,
    figures,
    plan_name,
    quote,
    row_context,
    specificity,
    task_field,
)
from troly.gloss import MIN_PHRASES as GLOSS_MIN_PHRASES
from troly.gloss import gloss
from troly.index_store import IndexStore
from troly.retriever import ProvinceDetector, Retriever, validate_question
from troly.schema import Answer, Chunk, Citation, SearchFilters, SearchResult
from troly.text import fold, has_diacritics, spell_out, split_run_together

log = logging.getLogger(__name__)

ROLE_LABELS = {"lead": "chủ trì", "partners": "phối hợp", "either": "chủ trì hoặc phối hợp"}

# Share of a question's topic words the chosen evidence must contain, calibrated on the
# answerable and unanswerable questions of the dev split (see eval/GOLD.md): every cut
# from 0.28 to 0.35 gives the best dev refusal F1 (0.941, no answerable question refused),
# 0.36 refuses 4 answerable ones; the middle of that range is taken, not its edge.
SUPPORT_THRESHOLD = 0.315


class Answerer:
    def __init__(
        self,
        retriever: Retriever,
        store: IndexStore,
        provinces: list[str],
        plans: dict[str, list[int]],
        llm: Any = None,
        max_question_chars: int = 2000,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self._fallback_scope = CorpusScope.from_manifest(plans)
        self.llm = llm
        self.max_question_chars = max_question_chars
        self._tasks: list[Chunk] | None = None
        self._leads: dict[tuple[tuple[str, ...], str], dict[str, str]] = {}
        self._scope: CorpusScope | None = None
        self._scope_count: int | None = None
        self._sections: list[Chunk] | None = None
        self._heads: dict[str, list[Chunk]] | None = None
        self.threshold = SUPPORT_THRESHOLD
        self.ranker = load_ranker()  # sentence relevance learned on the dev split
        self.row_choice = load_row_choice()  # row or prose, learned on the dev splits
        # when a list, every row-or-prose decision is appended (scripts/train_row_choice.py)
        self.decision_log: list[RowDecision] | None = None

    # -- scope -------------------------------------------------------------------------
    def scope(self) -> CorpusScope:
        """Provinces, plan years and kinds the index holds. Cached; rebuilt after
        :meth:`invalidate` and whenever the index's point count changes (an upload or
        ingest through any path, or another process)."""
        try:
            count: int | None = self.store.count()
        except Exception:
            count = None
        if count != self._scope_count:
            self._scope = None
            self._tasks = None
            self._sections = None
            self._heads = None
            self._scope_count = count
        if self._scope is None:
            try:
                scope = CorpusScope.from_chunks(self.store.chunks())
            except Exception as exc:  # no index yet: what the manifest promises
                log.info("scope from the manifest (%s)", type(exc).__name__)
                scope = self._fallback_scope
            if not scope.plans:  # no plan indexed (e.g. laws only): keep the kinds held
                scope = replace(self._fallback_scope, kinds=scope.kinds)
            self._scope = scope
            # a plan uploaded for a new province is recognised in questions from now on
            self.retriever.provinces = ProvinceDetector(scope.provinces)
        return self._scope

    @property
    def provinces(self) -> list[str]:
        return self.scope().provinces

    @property
    def plans(self) -> dict[str, list[int]]:
        return self.scope().by_province()

    def invalidate(self) -> None:
        """Forget cached task records and scope (call after an ingest or upload)."""
        self._tasks = None
        self._sections = None
        self._heads = None
        self._scope = None
        self._scope_count = None

    # -- public ------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: list[Any] | None = None,
        filters: SearchFilters | None = None,
        audience: str | None = None,
    ) -> Answer:
        """An answer; ``audience="citizen"`` puts one plain sentence before the quote."""
        t0 = time.perf_counter()
        # "tổ chứcbộ máy": syllables typed together are split before anything reads them
        typed = split_run_together(validate_question(question, self.max_question_chars))
        # "Sở Tài chíhn", "hài lòg": an accented syllable the index never holds is mended
        # to the one a letter away that its neighbours make likely — in the earlier
        # turns too, which a follow-up re-reads
        said = [typed, *(split_run_together(h) for h in history_questions(history))]
        # the accent model of what the index holds (fetched once: it checks the index's
        # size), only when something is typed with diacritics
        restorer = self.retriever.restorer() if any(has_diacritics(t) for t in said) else None
        q, *earlier = [restorer.correct(t) if restorer and has_diacritics(t) else t for t in said]
        mended = [f"typing slips mended: “{typed}” → “{q}”"] if q != typed else []
        self.scope()
        legal = self._legal(q, history, filters)
        if legal is not None:
            legal.took_ms = (time.perf_counter() - t0) * 1000
            legal.context["explain"] = [*mended, *legal.context.get("explain", [])]
            return legal
        with accents_of([q, *earlier], restorer.accent_keys if restorer else None):
            draft = self._answer(q, earlier, filters)
        draft.explain[:0] = mended
        draft.lead = plain_lead(q, draft)
        answer = self._finish(question, draft)
        if self.llm is not None and not draft.refused and draft.evidence.chunks:
            answer = self.llm.rewrite(answer, draft.evidence.chunks) or answer
        if audience == "citizen" and draft.lead and not answer.refused:
            answer.answer = f"{draft.lead}\n{answer.answer}"
        answer.took_ms = (time.perf_counter() - t0) * 1000
        return answer

    def stream(
        self,
        question: str,
        history: list[Any] | None = None,
        filters: SearchFilters | None = None,
        audience: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Events: delta (text pieces), citations, done (the full answer)."""
        answer = self.ask(question, history, filters, audience)
        # pieces end after a sentence or a line; joined, they are the answer exactly
        for m in re.finditer(r".+?(?:[.\n]\s*|$)", answer.answer, re.S):
            if m.group():
                yield {"type": "delta", "text": m.group()}
        yield {"type": "citations", "citations": [c.to_dict() for c in answer.citations]}
        yield {"type": "done", "answer": answer.to_dict()}

    def _legal(
        self, q: str, history: list[Any] | None, filters: SearchFilters | None
    ) -> Answer | None:
        """A legal question when the index holds laws: the retrieval ranks an article
        first (or the caller asked for articles) and no province is named. The answer
        quotes the governing khoản/điểm (:func:`troly.legal_answer.answer_legal`)."""
        if "article" not in self.scope().kinds or history:
            return None
        if filters and filters.kind not in (None, "article"):
            return None
        return legal_route(q, self.retriever, filters)

    # -- plumbing ----------------------------------------------------------------------
    def _finish(self, question: str, draft: Draft) -> Answer:
        cites = [
            Citation(
                n=i,
                doc_id=c.doc_id,
                title=c.title,
                location=c.location,
                kind=c.kind,
                text=c.text,
                chunk_id=c.id,
            )
            for i, c in enumerate(draft.evidence.chunks, start=1)
        ]
        turn = draft.turn
        context: dict[str, Any] = {"support": round(draft.support, 3)}
        if turn is not None:
            context |= {
                "provinces": turn.provinces,
                "task_chunk_id": turn.task_chunk.id if turn.task_chunk else None,
            }
        context["explain"] = [f"intent: {draft.intent}", *draft.explain]
        if draft.lead:
            context["lead"] = draft.lead
        return Answer(
            question=question,
            answer=draft.text,
            refused=draft.refused,
            citations=cites,
            id=uuid.uuid4().hex,
            mode="extractive",
            intent=draft.intent,
            context=context,
        )

    def sections(self) -> list[Chunk]:
        if self._sections is None:
            self._sections = self.store.chunks(SearchFilters(kind="section"))
        return self._sections

    def tasks(self) -> list[Chunk]:
        if self._tasks is None:
            self._tasks = self.store.chunks(SearchFilters(kind="task"))
            self._leads = {}
        return self._tasks

    def _lead_names(self, a: Analysis, filters: SearchFilters | None) -> dict[str, str]:
        """Lead agencies of the rows of the plans a question is about (the provinces it
        names, or the document filter), cached with the rows."""
        rows = self.tasks()
        doc = filters.doc_id if filters and filters.doc_id else ""
        key = (tuple(sorted(a.provinces)), doc)
        if key not in self._leads:
            if a.provinces:
                rows = [c for c in rows if c.province in a.provinces]
            if doc:
                rows = [c for c in rows if c.doc_id in doc.split("|")]
            self._leads[key] = lead_names(rows) if (a.provinces or doc) else {}
        return self._leads[key]

    def _search(
        self, q: str, filters: SearchFilters | None, k: int = 8, province: str | None = None
    ) -> list[SearchResult]:
        flt = replace(filters) if filters else SearchFilters()
        if province:
            flt.province = province
        return self.retriever.search(q, k=k, filters=flt)

    def _refuse(self, reason: str, question: str, intent: str = "refusal") -> Draft:
        return Draft(
            text=refusal_text(reason, self.scope(), question),
            evidence=Evidence(),
            refused=True,
            intent=intent,
            explain=[f"refused ({intent}): {reason}"],
        )

    # -- routing -----------------------------------------------------------------------
    def _answer(self, q: str, history: list[str], filters: SearchFilters | None) -> Draft:
        named = self.retriever.provinces.detect(q)
        if filters and filters.province:
            named = named or [p for p in filters.province.split("|") if p]
        a = analyse(q, named)

        if history and is_followup(q, named, self.provinces):
            resolved = self._resolve_followup(q, a, history, filters)
            if resolved is not None:
                return resolved

        if a.english:
            return self._english(q, filters)

        corpus = {fold(p) for p in self.provinces}
        others = [p for p in ALL_PROVINCES if fold(p) not in corpus]
        decision = scope_refusal(a, self.scope(), others)
        if decision is not None:
            return self._refuse(decision.reason, q, decision.intent)

        about_document = self._document_info(q, a, filters)
        if about_document is not None:
            return about_document
        draft = self._route(q, a, filters)
        return self._check_year(q, a, draft)

    def _document_heads(self) -> dict[str, list[Chunk]]:
        """The first section chunks of each plan (its header), by document; cached with
        the sections."""
        if self._heads is None:
            self._heads = docinfo.document_heads(self.sections())
        return self._heads

    def _document_info(self, q: str, a: Analysis, filters: SearchFilters | None) -> Draft | None:
        """A question about a plan as a document: its number, date, signer, issuer
        (:mod:`troly.answerer.docinfo`), for each plan the question names."""
        if not (filters and filters.doc_id) and not a.provinces:
            return None
        if not docinfo.may_ask(q):
            return None
        heads = self._document_heads()
        years = docinfo.years_named(q)
        if filters and filters.doc_id:
            docs = [d for d in filters.doc_id.split("|") if d in heads]
        else:
            named = {fold(p) for p in a.provinces}
            docs = [
                p.doc_id
                for p in self.scope().plans
                if fold(p.province) in named and p.doc_id in heads
            ]
        # a year named must be a plan's year ("Năm 2025 Bình Phước ban hành kế hoạch
        # CCHC ngày nào?" with only the 2024 plan held): the year check decides
        docs = [d for d in docs if not years or heads[d][0].year in years]
        if not docs:
            return None
        ev = Evidence()
        lines: list[str] = []
        explain: list[str] = []
        named_words = [w for p in a.provinces for w in fold(p).split()]
        order = {fold(p): i for i, p in enumerate(a.provinces)}
        docs.sort(key=lambda d: order.get(fold(heads[d][0].province), len(order)))
        found = False
        for doc in docs:
            head = heads[doc]
            wanted = docinfo.asked_fields(q, docinfo.title_words(head) + named_words)
            if not wanted:
                return None  # about something the plan holds, not about the document
            text = docinfo.describe(head, wanted, ev, docinfo.basis_kinds(q))
            explain.append(f"{doc}: asks {wanted} of the document: its header")
            lines.append(text or docinfo.not_stated(head, wanted))
            found = found or bool(text)
        capital = [x[:1].upper() + x[1:] for x in lines]
        if not found:  # what was asked is written in none of the documents
            return self._refuse(" ".join([lines[0], *capital[1:]]), q, "refusal_unsupported")
        text = capital[0] if len(capital) == 1 else "\n".join(f"- {x}" for x in capital)
        return Draft(
            text,
            ev,
            intent="document",
            turn=Turn(q, a.provinces),
            support=1.0,
            explain=explain,
        )

    def _route(self, q: str, a: Analysis, filters: SearchFilters | None) -> Draft:
        if a.is_list:
            listed = self._list_answer(q, a, filters)
            if listed is not None and not listed.refused:
                return listed
            if listed is not None:
                # no task row matches: prose sections may still answer
                single = self._single(q, a, filters)
                return listed if single.refused else single
        agencies = agencies_in(q, self._lead_names(a, filters))
        if agencies and ROLE_CUE.search(a.folded) and not a.is_comparison:
            role = self._agency_role(q, a, agencies[0], filters)
            if role is not None:
                return role
        if a.is_comparison:
            return self._comparison(q, a, filters, agencies)
        return self._single(q, a, filters)

    def _check_year(self, q: str, a: Analysis, draft: Draft) -> Draft:
        """A plan year the index does not hold: answer only from evidence that names the
        year, and say which plan answers; otherwise refuse (the same rule everywhere)."""
        missing = missing_plan_year(a, self.scope())
        if missing is None or (draft.refused and draft.intent != "refusal_unsupported"):
            return draft
        province, year = missing
        if not draft.refused and names_plan_of_year(draft.text, year):
            held = ", ".join(str(y) for y in self.scope().years_of(province))
            draft.text = (
                f"Hệ thống chưa có kế hoạch cải cách hành chính năm {year} của tỉnh "
                f"{province}; nội dung dưới đây theo kế hoạch năm {held} của tỉnh, có nêu "
                f"năm {year}.\n{draft.text}"
            )
            draft.explain.append(f"plan year {year} not held for {province}: evidence names it")
            return draft
        return self._refuse(
            f"hệ thống không có kế hoạch cải cách hành chính năm {year} của tỉnh {province}.",
            q,
            "refusal_year",
        )

    # -- English -----------------------------------------------------------------------
    def _english(self, q: str, filters: SearchFilters | None) -> Draft:
        """An English question: the assistant works in Vietnamese. Read through the
        administrative glossary (:mod:`troly.gloss`), it is answered as a Vietnamese
        question, saying how it was read. When the gloss finds too little, the closest
        passage is shown (dense retrieval is multilingual) rather than claim the plans lack
        it; when the reading is understood but not answered, the same passage comes with a
        refusal that says the answer was not found under that reading."""
        named = self.retriever.provinces.detect(q)
        reading, used = gloss(q, province_named=bool(named))
        unanswered = False
        if used >= GLOSS_MIN_PHRASES:
            if named:
                reading += " của " + " và ".join(f"tỉnh {p}" for p in named)
            draft = self._answer(reading, [], filters)
            if not draft.refused:
                draft.text = (
                    "Trợ lý làm việc bằng tiếng Việt; câu hỏi tiếng Anh được tra theo các từ "
                    f"khóa tiếng Việt: “{reading}”. (The assistant works in Vietnamese; your "
                    f"question was searched with the Vietnamese keywords “{reading}”; the "
                    f"answer quotes the plan in Vietnamese.)\n{draft.text}"
                )
                draft.intent = f"english:{draft.intent}"
                draft.explain.insert(0, f"English question read through the glossary: {reading}")
                return draft
            # the reading is understood (enough glossary phrases) and not answered: as
            # for the same question in Vietnamese, a refusal — still with the closest
            # passage, and saying it was not found, not that the plans lack it
            unanswered = True
        note = (
            "Trợ lý làm việc bằng tiếng Việt; xin vui lòng đặt câu hỏi bằng tiếng Việt. "
            "(The assistant works in Vietnamese; please ask in Vietnamese.)"
        )
        if unanswered:
            note = (
                f"Trợ lý làm việc bằng tiếng Việt; câu hỏi được tra theo các từ khóa tiếng "
                f"Việt “{reading}” nhưng không tìm thấy thông tin trả lời trong các kế hoạch. "
                "Xin vui lòng đặt câu hỏi bằng tiếng Việt. (The assistant works in "
                f"Vietnamese; searched with the Vietnamese keywords “{reading}”, it found no "
                "answer in the plans. Please ask in Vietnamese.)"
            )
        results = self.retriever.search(q, k=3, filters=filters, mode="dense")
        if not results:
            return Draft(note, Evidence(), refused=True, intent="english")
        top = results[0].chunk
        ev = Evidence()
        n = ev.mark(top)
        first = quote(top.text.split("\n")[0], 400)
        text = (
            f"{note}\nĐoạn gần nhất với câu hỏi trong {plan_name(top)} ({top.location}) / "
            f"the closest passage: “{first}” [{n}]."
        )
        return Draft(
            text,
            ev,
            intent="english",
            turn=Turn(q, [top.province], topic_chunk=top),
            refused=unanswered,
            explain=[
                *([f"English question read as “{reading}”: not answered"] if unanswered else []),
                "English question: closest passage by dense (multilingual) similarity",
            ],
        )

    # -- follow-ups --------------------------------------------------------------------
    def _resolve_followup(
        self, q: str, a: Analysis, history: list[str], filters: SearchFilters | None
    ) -> Draft | None:
        prev = self._answer(history[-1], history[:-1], filters)
        turn = prev.turn
        if turn is None:
            return None
        named = a.provinces
        if named and set(named) != set(turn.provinces):
            base = swap_province(
                turn.question, turn.provinces, named[0], self.retriever.provinces.detect
            )
            draft = self._answer(base, [], filters)
            draft.intent = f"followup:{draft.intent}"
            return draft
        topic = new_topic(q, self.provinces)
        if topic is not None:
            # "thế còn <a topic of its own> thì khi nào …?": that question, in the plans
            # the previous turn was about; read with the previous question if unanswered
            scoped = f"{topic} (tỉnh {', '.join(turn.provinces)})" if turn.provinces else topic
            draft = self._answer(scoped, [], filters)
            if not draft.refused:
                draft.intent = f"followup:{draft.intent}"
                draft.explain.insert(0, f"follow-up opens its own topic: asked as “{scoped}”")
                return draft
        if a.focus and turn.task_chunk is not None:
            ev = Evidence()
            n = ev.mark(turn.task_chunk)
            text = describe_task(turn.task_chunk, n, focus=a.focus)
            # "giải nhất được bao nhiêu tiền?" about a row without the field asked: the
            # answer says the plan does not give it — a refusal, with the row named
            asked = a.fields or [a.focus]  # "kinh phí bao nhiêu và khi nào xong?": both
            missing = not any(task_field(turn.task_chunk, f) for f in asked)
            return Draft(
                text,
                ev,
                intent="followup:task",
                turn=turn,
                support=prev.support,
                refused=missing,
                explain=[f"follow-up asks the {', '.join(asked)} of the previous row: not given"]
                if missing
                else [],
            )
        draft = self._answer(f"{turn.question} {q}", [], filters)
        passage = turn.topic_chunk
        if draft.refused and not prev.refused and passage is not None and a.focus:
            # "còn hạn chót thì sao?" after a prose answer: the previous question's words
            # dilute the support of the joined one; the passage that answered it holds
            # the field asked ("… gửi về UBND tỉnh (qua Sở Nội vụ) trước ngày 31/01/2025")
            picked = [
                s
                for s in pick_sentences([passage], [q], self.provinces, False, ranker=self.ranker)
                if s.coverage > 0
            ]
            if picked:
                draft = sentences_draft(picked[:1])
                draft.turn = turn
                draft.explain.insert(
                    0, f"follow-up asks the {a.focus} of the previous answer's passage"
                )
        draft.intent = f"followup:{draft.intent}"
        return draft

    # -- lists -------------------------------------------------------------------------
    def _list_answer(self, q: str, a: Analysis, filters: SearchFilters | None) -> Draft | None:
        rows = self.tasks()
        named = a.provinces
        if named:
            rows = [c for c in rows if c.province in named]
        if filters and filters.doc_id:
            rows = [c for c in rows if c.doc_id == filters.doc_id]
        constraints: list[str] = []
        fq = a.folded
        agencies = agencies_in(q)
        from_rows = not agencies  # named only by the plans' own rows, not the alias table
        agencies = agencies or agencies_in(q, self._lead_names(a, filters))
        # the role said: "chủ trì", "phối hợp", "do Sở X làm"
        either = either_role(fq)  # "tham gia", "chủ trì hoặc phối hợp": led or joined
        explicit = "chu tri" in fq or "phoi hop" in fq or either or bool(DONE_BY.search(fq))
        if a.lists_products and not explicit:
            agencies = []
        role = "partners" if "phoi hop" in fq and "chu tri" not in fq else "lead"
        if either:
            role = "either"
        joined: dict[str, str] = {}  # row id → the agency's role, when it only joins it
        if agencies:
            rows = rows_by_agency(rows, agencies[0], role)
            constraints.append(f"{agencies[0]} {ROLE_LABELS[role]}")
            if role == "either":
                led = {c.id for c in rows_by_agency(rows, agencies[0], "lead")}
                joined = {c.id: f"{agencies[0]} phối hợp" for c in rows if c.id not in led}
        periods = a.periods
        if not periods:
            # "phải xong trong quý II": the year the question names, or the one plan's
            named_years = {int(y) for y in re.findall(r"\b(20\d{2})\b", fq)}
            periods = yearless_periods(fq, named_years or {c.year for c in rows if c.year})
        if periods:
            rows = rows_in_periods(rows, periods)
            labels = ", ".join(period_label(p) for p in sorted(periods))
            constraints.append(f"có thời gian thực hiện trong {labels}")
        elif "thuong xuyen" in fq:
            rows = [c for c in rows if "thuong xuyen" in fold(c.deadline)]
            constraints.append("có thời gian thực hiện “Thường xuyên”")
        else:
            rows, event = rows_by_deadline_event(rows, fq)
            if event:
                constraints.append(f"có thời gian thực hiện {event}")
        group = match_group(fq, rows or self.tasks(), fold(spell_out(q)))
        if group:
            rows = [c for c in rows if group in row_groups(c)]
            constraints.append(f"thuộc nhóm “{group}”")
        noun = product_asked(fq) if a.lists_products else None
        if noun in PRODUCT_NAMES and constraints:
            # "những quyết định nào … trong quý I?": of the rows due then, the decisions
            # ("dự án" is any task: no filter)
            rows = [c for c in rows if noun in fold(c.fields.get("content") or c.text)]
            constraints.insert(0, f"là {PRODUCT_NAMES[noun]}")
        if not constraints:
            # "những quyết định nào về …": products named by their topic are the single
            # answer's business (rows sharing a topic's words are not the same decision)
            return None if a.lists_products else self._topic_list(q, a, rows, filters)
        one_plan = len(named) == 1 or bool(filters and filters.doc_id)
        if agencies and len(constraints) == 1 and not explicit and one_plan and not a.is_comparison:
            # "Sở X (tỉnh Y) có nhiệm vụ gì / được giao những việc gì?" without "chủ trì": its
            # duties are the plan's section about it (with a pointer to the rows it leads)
            duties = self._agency_role(q, a, agencies[0], filters)
            if duties is not None:
                return duties
        if not rows and agencies and from_rows:
            return None  # a row's agency merely mentioned ("qua bưu điện tỉnh"): the prose
        if not rows:
            scope = f" của tỉnh {', '.join(named)}" if named else ""
            return Draft(
                f"Trong các kế hoạch{scope} hiện có, không tìm thấy nhiệm vụ nào "
                f"{' và '.join(constraints)}. {self.scope().coverage_text()}",
                Evidence(),
                refused=True,
                intent="list_empty",
                explain=[f"no task row matches: {'; '.join(constraints)}"],
            )
        return self._list_draft(q, named, rows, constraints, joined)

    def _topic_list(
        self, q: str, a: Analysis, rows: list[Chunk], filters: SearchFilters | None
    ) -> Draft | None:
        """A list question naming no agency, period or group: when the single answer is a
        task row (the plan answers it with rows, not prose), that row and the others on
        the same topic (:func:`rows_on_topic`); otherwise the single answer itself (what
        the routing would give next: no agency is named, it is no comparison), or None
        when that is a refusal."""
        if not a.provinces or a.want_figure or a.is_comparison:
            return None  # "gồm mấy nội dung?", "nhóm 3 giảm bao nhiêu?": a figure, not rows
        single = self._single(q, a, filters)
        top = single.turn.task_chunk if single.intent == "task" and single.turn else None
        found = rows_on_topic(rows, question_terms(q, self.provinces), self.threshold, q)
        if top is None or top.id not in {c.id for c in found}:
            return None if single.refused else single
        draft = self._list_draft(q, a.provinces, found, ["liên quan đến nội dung được hỏi"])
        draft.explain = [f"task rows on the question's topic → {len(found)} rows"]
        return draft

    def _list_draft(
        self,
        q: str,
        named: list[str],
        rows: list[Chunk],
        constraints: list[str],
        roles: dict[str, str] | None = None,
    ) -> Draft:
        """The rows, plan by plan, each cited; ``roles`` notes a row's role of the agency
        asked about where the row's own lead does not show it ("Sở Nội vụ phối hợp")."""
        ev = Evidence()
        by_plan: dict[str, list[Chunk]] = {}
        for c in rows:
            by_plan.setdefault(c.doc_id, []).append(c)
        parts: list[str] = []
        for plan_rows in by_plan.values():
            head = plan_rows[0]
            parts.append(
                f"Theo {plan_name(head)}, có {len(plan_rows)} nhiệm vụ {' và '.join(constraints)}:"
            )
            for i, c in enumerate(plan_rows, start=1):
                n = ev.mark(c)
                role = f" ({roles[c.id]})" if roles and c.id in roles else ""
                parts.append(f"{i}. {describe_task_short(c, n)}{role} — {c.location}")
        turn = Turn(q, named, rows[0] if len(rows) == 1 else None)
        return Draft(
            "\n".join(parts),
            ev,
            intent="list",
            turn=turn,
            support=1.0,
            explain=[f"task rows filtered by: {'; '.join(constraints)} → {len(rows)} rows"],
        )

    # -- agency roles ------------------------------------------------------------------
    def _agency_role(
        self, q: str, a: Analysis, agency: str, filters: SearchFilters | None
    ) -> Draft | None:
        """Duties of an agency: the prose sections about it and the rows it leads."""
        chunks = self.sections()
        if a.provinces:
            chunks = [c for c in chunks if c.province in a.provinces]
        if filters and filters.doc_id:
            chunks = [c for c in chunks if c.doc_id == filters.doc_id]
        sections = agency_sections(chunks, agency)
        if not sections:
            return None
        ev = Evidence()
        lines: list[str] = []
        first = sections[0]
        parent = item_parent(first)
        items = (
            items_under(self.sections(), first.doc_id, parent)
            if parent and starts_with_agency(parent[-1], agency)
            else []
        )
        if len(items) >= 2:
            # the items a), b), … under the agency's own heading: all of them
            lines += items_text(first, items, ev)
        else:
            for c in sections[:2]:
                n = ev.mark(c)
                body = quote(" ".join(s.strip() for s in c.text.split("\n") if s.strip()), 900)
                lines.append(f"Theo {plan_name(c)} (mục {c.location}): “{body}” [{n}].")
        quoted = {c.doc_id for c in ev.chunks}
        led = rows_by_agency([r for r in self.tasks() if r.doc_id in quoted], agency, "lead")
        if led:
            lines.append(
                f"Ngoài ra, phụ lục giao {agency} chủ trì {len(led)} nhiệm vụ "
                f"(hỏi “{agency} chủ trì những nhiệm vụ nào?” để xem danh sách)."
            )
        return Draft(
            "\n".join(lines),
            ev,
            intent="agency_role",
            turn=Turn(q, [sections[0].province], topic_chunk=sections[0]),
            support=1.0,
            explain=[
                f"agency-role question about {agency}: {len(sections)} prose section(s) "
                f"name it ({', '.join(c.location for c in sections[:3])}); it leads {len(led)} rows"
            ],
        )

    # -- single-province answers -------------------------------------------------------
    def _single(self, q: str, a: Analysis, filters: SearchFilters | None) -> Draft:
        results = self._search(q, filters)
        draft = self._compose(q, a, results, a.focus, a.want_figure)
        named = a.provinces
        if draft is None:
            where = f" của tỉnh {', '.join(named)}" if named else ""
            d = self._refuse(
                f"các kế hoạch{where} hiện có không nêu thông tin để trả lời câu hỏi này.",
                q,
                "refusal_unsupported",
            )
            d.explain.append(self._why_unsupported(q, results))
            return d
        draft.turn = draft.turn or Turn(q, named)
        draft.turn.question = q
        if not draft.turn.provinces:
            draft.turn.provinces = named or ([results[0].chunk.province] if results else named)
        return draft

    def _why_unsupported(self, q: str, results: list[SearchResult]) -> str:
        if not results:
            return "no passage retrieved"
        terms = question_terms(q, self.provinces)
        best = max(coverage(terms, r.chunk.text) for r in results[:8])
        return (
            f"best passage covers {best:.2f} of the topic words {terms[:8]} "
            f"(threshold {self.threshold:.2f})"
        )

    def _compose(
        self,
        q: str,
        a: Analysis,
        results: list[SearchResult],
        focus: str | None,
        want_figure: bool,
        threshold: float | None = None,
    ) -> Draft | None:
        threshold = self.threshold if threshold is None else threshold
        if not results:
            return None
        provinces = self.provinces
        terms = question_terms(q, provinces)
        chunks = [r.chunk for r in results]
        plan_years = {str(c.year) for c in chunks[:8] if c.year}
        if terms and set(terms) <= plan_years:
            # The only topic word is the plan's year, which is the document's metadata, not
            # its text: the question is about the plan as a whole (the scope check has
            # already made sure the index holds that province and year).
            plan_level = plan_level_sentences(chunks, q, provinces, self.ranker)
            if plan_level:
                draft = sentences_draft(plan_level)
                draft.support = 1.0
                draft.explain.insert(
                    0, f"topic words {terms} name only the plan's year: its best passage"
                )
                return draft
        parts = a.parts if len(a.parts) > 1 else [q]
        years = [t for t in terms if YEAR.match(t)]
        if years and len(plan_years) == 1 and set(years) <= plan_years and len(terms) > len(years):
            # Every passage retrieved is of the plan of the year asked: the year is the
            # document's metadata, a sentence need not repeat it to answer.
            terms = [t for t in terms if t not in years]
            cut = re.compile(r"(?<!\d)(?:" + "|".join(years) + r")(?!\d)")
            parts = [cut.sub(" ", fold(p)) for p in parts]
        picked = pick_sentences(chunks[:8], parts, provinces, want_figure, ranker=self.ranker)
        if want_figure:
            picked = [p for p in picked if p.has_figure] or picked
        if a.want_url and not any(WEB_ADDRESS.search(p.text) for p in picked):
            # "vào trang web nào?": the passage giving the address answers it
            address = best_with_address(chunks[:8], terms, self.ranker)
            if address is not None and address.coverage >= threshold:
                picked = [address, *picked]
        if a.want_url:
            picked = with_addresses_beside(picked, terms, len(parts) > 1)
        listed = section_items(q, a.folded, chunks[:3], terms, self.sections())
        if listed is not None:
            return listed
        sentence_cov = picked[0].coverage if picked else 0.0
        # the sentences alone support no answer: too little of the question, or no figure
        # for a "how many" question
        sentences_fail = (
            not picked
            or max(p.coverage for p in picked) < threshold
            or (want_figure and not any(p.has_figure for p in picked))
        )
        # A task record answers a question its row covers (at least the support
        # threshold) when the row-or-prose decision (troly.answerer.rowchoice) says so.
        tasks = [c for c in chunks[:3] if c.kind == "task"]
        task = None
        row_why = ""
        cov: dict[str, float] = {}
        if tasks:
            cov = {c.id: coverage(terms, c.fields.get("content", "") + " " + c.text) for c in tasks}
            spec = {c.id: specificity(terms, c.fields.get("content", "")) for c in tasks}
            best = max(tasks, key=lambda c: (cov[c.id] + 0.3 * spec[c.id], -chunks.index(c)))
            # a row whose field asked for is empty ("lấy từ nguồn nào?" — no budget
            # cell) does not answer the field
            row_x = row_features(
                row_coverage=cov[best.id],
                row_specificity=spec[best.id],
                sentence_coverage=sentence_cov,
                answers_focus=focus is not None and bool(task_field(best, focus)),
                no_focus=focus is None,
                multi_part=len(parts) > 1,
                row_rank=chunks.index(best),
                sentence_score=picked[0].score if picked else 0.0,
                sentence_in_a_row=bool(picked) and picked[0].chunk.kind == "task",
            )
            row_p, why, guarded = decide(
                self.row_choice,
                row_x,
                has_sentence=bool(picked),
                own_sentence=bool(picked) and picked[0].chunk.id == best.id,
            )
            if cov[best.id] >= threshold:
                if self.decision_log is not None:
                    self.decision_log.append(
                        RowDecision(q, best, list(picked), row_x, row_p, why, guarded)
                    )
                row_why = (
                    f"task row {best.doc_id} › {best.location}: coverage {cov[best.id]:.2f}, "
                    f"best sentence {sentence_cov:.2f}; {why}"
                )
                # which to quote, not whether to answer: a row the model passes over
                # still answers when the sentences alone would be a refusal
                if row_p >= 0.5:
                    task = best
                elif sentences_fail:
                    task = best
                    row_why += "; the sentences alone do not support an answer"
        if task is not None and want_figure:
            if focus == "budget" and not figures(task.fields.get("budget", "")):
                return None  # "bao nhiêu tiền?" — the row gives no amount
            if focus is None and not figures(task.fields.get("content", "")):
                task = None  # a "how many" question: look for a sentence with the figure
                row_why += "; the row gives no figure"
        if task is not None:
            ev = Evidence()
            n = ev.mark(task)
            return Draft(
                describe_task(task, n, focus=focus),
                ev,
                intent="task",
                turn=Turn(q, [task.province], task_chunk=task),
                support=cov[task.id],
                explain=[f"{row_why}: the row" + (f", asks for {focus}" if focus else "")],
            )
        if sentences_fail:
            return None
        draft = sentences_draft(picked)
        draft.turn = Turn(q, [picked[0].chunk.province], topic_chunk=picked[0].chunk)
        draft.explain = explain_sentences(picked)
        if row_why:
            draft.explain.append(f"{row_why}: the sentences, not the row")
        top = picked[0].chunk
        if top.kind == "task":
            context = row_context(top, draft.evidence.mark(top), draft.text)
            if context:
                draft.text += "\n" + context
                draft.explain.append(f"quoted a task row: its fields added ({top.location})")
        if len(parts) > 1:
            draft.explain.insert(0, f"multi-part question: {parts}")
        return draft

    # -- comparisons -------------------------------------------------------------------
    def _comparison(
        self, q: str, a: Analysis, filters: SearchFilters | None, agencies: list[str]
    ) -> Draft:
        """Each province's answer side by side; ``agencies`` are those the question names
        (as :meth:`_route` found them)."""
        provinces = a.provinces or list(self.provinces)
        fq = a.folded
        base = self.retriever.provinces.without(q)  # however typed ("ha tinh", "Ha Tĩnh")
        want_figure = (
            bool(
                NUMBER_CUE.search(fq) or re.search(r"cao hon|thap hon|muc tieu|chi tieu|ty le", fq)
            )
            and a.focus is None
        )
        ba = analyse(base, [])
        ev = Evidence()
        lines: list[str] = []
        explain: list[str] = []
        found = 0
        supports: list[float] = []
        first_chunk: Chunk | None = None
        role_of = agencies[0] if agencies and ROLE_CUE.search(fq) else None
        drafts: dict[str, Draft | None] = {}
        for p in provinces:
            draft = None
            if role_of:
                # "Vai trò của Sở Nội vụ ở Phú Yên và Phú Thọ?": each plan's section on
                # the agency's duties, as a single-province question gets
                draft = self._agency_role(q, replace(a, provinces=[p]), role_of, filters)
            if draft is None:
                results = self._search(base, filters, k=6, province=p)
                # the same calibrated support threshold as a single-province answer (a
                # stricter 0.45 here refused provinces whose plan does answer)
                draft = self._compose(base, ba, results, a.focus, want_figure)
            drafts[p] = draft
        # the passage of a plan the question's words did not retrieve may be found with
        # the words another plan answers in: before saying a plan is silent, it is
        # searched again with the question and the quote of the best-supported answer
        # (the first such, in the question's order); what is found must still support
        # the question itself (the same threshold)
        quoted = [(p, d, first_quote(d.text)) for p in provinces if (d := drafts[p]) is not None]
        quoted = [x for x in quoted if x[2]]
        source = max(quoted, key=lambda x: x[1].support) if quoted else None
        if source is not None:
            name, _, said = source
            wider = f"{base} {quote(said, 300)}"[: self.max_question_chars]
            for p in provinces:
                if drafts[p] is None:
                    results = self._search(wider, filters, k=6, province=p)
                    again = self._compose(base, ba, results, a.focus, want_figure)
                    if again is not None:
                        again.explain.insert(0, f"found with the words of {name}'s answer")
                    drafts[p] = again
        for p in provinces:
            draft = drafts[p]
            if draft is None:
                lines.append(f"- Tỉnh {p}: kế hoạch hiện có không nêu nội dung này.")
                explain.append(
                    f"{p}: no passage reaches coverage {self.threshold:.2f}"
                    + (f", also searched with the words of {source[0]}'s answer" if source else "")
                )
                continue
            found += 1
            supports.append(draft.support)
            explain += [f"{p}: {x}" for x in draft.explain]
            text = draft.text
            for i, c in enumerate(draft.evidence.chunks, start=1):
                n = ev.mark(c)
                text = text.replace(f"[{i}]", f"[#{n}]")
                first_chunk = first_chunk or c
            lines.append(f"- Tỉnh {p}: {text.replace('[#', '[')}")
        if not found:
            return self._refuse(
                "các kế hoạch hiện có không nêu thông tin để so sánh theo câu hỏi này.",
                q,
                "refusal_unsupported",
            )
        head = "So sánh theo các kế hoạch hiện có:"
        return Draft(
            "\n".join([head, *lines]),
            ev,
            intent="comparison",
            turn=Turn(q, provinces, topic_chunk=first_chunk),
            support=max(supports),
            explain=explain,
        )


__all__ = ["COMPARE_CUE", "Answerer"]
