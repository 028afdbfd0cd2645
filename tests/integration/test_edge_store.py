"""The embedded edge engine's guarantees, on synthetic vectors (no model needed):
published generations are immutable and readable by many processes at once, writes are
invisible until published and discarded on error, one writer at a time, and sparse/IDF
and filtered dense scores equal qdrant-client local mode's on the same points."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from troly.index_store import IndexStore, IndexUnavailable, StoredPoint
from troly.schema import SearchFilters
from troly.settings import QdrantSettings

pytestmark = pytest.mark.integration

DIM = 16


def _points(n: int, doc: str = "d", seed: int = 0, province: str = "A") -> list[StoredPoint]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        payload = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{doc}/{i}")),
            "doc_id": doc,
            "province": province,
            "kind": "section",
            "year": 2024,
            "ordinal": i,
            "content_hash": "h",
            "text": f"t{i}",
            "embed_text": f"t{i}",
            "path": [],
            "location": str(i),
            "headings": [],
            "title": "T",
        }
        terms = sorted({int(x) for x in rng.integers(1, 60, size=6)})
        out.append(
            StoredPoint(
                payload["id"],
                payload,
                rng.standard_normal(DIM).astype(np.float32).tolist(),
                (terms, [float(x) for x in rng.uniform(0.5, 2.0, size=len(terms))]),
            )
        )
    return out


def _store(path: Path, engine: str = "edge") -> IndexStore:
    return IndexStore(QdrantSettings(path=path, engine=engine, collection="t"))  # type: ignore[arg-type]


def _fill(store: IndexStore, points: list[StoredPoint]) -> None:
    with store.writing():
        store.ensure_collection(DIM, "test")
        store.upsert_points(points)


def _tree_hash(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(path)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def test_writes_are_invisible_until_published_and_readers_switch(tmp_path: Path) -> None:
    writer = _store(tmp_path)
    _fill(writer, _points(50))
    reader = _store(tmp_path)  # another "process": a server
    changes: list[int] = []
    reader.on_change(lambda: changes.append(1))
    assert reader.count() == 50
    v1 = reader.version
    with writer.writing():
        writer.upsert_points(_points(30, doc="e", seed=1))
        writer.delete_document("d")
        assert reader.count() == 50  # the previous state while the write goes on
        assert reader.count(SearchFilters(doc_id="e")) == 0
    assert reader.count() == 30 and reader.version != v1 and changes == [1]
    assert reader.count(SearchFilters(doc_id="d")) == 0


def test_a_failed_write_is_discarded(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _fill(store, _points(20))
    gens = sorted(p.name for p in (tmp_path / "edge" / "t").iterdir() if p.is_dir())
    with pytest.raises(RuntimeError), store.writing():
        store.upsert_points(_points(5, doc="x", seed=2))
        raise RuntimeError("disk full")
    assert store.count() == 20 and store.count(SearchFilters(doc_id="x")) == 0
    assert sorted(p.name for p in (tmp_path / "edge" / "t").iterdir() if p.is_dir()) == gens


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    a, b = _store(tmp_path), _store(tmp_path)
    _fill(a, _points(5))
    with a.writing():
        with pytest.raises(IndexUnavailable) as exc, b.writing():
            pass
        assert "nạp dữ liệu" in str(exc.value)
    with b.writing():  # free again
        b.upsert_points(_points(5, doc="b", seed=3))
    assert a.count() == 10


def test_published_generation_is_immutable_and_shared_by_processes(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _fill(store, _points(200))
    gen = tmp_path / "edge" / "t" / (tmp_path / "edge" / "t" / "CURRENT").read_text()
    before = _tree_hash(gen)
    assert store.count() == 200  # this process holds it open
    code = (
        "import sys; from pathlib import Path; from troly.index_store import IndexStore;"
        "from troly.settings import QdrantSettings;"
        "s = IndexStore(QdrantSettings(path=Path(sys.argv[1]), collection='t'));"
        "print(s.count(), len(s.lexical_search(([5], [1.0]), None, 5)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "200"
    store.dense_search(np.ones(DIM, dtype=np.float32), SearchFilters(province="A"), 10)
    store.close()
    assert _tree_hash(gen) == before


def test_same_scores_as_local_mode(tmp_path: Path) -> None:
    """Sparse IDF and filtered dense rankings equal qdrant-client local mode's."""
    pts = _points(300, doc="d") + _points(300, doc="e", seed=5, province="B")
    edge, local = _store(tmp_path / "e"), _store(tmp_path / "l", engine="local")
    _fill(edge, pts)
    _fill(local, pts)
    rng = np.random.default_rng(9)
    for _ in range(10):
        terms = sorted({int(x) for x in rng.integers(1, 60, size=3)})
        sparse = (terms, [1.0] * len(terms))
        for flt in (None, SearchFilters(province="B"), SearchFilters(doc_id="d")):
            a = edge.lexical_search(sparse, flt, 10)
            b = local.lexical_search(sparse, flt, 10)
            assert [h.score for h in a] == pytest.approx([h.score for h in b], rel=1e-3)
            top = [h for h in a if h.score > a[min(5, len(a) - 1)].score + 1e-3]
            assert {h.chunk.id for h in top} <= {h.chunk.id for h in b}  # same, up to ties
            v = rng.standard_normal(DIM).astype(np.float32)
            da = [h.chunk.id for h in edge.dense_search(v, flt, 10)]
            db = [h.chunk.id for h in local.dense_search(v, flt, 10)]
            assert da == db  # small collections are searched exactly
    edge.close()
    local.close()


@pytest.mark.parametrize("on_disk", [True, False])
def test_payload_storage_follows_the_setting_and_search_is_unchanged(
    tmp_path: Path, on_disk: bool
) -> None:
    """Payloads memory-mapped from disk (default, as on a Qdrant server) or kept in RAM:
    the segment says which, and filtered searches return the same chunks either way."""
    import json

    pts = _points(200, doc="d") + _points(200, doc="e", seed=3, province="B")
    store = IndexStore(QdrantSettings(path=tmp_path / "s", collection="t", on_disk_payload=on_disk))
    _fill(store, pts)
    kinds = {
        json.loads(p.read_text())["config"]["payload_storage_type"]["type"]
        for p in (tmp_path / "s").rglob("segment.json")
    }
    assert kinds == ({"mmap"} if on_disk else {"in_ram_mmap"})
    v = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
    hits = store.dense_search(v, SearchFilters(province="B"), 5)
    assert len(hits) == 5 and {h.chunk.doc_id for h in hits} == {"e"}
    assert hits[0].chunk.text.startswith("t")
    store.close()
