"""Optional LLM answers through any OpenAI-compatible endpoint, guarded for faithfulness.

The extractive answer is always computed first; when ``settings.llm.enabled`` the model
is asked to answer from the same numbered sources. Its [n] markers are parsed back to
citations, and every sentence is checked: the numbers, dates and agency names it states
must occur in the sources it cites. Failing sentences are dropped; if too little
survives, or the endpoint errs or times out, the extractive answer stands (with a log
line) — never an error to the user.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from troly.composer import plan_name
from troly.documents.agencies import AGENCY_ALIASES
from troly.prompts import Prompts
from troly.schema import Answer, Chunk, Citation
from troly.settings import LLMSettings
from troly.text import fold

log = logging.getLogger(__name__)

MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*\s*%?")
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4}")
_QUARTER = re.compile(r"quý\s+[IVX]+\s*/\s*\d{4}", re.IGNORECASE)
REFUSAL_SENTENCE = "Các kế hoạch hiện có không nêu thông tin này."


def parse_markers(text: str) -> list[int]:
    """Marker numbers in order of first appearance: "a [2] b [1][2]" → [2, 1]."""
    return list(dict.fromkeys(int(m) for m in MARKER.findall(text)))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def _agencies(sentence: str) -> list[str]:
    folded = f" {fold(sentence)} "
    found = []
    for alias in AGENCY_ALIASES:
        a = fold(alias)
        if len(a) >= 6 and f" {a} " in folded:
            found.append(alias)
    return found


def claims(sentence: str) -> list[str]:
    """What a sentence states that must be in its sources: numbers, dates, agencies."""
    body = MARKER.sub("", sentence)
    out = [m.group(0).strip() for m in _DATE.finditer(body)]
    out += [m.group(0).strip() for m in _QUARTER.finditer(body)]
    stripped = _DATE.sub(" ", body)
    out += [m.group(0).strip() for m in _NUMBER.finditer(stripped)]
    out += _agencies(body)
    return [c for c in out if c]


def missing_facts(reference: str, candidate: str) -> list[str]:
    """Numbers, dates and agencies stated in ``reference`` but absent from ``candidate``."""
    folded = re.sub(r"\s+", " ", fold(MARKER.sub("", candidate)))
    return [c for c in claims(reference) if re.sub(r"\s+", " ", fold(c)) not in folded]


@dataclass
class GuardResult:
    kept: list[str]
    dropped: list[tuple[str, str]]


def guard(answer_text: str, sources: dict[int, str]) -> GuardResult:
    """Keep sentences whose claims all occur in the sources they cite (folded,
    whitespace-insensitive); drop the rest with the reason."""
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    folded_src = {n: re.sub(r"\s+", " ", fold(t)) for n, t in sources.items()}
    for sent in split_sentences(answer_text):
        cited = [n for n in parse_markers(sent) if n in sources]
        facts = claims(sent)
        if not cited:
            if facts:
                dropped.append((sent, "no citation"))
            elif parse_markers(sent):
                dropped.append((sent, "cites an unknown source"))
            else:
                kept.append(sent)
            continue
        text = " ".join(folded_src[n] for n in cited)
        missing = [f for f in facts if re.sub(r"\s+", " ", fold(f)) not in text]
        if missing:
            dropped.append((sent, f"not in cited sources: {', '.join(missing)}"))
        else:
            kept.append(sent)
    return GuardResult(kept, dropped)


class LLMRewriter:
    def __init__(self, settings: LLMSettings, client: Any = None) -> None:
        self.settings = settings
        self.prompts = Prompts(settings.prompts_dir)
        self._client = client

    def _post(self, messages: list[dict[str, str]]) -> str:
        import httpx

        headers = (
            {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        )
        client = self._client or httpx
        resp = client.post(
            self.settings.base_url.rstrip("/") + "/chat/completions",
            json={
                "model": self.settings.model,
                "messages": messages,
                "temperature": self.settings.temperature,
                "max_tokens": self.settings.max_tokens,
            },
            headers=headers,
            timeout=self.settings.timeout,
        )
        resp.raise_for_status()
        return str(resp.json()["choices"][0]["message"]["content"])

    def rewrite(self, answer: Answer, chunks: list[Chunk]) -> Answer | None:
        """An LLM answer over the extractive answer's sources, or None to keep it."""
        sources = [
            {"n": i, "plan": plan_name(c), "location": c.location, "text": c.text}
            for i, c in enumerate(chunks, start=1)
        ]
        messages = [
            {
                "role": "system",
                "content": self.prompts.render("system", refusal_sentence=REFUSAL_SENTENCE),
            },
            {
                "role": "user",
                "content": self.prompts.render("answer", sources=sources, question=answer.question),
            },
        ]
        t0 = time.perf_counter()
        try:
            generated = self._post(messages)
        except Exception as exc:  # timeouts, connection errors, bad JSON: keep extractive
            log.warning("llm fallback to extractive: %s: %s", type(exc).__name__, exc)
            return None
        result = guard(generated, {i: c.text for i, c in enumerate(chunks, start=1)})
        if result.dropped:
            log.info("llm guard dropped %d sentence(s): %s", len(result.dropped), result.dropped)
        if not result.kept or len(result.kept) < len(result.dropped):
            log.info("llm answer rejected by the guard; keeping the extractive answer")
            return None
        text = " ".join(result.kept)
        if REFUSAL_SENTENCE in text and len(result.kept) == 1:
            return None  # the model declined while retrieval found support: keep extractive
        lost = missing_facts(answer.answer, text)
        if lost:
            # measured with the 1.5B model: answers that pass the guard still drop the
            # figure or deadline asked for; the extractive answer has it, so keep that
            log.info("llm answer drops facts of the extractive answer (%s); keeping it", lost)
            return None
        used = [n for n in parse_markers(text) if 1 <= n <= len(chunks)]
        renumber = {old: new for new, old in enumerate(used, start=1)}
        text = MARKER.sub(lambda m: f"[{renumber.get(int(m.group(1)), int(m.group(1)))}]", text)
        cites = [
            Citation(
                n=renumber[old],
                doc_id=chunks[old - 1].doc_id,
                title=chunks[old - 1].title,
                location=chunks[old - 1].location,
                kind=chunks[old - 1].kind,
                text=chunks[old - 1].text,
                chunk_id=chunks[old - 1].id,
            )
            for old in used
        ]
        ctx = dict(answer.context, llm_ms=round((time.perf_counter() - t0) * 1000, 1))
        return replace(answer, answer=text, citations=cites, mode="llm", context=ctx)
