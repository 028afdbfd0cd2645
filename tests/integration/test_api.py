"""The HTTP API through the real app: real corpus, real Qdrant local mode, real model.

Every app here is ``create_app`` over the session ``services`` (or a copy of it with other
server settings, sharing the same index and model); apps that index uploads or talk to a
dead Qdrant get stores of their own so the shared index is never changed.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CORPUS
from troly.api import create_app
from troly.services import Services, build_services
from troly.settings import QdrantSettings, Settings

pytestmark = pytest.mark.integration

Q_LEAD = "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024 ở Phú Yên?"
ADMIN_KEY = "test-admin-key-0123456789"


def variant(services: Services, tmp: Path, **server: Any) -> Services:
    """The same index and model with other server settings (feedback db in ``tmp``)."""
    base = services.settings.server.model_dump()
    base.update({"feedback_db": tmp / "feedback.sqlite3", **server})
    settings = services.settings.model_copy(
        update={"server": type(services.settings.server)(**base), "data_dir": tmp}
    )
    return replace(services, settings=settings)


@pytest.fixture(scope="module")
def api_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api")


@pytest.fixture(scope="module")
def svc(services: Services, api_tmp: Path) -> Services:
    return variant(services, api_tmp, rate_limit_per_minute=0, rate_limit_per_ip_per_minute=0)


@pytest.fixture(scope="module")
def client(svc: Services) -> Iterator[TestClient]:
    with TestClient(create_app(svc, warmup=False)) as c:
        yield c


def sse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        event = re.search(r"^event: (.+)$", block, re.M)
        data = re.search(r"^data: (.+)$", block, re.M)
        assert event and data, block
        out.append((event.group(1), json.loads(data.group(1))))
    return out


def check_markers(answer: dict[str, Any]) -> None:
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer["answer"])}
    ns = [c["n"] for c in answer["citations"]]
    assert ns == list(range(1, len(ns) + 1))
    assert markers <= set(ns), (markers, ns)


# -- probes, docs, static ------------------------------------------------------------------


def test_health_ready_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ready"] and body["model_loaded"] and body["qdrant"]["points"] > 400
    assert "location" not in body["qdrant"]
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for p in (
        "/api/v1/ask",
        "/api/v1/ask/stream",
        "/api/v1/search",
        "/api/v1/documents",
        "/api/v1/documents/{doc_id}",
        "/api/v1/feedback",
        "/healthz",
        "/readyz",
    ):
        assert p in paths, p
    assert not any(p.startswith("/api/v1/admin") for p in paths), "admin is off by default"
    ask_examples = spec["components"]["schemas"]["AskRequest"]["examples"]
    assert any("Phú Yên" in e["question"] for e in ask_examples)
    assert "text/event-stream" in json.dumps(spec["paths"]["/api/v1/ask/stream"])


def test_widget_demo_and_ui_are_served(client: TestClient) -> None:
    js = client.get("/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "attachShadow" in js.text and "innerHTML" not in js.text
    demo = client.get("/demo", params={"province": 'Phú Yên"><script>x</script>'})
    assert demo.status_code == 200
    assert '<script src="/widget.js" data-title="Trợ lý CCHC"' in demo.text
    assert "<script>x</script>" not in demo.text, "the province is escaped"
    assert "script-src 'self'" in demo.headers["content-security-policy"]
    ui = client.get("/ui/")
    assert ui.status_code == 200 and "gradio" in ui.text.lower()
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"


# -- ask -----------------------------------------------------------------------------------


def test_ask_returns_the_answer_contract(client: TestClient) -> None:
    r = client.post("/api/v1/ask", json={"question": Q_LEAD})
    assert r.status_code == 200, r.text
    a = r.json()
    assert set(a) >= {"id", "question", "answer", "refused", "citations", "took_ms", "mode"}
    assert not a["refused"] and a["id"] and a["conversation_id"]
    assert a["citations"] and a["citations"][0]["doc_id"] == "phu-yen-2024"
    assert "[1]" in a["answer"]
    check_markers(a)
    c = a["citations"][0]
    assert set(c) == {"n", "doc_id", "title", "location", "kind", "text", "score", "ocr"}
    assert c["text"] and c["location"] and c["ocr"] is False  # a text plan, not a scan


def test_citizen_audience_gets_a_plain_sentence_first(client: TestClient) -> None:
    q = "Phú Yên đặt mục tiêu người dân hài lòng bao nhiêu phần trăm?"
    plain = client.post("/api/v1/ask", json={"question": q}).json()
    citizen = client.post("/api/v1/ask", json={"question": q, "audience": "citizen"}).json()
    assert not citizen["refused"] and citizen["citations"] == plain["citations"]
    first, _, rest = citizen["answer"].partition("\n")
    assert "[" not in first and rest == plain["answer"], citizen["answer"]
    assert first.startswith("Theo ") and "%" in first
    bad = client.post("/api/v1/ask", json={"question": q, "audience": "robot"})
    assert bad.status_code == 422


def test_ask_unaccented_and_filters(client: TestClient) -> None:
    r = client.post(
        "/api/v1/ask",
        json={"question": "ai chu tri ke hoach kiem soat thu tuc hanh chinh nam 2024 phu yen"},
    )
    assert r.status_code == 200 and r.json()["citations"]
    r = client.post(
        "/api/v1/ask",
        json={
            "question": "Ai chủ trì công tác kiểm soát thủ tục hành chính?",
            "filters": {"province": "Hà Tĩnh"},
        },
    )
    assert r.status_code == 200
    a = r.json()
    assert all(c["doc_id"] == "ha-tinh-2025" for c in a["citations"]), a["citations"]


def test_ask_refuses_off_topic(client: TestClient) -> None:
    a = client.post("/api/v1/ask", json={"question": "Giá vàng hôm nay là bao nhiêu?"}).json()
    assert a["refused"] is True and a["answer"]


def test_follow_up_uses_the_conversation(client: TestClient) -> None:
    first = client.post("/api/v1/ask", json={"question": Q_LEAD}).json()
    cid = first["conversation_id"]
    follow = client.post(
        "/api/v1/ask", json={"question": "Cơ quan nào phối hợp?", "conversation_id": cid}
    )
    assert follow.status_code == 200
    f = follow.json()
    assert f["conversation_id"] == cid
    assert not f["refused"], f
    assert any(c["doc_id"] == "phu-yen-2024" for c in f["citations"])
    # the same follow-up with the history sent by the client
    sent = client.post(
        "/api/v1/ask",
        json={"question": "Cơ quan nào phối hợp?", "history": [{"question": Q_LEAD}]},
    ).json()
    assert not sent["refused"] and sent["citations"][0]["doc_id"] == "phu-yen-2024"


def test_ask_stream_sends_deltas_citations_done(client: TestClient) -> None:
    with client.stream("POST", "/api/v1/ask/stream", json={"question": Q_LEAD}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        text = "".join(r.iter_text())
    events = sse_events(text)
    kinds = [k for k, _ in events]
    assert kinds[0] == "delta" and kinds[-2:] == ["citations", "done"]
    assert set(kinds) == {"delta", "citations", "done"}
    streamed = "".join(e["text"] for k, e in events if k == "delta")
    done = events[-1][1]["answer"]
    assert " ".join(streamed.split()) == " ".join(done["answer"].split())
    assert events[-2][1]["citations"] == done["citations"] and done["citations"]
    assert done["conversation_id"] and done["id"]
    check_markers(done)


def test_question_limits_are_422_and_413(svc: Services, client: TestClient) -> None:
    r = client.post("/api/v1/ask", json={"question": "   "})
    assert r.status_code == 422 and "để trống" in r.json()["detail"]
    limit = svc.settings.max_question_chars
    r = client.post("/api/v1/ask", json={"question": "a" * (limit + 1)})
    assert r.status_code == 422
    assert "quá dài" in r.json()["detail"] and str(limit) in r.json()["detail"]
    r = client.post("/api/v1/ask/stream", json={"question": "a" * (limit + 1)})
    assert r.status_code == 422 and "quá dài" in r.json()["detail"]
    big = svc.settings.server.max_body_bytes
    r = client.post("/api/v1/ask", json={"question": "x" * (big + 10)})
    assert r.status_code == 413 and "quá lớn" in r.json()["detail"]
    r = client.post("/api/v1/ask", json={"question": 5})
    assert r.status_code == 422 and r.json()["detail"].startswith("Yêu cầu không hợp lệ")


# -- search and documents ------------------------------------------------------------------


def test_search(client: TestClient) -> None:
    r = client.get("/api/v1/search", params={"q": Q_LEAD, "k": 3})
    assert r.status_code == 200
    res = r.json()["results"]
    assert len(res) == 3 and res[0]["doc_id"] == "phu-yen-2024"
    r = client.get(
        "/api/v1/search", params={"q": "nhiệm vụ chuyển đổi số", "kind": "task", "year": 2025}
    )
    assert r.status_code == 200
    assert {x["doc_id"] for x in r.json()["results"]} == {"ha-tinh-2025"}
    assert client.get("/api/v1/search", params={"q": " "}).status_code == 422
    assert client.get("/api/v1/search", params={"q": "x", "kind": "bogus"}).status_code == 422


def test_documents(client: TestClient) -> None:
    docs = client.get("/api/v1/documents").json()
    assert {d["doc_id"] for d in docs} >= {"phu-yen-2024", "ha-tinh-2025", "phu-tho-2021"}
    py = next(d for d in docs if d["doc_id"] == "phu-yen-2024")
    assert py["province"] == "Phú Yên" and py["year"] == 2024 and py["number"] == "275/KH-UBND"
    d = client.get("/api/v1/documents/phu-yen-2024").json()
    assert d["sections"] and d["tasks"] and d["tasks"][0]["lead"] is not None
    r = client.get("/api/v1/documents/khong-co")
    assert r.status_code == 404 and "khong-co" in r.json()["detail"]


# -- feedback ------------------------------------------------------------------------------


def test_feedback_is_stored_with_the_answer(svc: Services, client: TestClient) -> None:
    a = client.post("/api/v1/ask", json={"question": Q_LEAD}).json()
    r = client.post(
        "/api/v1/feedback", json={"answer_id": a["id"], "rating": "up", "comment": "Chính xác"}
    )
    assert r.status_code == 201 and r.json()["status"] == "ok"
    from troly.api.state import FeedbackStore

    rows = FeedbackStore(svc.settings.server.feedback_db).rows()
    row = next(x for x in rows if x["answer_id"] == a["id"])
    assert row["question"] == Q_LEAD and row["answer"] == a["answer"]
    assert row["citations"][0]["doc_id"] == "phu-yen-2024" and row["comment"] == "Chính xác"
    r = client.post("/api/v1/feedback", json={"answer_id": "khong-biet", "rating": "down"})
    assert r.status_code == 404
    r = client.post(
        "/api/v1/feedback",
        json={"answer_id": "khong-biet", "rating": "down", "question": "Q?", "answer": "A."},
    )
    assert r.status_code == 201
    assert (
        client.post("/api/v1/feedback", json={"answer_id": "x", "rating": "meh"}).status_code == 422
    )


def test_a_comment_is_added_to_a_rating_only_by_whoever_knows_the_answer_id(
    svc: Services, client: TestClient
) -> None:
    from troly.api.state import FeedbackStore

    a = client.post("/api/v1/ask", json={"question": Q_LEAD}).json()
    row = client.post("/api/v1/feedback", json={"answer_id": a["id"], "rating": "down"}).json()
    url = f"/api/v1/feedback/{row['id']}/comment"
    wrong = client.post(url, json={"answer_id": "doan-bua", "comment": "spam"})
    assert wrong.status_code == 404 and "Không tìm thấy" in wrong.json()["detail"]
    assert client.post(url, json={"answer_id": a["id"], "comment": "  "}).status_code == 422
    ok = client.post(url, json={"answer_id": a["id"], "comment": "Sai  cơ quan\nchủ trì."})
    assert ok.status_code == 200 and "ghi nhận" in ok.json()["message"]
    stored = next(
        r for r in FeedbackStore(svc.settings.server.feedback_db).rows() if r["id"] == row["id"]
    )
    assert stored["comment"] == "Sai cơ quan chủ trì." and stored["rating"] == "down"
    missing = client.post(
        "/api/v1/feedback/999999/comment", json={"answer_id": a["id"], "comment": "x"}
    )
    assert missing.status_code == 404


# -- safety --------------------------------------------------------------------------------


def test_rate_limit_429(services: Services, tmp_path: Path) -> None:
    app = create_app(
        variant(services, tmp_path, rate_limit_per_ip_per_minute=6, rate_limit_ip_burst=2),
        ui=False,
    )
    c = TestClient(app)
    codes = [c.get("/api/v1/documents").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = c.get("/api/v1/documents")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "quá nhanh" in r.json()["detail"]
    assert c.get("/healthz").status_code == 200


def test_cors_allowlist(services: Services, tmp_path: Path) -> None:
    site = "https://dichvucong.phuyen.gov.vn"
    c = TestClient(create_app(variant(services, tmp_path, cors_origins=[site]), ui=False))
    pre = c.options(
        "/api/v1/ask/stream",
        headers={
            "Origin": site,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == site
    ok = c.get("/api/v1/documents", headers={"Origin": site})
    assert ok.headers["access-control-allow-origin"] == site
    other = c.get("/api/v1/documents", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_logs_carry_request_ids_not_questions(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Ai chủ trì cải cách tài chính công ở Hà Tĩnh năm 2025?"
    with caplog.at_level(logging.INFO, logger="troly"):
        r = client.post(
            "/api/v1/ask", json={"question": secret}, headers={"X-Request-ID": "rid-ask-1"}
        )
        client.get("/api/v1/search", params={"q": secret})
    assert r.headers["x-request-id"] == "rid-ask-1"
    text = "\n".join(rec.getMessage() for rec in caplog.records)
    assert secret not in text and "Hà Tĩnh" not in text
    assert any(getattr(rec, "request_id", None) == "rid-ask-1" for rec in caplog.records)


def test_internal_errors_are_generic(svc: Services, tmp_path: Path) -> None:
    broken = variant(svc, tmp_path)

    class Exploding:
        def ask(self, *a: Any, **k: Any) -> Any:
            raise RuntimeError(f"boom in {Path(__file__).resolve()}")

        def stream(self, *a: Any, **k: Any) -> Any:
            raise RuntimeError("boom")

    broken.__dict__["answerer"] = Exploding()
    c = TestClient(create_app(broken, ui=False), raise_server_exceptions=False)
    for path in ("/api/v1/ask", "/api/v1/ask/stream"):
        r = c.post(path, json={"question": Q_LEAD})
        assert r.status_code == 500
        assert "boom" not in r.text and "Traceback" not in r.text and "/work" not in r.text
        assert r.json()["request_id"] == r.headers["x-request-id"]


def test_qdrant_down_gives_503(services: Services, tmp_path: Path) -> None:
    settings = Settings(
        corpus_dir=CORPUS,
        data_dir=tmp_path,
        qdrant=QdrantSettings(url="http://127.0.0.1:9", timeout=1),
    )
    down = build_services(settings, embedder=services.embedder)
    c = TestClient(create_app(down, ui=False))
    r = c.get("/readyz")
    assert r.status_code == 503 and r.json()["ready"] is False
    assert "Qdrant" in r.json()["detail"] and "127.0.0.1" not in r.text
    for method, path, kw in (
        ("POST", "/api/v1/ask", {"json": {"question": Q_LEAD}}),
        ("POST", "/api/v1/ask/stream", {"json": {"question": Q_LEAD}}),
        ("GET", "/api/v1/search", {"params": {"q": Q_LEAD}}),
    ):
        r = c.request(method, path, **kw)
        assert r.status_code == 503, (path, r.text)
        assert "tạm thời không sẵn sàng" in r.json()["detail"] and "127.0.0.1" not in r.text
    assert c.get("/healthz").status_code == 200


# -- admin ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_client(
    services: Services, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """An app with admin on, over an index of its own (uploads never touch the shared one)."""
    root = tmp_path_factory.mktemp("admin")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "manifest.yaml").write_text("documents: []\n", encoding="utf-8")
    settings = Settings(
        corpus_dir=corpus,
        data_dir=root,
        qdrant=QdrantSettings(path=root / "q"),
        server={
            "admin_enabled": True,
            "admin_api_key": ADMIN_KEY,
            "feedback_db": root / "fb.sqlite3",
            "rate_limit_per_minute": 0,
            "rate_limit_per_ip_per_minute": 0,
        },
    )
    svc = build_services(settings, embedder=services.embedder)
    with TestClient(create_app(svc, ui=False, warmup=False)) as c:
        yield c
    svc.close()


def test_admin_is_hidden_when_disabled(client: TestClient) -> None:
    r = client.get("/api/v1/admin/feedback/export", headers={"X-API-Key": "x"})
    assert r.status_code == 404


def test_admin_requires_the_key(admin_client: TestClient) -> None:
    assert admin_client.get("/api/v1/admin/feedback/export").status_code == 401
    r = admin_client.post("/api/v1/admin/reindex", headers={"X-API-Key": "wrong"})
    assert r.status_code == 401 and "X-API-Key" in r.json()["detail"]


def test_admin_ingest_reindex_and_export(admin_client: TestClient, tmp_path: Path) -> None:
    key = {"X-API-Key": ADMIN_KEY}
    src = tmp_path / "Kế hoạch CCHC Phú Thọ.txt"
    shutil.copy(CORPUS / "phu-tho-2021.txt", src)
    with src.open("rb") as fh:
        r = admin_client.post(
            "/api/v1/admin/ingest",
            headers=key,
            files=[
                ("files", (src.name, fh, "text/plain")),
                ("files", ("bang.csv", b"a,b\n", "text/csv")),
            ],
            data={"province": "Phú Thọ", "year": "2021"},
        )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["doc_ids"] == ["ke-hoach-cchc-phu-tho"] and out["documents"] == 1
    assert out["chunks"] > 10 and "bang" in out["errors"]
    docs = admin_client.get("/api/v1/documents").json()
    assert [d["doc_id"] for d in docs] == ["ke-hoach-cchc-phu-tho"] and docs[0]["uploaded"]
    assert admin_client.get("/api/v1/documents/ke-hoach-cchc-phu-tho").json()["sections"]
    hits = admin_client.get(
        "/api/v1/search", params={"q": "mục tiêu cải cách hành chính Phú Thọ", "k": 3}
    ).json()["results"]
    assert hits and {h["doc_id"] for h in hits} == {"ke-hoach-cchc-phu-tho"}
    # reindex: unchanged uploads are skipped
    r = admin_client.post("/api/v1/admin/reindex", headers=key)
    assert r.status_code == 200 and r.json()["skipped"] == 1 and r.json()["documents"] == 0
    # feedback → gold candidates (this answerer only knows the bundled corpus's provinces,
    # so it declines; a thumbs-down on a refusal marks an answerable question it missed)
    a = admin_client.post("/api/v1/ask", json={"question": "Phú Thọ có mục tiêu CCHC gì?"}).json()
    fb = admin_client.post(
        "/api/v1/feedback",
        json={"answer_id": a["id"], "rating": "down", "comment": "Có trong văn bản"},
    )
    assert fb.status_code == 201
    r = admin_client.get("/api/v1/admin/feedback/export", headers=key)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    items = [json.loads(line) for line in r.text.splitlines()]
    assert len(items) == 1
    item = items[0]
    assert item["question"] == a["question"] and item["accented"] is True
    keys = {"id", "type", "persona", "answerable", "accented", "doc_ids", "evidence", "facts"}
    assert set(item) >= keys | {"locations", "feedback"}
    assert item["feedback"]["rating"] == "down" and item["feedback"]["answer"] == a["answer"]
    assert item["feedback"]["comment"] == "Có trong văn bản"
    if a["refused"]:
        assert item["answerable"] is True
    r = admin_client.get("/api/v1/admin/feedback/export?rating=up", headers=key)
    assert r.status_code == 200 and r.text == ""
    # a file that is not a plan
    r = admin_client.post(
        "/api/v1/admin/ingest",
        headers=key,
        files=[("files", ("rong.txt", b"   \n", "text/plain"))],
    )
    assert r.status_code == 422
