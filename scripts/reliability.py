"""`make reliability`: fuzzing, hostile inputs, load and faults against a real `troly serve`.

Everything runs on 127.0.0.1 with bounded loops. The bundled corpus is indexed once into
``data/reliability/index`` (reused while the corpus does not change); each server start
gets a fresh copy of it, its own data folder and feedback database.

    python scripts/reliability.py                 # everything (about 15 minutes on 2 cores)
    python scripts/reliability.py --quick         # the short form (a few minutes)
    python scripts/reliability.py --only fuzz,faults

Figures go to ``eval/reports/reliability.json`` (and are printed as a table).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CORPUS = ROOT / "ingest" / "corpus"
WORK = ROOT / "data" / "reliability"
ADMIN_KEY = "reliability-admin-key-7f3a9c"
FEEDBACK, REVIEW = "/api/v1/feedback", "/api/v1/review"
SECRETS = ("Traceback", "site-packages", str(ROOT), "/tmp/", ADMIN_KEY, 'File "')

QUESTIONS = [
    "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024 ở Phú Yên?",
    "Sở Tư pháp Phú Yên chủ trì những nhiệm vụ nào?",
    "ai chu tri cai cach tai chinh cong o ha tinh nam 2025",
    "So sánh mục tiêu hài lòng của Phú Yên và Hà Tĩnh",
    "Việc nào phải xong trong Quý I/2024 ở Quảng Ngãi?",
    "Bình Phước đặt mục tiêu bao nhiêu phần trăm hồ sơ trực tuyến?",
    "Ai chủ trì tổ chức Cuộc thi tuyên truyền CCHC năm 2024 ở Phú Yên, bao giờ xong?",
    "Kế hoạch CCHC Phú Thọ 2021 có những nhiệm vụ gì về chính phủ điện tử?",
    "Tôi muốn làm căn cước công dân thì hỏi ở đâu?",
    "Thời tiết Hà Nội hôm nay thế nào?",
]


# -- server management ---------------------------------------------------------------------


def corpus_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(CORPUS.iterdir()):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def base_index() -> Path:
    """The bundled corpus indexed once (reused while the corpus is unchanged)."""
    folder = WORK / "index"
    stamp = folder / "corpus.sha"
    if stamp.is_file() and stamp.read_text() == corpus_hash() and (folder / "q").is_dir():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print("· indexing the bundled corpus once (reused by later runs) …", flush=True)
    env = {**os.environ, "TROLY_QDRANT__PATH": str(folder / "q"), "TROLY_DATA_DIR": str(folder)}
    subprocess.run([str(BIN / "troly"), "ingest"], env=env, check=True, cwd=ROOT)
    stamp.write_text(corpus_hash())
    return folder


def copy_store(source: Path, dest: Path) -> None:
    """A copy of an embedded store: for the edge engine only its published generation (the
    older ones a writer keeps for in-flight readers are not needed), else everything."""
    ignore = shutil.ignore_patterns(".lock", "write.lock", "CURRENT.*.tmp")
    edge = source / "edge"
    if not edge.is_dir():
        shutil.copytree(source, dest, ignore=ignore)
        return
    for coll in edge.iterdir():
        current = coll / "CURRENT"
        name = current.read_text(encoding="utf-8").strip() if current.is_file() else ""
        target = dest / "edge" / coll.name
        target.mkdir(parents=True, exist_ok=True)
        if name:
            shutil.copytree(coll / name, target / name)
            shutil.copy2(current, target / "CURRENT")
    for extra in source.iterdir():  # a local-mode store side by side, if any
        if extra.name != "edge":
            copy = shutil.copytree if extra.is_dir() else shutil.copy2
            copy(extra, dest / extra.name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`troly serve` in a subprocess on a free 127.0.0.1 port, over a copy of the index."""

    index: Path | None = None  # a built embedded store to copy (default: base_index()/q)

    def __init__(self, name: str, env: dict[str, str] | None = None, parent: Path | None = None):
        WORK.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f"troly-rel-{name}-", dir=parent or WORK))
        copy_store(Server.index or base_index() / "q", self.dir / "q")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.dir / "server.log"
        self.env = {
            **os.environ,
            "TROLY_QDRANT__PATH": str(self.dir / "q"),
            "TROLY_DATA_DIR": str(self.dir),
            "TROLY_SERVER__FEEDBACK_DB": str(self.dir / "feedback.sqlite3"),
            "TROLY_SERVER__ADMIN_ENABLED": "true",
            "TROLY_SERVER__ADMIN_API_KEY": ADMIN_KEY,
            "TROLY_SERVER__RATE_LIMIT_PER_MINUTE": "0",
            "TROLY_SERVER__RATE_LIMIT_PER_IP_PER_MINUTE": "0",
            "TROLY_SERVER__ADMIN_ATTEMPTS_PER_MINUTE": "100000",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def start(self) -> Server:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(BIN / "troly"), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_port(self, timeout: float = 180) -> float:
        """Seconds until the port accepts connections (lifespan start-up done)."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            assert self.proc and self.proc.poll() is None, self.log()[-2000:]
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return time.perf_counter() - self.started
            time.sleep(0.05)
        raise TimeoutError(f"server did not open its port: {self.log()[-2000:]}")

    def wait_ready(self, timeout: float = 240) -> float:
        self.wait_port(timeout)
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/readyz", timeout=5).status_code == 200:
                    return time.perf_counter() - self.started
            time.sleep(0.2)
        raise TimeoutError(f"server not ready: {self.log()[-2000:]}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def running(name: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    srv = Server(name, env).start()
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.cleanup()


def points(srv: Server) -> int:
    return int(httpx.get(srv.url + "/readyz", timeout=30).json()["qdrant"].get("points", -1))


def vietnamese_error(r: httpx.Response) -> bool:
    try:
        body = r.json()
    except ValueError:
        return False
    detail = body.get("detail")
    return (
        isinstance(detail, str) and not detail.isascii() and not any(s in r.text for s in SECRETS)
    )


# -- fuzz ----------------------------------------------------------------------------------


def run_fuzz(quick: bool) -> dict[str, Any]:
    """schemathesis over the whole /openapi.json (admin included, limits off)."""
    with running("fuzz") as srv:
        report = srv.dir / "st"
        cmd = [
            str(BIN / "st"),
            "--config-file",
            str(ROOT / "scripts" / "schemathesis.toml"),
            "run",
            f"{srv.url}/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            "ignored_auth,use_after_free,ensure_resource_availability",
            "-H",
            f"X-API-Key: {ADMIN_KEY}",
            "--max-examples",
            "15" if quick else "120",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",  # two workers hit "AST constructor recursion depth" errors in hypothesis
            "--seed",
            "13",
            "--no-color",
            "--suppress-health-check",
            "all",
            "--report",
            "ndjson",
            "--report-dir",
            str(report),
        ]
        t0 = time.perf_counter()
        # run in data/reliability: schemathesis keeps a cache folder in its working directory
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=WORK, timeout=3600)
        took = time.perf_counter() - t0
        text = out.stdout + out.stderr
        (WORK / "schemathesis.log").write_text(text, encoding="utf-8")
        cases, failures, server_errors = 0, 0, 0
        for f in report.glob("*.ndjson"):
            for line in f.read_text(encoding="utf-8").splitlines():
                ev = json.loads(line)
                scen = ev.get("ScenarioFinished") or {}
                rec = scen.get("recorder") or {}
                for check_list in (rec.get("checks") or {}).values():
                    for chk in check_list:
                        if chk.get("status") == "failure":
                            failures += 1
                for interaction in (rec.get("interactions") or {}).values():
                    cases += 1
                    resp = interaction.get("response") or {}
                    if int(resp.get("status_code") or 0) >= 500:
                        server_errors += 1
        summary = [
            ln.strip()[:200]
            for ln in text.splitlines()
            if ("passed" in ln or "failed" in ln or "Error:" in ln) and len(ln) < 300
        ][-4:]
        return {
            "exit_code": out.returncode,
            "requests": cases,
            "check_failures": failures,
            "server_errors": server_errors,
            "seconds": round(took, 1),
            "summary": summary,
            "healthy_after": httpx.get(srv.url + "/healthz", timeout=10).status_code == 200,
        }


# -- hostile inputs ------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * 100_000_000)
    return buf.getvalue()


def _flate_zeros(total: int, block: int = 1 << 22) -> bytes:
    """A zlib stream inflating to ``total`` zero bytes (a multiple of ``block``), built in
    well under a second: one fully-flushed deflate segment repeated, then the checksum."""
    import struct
    import zlib

    comp = zlib.compressobj(9)
    zero = b"\0" * block
    head = comp.compress(zero) + comp.flush(zlib.Z_FULL_FLUSH)
    seg = comp.compress(zero) + comp.flush(zlib.Z_FULL_FLUSH)
    n = max(1, total // block)
    adler = 1
    for _ in range(n):
        adler = zlib.adler32(zero, adler)
    return head + seg * (n - 1) + b"\x03\x00" + struct.pack(">I", adler)


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of ``objects`` (numbered from 1, object 1 the catalog) with its xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_image_bomb(side: int = 20480) -> bytes:
    """A one-page A4 PDF (no text: a "scanned" page, so OCR would render it) showing one
    side×side grey image: ~390 KB that inflate to 420 MB of pixels (20,480²)."""
    stream = _flate_zeros(side * side)
    image = (
        b"<</Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray"
        b"/BitsPerComponent 8/Filter/FlateDecode/Length %d>>stream\n" % (side, side, len(stream))
    )
    return _pdf(
        [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]"
            b"/Resources<</XObject<</Im0 4 0 R>>>>/Contents 5 0 R>>",
            image + stream + b"\nendstream",
            b"<</Length 31>>stream\nq 595 0 0 842 0 0 cm /Im0 Do Q\nendstream",
        ]
    )


def encrypted_pdf() -> bytes:
    """A real password-protected PDF (RC4 128-bit, user password set), written by
    Ghostscript (installed with ocrmypdf)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "enc.pdf"
        subprocess.run(
            [
                "gs",
                "-q",
                "-dNOPAUSE",
                "-dBATCH",
                "-sDEVICE=pdfwrite",
                "-sOwnerPassword=chu-so-huu",
                "-sUserPassword=mat-khau",
                "-dEncryptionR=3",
                "-dKeyLength=128",
                "-o",
                str(out),
                "-c",
                "/Helvetica findfont 20 scalefont setfont 72 720 moveto "
                "(Ke hoach cai cach hanh chinh nam 2024) show showpage",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return out.read_bytes()


def hostile_cases() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(name, method, path, httpx kwargs); every one must be a 4xx in Vietnamese."""
    ask = "/api/v1/ask"
    nfd = unicodedata.normalize("NFD", "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính? " * 45)
    cases: list[tuple[str, str, str, dict[str, Any]]] = [
        ("only control chars", "POST", ask, {"json": {"question": "\x00\x01\x1b\x7f"}}),
        ("only zero-width", "POST", ask, {"json": {"question": "\u200b\u200c\u200d\ufeff"}}),
        ("10k emoji", "POST", ask, {"json": {"question": "😀" * 10_000}}),
        ("only punctuation", "POST", ask, {"json": {"question": "?!… — ..."}}),
        ("NFD over the limit", "POST", ask, {"json": {"question": nfd * 2}}),
        ("question is a number", "POST", ask, {"json": {"question": 42}}),
        ("question missing", "POST", ask, {"json": {}}),
        ("malformed JSON", "POST", ask, {"content": b'{"question": "ai', "headers": _json()}),
        (
            "not UTF-8 JSON",
            "POST",
            ask,
            {"content": b'{"question":"\xff\xfe"}', "headers": _json()},
        ),
        ("text/plain body", "POST", ask, {"content": b"question=ai", "headers": _ct("text/plain")}),
        ("XML body", "POST", ask, {"content": b"<q>ai</q>", "headers": _ct("application/xml")}),
        ("form body", "POST", ask, {"data": {"question": "ai chu tri"}}),
        (
            "10,000-turn history",
            "POST",
            ask,
            {"json": {"question": "ai phối hợp?", "history": [{"question": "x"}] * 10_000}},
        ),
        (
            "huge conversation id",
            "POST",
            ask,
            {"json": {"question": "ai chủ trì?", "conversation_id": "a" * 60_000}},
        ),
        (
            "conversation id injection",
            "POST",
            ask,
            {"json": {"question": "ai chủ trì?", "conversation_id": "x'; DROP TABLE t;--"}},
        ),
        ("body over the limit", "POST", ask, {"json": {"question": "a" * 70_000}}),
        ("year overflow", "POST", ask, {"json": {"question": "ai?", "filters": {"year": 10**40}}}),
        ("search k text", "GET", "/api/v1/search", {"params": {"q": "ai", "k": "mười"}}),
        ("search empty", "GET", "/api/v1/search", {"params": {"q": "   "}}),
        ("huge doc id", "GET", "/api/v1/documents/" + "d" * 10_000, {}),
        ("path traversal doc id", "GET", "/api/v1/documents/..%2F..%2Fetc%2Fpasswd", {}),
        (
            "feedback bad rating",
            "POST",
            "/api/v1/feedback",
            {"json": {"answer_id": "x", "rating": "meh"}},
        ),
        (
            "feedback unknown answer",
            "POST",
            "/api/v1/feedback",
            {"json": {"answer_id": "x" * 64, "rating": "up"}},
        ),
        ("review empty", "POST", REVIEW, {"json": {"text": ""}}),
        (
            "review wrong type",
            "POST",
            "/api/v1/review",
            {"content": b"x", "headers": _ct("image/png")},
        ),
        ("wrong method", "PUT", ask, {"json": {"question": "ai?"}}),
        ("admin wrong key", "POST", "/api/v1/admin/reindex", {"headers": {"X-API-Key": "x"}}),
    ]
    uploads: list[tuple[str, bytes]] = [
        ("empty.txt", b""),
        ("blank.txt", b" \n\t\n"),
        ("binary.txt", bytes(range(256)) * 64),
        ("utf16.txt", "Kế hoạch cải cách hành chính".encode("utf-16")),
        ("cp1258.txt", b"K\xea ho\xb8ch c\xb6i c\xb8ch"),
        ("../../x.txt", b"\x00\x01"),
        ("zip-bomb.docx", _zip_bomb()),
        ("zip-bomb.txt", _zip_bomb()),
        ("pdf-image-bomb.pdf", pdf_image_bomb()),
        ("encrypted.pdf", encrypted_pdf()),
        ("encrypted-stub.pdf", b"%PDF-1.4\ntrailer<</Encrypt<</Filter/Standard/V 2>>>>\n%%EOF"),
        ("oversize.txt", b"a" * 6_000_000),
        ("no-suffix", "Kế hoạch".encode()),
        ("phu-yen-2024.txt", (CORPUS / "phu-tho-2021.txt").read_bytes()),  # bundled id
    ]
    for name, data in uploads:
        cases.append(
            (
                f"upload {name}",
                "POST",
                "/api/v1/admin/ingest",
                {
                    "files": [("files", (name, data, "text/plain"))],
                    "headers": {"X-API-Key": ADMIN_KEY},
                },
            )
        )
    cases.append(
        (
            "upload 21 files",
            "POST",
            "/api/v1/admin/ingest",
            {
                "files": [("files", (f"f{i}.txt", b"x", "text/plain")) for i in range(21)],
                "headers": {"X-API-Key": ADMIN_KEY},
            },
        )
    )
    return cases


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def _ct(value: str) -> dict[str, str]:
    return {"Content-Type": value}


# What the Vietnamese message must name, for uploads whose problem is specific.
HOSTILE_NAMES = {
    "upload pdf-image-bomb.pdf": "bom giải nén",
    "upload encrypted.pdf": "mật khẩu",
    "upload oversize.txt": "quá lớn",
    "upload phu-yen-2024.txt": "replace_bundled",
}


def run_hostile(quick: bool) -> dict[str, Any]:
    with running("hostile") as srv:
        before = points(srv)
        bad: list[str] = []
        tried = 0
        seconds: dict[str, float] = {}
        with httpx.Client(base_url=srv.url, timeout=120) as c:
            for name, method, path, kw in hostile_cases():
                tried += 1
                t0 = time.perf_counter()
                r = c.request(method, path, **kw)
                seconds[name] = round(time.perf_counter() - t0, 2)
                ok = 400 <= r.status_code < 500 and vietnamese_error(r)
                if ok and name in HOSTILE_NAMES:
                    ok = HOSTILE_NAMES[name] in r.json()["detail"]
                if not ok:
                    bad.append(f"{name}: {r.status_code} {r.text[:160]}")
                if c.get("/healthz").status_code != 200:
                    bad.append(f"{name}: server unhealthy after it")
            # answered (200) hostile questions: injection strings, markup, NFD
            for q in (
                "<script>alert(1)</script> Ai chủ trì kế hoạch kiểm soát TTHC?",
                "'; DROP TABLE feedback; -- ai chủ trì?",
                "![x](https://evil.example/x.png) ai chủ trì?",
                "Ai\x00 chủ\u200b trì\x1b[31m kế hoạch?",
                "ệ" * 2000,  # 2,000 model tokens: cut to the work cap, answered
                unicodedata.normalize("NFD", QUESTIONS[6]),
            ):
                tried += 1
                r = c.post("/api/v1/ask", json={"question": q})
                if r.status_code != 200 or any(s in r.text for s in SECRETS):
                    bad.append(f"answered {q[:30]!r}: {r.status_code}")
            a = c.post("/api/v1/ask", json={"question": QUESTIONS[6]}).json()
            b = c.post(
                "/api/v1/ask", json={"question": unicodedata.normalize("NFD", QUESTIONS[6])}
            ).json()
            nfd_same = a.get("answer") == b.get("answer")
            uploads = srv.dir / "uploads"
            kept = [str(p) for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
            after = points(srv)
            listed = [d for d in c.get("/api/v1/documents").json() if d.get("uploaded")]
            # a valid plan named with a path: accepted under a safe id, kept in uploads/
            tried += 1
            body = "I. MỤC TIÊU\n1. Nâng cao chất lượng phục vụ người dân.\n".encode()
            r = c.post(
                "/api/v1/admin/ingest",
                headers={"X-API-Key": ADMIN_KEY},
                files=[("files", ("../../thoat-ra.txt", body, "text/plain"))],
            )
            outside = [srv.dir.parent / "thoat-ra.txt", WORK / "thoat-ra.txt"]
            inside = list((srv.dir / "uploads").rglob("thoat-ra.txt"))
            if r.status_code != 200 or any(p.exists() for p in outside) or not inside:
                bad.append(f"upload ../../thoat-ra.txt (valid text): {r.status_code} {inside}")
        return {
            "tried": tried,
            "mishandled": len(bad),
            "details": bad,
            "points_before": before,
            "points_after": after,
            "files_kept": kept,
            "uploads_listed": len(listed),
            "nfd_same_answer": nfd_same,
            "slowest_s": sorted(seconds.items(), key=lambda kv: -kv[1])[:3],
        }


# -- load ----------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


async def _load(url: str, clients: int, streams: int, seconds: float) -> dict[str, Any]:
    lat: list[float] = []
    slat: list[float] = []
    errors: list[str] = []
    end = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients + streams + 5)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as c:

        async def asker(i: int) -> None:
            n = i
            while time.perf_counter() < end:
                q = QUESTIONS[n % len(QUESTIONS)]
                n += 1
                t0 = time.perf_counter()
                try:
                    r = await c.post("/api/v1/ask", json={"question": q})
                    if r.status_code != 200:
                        errors.append(f"ask {r.status_code}")
                    else:
                        lat.append(time.perf_counter() - t0)
                except httpx.HTTPError as exc:
                    errors.append(f"ask {type(exc).__name__}")

        async def streamer(i: int) -> None:
            n = i
            while time.perf_counter() < end:
                q = QUESTIONS[n % len(QUESTIONS)]
                n += 1
                t0 = time.perf_counter()
                try:
                    async with c.stream("POST", "/api/v1/ask/stream", json={"question": q}) as r:
                        body = "".join([chunk async for chunk in r.aiter_text()])
                    if r.status_code != 200 or "event: done" not in body:
                        errors.append(f"stream {r.status_code}")
                    else:
                        slat.append(time.perf_counter() - t0)
                except httpx.HTTPError as exc:
                    errors.append(f"stream {type(exc).__name__}")

        t0 = time.perf_counter()
        await asyncio.gather(
            *(asker(i) for i in range(clients)), *(streamer(i) for i in range(streams))
        )
        took = time.perf_counter() - t0
    return {
        "clients": clients,
        "streams": streams,
        "seconds": round(took, 1),
        "asks": len(lat),
        "streams_done": len(slat),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:10],
        "req_per_s": round((len(lat) + len(slat)) / took, 2),
        "p50_ms": round(_pct(lat, 50) * 1000),
        "p95_ms": round(_pct(lat, 95) * 1000),
        "p99_ms": round(_pct(lat, 99) * 1000),
        "stream_p50_ms": round(_pct(slat, 50) * 1000),
        "stream_p95_ms": round(_pct(slat, 95) * 1000),
    }


def run_load(quick: bool) -> dict[str, Any]:
    seconds = 20 if quick else 60
    with running("load") as srv:
        proc = psutil.Process(srv.pid)
        # warm the caches once, then measure RSS before, during and after
        httpx.post(srv.url + "/api/v1/ask", json={"question": QUESTIONS[0]}, timeout=120)
        rss: list[float] = [proc.memory_info().rss / 2**20]
        load_before = os.getloadavg()[0]

        async def sampled() -> dict[str, Any]:
            async def sample() -> None:
                while True:
                    await asyncio.sleep(5)
                    rss.append(proc.memory_info().rss / 2**20)

            task = asyncio.create_task(sample())
            try:
                return await _load(srv.url, 50, 10, seconds)
            finally:
                task.cancel()

        out = asyncio.run(sampled())
        rss.append(proc.memory_info().rss / 2**20)
        # a second, identical round: RSS must not keep growing
        out2 = asyncio.run(_load(srv.url, 50, 10, seconds / 2))
        rss.append(proc.memory_info().rss / 2**20)
        out.update(
            {
                "load_avg_before": round(load_before, 2),
                "load_avg_after": round(os.getloadavg()[0], 2),
                "rss_mib_start": round(rss[0]),
                "rss_mib_peak": round(max(rss)),
                "rss_mib_end_round1": round(rss[-2]),
                "rss_mib_end_round2": round(rss[-1]),
                "round2_errors": out2["errors"],
                "round2_req_per_s": out2["req_per_s"],
            }
        )
        return out


# -- faults --------------------------------------------------------------------------------


def fault_fresh_starts(n: int) -> dict[str, Any]:
    """Start, then ask at once (as soon as the port opens): no 503 from a warm-up race,
    and /readyz, once ready, stays ready."""
    failures: list[str] = []
    firsts: list[float] = []
    flicker = 0
    for i in range(n):
        srv = Server(f"start{i}").start()
        try:
            srv.wait_port()
            t0 = time.perf_counter()
            r = httpx.post(srv.url + "/api/v1/ask", json={"question": QUESTIONS[0]}, timeout=240)
            firsts.append(time.perf_counter() - t0)
            if r.status_code != 200 or not r.json().get("citations"):
                failures.append(f"start {i}: {r.status_code} {r.text[:120]}")
            seen_ready = False
            for _ in range(20):
                ok = httpx.get(srv.url + "/readyz", timeout=30).status_code == 200
                if seen_ready and not ok:
                    flicker += 1
                seen_ready = seen_ready or ok
                time.sleep(0.1)
            if "warm-up incomplete" in srv.log() or "already accessed" in srv.log():
                failures.append(f"start {i}: log shows a warm-up race")
        finally:
            srv.cleanup()
    return {
        "starts": n,
        "failures": len(failures),
        "details": failures,
        "readyz_flicker": flicker,
        "first_answer_s_median": round(statistics.median(firsts), 2) if firsts else None,
    }


def fault_heavy_client(quick: bool) -> dict[str, Any]:
    """Five normal clients alone, then with one client sending the heaviest accepted
    questions as fast as the limit lets it (distinct addresses via a trusted proxy)."""
    seconds = 15 if quick else 60  # longer than the burst: the rate limit must bind
    env = {  # the default limits (30/min per conversation, 120/min per address)
        "TROLY_SERVER__RATE_LIMIT_PER_MINUTE": "30",
        "TROLY_SERVER__RATE_LIMIT_BURST": "10",
        "TROLY_SERVER__RATE_LIMIT_PER_IP_PER_MINUTE": "120",
        "TROLY_SERVER__RATE_LIMIT_IP_BURST": "40",
        "TROLY_SERVER__TRUST_PROXY_HEADERS": "true",
        "TROLY_SERVER__FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    heavy_q = "nhiệm vụ cải cách hành chính " * 68  # 1,972 characters, ~410 tokens

    async def normal(c: httpx.AsyncClient, i: int, end: float, lat: list[float]) -> int:
        done = 0
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            r = await c.post(
                "/api/v1/ask",
                json={"question": QUESTIONS[(i + done) % 8], "conversation_id": f"n{i}-{done}"},
                headers={"X-Forwarded-For": f"10.1.0.{i}"},
            )
            if r.status_code == 200:
                lat.append(time.perf_counter() - t0)
                done += 1
            elif r.status_code == 429:
                await asyncio.sleep(float(r.headers.get("retry-after", "1")))
        return done

    async def heavy(c: httpx.AsyncClient, end: float, codes: list[int]) -> None:
        while time.perf_counter() < end:
            for q in (heavy_q, "ệ" * 2000):
                r = await c.post(
                    "/api/v1/ask",
                    json={"question": q, "conversation_id": f"h{len(codes)}"},
                    headers={"X-Forwarded-For": "10.9.9.9"},
                )
                codes.append(r.status_code)

    async def round_(with_heavy: bool) -> dict[str, Any]:
        lat: list[float] = []
        codes: list[int] = []
        end = time.perf_counter() + seconds
        async with httpx.AsyncClient(base_url=srv.url, timeout=120) as c:
            tasks = [normal(c, i, end, lat) for i in range(5)]
            if with_heavy:
                tasks.append(heavy(c, end, codes))  # type: ignore[arg-type]
            t0 = time.perf_counter()
            await asyncio.gather(*tasks)
            took = time.perf_counter() - t0
        return {
            "normal_req_per_s": round(len(lat) / took, 2),
            "normal_p95_ms": round(_pct(lat, 95) * 1000),
            "heavy_accepted": codes.count(200),
            "heavy_429": codes.count(429),
            "heavy_422": codes.count(422),
        }

    with running("heavy", env) as srv:
        httpx.post(srv.url + "/api/v1/ask", json={"question": QUESTIONS[0]}, timeout=120)
        alone = asyncio.run(round_(False))
        mixed = asyncio.run(round_(True))
    ratio = (
        mixed["normal_req_per_s"] / alone["normal_req_per_s"] if alone["normal_req_per_s"] else 0
    )
    return {"alone": alone, "with_heavy": mixed, "throughput_ratio": round(ratio, 2)}


def _troly_status(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "troly"), "status"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def _ask_until_ok(srv: Server, tries: int = 120) -> float | None:
    """Seconds until /ask answers 200 again (no restart), or None."""
    t0 = time.perf_counter()
    for _ in range(tries):
        r = httpx.post(srv.url + "/api/v1/ask", json={"question": QUESTIONS[0]}, timeout=120)
        if r.status_code == 200 and r.json().get("citations"):
            return round(time.perf_counter() - t0, 2)
        time.sleep(0.5)
    return None


def _edge_root(srv: Server) -> Path:
    return srv.dir / "q" / "edge" / "troly_chunks"


def _fault_moved_away(srv: Server) -> Any:
    shutil.move(srv.dir / "q", srv.dir / "q-moved")
    return lambda: shutil.move(srv.dir / "q-moved", srv.dir / "q")


def _fault_missing_generation(srv: Server) -> Any:
    current = _edge_root(srv) / "CURRENT"
    name = current.read_text(encoding="utf-8")
    current.write_text("gen-00099999-0a1b2c3d", encoding="utf-8")
    return lambda: current.write_text(name, encoding="utf-8")


def _fault_current_lost(srv: Server) -> Any:
    current = _edge_root(srv) / "CURRENT"
    name = current.read_text(encoding="utf-8")
    current.unlink()
    return lambda: current.write_text(name, encoding="utf-8")


def _fault_corrupted(srv: Server) -> Any:
    """A published generation whose segment files are garbage (CURRENT names it)."""
    root = _edge_root(srv)
    current = root / "CURRENT"
    name = current.read_text(encoding="utf-8")
    bad = root / "gen-00099998-c0rrup7e"
    shutil.copytree(root / name, bad)
    for f in bad.rglob("segment.json"):
        f.write_bytes(b"\x00{not json")
    current.write_text(bad.name, encoding="utf-8")

    def undo() -> None:
        current.write_text(name, encoding="utf-8")
        shutil.rmtree(bad, ignore_errors=True)

    return undo


def _fault_no_permission(srv: Server) -> Any:
    root = _edge_root(srv)
    root.chmod(0)
    return lambda: root.chmod(0o755)


# name → (make the fault, return its undo; a word the Vietnamese 503 must contain;
# whether a fresh `troly status` can tell: a folder moved away reads as "nothing indexed
# yet" to a process that never saw it)
STORE_FAULTS: dict[str, tuple[Any, str, bool]] = {
    "folder moved away": (_fault_moved_away, "không tìm thấy thư mục", False),
    "CURRENT names a missing generation": (_fault_missing_generation, "không tồn tại", True),
    "CURRENT lost": (_fault_current_lost, "thiếu tệp CURRENT", True),
    "generation corrupted": (_fault_corrupted, "bị hỏng", True),
    "no read permission": (_fault_no_permission, "không có quyền", True),
}


def fault_store_unavailable() -> dict[str, Any]:
    """The default embedded store (edge) made unavailable under a running `troly serve`,
    one fault at a time: /ask, /ask/stream, /search and /readyz answer 503 naming the
    problem in Vietnamese (no path in the body; the path in the server log), `troly status`
    exits 1 with the path; once the store is back the same server answers again, without a
    restart."""
    results: dict[str, Any] = {}
    with running("unavailable") as srv, httpx.Client(base_url=srv.url, timeout=120) as c:
        before = c.post("/api/v1/ask", json={"question": QUESTIONS[0]}).json()
        for name, (make, word, status_can_tell) in STORE_FAULTS.items():
            if name == "no read permission" and os.geteuid() == 0:
                results[name] = {"skipped": "running as root: permissions are not enforced"}
                continue
            log_mark = len(srv.log())
            undo = make(srv)
            try:
                codes, clear, leaks = {}, True, []
                for method, path, kw in (
                    ("POST", "/api/v1/ask", {"json": {"question": QUESTIONS[0]}}),
                    ("POST", "/api/v1/ask/stream", {"json": {"question": QUESTIONS[1]}}),
                    ("GET", "/api/v1/search", {"params": {"q": "ai chủ trì"}}),
                    ("GET", "/readyz", {}),
                ):
                    r = c.request(method, path, **kw)
                    codes[path] = r.status_code
                    detail = r.json().get("detail") or ""
                    clear = clear and word in detail and not detail.isascii()
                    if str(srv.dir) in r.text or any(s in r.text for s in SECRETS):
                        leaks.append(path)
                status = _troly_status(srv.env)
                time.sleep(0.3)
                logged = str(srv.dir / "q") in srv.log()[log_mark:]
            finally:
                undo()
            recovered = _ask_until_ok(srv)
            results[name] = {
                "codes": codes,
                "all_503": set(codes.values()) == {503},
                "clear_message": clear,
                "path_leaks": leaks,
                "path_in_log": logged,
                "troly_status_exit": status.returncode,
                "status_names_path": str(srv.dir / "q") in status.stderr + status.stdout,
                "status_can_tell": status_can_tell,
                "recovered_after_s": recovered,
            }
        after = c.post("/api/v1/ask", json={"question": QUESTIONS[0]}).json()
    tried = [v for v in results.values() if "skipped" not in v]
    survived = [
        v
        for v in tried
        if v["all_503"]
        and v["clear_message"]
        and not v["path_leaks"]
        and v["path_in_log"]
        and v["recovered_after_s"] is not None
        and (not v["status_can_tell"] or (v["troly_status_exit"] == 1 and v["status_names_path"]))
    ]
    return {
        "faults": results,
        "injected": len(tried),
        "survived": len(survived),
        "same_answer_after": before.get("answer") == after.get("answer"),
    }


HOLD_STORE = (
    "import sys, time\n"
    "from qdrant_client import QdrantClient\n"
    "c = QdrantClient(path=sys.argv[1])\n"
    "print('held', flush=True)\n"
    "time.sleep(600)\n"
)


def local_copy(edge_path: Path, dest: Path) -> int:
    """The points of an edge store copied (vectors included) into a qdrant-client local
    mode store at ``dest`` (for the engine=local faults)."""
    sys.path.insert(0, str(ROOT / "src"))
    from troly.index_store import IndexStore, export_points, import_points
    from troly.settings import QdrantSettings

    dump = dest.parent / "points.jsonl.gz"
    src = IndexStore(QdrantSettings(path=edge_path))
    try:
        export_points(src, dump)
    finally:
        src.close()
    dst = IndexStore(QdrantSettings(path=dest, engine="local"))
    try:
        return import_points(dst, dump)
    finally:
        dst.close()
        dump.unlink(missing_ok=True)


def fault_store_locked() -> dict[str, Any]:
    """engine=local (qdrant-client local mode, one process per folder): another process
    holds the store. 503 with a clear message, `troly status` exits 1; once it lets go,
    the server recovers by itself (no restart)."""
    srv = Server("locked", {"TROLY_QDRANT__ENGINE": "local"})
    local = srv.dir / "q-local"
    local_copy(srv.dir / "q", local)
    srv.env["TROLY_QDRANT__PATH"] = str(local)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_STORE, str(local)], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        holder.stdout.readline()
        srv.start()
        srv.wait_port()
        r = httpx.post(srv.url + "/api/v1/ask", json={"question": QUESTIONS[0]}, timeout=120)
        ready = httpx.get(srv.url + "/readyz", timeout=30)
        status = _troly_status(srv.env)
        detail = r.json().get("detail") or ""
        during = {
            "ask_status": r.status_code,
            "ask_detail": detail,
            "readyz": ready.status_code,
            "clear_message": vietnamese_error(r) and "khoá" in detail,
            "path_leak": str(srv.dir) in r.text + ready.text,
            "troly_status_exit": status.returncode,
        }
        holder.terminate()
        holder.wait(10)
        return {**during, "recovered_after_s": _ask_until_ok(srv)}
    finally:
        holder.kill()
        holder.wait(10)
        srv.cleanup()


NEW_TERM = "Kỳ Lân Xanh"  # in the new plan only
CHANGED_TERM = "Cà phê Hành chính Lam Ngọc"  # added to a bundled plan's new version


def _side_by_side_files(folder: Path, quick: bool) -> tuple[Path, Path]:
    """A new plan (Khánh Hòa 2026, made from the Phú Thọ text) and a changed version of a
    bundled plan (phu-tho-2021 with one task added), as a user would pass them to
    `troly ingest PATH…`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (CORPUS / "phu-tho-2021.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    if quick:
        lines = lines[:70]
    base = "\n".join(lines) + "\n"
    task = "a) Xây dựng, ban hành và tổ chức triển khai Kế hoạch CCHC"
    new = (
        base.replace("Phú Thọ", "Khánh Hòa")
        .replace("PHÚ THỌ", "KHÁNH HÒA")
        .replace("2021", "2026")
        .replace(
            task,
            f"a) Văn phòng UBND tỉnh chủ trì triển khai hệ thống trợ lý số {NEW_TERM} tại "
            "Trung tâm Phục vụ hành chính công tỉnh.\n\n" + task,
        )
    )
    changed = base.replace(
        task,
        f"a) Sở Nội vụ chủ trì thí điểm mô hình {CHANGED_TERM} tại bộ phận một cửa cấp "
        "huyện.\n\n" + task,
    )
    a, b = folder / "khanh-hoa-2026.txt", folder / "phu-tho-2021.txt"
    a.write_text(new, encoding="utf-8")
    b.write_text(changed, encoding="utf-8")
    return a, b


def _store_state(path: Path) -> dict[str, Any]:
    """What a separate reader process sees in the store (edge: many readers at once)."""
    sys.path.insert(0, str(ROOT / "src"))
    from collections import Counter

    from troly.index_store import IndexStore
    from troly.settings import QdrantSettings

    store = IndexStore(QdrantSettings(path=path))
    try:
        chunks = store.chunks()
        keys = Counter((c.doc_id, c.kind, c.ordinal) for c in chunks)
        return {
            "points": store.count(),
            "per_doc": dict(Counter(c.doc_id for c in chunks)),
            "duplicates": [list(k) for k, n in keys.items() if n > 1],
            "complete": sorted(store.document_hashes()),
        }
    finally:
        store.close()


def fault_ingest_while_serving(quick: bool) -> dict[str, Any]:
    """Serving and ingest side by side: a running `troly serve` and a separate
    `troly ingest PATH…` process (a new plan and a changed bundled plan). Clients ask and
    search all along; none may fail, and once the ingest has finished the same server (no
    restart) finds and answers from both documents."""
    with running("side") as srv:
        files = _side_by_side_files(srv.dir / "incoming", quick)
        before = _store_state(srv.dir / "q")
        errors: list[str] = []
        calls = {"ask": 0, "search": 0}
        stop = threading.Event()
        seen_new: list[float] = []

        def asker() -> None:
            with httpx.Client(base_url=srv.url, timeout=120) as c:
                n = 0
                while not stop.is_set():
                    q = QUESTIONS[n % len(QUESTIONS)]
                    n += 1
                    try:
                        r = c.post("/api/v1/ask", json={"question": q})
                        calls["ask"] += 1
                        if r.status_code != 200:
                            errors.append(f"ask {r.status_code} {r.text[:120]}")
                    except httpx.HTTPError as exc:
                        errors.append(f"ask {type(exc).__name__}")

        def searcher() -> None:
            with httpx.Client(base_url=srv.url, timeout=120) as c:
                while not stop.is_set():
                    try:
                        r = c.get("/api/v1/search", params={"q": NEW_TERM, "k": 3})
                        calls["search"] += 1
                        if r.status_code != 200:
                            errors.append(f"search {r.status_code} {r.text[:120]}")
                        elif any(NEW_TERM in h["text"] for h in r.json()["results"]):
                            seen_new.append(time.perf_counter())
                    except httpx.HTTPError as exc:
                        errors.append(f"search {type(exc).__name__}")
                    time.sleep(0.2)

        threads = [threading.Thread(target=f, daemon=True) for f in (asker, searcher)]
        for t in threads:
            t.start()
        time.sleep(2)
        t0 = time.perf_counter()
        ingest = subprocess.run(
            [str(BIN / "troly"), "ingest", *map(str, files)],
            env=srv.env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=1800,
        )
        ingest_done = time.perf_counter()
        deadline = ingest_done + 60
        while not seen_new and time.perf_counter() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # keep asking a little after the switch
        stop.set()
        for t in threads:
            t.join(150)
        with httpx.Client(base_url=srv.url, timeout=120) as c:
            new_hit = c.get("/api/v1/search", params={"q": NEW_TERM, "k": 3}).json()["results"]
            changed_hit = c.get("/api/v1/search", params={"q": CHANGED_TERM, "k": 3}).json()[
                "results"
            ]
            answer = c.post(
                "/api/v1/ask",
                json={"question": f"Ai chủ trì triển khai hệ thống trợ lý số {NEW_TERM}?"},
            ).json()
            ready_points = points(srv)
        after = _store_state(srv.dir / "q")
    first_seen = min((x for x in seen_new if x >= t0), default=None)
    return {
        "ingest_exit": ingest.returncode,
        "ingest_stdout": ingest.stdout.strip().splitlines()[:4],
        "ingest_s": round(ingest_done - t0, 1),
        "asks_during": calls["ask"],
        "searches_during": calls["search"],
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "new_doc_found_after_ingest_s": (
            round(first_seen - ingest_done, 2) if first_seen is not None else None
        ),
        "new_doc_searchable": bool(new_hit) and new_hit[0]["doc_id"] == "khanh-hoa-2026",
        "changed_doc_searchable": bool(changed_hit) and changed_hit[0]["doc_id"] == "phu-tho-2021",
        "answer_cites_new_doc": any(
            c.get("doc_id") == "khanh-hoa-2026" for c in answer.get("citations") or []
        ),
        "answer_refused": answer.get("refused"),
        "points_before": before["points"],
        "points_after": after["points"],
        "readyz_points_after": ready_points,
        "per_doc_before": before["per_doc"],
        "per_doc_after": after["per_doc"],
        "duplicates_after": after["duplicates"],
        "complete_after": after["complete"],
    }


def fault_feedback_db() -> dict[str, Any]:
    with running("feedback") as srv, httpx.Client(base_url=srv.url, timeout=120) as c:
        a = c.post("/api/v1/ask", json={"question": QUESTIONS[0]}).json()
        fb = {"answer_id": a["id"], "rating": "up"}
        first = c.post("/api/v1/feedback", json=fb).status_code
        db = srv.dir / "feedback.sqlite3"
        db.unlink()
        after_delete = c.post("/api/v1/feedback", json=fb).status_code
        lock = sqlite3.connect(db, timeout=0)
        lock.execute("BEGIN EXCLUSIVE")
        t0 = time.perf_counter()
        locked = c.post("/api/v1/feedback", json=fb)
        locked_s = time.perf_counter() - t0
        ask_while_locked = c.post("/api/v1/ask", json={"question": QUESTIONS[1]}).status_code
        lock.rollback()
        lock.close()
        after_unlock = c.post("/api/v1/feedback", json=fb).status_code
        logged = "feedback not stored" in srv.log()
    return {
        "first": first,
        "after_delete": after_delete,
        "while_locked": locked.status_code,
        "while_locked_clear": vietnamese_error(locked),
        "while_locked_s": round(locked_s, 2),
        "ask_while_locked": ask_while_locked,
        "after_unlock": after_unlock,
        "error_logged": logged,
    }


def fault_network(quick: bool) -> dict[str, Any]:
    """Spoofed X-Forwarded-For (proxy headers off), half-open connections, log forging,
    admin key guessing, duplicate log lines after the first upload."""
    env = {
        "TROLY_SERVER__RATE_LIMIT_PER_MINUTE": "30",
        "TROLY_SERVER__RATE_LIMIT_BURST": "10",
        "TROLY_SERVER__RATE_LIMIT_PER_IP_PER_MINUTE": "300",
        "TROLY_SERVER__RATE_LIMIT_IP_BURST": "60",
        "TROLY_SERVER__ADMIN_ATTEMPTS_PER_MINUTE": "10",
        "TROLY_SERVER__HEADER_TIMEOUT": "2",
    }
    with running("net", env) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        t_spoof = time.perf_counter()
        spoofed = [
            c.get(
                "/api/v1/search",
                params={"q": "ai chủ trì"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            ).status_code
            for i in range(100)
        ]
        spoof_s = time.perf_counter() - t_spoof
        # a connection that sends half a request head is closed after the deadline
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        s.settimeout(15)
        t0 = time.perf_counter()
        try:
            closed = s.recv(1024) == b""
        except (TimeoutError, OSError):
            closed = False
        half_open_s = time.perf_counter() - t0
        s.close()
        # a slow but live SSE answer is not cut by the deadline
        with c.stream("POST", "/api/v1/ask/stream", json={"question": QUESTIONS[1]}) as r:
            sse_ok = "event: done" in "".join(r.iter_text())
        c.get("/api/v1/x%0A2026-01-01 00:00:00 INFO [-] troly.api.access: forged")
        guesses = [
            c.post("/api/v1/admin/reindex", headers={"X-API-Key": f"g{i}"}).status_code
            for i in range(15)
        ]
        up = c.post(
            "/api/v1/admin/ingest",
            headers={"X-API-Key": ADMIN_KEY},
            files=[("files", ("rel-a.txt", "I. MỤC TIÊU\n1. Một.\n".encode(), "text/plain"))],
        ).status_code
        c.get("/healthz", headers={"X-Request-ID": "dup-check-1"})
        c.get("/api/v1/documents", headers={"X-Request-ID": "dup-check-2"})
        time.sleep(0.5)
        log = srv.log()
    forged = any(line.startswith("2026-01-01 00:00:00 INFO [-]") for line in log.splitlines())
    return {
        "spoofed_xff_requests": len(spoofed),
        "spoofed_xff_passed": spoofed.count(200),
        "spoofed_xff_429": spoofed.count(429),
        # what one honest client may get in that time: the burst + 30/min refill
        "spoofed_xff_allowed": int(10 + 0.5 * spoof_s) + 1,
        "half_open_closed": closed,
        "half_open_closed_after_s": round(half_open_s, 1),
        "sse_not_cut": sse_ok,
        "log_line_forged": forged,
        "admin_guesses_401": guesses.count(401),
        "admin_guesses_429": guesses.count(429),
        "upload_status_with_wrong_key_lockout": up,
        "dup_log_lines": log.count("dup-check-2") - 1,
        "key_in_log": ADMIN_KEY in log,
    }


def fault_data_folder() -> dict[str, Any]:
    """A data folder that cannot be written (here: a file where the folder should be; as
    root a read-only chmod is ignored): `troly serve` refuses with the path and errno."""
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        blocker = Path(tmp) / "not-a-folder"
        blocker.write_text("x")
        env = {
            **os.environ,
            "TROLY_DATA_DIR": str(blocker / "data"),
            "TROLY_QDRANT__PATH": str(blocker / "data" / "q"),
            "TROLY_SERVER__FEEDBACK_DB": str(blocker / "data" / "fb.sqlite3"),
        }
        out = subprocess.run(
            [str(BIN / "troly"), "serve", "--port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
    msg = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else ""
    return {
        "exit_code": out.returncode,
        "message": msg,
        "has_path_and_errno": str(blocker) in msg and "errno" in msg,
    }


def _mount_tmpfs(path: Path, size_mb: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    return out.returncode == 0


def _remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def fault_storage_full_or_read_only() -> dict[str, Any]:
    """A running `troly serve` whose data folder turns read-only, and whose store's disk
    has too little free space for a write (two tmpfs of their own; needs mount rights,
    else skipped): an admin upload gets a 503 naming the problem with its errno (path and
    errno in the log), the process survives (a write into the engine's memory maps on a
    full disk is a SIGBUS), questions keep their answers, and uploads work again once the
    folder is writable and there is room."""
    source = Server.index or base_index() / "q"
    size = 0
    for current in source.glob("edge/*/CURRENT"):
        gen = current.parent / current.read_text(encoding="utf-8").strip()
        size += sum(f.stat().st_size for f in gen.rglob("*") if f.is_file())
    data = Path(tempfile.mkdtemp(prefix="troly-rel-data-", dir=WORK))
    store = Path(tempfile.mkdtemp(prefix="troly-rel-store-", dir=WORK))
    mounted: list[Path] = []
    srv: Server | None = None
    try:
        # the store's disk: room for the published generation, not for a writer's copy
        for mnt, mb in ((data, 64), (store, int(size / 2**20) + 40)):
            if os.geteuid() != 0 or not size or not _mount_tmpfs(mnt, mb):
                return {"skipped": "no rights to mount a tmpfs"}
            mounted.append(mnt)
        copy_store(source, store / "q")
        srv = Server(
            "storage",
            {
                "TROLY_DATA_DIR": str(data),
                "TROLY_QDRANT__PATH": str(store / "q"),
                "TROLY_SERVER__FEEDBACK_DB": str(data / "feedback.sqlite3"),
            },
        )
        srv.start()
        srv.wait_ready()
        plan = "I. MỤC TIÊU\n1. Nâng cao chất lượng phục vụ người dân ở xã Đầy Ổ.\n".encode()
        out: dict[str, Any] = {"store_free_mb": round(shutil.disk_usage(store).free / 2**20)}
        with httpx.Client(base_url=srv.url, timeout=120) as c:

            def upload(name: str) -> httpx.Response:
                return c.post(
                    "/api/v1/admin/ingest",
                    headers={"X-API-Key": ADMIN_KEY},
                    files=[("files", (name, plan, "text/plain"))],
                )

            def ask_ok() -> bool:
                r = c.post("/api/v1/ask", json={"question": QUESTIONS[0]})
                return r.status_code == 200 and bool(r.json().get("citations"))

            for case, prepare, word, code, where in (
                ("read_only", lambda: _remount(data, "ro"), "chỉ cho phép đọc", "EROFS", data),
                ("full", lambda: _remount(data, "rw"), "đầy", "ENOSPC", store),
            ):
                prepare()
                mark = len(srv.log())
                r = upload(f"day-o-{case}.txt")
                detail = r.json().get("detail") or ""
                time.sleep(0.3)
                log = srv.log()[mark:]
                out[case] = {
                    "upload_status": r.status_code,
                    "detail": detail,
                    "names_problem": word in detail and code in detail,
                    "path_leak": str(where) in r.text,
                    "log_has_path_and_errno": str(where) in log and code in log,
                    "server_alive": srv.proc is not None and srv.proc.poll() is None,
                    "asks_still_answered": ask_ok(),
                }
            _remount(store, f"size={int(3 * size / 2**20) + 200}m")  # room again
            r = upload("day-o-room.txt")
            found = c.get("/api/v1/search", params={"q": "xã Đầy Ổ", "k": 3}).json()
            out["after_room"] = {
                "upload_status": r.status_code,
                "searchable": any("Đầy Ổ" in h["text"] for h in found.get("results", [])),
            }
        return out
    finally:
        if srv is not None:
            srv.cleanup()
        for mnt in mounted:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)


def run_faults(quick: bool) -> dict[str, Any]:
    return {
        "fresh_starts": fault_fresh_starts(2 if quick else 10),
        "heavy_client": fault_heavy_client(quick),
        "store_unavailable": fault_store_unavailable(),
        "store_locked": fault_store_locked(),
        "ingest_while_serving": fault_ingest_while_serving(quick),
        "feedback_db": fault_feedback_db(),
        "network": fault_network(quick),
        "data_folder": fault_data_folder(),
        "storage": fault_storage_full_or_read_only(),
    }


# -- main ----------------------------------------------------------------------------------

PARTS = {
    "fuzz": run_fuzz,
    "hostile": run_hostile,
    "load": run_load,
    "faults": run_faults,
    "heavy": fault_heavy_client,  # also part of faults; alone for a re-measure
    "side": fault_ingest_while_serving,  # also part of faults; alone for a re-measure
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the short form (a few minutes)")
    ap.add_argument(
        "--only", default="fuzz,hostile,load,faults", help="comma-separated: " + ",".join(PARTS)
    )
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "reliability.json")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    base_index()
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": args.quick,
        "cpus": os.cpu_count(),
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }
    for part in [p.strip() for p in args.only.split(",") if p.strip()]:
        t0 = time.perf_counter()
        print(f"· {part} …", flush=True)
        results[part] = PARTS[part](args.quick)
        results[part]["_seconds"] = round(time.perf_counter() - t0, 1)
        print(json.dumps({part: results[part]}, ensure_ascii=False, indent=1), flush=True)
    results["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    problems = verdict(results)
    print("\n".join(["", "problems:", *problems] if problems else ["", "all checks passed"]))
    return 1 if problems else 0


def _storage_problems(st: dict[str, Any]) -> list[str]:
    if "skipped" in st:
        return []
    bad = [
        case
        for case in ("read_only", "full")
        if st[case]["upload_status"] != 503
        or not st[case]["names_problem"]
        or st[case]["path_leak"]
        or not st[case]["log_has_path_and_errno"]
        or not st[case]["server_alive"]
        or not st[case]["asks_still_answered"]
    ]
    if st["after_room"]["upload_status"] != 200 or not st["after_room"]["searchable"]:
        bad.append("after_room")
    return [f"storage full/read-only: {bad}: {st}"] if bad else []


def _side_problems(side: dict[str, Any]) -> list[str]:
    if (
        side["errors"]
        or side["ingest_exit"]
        or not (side["new_doc_searchable"] and side["changed_doc_searchable"])
        or not side["answer_cites_new_doc"]
        or side["duplicates_after"]
        or side["readyz_points_after"] != side["points_after"]
    ):
        return [f"ingest while serving: {side}"]
    return []


def verdict(r: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if "fuzz" in r:
        f = r["fuzz"]
        if f["server_errors"] or f["check_failures"] or f["exit_code"]:  # exit 1 = any error
            out.append(f"fuzz: {f['server_errors']} 5xx, {f['check_failures']} check failures")
    if "hostile" in r:
        h = r["hostile"]
        if h["mishandled"] or h["points_before"] != h["points_after"] or h["files_kept"]:
            out.append(f"hostile: {h['mishandled']} mishandled; {h['details'][:5]}")
    if "load" in r and (r["load"]["errors"] or r["load"]["round2_errors"]):
        out.append(f"load: {r['load']['errors']} errors")
    if "side" in r:
        out += _side_problems(r["side"])
    if "heavy" in r and r["heavy"]["throughput_ratio"] < 0.6:
        out.append(f"heavy client: normal throughput x{r['heavy']['throughput_ratio']}")
    if "faults" in r:
        f = r["faults"]
        if f["fresh_starts"]["failures"] or f["fresh_starts"]["readyz_flicker"]:
            out.append(f"fresh starts: {f['fresh_starts']['details']}")
        if f["heavy_client"]["throughput_ratio"] < 0.6:
            out.append(f"heavy client: normal throughput x{f['heavy_client']['throughput_ratio']}")
        u = f["store_unavailable"]
        if u["survived"] != u["injected"] or not u["same_answer_after"]:
            out.append(f"store unavailable: {u['survived']}/{u['injected']}: {u['faults']}")
        s = f["store_locked"]
        if s["ask_status"] != 503 or not s["clear_message"] or s["recovered_after_s"] is None:
            out.append(f"store locked (engine=local): {s}")
        if s["troly_status_exit"] == 0 or s["path_leak"]:
            out.append(f"store locked (engine=local): status exit 0 or path leak: {s}")
        out += _side_problems(f["ingest_while_serving"])
        fb = f["feedback_db"]
        if (fb["after_delete"], fb["while_locked"], fb["ask_while_locked"]) != (201, 503, 200):
            out.append(f"feedback db: {fb}")
        n = f["network"]
        spoof_bad = n["spoofed_xff_passed"] > n["spoofed_xff_allowed"]
        if spoof_bad or not n["half_open_closed"] or n["log_line_forged"]:
            out.append(f"network: {n}")
        if n["dup_log_lines"] or n["key_in_log"] or n["admin_guesses_429"] < 4:
            out.append(f"logs/admin: {n}")
        if not f["data_folder"]["has_path_and_errno"]:
            out.append(f"data folder: {f['data_folder']}")
        out += _storage_problems(f["storage"])
    return out


if __name__ == "__main__":
    sys.exit(main())
