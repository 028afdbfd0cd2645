"""Reliability and security of the web app, in process (the short form of `make reliability`).

Real corpus, real Qdrant local mode, real model, the real FastAPI app through TestClient.
Each test that changes state (uploads, feedback database, limits) gets an app or a store
of its own; the shared session index is only read, and its point count is checked to be
unchanged after the hostile inputs.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CORPUS
from tests.integration.test_api import ADMIN_KEY, Q_LEAD, variant
from troly.api import create_app
from troly.api.safety import log_safe, security_headers_for
from troly.services import Services, build_services
from troly.settings import QdrantSettings, Settings
from troly.text import normalize_user_text

pytestmark = pytest.mark.integration

KEY = {"X-API-Key": ADMIN_KEY}
SECRET_FRAGMENTS = ("Traceback", "/work/", "/tmp/", "site-packages", ADMIN_KEY, 'File "')


def is_vietnamese_error(r: Any) -> bool:
    body = r.json()
    return (
        isinstance(body.get("detail"), str)
        and not body["detail"].isascii()
        and "request_id" in body
        and not any(s in r.text for s in SECRET_FRAGMENTS)
    )


@pytest.fixture(scope="module")
def rel_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reliability")


@pytest.fixture(scope="module")
def client(services: Services, rel_tmp: Path) -> Iterator[TestClient]:
    svc = variant(services, rel_tmp, rate_limit_per_minute=0, rate_limit_per_ip_per_minute=0)
    with TestClient(create_app(svc, warmup=False), raise_server_exceptions=False) as c:
        yield c


# -- hostile questions ---------------------------------------------------------------------

HOSTILE_QUESTIONS: list[tuple[str, Any, set[int]]] = [
    ("nul", "Ai chủ trì\x00 kế hoạch?", {200}),
    ("controls", "Ai\x07 chủ\x1b[31m trì\x7f kế hoạch kiểm soát TTHC?", {200}),
    ("zero-width", "Ai\u200b chủ\u200d trì\ufeff kế\u2060 hoạch?", {200}),
    ("only-invisible", "\u200b\u200c\ufeff \x00\t", {422}),
    ("emoji-10k", "😀" * 10_000, {422}),
    ("emoji-600", "😀" * 600, {422}),  # no word character: nothing to search
    ("e-2000", "ệ" * 2000, {200}),  # 2,000 model tokens: cut to the work cap, answered
    ("sql", "'; DROP TABLE feedback; -- ai chủ trì?", {200}),
    ("script", "<script>alert(1)</script> ai chủ trì kế hoạch?", {200}),
    ("template", "{{7*7}} ${7*7} {% raw %} ai chủ trì?", {200}),
    ("path", "../../../../etc/passwd", {200}),
    ("markdown-image", "![x](https://evil.example/x.png) ai chủ trì?", {200}),
    ("rtl-override", "Ai chủ trì \u202egnp.exe kế hoạch?", {200}),
    ("lone-surrogate-escaped", "Ai chủ trì \\ud800?", {200}),
    ("not-a-string", 12345, {422}),
    ("null", None, {422}),
    ("list", ["a", "b"], {422}),
]


@pytest.mark.parametrize(("name", "question", "codes"), HOSTILE_QUESTIONS, ids=lambda x: x)
def test_hostile_questions_get_an_answer_or_a_clear_4xx(
    client: TestClient, name: str, question: Any, codes: set[int]
) -> None:
    for path in ("/api/v1/ask", "/api/v1/ask/stream"):
        r = client.post(path, json={"question": question})
        assert r.status_code in codes, (name, path, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert is_vietnamese_error(r), r.text[:300]
        assert not any(s in r.text for s in SECRET_FRAGMENTS)
    assert client.get("/healthz").status_code == 200


def test_malformed_bodies_and_wrong_content_types(client: TestClient) -> None:
    cases = [
        ({"content": b'{"question": "ai chu tri', "headers": {"Content-Type": "application/json"}}),
        ({"content": b"\xff\xfe\x00garbage", "headers": {"Content-Type": "application/json"}}),
        ({"content": b"question=ai+chu+tri", "headers": {"Content-Type": "text/plain"}}),
        ({"content": b"<q>ai</q>", "headers": {"Content-Type": "application/xml"}}),
        ({"content": b"", "headers": {"Content-Type": "application/json"}}),
        ({"content": b"[]", "headers": {"Content-Type": "application/json"}}),
        ({"json": {"question": Q_LEAD, "history": [{"question": "x"}] * 10_000}}),
        ({"json": {"question": Q_LEAD, "conversation_id": "a" * 100_000}}),
        ({"json": {"question": Q_LEAD, "conversation_id": "../../etc"}}),
        ({"json": {"question": Q_LEAD, "filters": {"year": 10**30}}}),
        ({"json": {"question": Q_LEAD, "filters": {"kind": "<script>"}}}),
    ]
    for kw in cases:
        r = client.post("/api/v1/ask", **kw)
        assert 400 <= r.status_code < 500, (kw.get("headers"), r.status_code, r.text[:200])
        assert is_vietnamese_error(r), r.text[:300]
    r = client.get("/api/v1/search", params={"q": "ai chu tri", "k": "nhiều"})
    assert r.status_code == 422 and is_vietnamese_error(r)
    r = client.get("/api/v1/documents/" + "x" * 5000)
    assert r.status_code in (404, 422) and is_vietnamese_error(r)
    r = client.get("/api/v1/khong-co")
    assert r.status_code == 404 and r.json()["detail"] == "Không tìm thấy."
    r = client.put("/api/v1/ask", json={"question": Q_LEAD})
    assert r.status_code == 405 and is_vietnamese_error(r)


def test_nfd_question_is_the_nfc_question(client: TestClient) -> None:
    import unicodedata

    nfc_q = "Ai chủ trì tổ chức Cuộc thi tuyên truyền CCHC năm 2024 ở Phú Yên, bao giờ xong?"
    nfd_q = unicodedata.normalize("NFD", nfc_q)
    assert nfd_q != nfc_q and normalize_user_text(nfd_q) == nfc_q
    a = client.post("/api/v1/ask", json={"question": nfc_q}).json()
    b = client.post("/api/v1/ask", json={"question": nfd_q}).json()
    assert a["answer"] == b["answer"] and a["question"] == b["question"] == nfc_q
    assert [c["location"] for c in a["citations"]] == [c["location"] for c in b["citations"]]
    s1 = client.get("/api/v1/search", params={"q": nfc_q}).json()
    s2 = client.get("/api/v1/search", params={"q": nfd_q}).json()
    assert [h["location"] for h in s1["results"]] == [h["location"] for h in s2["results"]]
    # a 1,500-character NFC question is ~1,900 NFD code points: same limit for both
    long_nfc = ("Kế hoạch cải cách hành chính nhà nước tỉnh Phú Yên năm 2024 " * 25)[:1500]
    r = client.post("/api/v1/ask", json={"question": unicodedata.normalize("NFD", long_nfc)})
    assert r.status_code == 200, r.text[:200]


def test_index_unchanged_after_hostile_inputs(services: Services, client: TestClient) -> None:
    before = services.store.count()
    for q in ("\x00" * 100, "ệ" * 2000, "<script>alert(1)</script>", "' OR 1=1 --"):
        client.post("/api/v1/ask", json={"question": q})
        client.get("/api/v1/search", params={"q": q})
    assert services.store.count() == before
    assert client.get("/readyz").json()["qdrant"]["points"] == before


# -- work cap and limits -------------------------------------------------------------------


def test_heavy_questions_are_capped_by_tokens_not_only_characters(
    services: Services, client: TestClient
) -> None:
    count = services.embedder._model.token_count  # type: ignore[attr-defined]
    heavy = "ệ" * 2000
    assert count(heavy, True) > 1500  # 2,000 tokens: ~70x the work of a normal question
    r = client.post("/api/v1/ask", json={"question": heavy})
    assert r.status_code == 200, r.text[:200]
    cut = r.json()["question"]
    assert 100 < len(cut) < 700 and count(cut, True) <= 600
    # an ordinary long question (2,000 characters of Vietnamese, ~500 tokens) is not cut
    long_q = ("Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024 ở Phú Yên? " * 30)[:2000]
    r = client.post("/api/v1/ask", json={"question": long_q})
    assert r.status_code == 200 and r.json()["question"] == long_q.strip()


def test_limit_is_per_address_and_conversation(services: Services, tmp_path: Path) -> None:
    svc = variant(
        services,
        tmp_path,
        rate_limit_per_minute=6,
        rate_limit_burst=2,
        rate_limit_per_ip_per_minute=1,
        rate_limit_ip_burst=5,
    )
    c = TestClient(create_app(svc, ui=False, warmup=False))

    def ask(cid: str | None, question: str = Q_LEAD) -> int:
        body: dict[str, Any] = {"question": question}
        if cid:
            body["conversation_id"] = cid
        return c.post("/api/v1/ask", json=body).status_code

    # two colleagues behind one address each keep their own conversation budget ...
    assert [ask("nguoi-a"), ask("nguoi-a"), ask("nguoi-a")] == [200, 200, 429]
    assert [ask("nguoi-b"), ask("nguoi-b")] == [200, 200]
    # ... but the address as a whole is capped (5 at once here)
    assert ask("nguoi-c") == 429
    r = c.post("/api/v1/ask", json={"question": Q_LEAD, "conversation_id": "nguoi-d"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "quá nhanh" in r.json()["detail"]


def test_heavy_question_costs_more_of_the_limit(services: Services, tmp_path: Path) -> None:
    svc = variant(services, tmp_path, rate_limit_per_minute=6, rate_limit_burst=10)
    c = TestClient(create_app(svc, ui=False, warmup=False))
    heavy = "nhiệm vụ cải cách hành chính " * 68  # 1,972 characters, ~450 tokens: cost 7
    codes = [
        c.post("/api/v1/ask", json={"question": heavy, "conversation_id": "h"}).status_code
        for _ in range(3)
    ]
    assert codes[0] == 200 and 429 in codes, codes  # 10 tokens buy one heavy question
    light = [
        c.post("/api/v1/ask", json={"question": Q_LEAD, "conversation_id": "l"}).status_code
        for _ in range(5)
    ]
    assert light == [200] * 5


def test_forged_forwarded_for_is_ignored_unless_trusted(services: Services, tmp_path: Path) -> None:
    svc = variant(services, tmp_path, rate_limit_per_minute=6, rate_limit_burst=3)
    c = TestClient(create_app(svc, ui=False, warmup=False))
    codes = [
        c.get(
            "/api/v1/search", params={"q": "ai chu tri"}, headers={"X-Forwarded-For": f"10.0.0.{i}"}
        ).status_code
        for i in range(10)
    ]
    assert codes.count(429) >= 6, codes


def test_admin_key_attempts_are_limited_and_never_logged(
    admin_app: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    state = admin_app.app.state.troly  # type: ignore[attr-defined]
    try:
        with caplog.at_level(logging.DEBUG):
            codes = [
                admin_app.post(
                    "/api/v1/admin/reindex", headers={"X-API-Key": f"guess-{i}"}
                ).status_code
                for i in range(12)
            ]
            ok = admin_app.get("/api/v1/admin/feedback/export", headers=KEY)
        assert codes[:10] == [401] * 10 and codes[10:] == [429, 429], codes
        assert ok.status_code == 429  # locked out for a while, even with the right key
        assert "Retry-After" in ok.headers or "retry-after" in ok.headers
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert ADMIN_KEY not in logged and "guess-3" not in logged
    finally:
        state.admin_limiter._buckets.clear()  # the other admin tests use this client


def test_admin_key_comparison_is_constant_time() -> None:
    import inspect

    from troly.api import deps

    src = inspect.getsource(deps)
    assert "hmac.compare_digest(x_api_key.encode(), expected.encode())" in src
    assert "x_api_key ==" not in src and "== expected" not in src


# -- uploads -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_app(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Admin on, the bundled manifest visible (so bundled ids exist), an index of its own."""
    root = tmp_path_factory.mktemp("admin-rel")
    settings = Settings(
        corpus_dir=CORPUS,
        data_dir=root,
        qdrant=QdrantSettings(path=root / "q"),
        server={
            "admin_enabled": True,
            "admin_api_key": ADMIN_KEY,
            "feedback_db": root / "fb.sqlite3",
            "rate_limit_per_minute": 0,
            "rate_limit_per_ip_per_minute": 0,
            "max_upload_bytes": 1_000_000,  # the image bomb below is ~390 KB
            "max_upload_files": 5,
        },
    )
    svc = build_services(settings, embedder=services.embedder)
    with TestClient(create_app(svc, ui=False, warmup=False)) as c:
        c.svc = svc  # type: ignore[attr-defined]
        yield c
    svc.close()


def _zip_bomb() -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * 50_000_000)
    return buf.getvalue()


def _encrypted_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R"
        b"/Encrypt<</Filter/Standard/V 2/R 3/O(x)/U(y)/P -4>>>>\n%%EOF\n"
    )


HOSTILE_UPLOADS: list[tuple[str, bytes]] = [
    ("rong.txt", b""),
    ("trang.txt", b"   \n\n\t  \n"),
    ("nhi-phan.txt", bytes(range(256)) * 40),
    ("utf16.txt", "Kế hoạch cải cách hành chính".encode("utf-16")),
    ("latin1.txt", "Kế hoạch".encode()[:-1] + b"\xe9\xe8 caf\xe9"),
    ("../../x.txt", b"\xff\xfe\x00"),
    ("bom.docx", _zip_bomb()),
    ("bom-zip.txt", _zip_bomb()),
    ("ma-hoa.pdf", _encrypted_pdf()),
    ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
    ("khong-duoi", "Kế hoạch".encode()),
]


def _script() -> Any:
    """scripts/reliability.py, for its hostile-file builders (one copy of each)."""
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[2] / "scripts" / "reliability.py"
    spec = importlib.util.spec_from_file_location("reliability", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("reliability", module)
    spec.loader.exec_module(module)
    return module


def test_hostile_uploads_are_rejected_and_not_kept(admin_app: TestClient) -> None:
    svc: Services = admin_app.svc  # type: ignore[attr-defined]
    before = svc.store.count() if svc.store.exists() else 0
    rel = _script()
    # name, content, what the Vietnamese message must say (when the problem is specific)
    named = [
        # a scanned A4 page with a 20,480² image (~390 KB → 420 MB of pixels): refused
        # before OCR decodes it (it used to take ~40 s of Ghostscript, then fail)
        ("bom-anh.pdf", rel.pdf_image_bomb(), "bom giải nén"),
        ("ma-hoa-that.pdf", rel.encrypted_pdf(), "mật khẩu"),  # a real one (Ghostscript)
    ]
    cases = [(n, d, "") for n, d in HOSTILE_UPLOADS] + named
    for name, data, says in cases:
        t0 = time.perf_counter()
        r = admin_app.post(
            "/api/v1/admin/ingest", headers=KEY, files=[("files", (name, data, "text/plain"))]
        )
        took = time.perf_counter() - t0
        assert r.status_code in (413, 415, 422), (name, r.status_code, r.text[:200])
        assert is_vietnamese_error(r), (name, r.text[:300])
        assert says in r.json()["detail"], (name, r.json()["detail"])
        if name == "bom-anh.pdf":
            assert took < 15, took
    big = admin_app.post(
        "/api/v1/admin/ingest",
        headers=KEY,
        files=[("files", ("lon.txt", b"a" * 1_100_000, "text/plain"))],
    )
    assert big.status_code == 413 and is_vietnamese_error(big)
    many = admin_app.post(
        "/api/v1/admin/ingest",
        headers=KEY,
        files=[("files", (f"f{i}.txt", b"x", "text/plain")) for i in range(6)],
    )
    assert many.status_code == 422 and "tối đa 5" in many.json()["detail"]
    # nothing kept, nothing listed, nothing indexed, later reindex clean
    uploads = svc.settings.data_dir / "uploads"
    kept = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    assert kept == [], kept
    docs = admin_app.get("/api/v1/documents").json()
    assert not [d for d in docs if d["uploaded"]]
    assert (svc.store.count() if svc.store.exists() else 0) == before
    assert admin_app.get("/healthz").status_code == 200


def test_upload_cannot_replace_a_bundled_plan_unless_asked(admin_app: TestClient) -> None:
    svc: Services = admin_app.svc  # type: ignore[attr-defined]
    text = (CORPUS / "phu-tho-2021.txt").read_bytes()
    for kw in ({"data": {"doc_id": "phu-yen-2024"}}, {}):
        name = "phu-yen-2024.txt" if not kw else "ke-hoach.txt"
        r = admin_app.post(
            "/api/v1/admin/ingest", headers=KEY, files=[("files", (name, text, "text/plain"))], **kw
        )
        assert r.status_code == 409, r.text[:300]
        assert "replace_bundled" in r.json()["detail"] and is_vietnamese_error(r)
    docs = admin_app.get("/api/v1/documents").json()
    assert [d["doc_id"] for d in docs].count("phu-yen-2024") == 1
    assert not any(d["uploaded"] for d in docs)
    # asked for: replaced, listed once (as the upload), the detail shows the upload
    r = admin_app.post(
        "/api/v1/admin/ingest",
        headers=KEY,
        files=[("files", ("phu-yen-2024.txt", text, "text/plain"))],
        data={"replace_bundled": "true", "province": "Phú Thọ", "year": "2021"},
    )
    assert r.status_code == 200, r.text[:300]
    docs = admin_app.get("/api/v1/documents").json()
    rows = [d for d in docs if d["doc_id"] == "phu-yen-2024"]
    assert len(rows) == 1 and rows[0]["uploaded"] and rows[0]["province"] == "Phú Thọ"
    detail = admin_app.get("/api/v1/documents/phu-yen-2024").json()
    assert detail["province"] == "Phú Thọ"
    manifest = (svc.settings.data_dir / "uploads" / "manifest.yaml").read_text(encoding="utf-8")
    assert manifest.count("id: phu-yen-2024") == 1


def test_many_files_write_the_manifest_once(admin_app: TestClient) -> None:
    svc: Services = admin_app.svc  # type: ignore[attr-defined]
    mf = svc.settings.data_dir / "uploads" / "manifest.yaml"
    body = "I. MỤC TIÊU\n1. Nâng cao chất lượng phục vụ người dân số {i}.\n"
    files = [
        ("files", (f"du-thao-{i}.txt", body.format(i=i).encode(), "text/plain")) for i in range(5)
    ]
    writes: list[float] = []
    orig = Path.replace

    def spy(self: Path, target: Any) -> Any:
        if Path(target) == mf:
            writes.append(time.time())
        return orig(self, target)

    Path.replace = spy  # type: ignore[method-assign]
    try:
        r = admin_app.post("/api/v1/admin/ingest", headers=KEY, files=files)
    finally:
        Path.replace = orig  # type: ignore[method-assign]
    assert r.status_code == 200, r.text[:300]
    assert len(r.json()["doc_ids"]) == 5 and len(writes) == 1


def test_upload_named_with_a_path_stays_in_the_uploads_folder(admin_app: TestClient) -> None:
    """A valid plan named ``../../thoat-ra.txt`` is accepted under a safe id and written
    inside ``uploads/`` only, never next to the data folder."""
    svc: Services = admin_app.svc  # type: ignore[attr-defined]
    data_dir = svc.settings.data_dir
    body = "I. MỤC TIÊU\n1. Nâng cao chất lượng phục vụ người dân ở Thoát Ra.\n".encode()
    r = admin_app.post(
        "/api/v1/admin/ingest",
        headers=KEY,
        files=[("files", ("../../thoat-ra.txt", body, "text/plain"))],
    )
    assert r.status_code == 200, r.text[:300]
    assert all("/" not in d and ".." not in d for d in r.json()["doc_ids"])
    found = [p for p in data_dir.parent.rglob("thoat-ra*") if p.is_file()]
    assert found and all(p.is_relative_to(data_dir / "uploads") for p in found), found
    assert not (data_dir.parent.parent / "thoat-ra.txt").exists()


# -- feedback database ---------------------------------------------------------------------


def test_feedback_db_deleted_or_locked(
    services: Services, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    svc = variant(services, tmp_path, rate_limit_per_minute=0)
    app = create_app(svc, ui=False, warmup=False)
    app.state.troly.feedback.timeout = 0.5
    c = TestClient(app)
    answer = c.post("/api/v1/ask", json={"question": Q_LEAD}).json()
    fb = {"answer_id": answer["id"], "rating": "up"}
    assert c.post("/api/v1/feedback", json=fb).status_code == 201
    db = svc.settings.server.feedback_db
    db.unlink()
    assert c.post("/api/v1/feedback", json=fb).status_code == 201  # recreated
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 1
    # locked by another writer: a clear 503, the answer path unaffected, the error logged
    other = sqlite3.connect(db, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.ERROR, logger="troly"):
            r = c.post("/api/v1/feedback", json=fb)
            ask = c.post("/api/v1/ask", json={"question": Q_LEAD})
    finally:
        other.rollback()
        other.close()
    assert r.status_code == 503 and is_vietnamese_error(r)
    assert ask.status_code == 200
    assert any("feedback not stored" in rec.getMessage() for rec in caplog.records)
    assert c.post("/api/v1/feedback", json=fb).status_code == 201


# -- headers, logs, errors -----------------------------------------------------------------


def test_security_headers(client: TestClient) -> None:
    for path in ("/", "/ui/", "/docs", "/demo", "/api/v1/documents", "/healthz", "/openapi.json"):
        r = client.get(path)
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("x-frame-options") == "DENY", path
        assert "frame-ancestors 'none'" in r.headers.get("content-security-policy", ""), path
    ui = client.get("/ui/").headers["content-security-policy"]
    assert "img-src 'self' data: blob:;" in ui and "connect-src 'self'" in ui
    w = client.get("/widget.js")
    assert w.status_code == 200 and w.headers["x-content-type-options"] == "nosniff"
    assert "x-frame-options" not in w.headers and "content-security-policy" not in w.headers
    assert w.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "javascript" in w.headers["content-type"]
    err = client.post("/api/v1/ask", json={})
    assert err.headers["content-security-policy"].startswith("default-src 'none'")
    assert security_headers_for("/widget.js")[0] == (b"x-content-type-options", b"nosniff")


def test_log_lines_cannot_be_forged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    assert log_safe("a\nb\r\x1b[31m") == "a\\x0ab\\x0d\\x1b[31m"
    with caplog.at_level(logging.INFO, logger="troly.api.access"):
        client.get("/api/v1/khong%0A2026-01-01 INFO [x] troly.api.access: 1.2.3.4 GET /admin 200")
    lines = [r.getMessage() for r in caplog.records if r.name == "troly.api.access"]
    assert lines and all("\n" not in m for m in lines)
    assert any("\\x0a2026-01-01" in m for m in lines)


def test_logs_are_not_duplicated_after_underthesea_configures_logging() -> None:
    import io
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from troly.api.safety import configure_logging\n"
        "configure_logging()\n"
        "logging.basicConfig(level=logging.INFO)  # what underthesea does on first use\n"
        "logging.getLogger('troly.api').info('one line only')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert (out.stderr + out.stdout).count("one line only") == 1, out.stderr
    del io


def test_error_bodies_have_one_documented_shape(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(spec)
    ask = spec["paths"]["/api/v1/ask"]["post"]["responses"]
    for code in ("400", "413", "422", "429", "503"):
        assert ask[code]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    q = spec["components"]["schemas"]["AskRequest"]["properties"]["question"]
    assert q["minLength"] == 1 and q["maxLength"] == 2000
    r = client.post("/api/v1/ask", json={"question": 1})
    body = r.json()
    assert r.status_code == 422 and isinstance(body["detail"], str)
    assert body["errors"][0]["field"] == "question"
