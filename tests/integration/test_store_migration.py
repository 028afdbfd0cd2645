"""Moving an embedded store to a Qdrant server/cluster: export (vectors included) and
import, and the exact requests the cluster path sends (captured by a stub HTTP server on
127.0.0.1, since no Qdrant server can run here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from troly.index_store import IndexStore, IndexUnavailable, export_points, import_points
from troly.retriever import Retriever
from troly.schema import SearchFilters
from troly.settings import QdrantSettings

pytestmark = pytest.mark.integration


class _Recorder(BaseHTTPRequestHandler):
    """Answers like a Qdrant server for the calls troly makes, and records them."""

    calls: ClassVar[list[tuple[str, str, Any]]] = []
    created = False
    delay = 0.0

    def _reply(self, result: Any) -> None:
        body = json.dumps({"result": result, "status": "ok", "time": 0.0}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self, method: str) -> None:
        import time

        n = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(n)) if n else None
        type(self).calls.append((method, self.path, body))
        if type(self).delay:
            time.sleep(type(self).delay)
        path = self.path.split("?")[0]
        if path.endswith("/exists"):
            self._reply({"exists": type(self).created})
        elif method == "PUT" and path.count("/") == 2:
            type(self).created = True
            self._reply(True)
        else:
            self._reply({"operation_id": len(type(self).calls), "status": "completed"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Rec", (_Recorder,), {"calls": [], "created": False, "delay": 0.0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()


def test_export_import_moves_a_store_without_reembedding(
    services: Any, tmp_path: Path, embedder: Any
) -> None:
    """Edge store → file → qdrant-client (same schema): same points, same rankings."""
    src = services.store
    path = tmp_path / "points.jsonl.gz"
    n = export_points(src, path, model=embedder.name)
    assert n == src.count()
    dst = IndexStore(QdrantSettings(path=Path(":memory:"), engine="local"))
    assert import_points(dst, path) == n
    assert dst.count() == n
    assert dst.document_hashes() == src.document_hashes()
    for d in ("phu-yen-2024", "ha-tinh-2025"):
        assert dst.count(SearchFilters(doc_id=d)) == src.count(SearchFilters(doc_id=d))
    a = services.retriever
    b = Retriever(dst, embedder, services.settings.retrieval, services.provinces)
    for q in ("thời hạn hoàn thành số hóa hồ sơ", "chi so hai long Ha Tinh"):
        for mode in ("dense", "lexical"):
            ra = [r.chunk.id for r in a.search(q, k=5, mode=mode)]
            rb = [r.chunk.id for r in b.search(q, k=5, mode=mode)]
            assert ra[:3] == rb[:3], (q, mode)
    # importing again changes nothing (ids kept)
    assert import_points(dst, path) == n and dst.count() == n
    dst.close()


def test_import_into_a_cluster_sends_shards_replicas_schema_and_vectors(
    services: Any, tmp_path: Path, embedder: Any, stub: tuple[str, Any]
) -> None:
    url, rec = stub
    path = tmp_path / "points.jsonl.gz"
    n = export_points(services.store, path, model=embedder.name)
    settings = QdrantSettings(
        url=url, collection="troly_chunks", shard_number=3, replication_factor=2, timeout=5
    )
    target = IndexStore(settings)
    assert import_points(target, path, batch=200) == n
    create = [b for m, p, b in rec.calls if m == "PUT" and p.split("?")[0].count("/") == 2]
    assert len(create) == 1
    body = create[0]
    assert body["shard_number"] == 3 and body["replication_factor"] == 2
    assert body["on_disk_payload"] is True
    assert body["vectors"] == {"dense": {"size": embedder.dim, "distance": "Cosine"}} or (
        body["vectors"]["dense"]["size"] == embedder.dim
        and body["vectors"]["dense"]["distance"] == "Cosine"
    )
    assert body["sparse_vectors"]["lexical"]["modifier"] == "idf"
    indexes = {
        b["field_name"]: b["field_schema"]
        for m, p, b in rec.calls
        if p.startswith("/collections/troly_chunks/index")
    }
    assert indexes["doc_id"] == "keyword" and indexes["province"] == "keyword"
    assert indexes["year"] == "integer" and indexes["ingest_id"] == "keyword"
    uploads = [b for m, p, b in rec.calls if p.startswith("/collections/troly_chunks/points")]
    points = [pt for b in uploads for pt in b["points"]]
    assert len(points) == n and len(uploads) == (n + 199) // 200
    first = points[0]
    assert len(first["vector"]["dense"]) == embedder.dim
    assert first["vector"]["lexical"]["indices"] and first["payload"]["doc_id"]
    assert first["payload"]["ingest_id"] and first["payload"]["doc_chunks"] > 0
    target.close()


def test_a_node_that_does_not_answer_gives_a_clear_error(stub: tuple[str, Any]) -> None:
    """A cluster node that hangs: the call times out and says so (the API maps it to 503)."""
    url, rec = stub
    rec.delay = 3.0
    store = IndexStore(QdrantSettings(url=url, timeout=1))
    with pytest.raises(IndexUnavailable) as exc:
        store.count()
    assert "Qdrant" in str(exc.value)
    assert store.health()["reachable"] is False
    rec.delay = 0.0
    assert store.health()["reachable"] is True  # recovers without a restart
    store.close()


def test_cli_export_then_import_into_a_server(
    services: Any, tmp_path: Path, stub: tuple[str, Any]
) -> None:
    """`troly export` from the embedded store, `troly import --url` into a server."""
    import os
    import subprocess
    import sys

    url, rec = stub
    troly = str(Path(sys.executable).with_name("troly"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
    env["TROLY_QDRANT__PATH"] = str(services.settings.qdrant.path)
    env["TROLY_DATA_DIR"] = str(tmp_path)
    path = tmp_path / "p.jsonl.gz"
    out = subprocess.run(
        [troly, "export", str(path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    n = services.store.count()
    assert f"{n} điểm" in out.stdout
    out = subprocess.run(
        [troly, "import", str(path), "--url", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    points = [
        pt
        for m, p, b in rec.calls
        if p.startswith("/collections/troly_chunks/points")
        for pt in b["points"]
    ]
    assert len(points) == n
    bad = subprocess.run(
        [troly, "import", str(tmp_path / "missing.jsonl.gz"), "--url", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 1 and "Lỗi" in bad.stderr
