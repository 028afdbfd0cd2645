"""The web safety layer on a tiny app: rate limit, body limit, request ids, the catch-all,
error messages, and the feedback store. No model, no index."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel

from troly.api.errors import install_error_handlers
from troly.api.safety import (
    BodySizeLimitMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    TokenBucketLimiter,
    client_key,
)
from troly.api.state import LRU, ConversationStore, FeedbackStore, gold_candidate
from troly.index_store import IndexUnavailable
from troly.retriever import QueryError

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Body(BaseModel):
    question: str


def tiny_app(
    limiter: TokenBucketLimiter | None = None,
    body_limit: int = 100,
    trust_proxy: bool = False,
    log_questions: bool = False,
) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/api/v1/echo")
    def echo(body: Body) -> dict[str, str]:
        return {"question": body.question}

    @app.get("/api/v1/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail /srv/troly/secret.py")

    @app.get("/api/v1/down")
    def down() -> None:
        raise IndexUnavailable("Không kết nối được Qdrant tại http://10.0.0.5:6333")

    @app.get("/api/v1/bad")
    def bad() -> None:
        raise QueryError("Câu hỏi đang để trống. / Empty question.")

    @app.get("/api/v1/missing")
    def missing() -> None:
        raise HTTPException(status_code=404, detail="Không tìm thấy văn bản 'x'.")

    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter if limiter is not None else TokenBucketLimiter(0, 1),
        applies=lambda p: p.startswith("/api/v1/"),
        trust_proxy_headers=trust_proxy,
    )
    app.add_middleware(BodySizeLimitMiddleware, limit_for=lambda p: body_limit)
    app.add_middleware(RequestContextMiddleware, log_questions=log_questions)
    return app


# -- token bucket --------------------------------------------------------------------------


def test_token_bucket_allows_burst_then_refills() -> None:
    clock = Clock()
    lim = TokenBucketLimiter(per_minute=60, burst=3, clock=clock)
    assert [lim.take("a")[0] for _ in range(3)] == [True, True, True]
    allowed, wait = lim.take("a")
    assert not allowed and wait == 1
    assert lim.take("b")[0], "clients have separate buckets"
    clock.t += 1.0
    assert lim.take("a")[0]
    assert not lim.take("a")[0]
    clock.t += 10.0  # refills, but never above the burst
    assert [lim.take("a")[0] for _ in range(4)] == [True, True, True, False]


def test_token_bucket_default_settings_and_retry_after() -> None:
    clock = Clock()
    lim = TokenBucketLimiter(per_minute=30, burst=10, clock=clock)  # the defaults
    assert sum(lim.take("c")[0] for _ in range(10)) == 10
    allowed, wait = lim.take("c")
    assert not allowed and wait == 2  # one token every 2 s
    clock.t += 60
    assert sum(lim.take("c")[0] for _ in range(40)) == 10


def test_token_bucket_disabled_and_bounded() -> None:
    assert TokenBucketLimiter(0, 1).take("x") == (True, 0)
    lim = TokenBucketLimiter(60, 1, max_keys=100)
    for i in range(1000):
        lim.take(f"k{i}")
    assert len(lim) == 100


def test_rate_limit_middleware_429_with_retry_after() -> None:
    clock = Clock()
    client = TestClient(tiny_app(TokenBucketLimiter(60, 2, clock=clock)))
    assert client.get("/api/v1/ping").status_code == 200
    assert client.get("/api/v1/ping").status_code == 200
    r = client.get("/api/v1/ping")
    assert r.status_code == 429
    assert r.headers["retry-after"] == "1"
    assert "thử lại sau 1 giây" in r.json()["detail"]
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert client.get("/healthz").status_code == 200, "probes are not limited"
    assert client.options("/api/v1/ping").status_code != 429, "CORS preflights are not limited"
    clock.t += 1
    assert client.get("/api/v1/ping").status_code == 200


def test_rate_limit_per_forwarded_client_only_behind_trusted_proxy() -> None:
    clock = Clock()
    client = TestClient(tiny_app(TokenBucketLimiter(60, 1, clock=clock), trust_proxy=True))
    a = {"X-Forwarded-For": "203.0.113.9, 198.51.100.1"}
    b = {"X-Forwarded-For": "203.0.113.9, 198.51.100.2"}
    assert client.get("/api/v1/ping", headers=a).status_code == 200
    assert client.get("/api/v1/ping", headers=a).status_code == 429
    assert client.get("/api/v1/ping", headers=b).status_code == 200
    scope = {"client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4")]}
    assert client_key(scope, trust_proxy_headers=False) == "127.0.0.1"
    assert client_key(scope, trust_proxy_headers=True) == "1.2.3.4"


# -- body size -----------------------------------------------------------------------------


def test_body_limit_declared_length() -> None:
    client = TestClient(tiny_app(body_limit=100))
    assert client.post("/api/v1/echo", json={"question": "ngắn"}).status_code == 200
    r = client.post("/api/v1/echo", json={"question": "x" * 500})
    assert r.status_code == 413
    assert "quá lớn" in r.json()["detail"] and "100" in r.json()["detail"]


def test_body_limit_streamed_chunked_body() -> None:
    client = TestClient(tiny_app(body_limit=100))

    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(20):
            yield b"xxxxxxxxxx"
        yield b'"}'

    r = client.post("/api/v1/echo", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


# -- request ids, catch-all, error messages ------------------------------------------------


def test_request_id_echoed_or_generated() -> None:
    client = TestClient(tiny_app())
    r = client.get("/api/v1/ping", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = client.get("/api/v1/ping", headers={"X-Request-ID": "bad id\r\ninjected"})
    assert r.headers["x-request-id"] != "bad id" and len(r.headers["x-request-id"]) == 32
    assert client.get("/api/v1/ping").headers["x-request-id"]


def test_catch_all_hides_internals(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(tiny_app(), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="troly.api"):
        r = client.get("/api/v1/boom", headers={"X-Request-ID": "req-boom"})
    assert r.status_code == 500
    body = r.json()
    assert body["request_id"] == "req-boom" == r.headers["x-request-id"]
    assert "lỗi" in body["detail"]
    assert "secret" not in r.text and "Traceback" not in r.text and "/srv" not in r.text
    assert any("secret internal detail" in (rec.exc_text or "") for rec in caplog.records)


def test_qdrant_down_is_503_without_address() -> None:
    r = TestClient(tiny_app()).get("/api/v1/down")
    assert r.status_code == 503
    assert "không sẵn sàng" in r.json()["detail"]
    assert "10.0.0.5" not in r.text


def test_vietnamese_error_messages() -> None:
    client = TestClient(tiny_app())
    r = client.get("/api/v1/bad")
    assert r.status_code == 422 and r.json()["detail"] == "Câu hỏi đang để trống."
    r = client.post("/api/v1/echo", json={"wrong": 1})
    assert r.status_code == 422
    assert (
        r.json()["detail"].startswith("Yêu cầu không hợp lệ") and "question" in r.json()["detail"]
    )
    assert client.get("/api/v1/missing").json()["detail"] == "Không tìm thấy văn bản 'x'."
    assert client.get("/nowhere").json()["detail"] == "Không tìm thấy."


def test_access_log_has_request_id_and_no_question(caplog: pytest.LogCaptureFixture) -> None:
    from troly.api.safety import configure_logging

    configure_logging()
    client = TestClient(tiny_app())
    secret = "bí mật của người hỏi"
    with caplog.at_level(logging.INFO, logger="troly.api.access"):
        client.get("/api/v1/ping", params={"q": secret}, headers={"X-Request-ID": "rid-42"})
        client.post("/api/v1/echo", json={"question": secret}, headers={"X-Request-ID": "rid-43"})
    lines = [r for r in caplog.records if r.name == "troly.api.access"]
    assert len(lines) == 2
    assert [getattr(r, "request_id", None) for r in lines] == ["rid-42", "rid-43"]
    text = " ".join(r.getMessage() for r in lines)
    assert secret not in text and "bi" not in text.split("?")[-1]
    assert "/api/v1/ping 200" in text


# -- stores --------------------------------------------------------------------------------


def test_lru_and_conversations_are_bounded() -> None:
    lru: LRU[str, int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1
    lru.put("c", 3)
    assert lru.get("b") is None and lru.get("a") == 1 and len(lru) == 2
    conv = ConversationStore(capacity=2, max_turns=3)
    for i in range(5):
        conv.append("x", f"q{i}", f"a{i}")
    assert [t["question"] for t in conv.history("x")] == ["q2", "q3", "q4"]


def test_feedback_store_and_gold_candidates(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "fb.sqlite3")
    answer = {
        "id": "ans1",
        "question": "Ai chủ trì kiểm soát TTHC ở Phú Yên?",
        "answer": "Văn phòng UBND tỉnh chủ trì [1].",
        "refused": False,
        "citations": [
            {"n": 1, "doc_id": "phu-yen-2024", "location": "Phụ lục › III › STT 1", "text": "…"}
        ],
    }
    n = store.add(answer, "up", "đúng", source="ui", history=[{"question": "trước đó"}])
    store.add({**answer, "id": "ans2", "refused": True, "citations": []}, "down")
    with pytest.raises(ValueError):
        store.add(answer, "meh")
    assert n == 1 and store.count() == 2
    rows = store.rows()
    assert rows[0]["citations"][0]["doc_id"] == "phu-yen-2024" and rows[0]["source"] == "ui"
    assert [r["rating"] for r in store.rows("down")] == ["down"]
    up = gold_candidate(rows[0])
    assert up["answerable"] is True and up["doc_ids"] == ["phu-yen-2024"]
    assert up["locations"] == ["Phụ lục › III › STT 1"] and up["accented"] is True
    assert up["history"] == ["trước đó"] and up["feedback"]["comment"] == "đúng"
    down = gold_candidate(rows[1])
    assert down["answerable"] is True and down["type"] is None  # a missed answerable question
    json.dumps(up, ensure_ascii=False)
