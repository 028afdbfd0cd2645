"""kill -9 of a real `troly ingest` subprocess at chosen moments, then a plain re-run.

The ingest runs in its own process over a tiny corpus (three slices of a bundled plan)
with the real model and the real embedded engine. ``TROLY_INGEST_PAUSE_AT`` makes it stop
at an ingest event and say so on stderr; the test then kills it with SIGKILL. Checked:

* a reader opened before the ingest (a running server) and one opened after the kill (a
  server started meanwhile) both still see exactly the previous state and answer;
* a plain re-run (no ``--force``) finishes the job: every document indexed once, the right
  point count, no stale or duplicate points, each document's content hash current;
* the reader opened before the ingest sees the new state without being reopened.

The default run kills at two moments (right after the first write; after a document's
old points are deleted) plus a checkpoint case; ``TROLY_TEST_ALL_FAULTS=1`` (``make
test-faults``) adds a kill during embedding.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS

pytestmark = pytest.mark.integration

TROLY = str(Path(sys.executable).with_name("troly"))
ALL = os.environ.get("TROLY_TEST_ALL_FAULTS") == "1"


def _write_corpus(folder: Path, version: int) -> None:
    """v1: docs a, b. v2: a changed (a section added), b unchanged, c new."""
    lines = (CORPUS / "phu-tho-2021.txt").read_text(encoding="utf-8").splitlines()
    head = lines[:6]
    parts = {"a": lines[:40], "b": head + lines[40:80], "c": head + lines[80:120]}
    if version == 2:
        parts["a"] = [*parts["a"], "", "9. Thử nghiệm chỉ mục", "", "Đoạn mới về zebra."]
    else:
        del parts["c"]
    folder.mkdir(parents=True, exist_ok=True)
    for f in folder.glob("*.txt"):
        f.unlink()
    manifest = ["documents:"]
    for name, body in parts.items():
        (folder / f"doc-{name}.txt").write_text("\n".join(body) + "\n", encoding="utf-8")
        manifest += [
            f"  - id: doc-{name}",
            f"    file: doc-{name}.txt",
            "    province: Phú Thọ",
            "    year: 2021",
        ]
    (folder / "manifest.yaml").write_text("\n".join(manifest) + "\n", encoding="utf-8")


def _env(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
    env.update(
        TROLY_CORPUS_DIR=str(root / "corpus"),
        TROLY_DATA_DIR=str(root / "data"),
        TROLY_QDRANT__PATH=str(root / "data" / "qdrant"),
        **extra,
    )
    return env


def _ingest(root: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [TROLY, "ingest"], env=_env(root, **extra), capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return res


def _ingest_killed_at(root: Path, event: str, **extra: str) -> str:
    """Start an ingest, wait until it pauses at ``event``, SIGKILL it; its stderr."""
    proc = subprocess.Popen(
        [TROLY, "ingest"],
        env=_env(root, TROLY_INGEST_PAUSE_AT=event, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    deadline = time.monotonic() + 600
    assert proc.stderr is not None
    for line in proc.stderr:  # tqdm writes \r-separated updates; the marker is on its own
        seen.append(line)
        if "TROLY_PAUSED" in line:
            break
        if time.monotonic() > deadline:  # pragma: no cover - a hung ingest
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    text = "".join(seen)
    assert f"TROLY_PAUSED {event}" in text, text[-2000:]
    return text


def _store(root: Path) -> Any:
    from troly.index_store import IndexStore
    from troly.settings import QdrantSettings

    return IndexStore(QdrantSettings(path=root / "data" / "qdrant"))


def _expected(corpus: Path) -> dict[str, tuple[str, int]]:
    from troly.chunking import chunk_document
    from troly.documents import parse_corpus
    from troly.ingestion import index_hash

    return {
        t.doc_id: (index_hash(t.meta.content_hash), len(chunk_document(t, 1200)))
        for t in parse_corpus(corpus)
    }


def _state(store: Any) -> dict[str, Any]:
    chunks = store.chunks()
    keys = Counter((c.doc_id, c.kind, c.ordinal) for c in chunks)
    return {
        "count": store.count(),
        "hashes": store.document_hashes(),
        "per_doc": dict(Counter(c.doc_id for c in chunks)),
        "dupes": [k for k, n in keys.items() if n > 1],
    }


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with corpus v1 fully ingested by a real subprocess."""
    root = tmp_path_factory.mktemp("faults-base")
    _write_corpus(root / "corpus", 1)
    _ingest(root)
    return root


def _copy_of(baseline: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(baseline, tmp_path / "run")
    return tmp_path / "run"


MOMENTS = [
    "first_write",
    "replaced",
    pytest.param(
        "embedding",
        marks=pytest.mark.skipif(not ALL, reason="full fault set: TROLY_TEST_ALL_FAULTS=1"),
    ),
]


@pytest.mark.parametrize("event", MOMENTS)
def test_kill_9_keeps_previous_state_and_rerun_completes(
    baseline: Path, tmp_path: Path, event: str
) -> None:
    root = _copy_of(baseline, tmp_path)
    v1 = _expected(root / "corpus")
    running = _store(root)  # a server that was answering before the ingest started
    before = _state(running)
    assert before["count"] == sum(n for _, n in v1.values())
    assert before["hashes"] == {d: h for d, (h, _) in v1.items()}

    _write_corpus(root / "corpus", 2)
    _ingest_killed_at(root, event)

    started_meanwhile = _store(root)
    for reader in (running, started_meanwhile):
        assert _state(reader) == before  # the previous state, whole
        hits = reader.lexical_search(([1], [1.0]), None, 3)  # answers (maybe nothing)
        assert isinstance(hits, list)
    started_meanwhile.close()

    _ingest(root)  # plain re-run, no --force
    v2 = _expected(root / "corpus")
    after = _state(running)  # the same reader, not reopened
    assert after["dupes"] == []
    assert after["per_doc"] == {d: n for d, (_, n) in v2.items()}
    assert after["count"] == sum(n for _, n in v2.values())
    assert after["hashes"] == {d: h for d, (h, _) in v2.items()}
    from troly.index_store import sparse_from_terms
    from troly.text import document_terms

    hits = running.lexical_search(sparse_from_terms(document_terms("zebra")), None, 3)
    assert hits and hits[0].chunk.doc_id == "doc-a"
    running.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, Any]]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_kill_9_after_a_checkpoint_resumes_from_it_and_a_running_server_follows(
    baseline: Path, tmp_path: Path
) -> None:
    """With checkpoints after every document, a kill after the first changed document
    leaves it published; a `troly serve` started before the ingest answers throughout
    and finds the new text without a restart; the re-run skips what was published."""
    root = _copy_of(baseline, tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [TROLY, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if _get(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(1)
        status, body = _get(base + "/api/v1/search?q=zebra&k=3")
        assert status == 200 and not any("zebra" in r["text"] for r in body["results"]), body

        _write_corpus(root / "corpus", 2)
        v2 = _expected(root / "corpus")
        _ingest_killed_at(root, "document_done", TROLY_QDRANT__CHECKPOINT_SECONDS="0")
        store = _store(root)
        mid = _state(store)
        assert mid["hashes"].get("doc-a") == v2["doc-a"][0]  # published before the kill
        assert "doc-c" not in mid["hashes"]
        status, body = _get(base + "/api/v1/search?q=zebra&k=3")  # same server process
        assert status == 200 and "zebra" in body["results"][0]["text"], body

        res = _ingest(root)
        assert "1 văn bản (2 không đổi" in res.stdout, res.stdout
        after = _state(store)
        assert after["count"] == sum(n for _, n in v2.values()) and after["dupes"] == []
        assert after["hashes"] == {d: h for d, (h, _) in v2.items()}
        assert _get(base + "/readyz")[1]["qdrant"]["points"] == after["count"]
        store.close()
    finally:
        server.kill()
        server.wait(timeout=30)


def test_partly_written_document_is_not_taken_as_done() -> None:
    """Bug: chunks left by a cut write carried the content hash, so re-runs skipped it."""
    from troly.index_store import complete_documents

    rows = [
        {"doc_id": "d", "content_hash": "h2", "ingest_id": "w2", "doc_chunks": 3},
        {"doc_id": "d", "content_hash": "h2", "ingest_id": "w2", "doc_chunks": 3},
        {"doc_id": "e", "content_hash": "h1", "ingest_id": "w1", "doc_chunks": 2},
        {"doc_id": "e", "content_hash": "h1", "ingest_id": "w1", "doc_chunks": 2},
        {"doc_id": "f", "content_hash": "h1", "ingest_id": "w1", "doc_chunks": 1},
        {"doc_id": "f", "content_hash": "h2", "ingest_id": "w2", "doc_chunks": 1},
    ]
    assert complete_documents(rows) == {"e": "h1"}
