"""The only module that talks to Qdrant.

One collection, each point a chunk with two named vectors: ``dense`` (the embedding,
cosine) and ``lexical`` (a sparse bag of diacritic-folded terms; Qdrant applies IDF, we
supply BM25-saturated term frequencies). Three engines behind one interface, all with
that same schema:

* ``edge`` (default when no URL is set): Qdrant's own engine in-process
  (``qdrant-edge-py``): HNSW, sparse vectors with IDF, payload indexes, on disk under
  ``settings.qdrant.path / "edge" / <collection>``.
* ``local``: qdrant-client's local mode (brute force in pure Python; kept for comparison
  and for stores made by earlier versions).
* a Qdrant server or cluster when ``settings.qdrant.url`` is set (qdrant-client).

Generations (edge). The store is a folder of immutable *generations* and a ``CURRENT``
file naming the committed one. A writer (ingest, admin upload) takes an exclusive lock,
copies the committed generation to a new folder, writes there, and publishes it by
atomically replacing ``CURRENT``. Readers (any number of processes: ``troly serve``,
``troly status``) open the committed generation without a write-ahead log, so they do not
lock each other out, never see a half-written document, and switch to a newer
generation on their next call. A writer killed at any moment leaves only an unpublished
folder, removed by the next writer. A store that was there and is not any more (folder
moved or deleted, ``CURRENT`` lost or naming a missing generation, a generation that
cannot be opened) raises :class:`IndexUnavailable` on every call until it is back, then
readers reopen it by themselves; it never reads as an empty index.

Completeness. Every point carries ``doc_chunks`` (how many chunks its document version
has) and ``ingest_id`` (one id per write of a document). A document counts as indexed
(and is skipped by a re-run) only when all of its points share one ``ingest_id`` and
their number is ``doc_chunks``; a partly written or partly replaced document is written
again. A document is replaced write-new-then-delete-old: ids are deterministic (uuid5),
so the new version overwrites in place, then the points of earlier writes are deleted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from troly.schema import PLAN_KINDS, Chunk, SearchFilters
from troly.settings import QdrantSettings

DENSE = "dense"
LEXICAL = "lexical"
_K1 = 1.2
_B = 0.5
_AVG_TERMS = 160.0
# BM25 term-frequency saturation of a passage's lexical vector by kind of chunk:
# (k1, b, average passage length in terms). Chosen on the dev splits by
# ``scripts/tune_lexical.py --grid bm25`` (eval/reports/lexical-dev-20261206-055751.json;
# rule fixed before the run: best MRR@10 of the kind's own dev set, then hit@5). Plans'
# sections and rows: MRR@10 0.909 → 0.917, hit@1 0.850 → 0.868 (220 questions); law
# articles: unchanged (MRR@10 0.941, hit@5 0.962, 130 questions) — every k1/b gave
# them 0.92–0.94 (the rule's pick beat the old values by 0.0001 MRR: noise, kept because
# the rule was fixed first). The lengths are means over the bundled plans (sections and
# rows pooled) and the six laws of the tuning set. Plans and laws in one collection
# (library "both") compare scores made with different parameters: not measured.
PASSAGE_BM25: dict[str, tuple[float, float, float]] = {
    "article": (1.2, 0.9, 405.0),
    "section": (1.6, 0.9, 278.0),
    "task": (1.6, 0.9, 278.0),
}
KEYWORD_FIELDS = ("doc_id", "province", "kind", "lead", "content_hash", "ingest_id")
INTEGER_FIELDS = ("year",)
Sparse = tuple[list[int], list[float]]
PUBLISHED = "published"  # marker file in a generation once CURRENT has named it
# Free space a write needs besides its copy of the published generation. The engine
# writes through memory maps of sparse files: on a full disk a write into one is a
# SIGBUS that kills the process (no error, no message), so the space is checked first.
WRITE_HEADROOM_BYTES = 64 * 2**20


class IndexUnavailable(RuntimeError):
    """Qdrant cannot be reached or opened.

    ``str(exc)`` says what and where (the store's path or URL, the errno): for logs and the
    CLI. ``exc.reason`` names the problem in Vietnamese without any path: for API bodies."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or REASON_UNREACHABLE


# What went wrong, in Vietnamese and without a path (shown to users; the path is logged).
REASON_UNREACHABLE = "không kết nối được kho chỉ mục"
REASON_LOCKED = "kho chỉ mục đang bị một tiến trình khác khoá"
REASON_BUSY = "một tiến trình khác đang nạp dữ liệu vào kho chỉ mục"
REASON_FOLDER_GONE = "không tìm thấy thư mục kho chỉ mục"
REASON_NO_CURRENT = "kho chỉ mục thiếu tệp CURRENT (không biết bản chỉ mục nào đang dùng)"
REASON_GEN_MISSING = "tệp CURRENT trỏ tới một bản chỉ mục không tồn tại"
REASON_CORRUPT = "kho chỉ mục bị hỏng, không đọc được"
REASON_DENIED = "không có quyền đọc thư mục kho chỉ mục"
REASON_IO = "lỗi đọc ổ đĩa chứa kho chỉ mục"
REASON_FULL = "ổ đĩa chứa kho chỉ mục đã đầy"
REASON_READ_ONLY = "thư mục kho chỉ mục chỉ cho phép đọc"


@dataclass
class Hit:
    chunk: Chunk
    score: float


@dataclass
class StoredPoint:
    """A point as stored: id, payload and both vectors (export/import, benchmarks)."""

    id: str
    payload: dict[str, Any]
    dense: list[float]
    sparse: Sparse


def term_index(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def sparse_from_terms(
    terms: Iterable[str],
    saturate: bool = True,
    k1: float = _K1,
    b: float = _B,
    avg_terms: float = _AVG_TERMS,
) -> Sparse:
    """Hash terms to indices; BM25 term-frequency saturation for passages (``k1``,
    ``b`` and the average passage length ``avg_terms``; the index takes them by kind of
    chunk through :func:`passage_sparse`)."""
    counts = Counter(terms)
    length = sum(counts.values()) or 1
    norm = k1 * (1 - b + b * length / avg_terms)
    merged: dict[int, float] = {}
    for term, tf in counts.items():
        w = tf * (k1 + 1) / (tf + norm) if saturate else 1.0
        idx = term_index(term)
        merged[idx] = merged.get(idx, 0.0) + w
    items = sorted(merged.items())
    return [i for i, _ in items], [v for _, v in items]


def passage_sparse(terms: Iterable[str], kind: str) -> Sparse:
    """A passage's lexical vector with its kind's BM25 parameters (``PASSAGE_BM25``)."""
    k1, b, avg = PASSAGE_BM25.get(kind, (_K1, _B, _AVG_TERMS))
    return sparse_from_terms(terms, k1=k1, b=b, avg_terms=avg)


def complete_documents(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    """doc_id → content hash, only for documents whose points are all there.

    ``rows`` are payloads with ``doc_id``, ``content_hash``, ``ingest_id`` and
    ``doc_chunks``. Points written before these fields existed (no ``ingest_id``) count
    as one write whose size is unknown; they are accepted as before.
    """
    groups: dict[str, Counter[tuple[str, str, int]]] = {}
    for p in rows:
        key = (
            str(p.get("content_hash", "")),
            str(p.get("ingest_id", "")),
            int(p.get("doc_chunks") or -1),
        )
        groups.setdefault(str(p["doc_id"]), Counter())[key] += 1
    out: dict[str, str] = {}
    for doc, counter in groups.items():
        if len(counter) != 1:
            continue  # a mix of writes: a replacement stopped midway
        (content_hash, _ingest, expected), n = next(iter(counter.items()))
        if expected < 0 or n == expected:
            out[doc] = content_hash
    return out


# ---------------------------------------------------------------------------------------
# Engines: one small adapter per backend, same operations, same schema.
# ---------------------------------------------------------------------------------------


class _ClientEngine:
    """qdrant-client: a server/cluster by URL, or local mode (a folder or ``:memory:``)."""

    name = "server"

    def __init__(self, settings: QdrantSettings) -> None:
        self.settings = settings
        self.collection = settings.collection
        self._client: Any = None
        self._lock = threading.Lock()
        self.name = "server" if settings.url else "local"

    @property
    def location(self) -> str:
        return self.settings.url or str(self.settings.path)

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                from qdrant_client import QdrantClient

                try:
                    if self.settings.url:
                        self._client = QdrantClient(
                            url=self.settings.url,
                            api_key=self.settings.api_key,
                            timeout=int(self.settings.timeout),
                            check_compatibility=False,
                        )
                    elif str(self.settings.path) == ":memory:":
                        self._client = QdrantClient(location=":memory:")
                    else:
                        self.settings.path.mkdir(parents=True, exist_ok=True)
                        self._client = QdrantClient(path=str(self.settings.path))
                except Exception as exc:
                    raise _unavailable(exc, self.location) from exc
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                try:
                    self._client.close()
                finally:
                    self._client = None

    def call(self, fn: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.client(), fn)(*args, **kwargs)
        except IndexUnavailable:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise _unavailable(exc, self.location) from exc
            raise

    # schema
    def exists(self) -> bool:
        return bool(self.call("collection_exists", self.collection))

    def dim(self) -> int:
        info = self.call("get_collection", self.collection)
        vectors = info.config.params.vectors
        return int(vectors[DENSE].size if isinstance(vectors, dict) else vectors.size)

    def create(self, dim: int, model_name: str) -> None:
        from qdrant_client import models

        kwargs: dict[str, Any] = {}
        if self.settings.url:
            kwargs["on_disk_payload"] = self.settings.on_disk_payload
            if self.settings.shard_number:
                kwargs["shard_number"] = self.settings.shard_number
            if self.settings.replication_factor:
                kwargs["replication_factor"] = self.settings.replication_factor
        self.call(
            "create_collection",
            collection_name=self.collection,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={
                LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)
            },
            **kwargs,
        )
        if self.settings.url:
            for key in KEYWORD_FIELDS:
                self.call(
                    "create_payload_index",
                    self.collection,
                    key,
                    field_schema=models.PayloadSchemaType.KEYWORD,
                )
            for key in INTEGER_FIELDS:
                self.call(
                    "create_payload_index",
                    self.collection,
                    key,
                    field_schema=models.PayloadSchemaType.INTEGER,
                )

    def drop(self) -> None:
        if self.exists():
            self.call("delete_collection", self.collection)

    # writes
    def upsert(self, points: Sequence[StoredPoint]) -> None:
        from qdrant_client import models

        structs = [
            models.PointStruct(
                id=p.id,
                vector={
                    DENSE: p.dense,
                    LEXICAL: models.SparseVector(indices=p.sparse[0], values=p.sparse[1]),
                },
                payload=p.payload,
            )
            for p in points
        ]
        self.call("upsert", collection_name=self.collection, points=structs, wait=True)

    def delete(self, must: list[tuple[str, Any]], must_not: list[tuple[str, Any]]) -> None:
        from qdrant_client import models

        flt = models.Filter(
            must=[_client_cond(k, v) for k, v in must] or None,
            must_not=[_client_cond(k, v) for k, v in must_not] or None,
        )
        self.call(
            "delete",
            collection_name=self.collection,
            points_selector=models.FilterSelector(filter=flt),
            wait=True,
        )

    # reads
    def count(self, flt: SearchFilters | None) -> int:
        res = self.call(
            "count", collection_name=self.collection, count_filter=_client_filter(flt), exact=True
        )
        return int(res.count)

    def scroll(
        self, flt: SearchFilters | None, payload: bool | list[str], vectors: bool, limit: int
    ) -> Iterator[tuple[str, dict[str, Any], Any]]:
        offset = None
        while True:
            points, offset = self.call(
                "scroll",
                collection_name=self.collection,
                scroll_filter=_client_filter(flt),
                limit=limit,
                offset=offset,
                with_payload=payload,
                with_vectors=vectors,
            )
            for p in points:
                yield str(p.id), p.payload or {}, p.vector
            if offset is None:
                return

    def query(
        self,
        vector: Any,
        using: str,
        flt: SearchFilters | None,
        limit: int,
        hnsw_ef: int | None,
    ) -> list[tuple[dict[str, Any], float]]:
        from qdrant_client import models

        query: Any = vector
        if using == LEXICAL:
            idx, vals = vector
            query = models.SparseVector(indices=idx, values=vals)
        params = models.SearchParams(hnsw_ef=hnsw_ef) if hnsw_ef and using == DENSE else None
        res = self.call(
            "query_points",
            collection_name=self.collection,
            query=query,
            using=using,
            query_filter=_client_filter(flt),
            limit=limit,
            with_payload=True,
            search_params=params,
        )
        return [(p.payload, float(p.score)) for p in res.points]

    def vector_of(self, raw: Any) -> tuple[list[float], Sparse]:
        sp = raw[LEXICAL]
        return list(raw[DENSE]), (list(sp.indices), list(sp.values))

    def info(self) -> dict[str, Any]:
        return {}


class _EdgeGeneration:
    """A writer's private generation: a copy of the committed one, written in place."""

    def __init__(self, path: Path, shard: Any) -> None:
        self.path = path
        self.shard = shard
        self.started = time.monotonic()


class _EdgeEngine:
    """Qdrant's engine in-process, as committed immutable generations (see module doc)."""

    name = "edge"

    def __init__(self, settings: QdrantSettings) -> None:
        self.settings = settings
        self.collection = settings.collection
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if str(settings.path) == ":memory:":
            self._tmp = tempfile.TemporaryDirectory(prefix="troly-edge-")
            base = Path(self._tmp.name)
        else:
            base = Path(settings.path)
        self.root = base / "edge" / settings.collection
        self._lock = threading.RLock()
        self._reader: Any = None
        self._reader_gen: str | None = None
        self._writer: _EdgeGeneration | None = None
        self._writer_owner: int | None = None
        self._writer_depth = 0
        self._lock_fd: int | None = None
        self._dim: int | None = None
        self._seen = False  # a generation was read or published by this process
        self.listeners: list[Callable[[], None]] = []

    @property
    def location(self) -> str:
        return str(self.root)

    def _edge(self) -> Any:
        try:
            import qdrant_edge
        except ImportError as exc:  # pragma: no cover - core dependency
            raise IndexUnavailable(
                "qdrant-edge-py is not installed: pip install qdrant-edge-py"
            ) from exc
        return qdrant_edge

    # -- generations -----------------------------------------------------------------
    def current(self) -> str | None:
        """The published generation's name; None when nothing was ever published (or the
        store was dropped: an empty ``CURRENT``). A store that was there and is not any
        more (folder moved away or deleted, ``CURRENT`` lost while generations remain,
        unreadable) raises :class:`IndexUnavailable`, never reads as an empty index:
        a server would otherwise answer "nothing found" to every question."""
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            self._check_not_lost()
            return None
        except OSError as exc:
            raise _unavailable(exc, self.location) from exc
        return name or None

    def _generations(self) -> list[Path]:
        try:
            return sorted(
                (p for p in self.root.iterdir() if p.is_dir() and p.name.startswith("gen-")),
                key=lambda p: _gen_number(p.name),
            )
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise _unavailable(exc, self.location) from exc

    def _check_not_lost(self) -> None:
        """No CURRENT file: raise if the store was there (a lost store), else return."""
        # Generations that were published (and not only written by a killed first ingest)
        if any((g / PUBLISHED).is_file() for g in self._generations()):
            raise IndexUnavailable(
                f"{self.root / 'CURRENT'} is missing but generations are there: restore it "
                "(the name of the newest complete gen-* folder) or run `troly ingest "
                "--recreate`",
                REASON_NO_CURRENT,
            )
        if self._seen:
            raise IndexUnavailable(
                f"the store folder {self.root} is gone (moved or deleted while in use); "
                "put it back or run `troly ingest`",
                REASON_FOLDER_GONE,
            )

    def _meta(self, gen: str) -> dict[str, Any]:
        try:
            return dict(json.loads((self.root / gen / "troly.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def _load(self, gen: str) -> Any:
        """Open a published generation (read-only use), with a clear error if it cannot."""
        path = self.root / gen
        if not path.is_dir():
            raise IndexUnavailable(
                f"{self.root / 'CURRENT'} names {gen}, which does not exist in {self.root}",
                REASON_GEN_MISSING,
            )
        try:
            return self._edge().EdgeShard.load(str(path))
        except IndexUnavailable:
            raise
        except BaseException as exc:  # a Rust panic is a BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            os_err = exc if isinstance(exc, OSError) else None
            if os_err is not None:
                raise _unavailable(os_err, str(path)) from exc
            raise IndexUnavailable(
                f"cannot open the published generation {path}: {str(exc)[:300]}",
                REASON_CORRUPT,
            ) from exc

    def reader(self) -> Any:
        """The committed generation's shard, reopened when a newer one was published.

        Checked on every call, so a store that becomes unavailable gives
        :class:`IndexUnavailable` at once and the next call after it is back reads it
        again (and the change listeners run): no restart needed."""
        changed = False
        try:
            gen = self.current()
            with self._lock:
                if gen is None:
                    changed = self._reader_gen is not None
                    self._reader, self._reader_gen = None, None
                    shard = None
                elif gen != self._reader_gen or self._reader is None:
                    shard = self._load(gen)
                    # the previous shard closes when the last in-flight query drops it
                    changed = self._reader_gen is not None
                    self._reader, self._reader_gen = shard, gen
                    self._dim = int(self._meta(gen).get("dim") or 0) or None
                    self._seen = True
                else:
                    shard = self._reader
        except IndexUnavailable:
            with self._lock:
                # reopened from disk once it is back (it may be another copy by then)
                self._reader = None
            raise
        if changed:
            for fn in list(self.listeners):
                fn()
        return shard

    def target(self, write: bool) -> Any:
        """The shard a call works on: the writer's generation inside a write, if any."""
        if self._writer is not None and self._writer_owner == threading.get_ident():
            return self._writer.shard
        if write:
            raise RuntimeError("write outside IndexStore.writing()")
        return self.reader()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._lock:
            if self._writer is not None and self._writer_owner == me:
                self._writer_depth += 1
                nested = True
            else:
                nested = False
        if nested:
            try:
                yield
            finally:
                with self._lock:
                    self._writer_depth -= 1
            return
        self._acquire()
        try:
            with self._lock:
                self._writer_owner = me
                self._writer_depth = 1
            self._writer = self._begin()
            ok = False
            try:
                yield
                ok = True
            finally:
                if ok:
                    self._commit(optimize=True)
                else:
                    self._abort()
        finally:
            with self._lock:
                self._writer, self._writer_owner, self._writer_depth = None, None, 0
            self._release()

    def _acquire(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _unavailable(exc, self.location) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise IndexUnavailable(
                f"Một tiến trình khác đang nạp dữ liệu vào {self.location}; xin thử lại sau. / "
                "Another ingest is writing to this store; try again when it has finished.",
                REASON_BUSY,
            ) from None
        self._lock_fd = fd

    def _release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
            self._lock_fd = None

    def _check_space(self, current: str | None) -> None:
        """Refuse to write (ENOSPC, with the path and the sizes) when the disk cannot hold
        a copy of the published generation plus ``WRITE_HEADROOM_BYTES``."""
        need = WRITE_HEADROOM_BYTES
        if current:
            need += sum(f.stat().st_size for f in (self.root / current).rglob("*") if f.is_file())
        try:
            free = shutil.disk_usage(self.root).free
        except OSError as exc:
            raise _unavailable(exc, self.location) from exc
        if free < need:
            err = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.root))
            raise IndexUnavailable(
                f"Không đủ chỗ trống để ghi kho dữ liệu tại {self.root} (còn {free / 2**20:.0f} "
                f"MB, cần {need / 2**20:.0f} MB) / not enough free space to write the store at "
                f"{self.root}: {free:,} bytes free, {need:,} needed [errno {errno.ENOSPC} "
                "ENOSPC]",
                f"{REASON_FULL} (ENOSPC)",
            ) from err

    def _begin(self) -> _EdgeGeneration:
        """Copy the committed generation (if any) to a fresh folder and open it."""
        current = self.current()
        self._collect(keep={current} if current else set())
        self._check_space(current)
        name = f"gen-{_gen_number(current) + 1:08d}-{uuid.uuid4().hex[:8]}"
        path = self.root / name
        if current is None:
            return _EdgeGeneration(path, None)  # created by create()
        if not (self.root / current).is_dir():
            self._load(current)  # raises: CURRENT names a missing generation
        try:
            shutil.copytree(self.root / current, path)
        except OSError as exc:
            shutil.rmtree(path, ignore_errors=True)
            raise _unavailable(exc, self.location) from exc
        try:
            shard = self._edge().EdgeShard.load(str(path))
        except Exception as exc:
            shutil.rmtree(path, ignore_errors=True)
            raise IndexUnavailable(
                f"cannot open a copy of the published generation {self.root / current}: "
                f"{str(exc)[:300]}",
                REASON_CORRUPT,
            ) from exc
        return _EdgeGeneration(path, shard)

    def _commit(self, optimize: bool) -> None:
        w = self._writer
        if w is None or w.shard is None:
            return
        if optimize:
            w.shard.optimize()
        w.shard.flush()
        w.shard.close()
        w.shard = None
        # Opening a shard replays and removes its trackers' journals and rewrites its
        # config: do it once here, so that published folders are never written by
        # readers (measured with qdrant-edge-py 0.9.0; tests/integration/test_edge_store).
        self._edge().EdgeShard.load(str(w.path)).close()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        (w.path / PUBLISHED).write_text(stamp, encoding="utf-8")
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(w.path.name, encoding="utf-8")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / "CURRENT")
        _fsync_dir(self.root)
        self._seen = True

    def _abort(self) -> None:
        w = self._writer
        if w is None:
            return
        if w.shard is not None:
            with contextlib.suppress(Exception):
                w.shard.close()
            w.shard = None
        shutil.rmtree(w.path, ignore_errors=True)

    def checkpoint(self, min_seconds: float) -> bool:
        """Publish what is written so far (between documents) and go on in a new copy."""
        w = self._writer
        if w is None or self._writer_owner != threading.get_ident() or w.shard is None:
            return False
        if time.monotonic() - w.started < min_seconds:
            return False
        self._commit(optimize=False)
        self._writer = self._begin()
        return True

    def _collect(self, keep: set[str]) -> None:
        """Remove unpublished generations (a writer that was killed: numbered above the
        published one) and superseded ones, keeping the published one and the one
        before it (a reader may still be finishing a query there)."""
        if not self.root.exists():
            return
        gens = self._generations()
        current = self.current()
        number = _gen_number(current)
        older = [g.name for g in gens if _gen_number(g.name) < number]
        keep = set(keep) | ({current} if current else set()) | set(older[-1:])
        for g in gens:
            if g.name not in keep:
                shutil.rmtree(g, ignore_errors=True)

    # -- schema ----------------------------------------------------------------------
    def exists(self) -> bool:
        if self._writer is not None and self._writer_owner == threading.get_ident():
            return self._writer.shard is not None
        return self.current() is not None

    def dim(self) -> int:
        w = self._writer
        if w is not None and self._writer_owner == threading.get_ident():
            return int(self._meta(w.path.name).get("dim") or 0)
        gen = self.current()
        return int(self._meta(gen).get("dim") or 0) if gen else 0

    def create(self, dim: int, model_name: str) -> None:
        e = self._edge()
        w = self._writer
        if w is None or self._writer_owner != threading.get_ident():
            raise RuntimeError("create outside IndexStore.writing()")
        config = e.EdgeConfig(
            vectors={DENSE: e.EdgeVectorParams(size=dim, distance=e.Distance.Cosine)},
            sparse_vectors={LEXICAL: e.EdgeSparseVectorParams(modifier=e.Modifier.Idf)},
            on_disk_payload=self.settings.on_disk_payload,
            wal_enabled=False,
        )
        try:
            w.shard = e.EdgeShard.create(str(w.path), config)
        except Exception as exc:
            raise _unavailable(exc, self.location) from exc
        for key in KEYWORD_FIELDS:
            w.shard.update(e.UpdateOperation.create_field_index(key, e.PayloadSchemaType.Keyword))
        for key in INTEGER_FIELDS:
            w.shard.update(e.UpdateOperation.create_field_index(key, e.PayloadSchemaType.Integer))
        meta = {"dim": dim, "model": model_name, "schema": 1, "created": time.time()}
        (w.path / "troly.json").write_text(json.dumps(meta), encoding="utf-8")

    def drop(self) -> None:
        if self._writer is not None:
            raise RuntimeError("drop inside a write")
        self._acquire()
        try:
            with self._lock:
                self._reader, self._reader_gen = None, None
            # An empty CURRENT: "deliberately empty" (a missing one means a lost store)
            tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
            tmp.write_text("", encoding="utf-8")
            os.replace(tmp, self.root / "CURRENT")
            _fsync_dir(self.root)
            self._collect(keep=set())
        finally:
            self._release()

    # -- writes ----------------------------------------------------------------------
    def upsert(self, points: Sequence[StoredPoint]) -> None:
        e = self._edge()
        shard = self.target(write=True)
        edge_points = [
            e.Point(
                p.id,
                {DENSE: p.dense, LEXICAL: e.SparseVector(p.sparse[0], p.sparse[1])},
                p.payload,
            )
            for p in points
        ]
        shard.update(e.UpdateOperation.upsert_points(edge_points))

    def delete(self, must: list[tuple[str, Any]], must_not: list[tuple[str, Any]]) -> None:
        e = self._edge()
        shard = self.target(write=True)
        flt = e.Filter(
            must=[_edge_cond(e, k, v) for k, v in must] or None,
            must_not=[_edge_cond(e, k, v) for k, v in must_not] or None,
        )
        shard.update(e.UpdateOperation.delete_points_by_filter(flt))

    # -- reads -----------------------------------------------------------------------
    def count(self, flt: SearchFilters | None) -> int:
        shard = self.target(write=False)
        if shard is None:
            return 0
        return int(shard.count(self._edge().CountRequest(exact=True, filter=_edge_filter(flt))))

    def scroll(
        self, flt: SearchFilters | None, payload: bool | list[str], vectors: bool, limit: int
    ) -> Iterator[tuple[str, dict[str, Any], Any]]:
        e = self._edge()
        shard = self.target(write=False)
        if shard is None:
            return
        offset = None
        while True:
            records, offset = shard.scroll(
                e.ScrollRequest(
                    offset=offset,
                    limit=limit,
                    filter=_edge_filter(flt),
                    with_payload=payload,
                    with_vector=vectors,
                )
            )
            for r in records:
                yield str(r.id), r.payload or {}, r.vector
            if offset is None:
                return

    def query(
        self,
        vector: Any,
        using: str,
        flt: SearchFilters | None,
        limit: int,
        hnsw_ef: int | None,
    ) -> list[tuple[dict[str, Any], float]]:
        e = self._edge()
        shard = self.target(write=False)
        if shard is None:
            return []
        if using == LEXICAL:
            idx, vals = vector
            q = e.Query.Nearest(e.SparseVector(list(idx), list(vals)), using=LEXICAL)
            params = None
        else:
            q = e.Query.Nearest(list(vector), using=DENSE)
            params = e.SearchParams(hnsw_ef=hnsw_ef) if hnsw_ef else None
        res = shard.query(
            e.QueryRequest(
                limit=limit, query=q, filter=_edge_filter(flt), with_payload=True, params=params
            )
        )
        return [(p.payload or {}, float(p.score)) for p in res]

    def vector_of(self, raw: Any) -> tuple[list[float], Sparse]:
        sp = raw[LEXICAL]
        return list(raw[DENSE]), (list(sp.indices), list(sp.values))

    def info(self) -> dict[str, Any]:
        shard = self.target(write=False)
        if shard is None:
            return {}
        i = shard.info()
        return {
            "generation": self._reader_gen,
            "segments": i.segments_count,
            "indexed_vectors": i.indexed_vectors_count,
        }

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                with contextlib.suppress(Exception):
                    self._reader.close()
            self._reader, self._reader_gen = None, None
        if self._tmp is not None and self._writer is None:
            self._tmp.cleanup()
            self._tmp = None


# ---------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------


class IndexStore:
    def __init__(self, settings: QdrantSettings) -> None:
        self.settings = settings
        self.collection = settings.collection
        self.engine: _ClientEngine | _EdgeEngine
        if settings.url or getattr(settings, "engine", "edge") == "local":
            self.engine = _ClientEngine(settings)
        else:
            self.engine = _EdgeEngine(settings)

    # -- connection ----------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.engine.location

    @property
    def is_local(self) -> bool:
        return not self.settings.url

    @property
    def engine_name(self) -> str:
        return self.engine.name

    def client(self) -> Any:
        """The qdrant-client instance (server and local mode only)."""
        if not isinstance(self.engine, _ClientEngine):
            raise TypeError("the edge engine has no qdrant-client")
        return self.engine.client()

    def close(self) -> None:
        self.engine.close()

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when this process starts reading a newer published state
        (another process's ingest finished or checkpointed). Edge engine only; with a
        server every call reads the current state anyway."""
        if isinstance(self.engine, _EdgeEngine):
            self.engine.listeners.append(callback)

    @property
    def version(self) -> str | None:
        """The published generation being read (edge), else None."""
        if isinstance(self.engine, _EdgeEngine):
            self.engine.reader()
            return self.engine._reader_gen
        return None

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Group writes: with the edge engine they land in a new generation, published
        when the block ends without an error (discarded otherwise). Readers keep the
        committed generation meanwhile. A no-op grouping for qdrant-client engines."""
        if isinstance(self.engine, _EdgeEngine):
            with self.engine.writing():
                yield
        else:
            yield

    def checkpoint(self, min_seconds: float = 0.0) -> bool:
        """Inside :meth:`writing`: publish the documents written so far (edge) if the
        generation is at least ``min_seconds`` old. Call only between documents."""
        if isinstance(self.engine, _EdgeEngine):
            return self.engine.checkpoint(min_seconds)
        return False

    @contextlib.contextmanager
    def _auto_write(self) -> Iterator[None]:
        with self.writing():
            yield

    # -- schema --------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.engine.exists()

    def ensure_collection(self, dim: int, model_name: str) -> None:
        with self._auto_write():
            if self.engine.exists():
                size = self.engine.dim()
                if size and size != dim:
                    raise ValueError(
                        f"collection '{self.collection}' holds {size}-dim vectors but the model "
                        f"'{model_name}' gives {dim}: run `troly ingest --recreate`"
                    )
                return
            self.engine.create(dim, model_name)

    def drop(self) -> None:
        self.engine.drop()

    # -- writes --------------------------------------------------------------------------
    def upsert(
        self,
        chunks: Sequence[Chunk],
        dense: np.ndarray,
        sparse: Sequence[Sparse],
        batch: int = 128,
        extra: dict[str, Any] | None = None,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> None:
        """Write chunks with their vectors; ``extra`` is added to every payload."""
        with self._auto_write():
            for start in range(0, len(chunks), batch):
                end = min(start + batch, len(chunks))
                points = [
                    StoredPoint(
                        id=chunks[i].id,
                        payload={**chunks[i].to_payload(), **(extra or {})},
                        dense=np.asarray(dense[i], dtype=np.float32).tolist(),
                        sparse=(list(sparse[i][0]), list(sparse[i][1])),
                    )
                    for i in range(start, end)
                ]
                self.engine.upsert(points)
                if on_batch:
                    on_batch(end, len(chunks))

    def upsert_points(self, points: Sequence[StoredPoint]) -> None:
        with self._auto_write():
            self.engine.upsert(points)

    def replace_document(
        self,
        doc_id: str,
        chunks: Sequence[Chunk],
        dense: np.ndarray,
        sparse: Sequence[Sparse],
        batch: int = 128,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> str:
        """Write a document's new version, then delete the points of earlier writes.

        Returns the write's ``ingest_id``. Until the delete, a reader of a server sees
        old and new points of this document side by side (ids are shared, so mostly
        overwritten in place); an edge reader sees neither until the writer publishes.
        """
        ingest_id = uuid.uuid4().hex
        extra = {"ingest_id": ingest_id, "doc_chunks": len(chunks)}
        with self._auto_write():
            self.upsert(chunks, dense, sparse, batch, extra, on_batch)
            self.engine.delete([("doc_id", doc_id)], [("ingest_id", ingest_id)])
        return ingest_id

    def delete_document(self, doc_id: str) -> None:
        with self._auto_write():
            if self.engine.exists():
                self.engine.delete([("doc_id", doc_id)], [])

    # -- reads ---------------------------------------------------------------------------
    def count(self, filters: SearchFilters | None = None) -> int:
        if not self.exists():
            return 0
        return self.engine.count(filters)

    def content_token(self) -> tuple[str, int]:
        """A cheap token that changes when the content does: the published generation
        (edge: every write publishes a new one, from any process) and the point count (a
        server or local mode, where a write that keeps the count is not seen)."""
        return (self.version or "", self.count())

    def document_hashes(self) -> dict[str, str]:
        """doc_id → content hash of each *completely* indexed document."""
        if not self.exists():
            return {}
        fields = ["doc_id", "content_hash", "ingest_id", "doc_chunks"]
        return complete_documents(p for _, p, _ in self.engine.scroll(None, fields, False, 2048))

    def dense_search(
        self, vector: np.ndarray, filters: SearchFilters | None, limit: int
    ) -> list[Hit]:
        if not self.exists():
            return []
        res = self.engine.query(
            np.asarray(vector, dtype=np.float32).tolist(),
            DENSE,
            filters,
            limit,
            self.settings.hnsw_ef,
        )
        return [Hit(Chunk.from_payload(p), s) for p, s in res]

    def lexical_search(
        self, sparse: Sparse, filters: SearchFilters | None, limit: int
    ) -> list[Hit]:
        idx, _ = sparse
        if not idx or not self.exists():
            return []
        res = self.engine.query(sparse, LEXICAL, filters, limit, None)
        return [Hit(Chunk.from_payload(p), s) for p, s in res]

    def chunks(self, filters: SearchFilters | None = None) -> list[Chunk]:
        """All chunks (payloads) matching ``filters``, in document order."""
        if not self.exists():
            return []
        out = [Chunk.from_payload(p) for _, p, _ in self.engine.scroll(filters, True, False, 1024)]
        out.sort(key=lambda c: (c.doc_id, c.ordinal))
        return out

    def points(self, batch: int = 512) -> Iterator[StoredPoint]:
        """Every stored point with payload and both vectors (for export)."""
        if not self.exists():
            return
        for pid, payload, raw in self.engine.scroll(None, True, True, batch):
            dense, sparse = self.engine.vector_of(raw)
            yield StoredPoint(pid, payload, dense, sparse)

    def dim(self) -> int:
        return self.engine.dim() if self.exists() else 0

    def health(self) -> dict[str, Any]:
        """Reachability and size, for /readyz and `troly status`."""
        try:
            exists = self.exists()
            n = self.count() if exists else 0
            out = {
                "reachable": True,
                "collection": exists,
                "points": n,
                "location": self.location,
                "engine": self.engine.name,
            }
            if exists:
                out.update(self.engine.info())
            return out
        except IndexUnavailable as exc:
            return {
                "reachable": False,
                "error": str(exc),
                "reason": exc.reason,
                "location": self.location,
            }


# ---------------------------------------------------------------------------------------
# Moving a store: export every point with its vectors, import into another engine
# ---------------------------------------------------------------------------------------

EXPORT_FORMAT = "troly-points"


def export_points(store: IndexStore, path: Path, model: str = "") -> int:
    """Write every point (payload, dense and sparse vectors) to gzip'd JSON lines.

    The first line is a header (format, dim, model, count). Vectors are copied, never
    re-embedded, so an import gives the same search results on the target."""
    import gzip

    n = 0
    dim = store.dim()
    tmp = Path(str(path) + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        header = {
            "format": EXPORT_FORMAT,
            "version": 1,
            "dim": dim,
            "model": model,
            "collection": store.collection,
            "count": store.count(),
            "engine": store.engine_name,
        }
        fh.write(json.dumps(header, ensure_ascii=False) + "\n")
        for p in store.points():
            row = {
                "id": p.id,
                "payload": p.payload,
                "dense": [float(np.float32(x)) for x in p.dense],
                "sparse": {"indices": p.sparse[0], "values": p.sparse[1]},
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, path)
    return n


def import_points(
    store: IndexStore,
    path: Path,
    batch: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Upload an :func:`export_points` file into ``store`` (created with the same schema
    if missing: named cosine ``dense`` + sparse ``lexical`` with IDF, payload indexes;
    shards and replicas from the settings for a cluster). Idempotent: ids are kept."""
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = json.loads(fh.readline() or "{}")
        if header.get("format") != EXPORT_FORMAT:
            raise ValueError(f"{path}: not a troly export (format {header.get('format')!r})")
        total = int(header.get("count") or 0)
        n = 0
        with store.writing():
            store.ensure_collection(int(header["dim"]), str(header.get("model") or ""))
            pending: list[StoredPoint] = []
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                sp = row["sparse"]
                pending.append(
                    StoredPoint(
                        row["id"], row["payload"], row["dense"], (sp["indices"], sp["values"])
                    )
                )
                if len(pending) >= batch:
                    store.upsert_points(pending)
                    n += len(pending)
                    pending = []
                    if progress:
                        progress(n, total)
            if pending:
                store.upsert_points(pending)
                n += len(pending)
                if progress:
                    progress(n, total)
    return n


# ---------------------------------------------------------------------------------------
# Filters, per engine
# ---------------------------------------------------------------------------------------


def _conditions(filters: SearchFilters | None) -> list[tuple[str, Any]]:
    """(key, value-or-list) pairs; a list means "any of"."""
    if filters is None or filters.is_empty():
        return []
    out: list[tuple[str, Any]] = []
    if filters.doc_id:
        out.append(("doc_id", filters.doc_id))
    if filters.province:
        out.append(("province", [p.strip() for p in filters.province.split("|") if p.strip()]))
    if filters.year:
        out.append(("year", filters.year))
    if filters.kind == "plan":
        out.append(("kind", list(PLAN_KINDS)))
    elif filters.kind:
        out.append(("kind", filters.kind))
    if filters.lead:
        out.append(("lead", [filters.lead]))
    return out


def _client_cond(key: str, value: Any) -> Any:
    from qdrant_client import models

    if isinstance(value, list):
        return models.FieldCondition(key=key, match=models.MatchAny(any=value))
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def _client_filter(filters: SearchFilters | None) -> Any:
    from qdrant_client import models

    conds = _conditions(filters)
    return models.Filter(must=[_client_cond(k, v) for k, v in conds]) if conds else None


def _edge_cond(e: Any, key: str, value: Any) -> Any:
    if isinstance(value, list):
        return e.FieldCondition(key=key, match=e.MatchAny(value))
    return e.FieldCondition(key=key, match=e.MatchValue(value))


def _edge_filter(filters: SearchFilters | None) -> Any:
    conds = _conditions(filters)
    if not conds:
        return None
    import qdrant_edge as e

    return e.Filter(must=[_edge_cond(e, k, v) for k, v in conds])


def _gen_number(name: str | None) -> int:
    """The sequence number in ``gen-<number>-<random>`` (0 for none)."""
    if not name:
        return 0
    try:
        return int(name.split("-")[1])
    except (IndexError, ValueError):
        return 0


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _is_connection_error(exc: Exception) -> bool:
    name = type(exc).__name__
    text = str(exc)
    return (
        isinstance(exc, ConnectionError | TimeoutError | OSError)
        or name in {"ResponseHandlingException", "ConnectError", "ConnectTimeout", "ReadTimeout"}
        or "Connection refused" in text
        or "already accessed by another instance" in text
    )


def _unavailable(exc: BaseException, location: str) -> IndexUnavailable:
    """An :class:`IndexUnavailable` for ``exc``: the message names the location (and the
    errno of a file-system error) for logs and the CLI, the reason names the problem."""
    text = str(exc)
    if "already accessed by another instance" in text:
        return IndexUnavailable(
            f"Kho dữ liệu Qdrant cục bộ ({location}) đang được một tiến trình khác sử dụng / "
            "the embedded Qdrant store is locked by another process (stop `troly serve` or "
            "use a Qdrant server via TROLY_QDRANT__URL).",
            REASON_LOCKED,
        )
    if isinstance(exc, OSError) and exc.errno is not None:
        code = errno.errorcode.get(exc.errno, "?")
        reason = {
            errno.ENOENT: REASON_FOLDER_GONE,
            errno.ENOTDIR: REASON_FOLDER_GONE,
            errno.EACCES: REASON_DENIED,
            errno.EPERM: REASON_DENIED,
            errno.ENOSPC: REASON_FULL,
            errno.EDQUOT: REASON_FULL,
            errno.EROFS: REASON_READ_ONLY,
        }.get(exc.errno, REASON_IO)
        where = exc.filename or location
        return IndexUnavailable(
            f"Không mở được kho dữ liệu tại {where} ({os.strerror(exc.errno)}) / "
            f"cannot open the store at {where}: {type(exc).__name__} errno {exc.errno} {code}",
            f"{reason} ({code})",
        )
    return IndexUnavailable(
        f"Không kết nối được Qdrant tại {location} / Qdrant is unreachable at {location}: "
        f"{type(exc).__name__}",
        REASON_UNREACHABLE,
    )
