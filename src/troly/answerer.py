"""Grounded answers with citations, or a polite refusal.

``Answerer.ask(question, history=None, filters=None) -> Answer``. The default is
extractive — no LLM — and routes each question by intent:

* **list**: "Sở Nội vụ Phú Yên chủ trì những nhiệm vụ nào?", "việc nào phải xong trong
  Quý I/2024?", "nhóm Cải cách thể chế có bao nhiêu nhiệm vụ?" → answered from the task
  records (every matching row, counted, each cited), not from top-k chunks;
* **comparison**: "So sánh … giữa Phú Yên và Hà Tĩnh", "tỉnh nào …" → evidence per
  province, side by side, saying plainly when a plan has no such content;
* **task**: "Ai chủ trì …, bao giờ xong?" → the best task record, its fields verbatim;
* **section**: the most relevant sentences, verbatim, with their section;
* **refusal** when the plans do not support an answer: a province or year the corpus
  does not hold, a figure the plans never give, personal legal advice, off-topic.

Follow-ups ("còn Hà Tĩnh thì sao?", "ai phối hợp?", "thời hạn?") are resolved against
the previous turn. With ``settings.llm.enabled`` an OpenAI-compatible model rewrites
the answer from the same evidence; a faithfulness guard checks it (see :mod:`troly.llm`).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from troly.composer import (
    Evidence,
    best_sentences,
    content_terms,
    coverage,
    describe_task,
    describe_task_short,
    figures,
    plan_name,
    quote,
    section_answer,
    specificity,
)
from troly.documents.agencies import AGENCY_ALIASES, agency_key, agency_matches
from troly.index_store import IndexStore
from troly.retriever import Retriever, validate_question
from troly.schema import Answer, Chunk, Citation, SearchFilters, SearchResult
from troly.text import clean_ws, fold

log = logging.getLogger(__name__)

# Vietnam's provinces and centrally-run cities (before the 2025 merger), for telling a
# province the corpus does not hold from a topic word.
ALL_PROVINCES = [
    "An Giang",
    "Bà Rịa - Vũng Tàu",
    "Bắc Giang",
    "Bắc Kạn",
    "Bạc Liêu",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Định",
    "Bình Dương",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cần Thơ",
    "Cao Bằng",
    "Đà Nẵng",
    "Đắk Lắk",
    "Đắk Nông",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Dương",
    "Hải Phòng",
    "Hậu Giang",
    "Hòa Bình",
    "Hưng Yên",
    "Khánh Hòa",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lâm Đồng",
    "Lạng Sơn",
    "Lào Cai",
    "Long An",
    "Nam Định",
    "Nghệ An",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thừa Thiên Huế",
    "Tiền Giang",
    "Hồ Chí Minh",
    "Trà Vinh",
    "Tuyên Quang",
    "Vĩnh Long",
    "Vĩnh Phúc",
    "Yên Bái",
]

FIELD_PATTERNS = {
    "partners": re.compile(r"phoi hop"),
    "lead": re.compile(
        r"\bai (chu tri|lam|thuc hien|phu trach|dam nhiem|dam nhan|trien khai|to chuc|xay dung)"
        r"|(co quan|don vi|so|ben) nao (chu tri|lam|thuc hien|phu trach|dam nhiem|trien khai)"
        r"|do (ai|co quan nao|don vi nao)|chu tri la ai|\bchu tri\b"
    ),
    "deadline": re.compile(
        r"bao gio|khi nao|thoi han|han chot|luc nao|thoi gian (thuc hien|hoan thanh)"
        r"|\bhan\b|xong|hoan thanh (vao|truoc|trong|khi)|nam nao|quy nao|thang nao"
    ),
    "product": re.compile(r"san pham|ket qua (la|gi)"),
    "budget": re.compile(r"kinh phi|bao nhieu tien|ty dong|trieu dong|du toan"),
}
FIELD_WORDS = frozenset(
    [
        "thoi",
        "han",
        "gian",
        "hoan",
        "thanh",
        "thuc",
        "hien",
        "xong",
        "chot",
        "co",
        "quan",
        "don",
        "vi",
        "phoi",
        "hop",
        "chu",
        "tri",
        "san",
        "pham",
        "kinh",
        "phi",
        "ket",
        "qua",
        "ai",
        "nao",
        "bao",
        "gio",
        "luc",
        "khi",
    ]
)
LIST_CUE = re.compile(
    r"nhung (nhiem vu|viec|hoat dong|san pham|noi dung)|(nhiem vu|viec|hoat dong) nao"
    r"|bao nhieu (nhiem vu|viec|hoat dong)|phai lam (gi|nhung)|lam nhung|liet ke|gom (nhung|nhieu)"
    r"|chu tri nhung|co may (nhiem vu|viec)|nhiem vu cua|cac nhiem vu"
)
COMPARE_CUE = re.compile(r"so sanh|khac nhau|giong nhau|tinh nao|ca hai|\bdeu\b|\bgiua\b|hon\b")
NUMBER_CUE = re.compile(r"bao nhieu|\bmay\b|phan tram|thu may|ty le (la|dat) bao")
LEGAL_CUE = re.compile(
    r"\b(toi|minh|em|chau|nha toi|gia dinh toi)\b.*\b(bi phat|bi xu phat|khieu nai|khoi kien"
    r"|kien|tu van|bi thu hoi|tranh chap|ly hon|thua ke)\b|\bkhieu nai\b|\bphat nguoi\b"
)
OFFTOPIC_CUE = re.compile(
    r"thoi tiet|gia vang|ty gia|bong da|xo so|chung khoan|gia xang|nau an|du lich (o|tai)"
    r"|luong co so|can cuoc|ho chieu|dang ky xe|giay phep lai xe|so dien thoai|duong day nong"
    r"|\bten (la )?gi|ho ten"
)
PLAN_YEAR = re.compile(r"(ke hoach|cchc|cai cach hanh chinh)( nha nuoc)?( nam)? ((?:19|20)\d{2})")
FOLLOWUP_CUE = re.compile(r"^(con|the con|vay|the|con lai)\b|thi sao\??$|the nao\??$")
QUARTER = re.compile(r"quy\s+(i{1,3}|iv)\s*(?:[/,]|nam)?\s*,?\s*(?:nam\s+)?(20\d{2})")
MONTH = re.compile(r"thang\s+(\d{1,2})\s*(?:/|nam)\s*(20\d{2})")


# Share of a question's topic words the chosen evidence must contain (calibrated on the
# answerable and unanswerable questions of eval/gold.jsonl; see the issue notes).
SUPPORT_THRESHOLD = 0.35


@dataclass
class Turn:
    """What a previous turn resolved to: its province(s), task and topic."""

    question: str
    provinces: list[str] = field(default_factory=list)
    task_chunk: Chunk | None = None
    topic_chunk: Chunk | None = None


@dataclass
class Draft:
    text: str
    evidence: Evidence
    refused: bool = False
    intent: str = ""
    turn: Turn | None = None
    support: float = 0.0


def deadline_periods(text: str) -> set[str]:
    """Quarters and months a deadline names: "Quý I/2024" → {"Q1/2024"}, "Tháng 01/2025"
    → {"M1/2025"}; "Quý II, III/2025" → {"Q2/2025", "Q3/2025"}."""
    f = fold(text)
    out: set[str] = set()
    roman = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
    for m in re.finditer(
        r"quy\s+((?:i{1,3}|iv)(?:\s*,\s*(?:i{1,3}|iv))*)\s*(?:[/,]|nam)?\s*,?\s*(?:nam\s+)?(20\d{2})",
        f,
    ):
        for q in re.split(r"\s*,\s*", m.group(1)):
            out.add(f"Q{roman[q]}/{m.group(2)}")
    for m in MONTH.finditer(f):
        out.add(f"M{int(m.group(1))}/{m.group(2)}")
    return out


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
        self.provinces = provinces
        self.plans = plans  # province → years of the plans held
        self.llm = llm
        self.max_question_chars = max_question_chars
        self._tasks: list[Chunk] | None = None
        self.threshold = SUPPORT_THRESHOLD
        self._agency_aliases = sorted(
            {fold(k): v for k, v in AGENCY_ALIASES.items()}.items(), key=lambda kv: -len(kv[0])
        )
        corpus = {fold(p) for p in provinces}
        self._other_provinces = [p for p in ALL_PROVINCES if fold(p) not in corpus]

    # -- public ------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: list[Any] | None = None,
        filters: SearchFilters | None = None,
    ) -> Answer:
        t0 = time.perf_counter()
        q = validate_question(question, self.max_question_chars)
        draft = self._answer(q, self._history_questions(history), filters)
        answer = self._finish(question, draft)
        if self.llm is not None and not draft.refused and draft.evidence.chunks:
            answer = self.llm.rewrite(answer, draft.evidence.chunks) or answer
        answer.took_ms = (time.perf_counter() - t0) * 1000
        return answer

    def stream(
        self,
        question: str,
        history: list[Any] | None = None,
        filters: SearchFilters | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Events: delta (text pieces), citations, done (the full answer)."""
        answer = self.ask(question, history, filters)
        for piece in re.split(r"(?<=[.\n])\s*(?=\S)", answer.answer):
            if piece:
                yield {"type": "delta", "text": piece + ("" if piece.endswith("\n") else " ")}
        yield {"type": "citations", "citations": [c.to_dict() for c in answer.citations]}
        yield {"type": "done", "answer": answer.to_dict()}

    def invalidate(self) -> None:
        """Forget cached task records (call after an ingest)."""
        self._tasks = None
        self.__dict__.pop("_years_cache", None)

    # -- plumbing ----------------------------------------------------------------------
    @staticmethod
    def _history_questions(history: list[Any] | None) -> list[str]:
        out: list[str] = []
        for h in history or []:
            if isinstance(h, str):
                out.append(h)
            elif isinstance(h, dict) and h.get("question"):
                out.append(str(h["question"]))
            elif isinstance(h, dict) and h.get("role") == "user" and h.get("content"):
                out.append(str(h["content"]))
        return [clean_ws(x) for x in out if clean_ws(x)]

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

    def tasks(self) -> list[Chunk]:
        if self._tasks is None:
            self._tasks = self.store.chunks(SearchFilters(kind="task"))
        return self._tasks

    def _search(
        self, q: str, filters: SearchFilters | None, k: int = 8, province: str | None = None
    ) -> list[SearchResult]:
        flt = replace(filters) if filters else SearchFilters()
        if province:
            flt.province = province
        return self.retriever.search(q, k=k, filters=flt)

    # -- routing -----------------------------------------------------------------------
    def _answer(self, q: str, history: list[str], filters: SearchFilters | None) -> Draft:
        fq = fold(q)
        named = self.retriever.provinces.detect(q)
        if filters and filters.province:
            named = named or [p for p in filters.province.split("|") if p]

        if history and self._is_followup(q, fq, named):
            resolved = self._resolve_followup(q, fq, named, history, filters)
            if resolved is not None:
                return resolved

        refusal = self._scope_refusal(q, fq, named)
        if refusal is not None:
            return refusal

        focus = self._field(fq)
        if LIST_CUE.search(fq) or re.search(r"\bnhom\b.*\bbao nhieu\b", fq):
            listed = self._list_answer(q, fq, named, filters)
            if listed is not None and not listed.refused:
                return listed
            if listed is not None:
                # no task row matches: prose sections may still answer ("Sở Nội vụ Phú Thọ
                # tham mưu …" — that plan has no task table)
                single = self._single(q, fq, named, filters, focus)
                return listed if single.refused else single
        if len(named) >= 2 or (COMPARE_CUE.search(fq) and "tinh nao" in fq):
            return self._comparison(q, fq, named, filters, focus)
        return self._single(q, fq, named, filters, focus)

    @staticmethod
    def _field(fq: str) -> str | None:
        for name, pat in FIELD_PATTERNS.items():
            if pat.search(fq):
                return name
        return None

    # -- scope -------------------------------------------------------------------------
    def _coverage_text(self) -> str:
        plans = "; ".join(
            f"tỉnh {p} năm {', '.join(str(y) for y in sorted(self.plans.get(p, [])))}"
            for p in self.provinces
        )
        return f"Hệ thống hiện có kế hoạch cải cách hành chính của: {plans}."

    def _refuse(self, reason: str, channel: str | None = None, intent: str = "refusal") -> Draft:
        channel = channel or (
            "Quý vị vui lòng tra cứu thêm trên Cổng thông tin điện tử hoặc Cổng dịch vụ công "
            "của tỉnh, hoặc liên hệ Sở Nội vụ (cơ quan thường trực về cải cách hành chính)."
        )
        text = f"Xin lỗi, {reason} {self._coverage_text()} {channel}"
        return Draft(text=text, evidence=Evidence(), refused=True, intent=intent)

    def _scope_refusal(self, q: str, fq: str, named: list[str]) -> Draft | None:
        if LEGAL_CUE.search(fq):
            return self._refuse(
                "trợ lý chỉ trả lời về nội dung các kế hoạch cải cách hành chính, không tư vấn "
                "pháp lý cho trường hợp cụ thể.",
                "Để được hướng dẫn giải quyết hoặc khiếu nại, quý vị vui lòng liên hệ Bộ phận "
                "một cửa nơi giải quyết hồ sơ, Thanh tra tỉnh, hoặc gửi phản ánh, kiến nghị "
                "qua Cổng dịch vụ công quốc gia (dichvucong.gov.vn).",
                "refusal_legal",
            )
        if OFFTOPIC_CUE.search(fq):
            return self._refuse(
                "câu hỏi này nằm ngoài nội dung các kế hoạch cải cách hành chính mà trợ lý "
                "đang quản lý, nên trợ lý không có thông tin để trả lời.",
                intent="refusal_offtopic",
            )
        if not named:
            others = [p for p in self._other_provinces if re.search(rf"\b{fold(p)}\b", fq)]
            if others:
                return self._refuse(
                    f"hệ thống chưa có kế hoạch cải cách hành chính của {others[0]}, nên không "
                    "thể trả lời câu hỏi này.",
                    intent="refusal_province",
                )
        plan_years = {int(m.group(4)) for m in PLAN_YEAR.finditer(fq)}
        for p in named:
            held = set(self.plans.get(p, []))
            # a year the province's plans do not hold and never mention ("Kế hoạch CCHC
            # năm 2025" is a task inside Quảng Ngãi's 2024 plan, so that one is answerable)
            asked = plan_years - held - self._years_mentioned(p)
            if asked:
                y = sorted(asked)[0]
                return self._refuse(
                    f"hệ thống không có kế hoạch cải cách hành chính năm {y} của tỉnh {p}.",
                    intent="refusal_year",
                )
        return None

    def _years_mentioned(self, province: str) -> set[int]:
        if not hasattr(self, "_years_cache"):
            cache: dict[str, set[int]] = {}
            for c in self.store.chunks():
                years = {int(y) for y in re.findall(r"(?<!\d)(20[0-3]\d)(?!\d)", c.text)}
                cache.setdefault(c.province, set()).update(years)
            self._years_cache = cache
        return self._years_cache.get(province, set())

    # -- follow-ups --------------------------------------------------------------------
    def _is_followup(self, q: str, fq: str, named: list[str]) -> bool:
        terms = content_terms(q, self.provinces)
        # "Thời hạn hoàn thành là khi nào?", "Cơ quan nào phối hợp?": only field words
        field_only = self._field(fq) is not None and (
            len(terms) <= 3 or all(t in FIELD_WORDS for t in terms)
        )
        return bool(
            FOLLOWUP_CUE.search(fq.strip())
            or field_only
            or (named and len(terms) <= 2)
            or len(terms) <= 1
        )

    def _resolve_followup(
        self,
        q: str,
        fq: str,
        named: list[str],
        history: list[str],
        filters: SearchFilters | None,
    ) -> Draft | None:
        prev_q = history[-1]
        prev = self._answer(prev_q, history[:-1], filters)
        turn = prev.turn
        if turn is None:
            return None
        focus = self._field(fq)
        if named and set(named) != set(turn.provinces):
            # "còn Hà Tĩnh thì sao?" → the previous question, about the new province
            base = turn.question
            for p in turn.provinces:
                base = re.sub(re.escape(p), named[0], base, flags=re.IGNORECASE)
                base = re.sub(re.escape(fold(p)), named[0], base, flags=re.IGNORECASE)
            if not self.retriever.provinces.detect(base):
                base = f"{base} ở tỉnh {named[0]}"
            draft = self._answer(base, [], filters)
            draft.intent = f"followup:{draft.intent}"
            return draft
        if focus and turn.task_chunk is not None:
            ev = Evidence()
            n = ev.mark(turn.task_chunk)
            text = describe_task(turn.task_chunk, n, focus=focus)
            return Draft(text, ev, intent="followup:task", turn=turn, support=prev.support)
        merged = f"{turn.question} {q}"
        draft = self._answer(merged, [], filters)
        draft.intent = f"followup:{draft.intent}"
        return draft

    # -- lists -------------------------------------------------------------------------
    def agencies_in(self, q: str) -> list[str]:
        """Canonical agency names a question mentions (longest alias first)."""
        fq = f" {re.sub(r'[^0-9a-z&]+', ' ', fold(q))} "
        found: list[str] = []
        taken = fq
        for alias, canonical in self._agency_aliases:
            a = re.sub(r"[^0-9a-z&]+", " ", alias).strip()
            if len(a) < 4:
                continue
            if f" {a} " in taken:
                if canonical not in found:
                    found.append(canonical)
                taken = taken.replace(f" {a} ", " # ")
        return found

    def _groups(self, rows: list[Chunk]) -> list[str]:
        return list(dict.fromkeys(c.fields.get("group", "") for c in rows if c.fields.get("group")))

    def _list_answer(
        self, q: str, fq: str, named: list[str], filters: SearchFilters | None
    ) -> Draft | None:
        rows = self.tasks()
        if named:
            rows = [c for c in rows if c.province in named]
        if filters and filters.doc_id:
            rows = [c for c in rows if c.doc_id == filters.doc_id]
        constraints: list[str] = []
        agencies = self.agencies_in(q)
        role = "partners" if "phoi hop" in fq and "chu tri" not in fq else "lead"
        if agencies:
            a = agencies[0]
            key = agency_key(a)
            rows = [
                c
                for c in rows
                if any(agency_key(x) == key or agency_matches(a, x) for x in getattr(c, role))
            ]
            constraints.append(f"{a} {'phối hợp' if role == 'partners' else 'chủ trì'}")
        periods = deadline_periods(q)
        if periods:
            rows = [c for c in rows if periods & deadline_periods(c.deadline)]
            constraints.append(
                f"có thời gian thực hiện {', '.join(_period_label(p) for p in periods)}"
            )
        elif "thuong xuyen" in fq:
            rows = [c for c in rows if "thuong xuyen" in fold(c.deadline)]
            constraints.append("có thời gian thực hiện “Thường xuyên”")
        group = self._match_group(fq, rows)
        if group:
            rows = [c for c in rows if c.fields.get("group") == group]
            constraints.append(f"thuộc nhóm “{group}”")
        if not constraints:
            return None
        if not rows:
            scope = f" của tỉnh {', '.join(named)}" if named else ""
            return Draft(
                f"Trong các kế hoạch{scope} hiện có, không tìm thấy nhiệm vụ nào "
                f"{' và '.join(constraints)}. {self._coverage_text()}",
                Evidence(),
                refused=True,
                intent="list_empty",
            )
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
                parts.append(f"{i}. {describe_task_short(c, n)} — {c.location}")
        turn = Turn(q, named, rows[0] if len(rows) == 1 else None)
        return Draft("\n".join(parts), ev, intent="list", turn=turn, support=1.0)

    def _match_group(self, fq: str, rows: list[Chunk]) -> str | None:
        best: tuple[float, str] | None = None
        for g in self._groups(rows or self.tasks()):
            title = re.sub(r"^[ivx]+\.\s*", "", fold(g)).strip()
            title = re.sub(r"^\d+\.\s*", "", title)
            words = [w for w in re.findall(r"[0-9a-z]+", title) if w not in {"va", "cac"}]
            if len(words) < 2:
                continue
            qwords = set(re.findall(r"[0-9a-z]+", fq))
            share = sum(1 for w in words if w in qwords) / len(words)
            if (title in fq or share >= 0.8) and (best is None or share * len(words) > best[0]):
                best = (share * len(words), g)
        return best[1] if best else None

    # -- single-province answers -------------------------------------------------------
    def _single(
        self,
        q: str,
        fq: str,
        named: list[str],
        filters: SearchFilters | None,
        focus: str | None,
    ) -> Draft:
        results = self._search(q, filters)
        terms = content_terms(q, self.provinces)
        want_figure = bool(NUMBER_CUE.search(fq))
        draft = self._compose(q, results, terms, focus, want_figure)
        if draft is None:
            where = f" của tỉnh {', '.join(named)}" if named else ""
            return self._refuse(
                f"các kế hoạch{where} hiện có không nêu thông tin để trả lời câu hỏi này.",
                intent="refusal_unsupported",
            )
        draft.turn = draft.turn or Turn(q, named)
        if not draft.turn.provinces:
            draft.turn.provinces = named or [results[0].chunk.province] if results else named
        return draft

    def _compose(
        self,
        q: str,
        results: list[SearchResult],
        terms: list[str],
        focus: str | None,
        want_figure: bool,
        threshold: float | None = None,
    ) -> Draft | None:
        threshold = self.threshold if threshold is None else threshold
        if not results:
            return None
        chunks = [r.chunk for r in results]
        picked = best_sentences(chunks[:8], terms, want_figure)
        if want_figure:
            picked = [p for p in picked if p.has_figure] or picked
        sentence_cov = picked[0].coverage if picked else 0.0
        # A task record answers "who/when/what product" questions, and any question its
        # row covers at least as well as the best prose sentence does.
        tasks = [c for c in chunks[:3] if c.kind == "task"]
        task = None
        if tasks:
            cov = {c.id: coverage(terms, c.fields.get("content", "") + " " + c.text) for c in tasks}
            spec = {c.id: specificity(terms, c.fields.get("content", "")) for c in tasks}
            best = max(tasks, key=lambda c: (cov[c.id] + 0.3 * spec[c.id], -chunks.index(c)))
            margin = 0.15 if focus else 0.0
            if cov[best.id] >= threshold and cov[best.id] + margin >= sentence_cov:
                task = best
        if task is not None and want_figure:
            if focus == "budget" and not figures(task.fields.get("budget", "")):
                return None  # "bao nhiêu tiền?" — the row gives no amount
            if focus is None and not figures(task.fields.get("content", "")):
                task = None  # a "how many" question: look for a sentence with the figure
        if task is not None:
            ev = Evidence()
            n = ev.mark(task)
            return Draft(
                describe_task(task, n, focus=focus),
                ev,
                intent="task",
                turn=Turn(q, [task.province], task_chunk=task),
                support=cov[task.id],
            )
        if not picked or picked[0].coverage < threshold:
            return None
        if want_figure and not any(p.has_figure for p in picked):
            return None
        ev = Evidence()
        text = section_answer(picked, ev)
        top = picked[0].chunk
        return Draft(
            text,
            ev,
            intent="section",
            turn=Turn(q, [top.province], topic_chunk=top),
            support=picked[0].coverage,
        )

    # -- comparisons -------------------------------------------------------------------
    def _comparison(
        self,
        q: str,
        fq: str,
        named: list[str],
        filters: SearchFilters | None,
        focus: str | None,
    ) -> Draft:
        provinces = named or list(self.provinces)
        base = q
        for p in self.provinces:
            base = re.sub(re.escape(p), " ", base, flags=re.IGNORECASE)
        terms = content_terms(base, self.provinces)
        want_figure = (
            bool(
                NUMBER_CUE.search(fq) or re.search(r"cao hon|thap hon|muc tieu|chi tieu|ty le", fq)
            )
            and focus is None
        )
        ev = Evidence()
        lines: list[str] = []
        found = 0
        supports: list[float] = []
        first_chunk: Chunk | None = None
        for p in provinces:
            results = self._search(base, filters, k=6, province=p)
            draft = self._compose(base, results, terms, focus, want_figure, threshold=0.45)
            if draft is None:
                lines.append(f"- Tỉnh {p}: kế hoạch hiện có không nêu nội dung này.")
                continue
            found += 1
            supports.append(draft.support)
            text = draft.text
            for i, c in enumerate(draft.evidence.chunks, start=1):
                n = ev.mark(c)
                text = text.replace(f"[{i}]", f"[#{n}]")
                first_chunk = first_chunk or c
            lines.append(f"- Tỉnh {p}: {text.replace('[#', '[')}")
        if not found:
            return self._refuse(
                "các kế hoạch hiện có không nêu thông tin để so sánh theo câu hỏi này.",
                intent="refusal_unsupported",
            )
        head = "So sánh theo các kế hoạch hiện có:"
        return Draft(
            "\n".join([head, *lines]),
            ev,
            intent="comparison",
            turn=Turn(q, provinces, topic_chunk=first_chunk),
            support=max(supports),
        )


def _period_label(p: str) -> str:
    kind, rest = p[0], p[1:]
    num, year = rest.split("/")
    if kind == "Q":
        return f"Quý {['I', 'II', 'III', 'IV'][int(num) - 1]}/{year}"
    return f"Tháng {int(num):02d}/{year}"


__all__ = ["Answerer", "deadline_periods", "quote"]
