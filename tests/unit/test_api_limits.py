"""The heavy-question slot and the question cost (pure logic, no model or index)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from fastapi import HTTPException

from troly.api.routes.ask import HEAVY_COST, heavy_slot, question_cost
from troly.api.safety import TokenBucketLimiter
from troly.text import normalize_user_text

pytestmark = pytest.mark.unit


def test_question_cost_follows_the_work() -> None:
    assert question_cost(23) == 1.0  # an ordinary question
    assert question_cost(300) == 5.0
    assert question_cost(600) == 10.0 and question_cost(2006) == 10.0


def test_one_heavy_question_at_a_time_ordinary_ones_pass() -> None:
    state = SimpleNamespace(heavy_gate=threading.BoundedSemaphore(1))
    entered = threading.Event()
    release = threading.Event()

    def heavy() -> None:
        with heavy_slot(state, HEAVY_COST):  # type: ignore[arg-type]
            entered.set()
            release.wait(5)

    t = threading.Thread(target=heavy)
    t.start()
    assert entered.wait(5)
    t0 = time.perf_counter()
    with heavy_slot(state, 1.0):  # type: ignore[arg-type]
        pass  # an ordinary question does not wait
    assert time.perf_counter() - t0 < 0.1
    with pytest.raises(HTTPException) as exc, heavy_slot(state, HEAVY_COST, wait=0.2):  # type: ignore[arg-type]
        pass
    assert exc.value.status_code == 429 and exc.value.headers == {"Retry-After": "5"}
    release.set()
    t.join(5)
    with heavy_slot(state, HEAVY_COST, wait=0.2):  # type: ignore[arg-type]
        pass  # free again


def test_limiter_peek_does_not_spend() -> None:
    lim = TokenBucketLimiter(60, 2, clock=lambda: 100.0)
    assert lim.peek("a")[0] == 2
    assert lim.take("a") == (True, 0) and lim.take("a") == (True, 0)
    left, wait = lim.peek("a")
    assert left < 1 and wait >= 1 and lim.take("a")[0] is False


def test_normalize_user_text() -> None:
    assert normalize_user_text("Ai\u200b chu\u0309 tri\u0300\x00\n ke\u0302\u0301 hoa\u0323ch") == (
        "Ai chủ trì kế hoạch"
    )
    assert normalize_user_text("\u202e\ufeff \t") == ""
