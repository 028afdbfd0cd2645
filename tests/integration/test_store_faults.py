"""The default embedded store (edge) when its folder is damaged under a reader.

Real qdrant-edge-py stores of a few points (no model needed). A store that was there and
is not any more must never read as an empty index (a server would answer "nothing found"
to every question): each fault raises ``IndexUnavailable`` with a Vietnamese reason and no
path (for users) and a message with the path (for logs), and the same reader works again,
without being reopened, once the store is back.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from troly.index_store import (
    REASON_CORRUPT,
    REASON_FOLDER_GONE,
    REASON_GEN_MISSING,
    REASON_NO_CURRENT,
    IndexStore,
    IndexUnavailable,
    StoredPoint,
)
from troly.schema import Chunk
from troly.settings import QdrantSettings

pytestmark = pytest.mark.integration


def _points(n: int, doc: str = "d") -> list[StoredPoint]:
    out = []
    for i in range(n):
        pid = f"00000000-0000-0000-0000-{i:012d}"
        chunk = Chunk(pid, doc, "section", f"đoạn {i}", f"đoạn {i}", "1", "Mục 1", [], "", None, "")
        out.append(
            StoredPoint(
                pid, chunk.to_payload(), [1.0, float(i), 0.0, 0.0], ([1, 2 + i], [1.0, 0.5])
            )
        )
    return out


def _store(path: Path) -> IndexStore:
    return IndexStore(QdrantSettings(path=path))


def _write(path: Path, n: int) -> None:
    w = _store(path)
    with w.writing():
        w.ensure_collection(4, "test")
        w.upsert_points(_points(n))
    w.close()


def _root(path: Path) -> Path:
    return path / "edge" / "troly_chunks"


def _unavailable(store: IndexStore) -> IndexUnavailable:
    with pytest.raises(IndexUnavailable) as info:
        store.count()
    return info.value


def test_each_fault_is_named_and_the_same_reader_recovers(tmp_path: Path) -> None:
    q = tmp_path / "q"
    _write(q, 5)
    reader = _store(q)
    assert reader.count() == 5
    changes: list[int] = []
    reader.on_change(lambda: changes.append(1))
    root = _root(q)
    name = (root / "CURRENT").read_text()

    # the folder moved away while in use
    shutil.move(q, tmp_path / "moved")
    err = _unavailable(reader)
    assert err.reason == REASON_FOLDER_GONE and str(root) in str(err)
    assert str(tmp_path) not in err.reason
    health = reader.health()
    assert health["reachable"] is False and health["reason"] == REASON_FOLDER_GONE
    shutil.move(tmp_path / "moved", q)
    assert reader.count() == 5

    # CURRENT names a generation that does not exist
    (root / "CURRENT").write_text("gen-00000077-abcdef01")
    err = _unavailable(reader)
    assert err.reason == REASON_GEN_MISSING and "gen-00000077-abcdef01" in str(err)
    assert not (root / "gen-00000077-abcdef01").exists()  # a reader creates nothing
    (root / "CURRENT").write_text(name)
    assert reader.count() == 5

    # CURRENT lost while published generations remain
    (root / "CURRENT").unlink()
    assert _unavailable(reader).reason == REASON_NO_CURRENT
    fresh = _store(q)  # also for a process that never read this store
    assert _unavailable(fresh).reason == REASON_NO_CURRENT
    assert fresh.health()["reachable"] is False
    (root / "CURRENT").write_text(name)
    assert fresh.count() == 5
    fresh.close()

    # a published generation that cannot be opened
    bad = root / "gen-00000050-c0rrup7e"
    shutil.copytree(root / name, bad)
    for f in bad.rglob("segment.json"):
        f.write_bytes(b"\x00{not json")
    (root / "CURRENT").write_text(bad.name)
    assert _unavailable(reader).reason == REASON_CORRUPT
    (root / "CURRENT").write_text(name)
    assert reader.count() == 5
    assert len(reader.dense_search([1.0, 0.0, 0.0, 0.0], None, 3)) == 3  # type: ignore[arg-type]
    assert changes  # the answerer's caches are dropped when the store comes back
    reader.close()


def test_a_writer_refuses_a_store_whose_current_was_lost(tmp_path: Path) -> None:
    """Before, a lost CURRENT read as "nothing indexed": the next ingest started from
    empty and deleted every published generation. Now it stops with the reason; the way
    out is to restore CURRENT or to recreate (drop) on purpose."""
    q = tmp_path / "q"
    _write(q, 3)
    root = _root(q)
    gens = sorted(p.name for p in root.iterdir() if p.name.startswith("gen-"))
    (root / "CURRENT").unlink()
    w = _store(q)
    with pytest.raises(IndexUnavailable) as info, w.writing():
        w.ensure_collection(4, "test")
    assert info.value.reason == REASON_NO_CURRENT
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("gen-")) == gens
    w.drop()  # deliberate: an empty CURRENT, the generations collected
    assert (root / "CURRENT").read_text() == "" and w.count() == 0 and w.health()["reachable"]
    with w.writing():
        w.ensure_collection(4, "test")
        w.upsert_points(_points(2))
    assert w.count() == 2
    w.close()


def test_a_killed_first_ingest_is_not_a_lost_store(tmp_path: Path) -> None:
    """A first write killed before it published leaves a generation and no CURRENT:
    that is "nothing indexed yet" (the next writer removes the leftover), not a fault."""
    q = tmp_path / "q"
    root = _root(q)
    root.mkdir(parents=True)
    leftover = root / "gen-00000001-deadbeef"
    (leftover / "segments").mkdir(parents=True)
    s = _store(q)
    assert s.count() == 0 and s.health()["reachable"] is True
    with s.writing():
        s.ensure_collection(4, "test")
        s.upsert_points(_points(4))
    assert s.count() == 4 and not leftover.exists()
    s.close()
