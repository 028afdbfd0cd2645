"""HTTP latency of a running `troly serve`: /api/v1/ask (and /ask/stream) at given concurrency.

    TROLY_SERVER__RATE_LIMIT_PER_MINUTE=0 troly serve --port 8000 &   # limiter off for load
    python scripts/bench_http.py --url http://127.0.0.1:8000 -c 1 -c 16 -n 64

Questions come from tests/data/retrieval_questions.jsonl and eval/gold.jsonl (cycled).
Loopback only by default; every run is bounded in request count and time. Prints a table
and writes JSON (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def questions() -> list[str]:
    out: list[str] = []
    for path in (
        ROOT / "tests" / "data" / "retrieval_questions.jsonl",
        ROOT / "eval" / "gold.jsonl",
    ):
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    if not item.get("history"):
                        out.append(item["question"])
    return out or ["Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024 ở Phú Yên?"]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


async def one(client: httpx.AsyncClient, endpoint: str, q: str) -> tuple[int, float, float | None]:
    """(status, total seconds, seconds to the first answer text for streams)."""
    t0 = time.perf_counter()
    if endpoint == "ask":
        r = await client.post("/api/v1/ask", json={"question": q})
        return r.status_code, time.perf_counter() - t0, None
    first: float | None = None
    async with client.stream("POST", "/api/v1/ask/stream", json={"question": q}) as r:
        async for chunk in r.aiter_text():
            if first is None and "event: delta" in chunk:
                first = time.perf_counter() - t0
        return r.status_code, time.perf_counter() - t0, first


async def level(
    url: str, endpoint: str, concurrency: int, n: int, qs: list[str], budget: float, offset: int = 0
) -> dict[str, Any]:
    sem = asyncio.Semaphore(concurrency)
    lat: list[float] = []
    ttfb: list[float] = []
    codes: dict[int, int] = {}
    deadline = time.monotonic() + budget
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        # warm-up (not counted)
        await one(client, endpoint, qs[0])

        async def task(i: int) -> None:
            async with sem:
                if time.monotonic() > deadline:
                    return
                status, total, first = await one(client, endpoint, qs[(offset + i) % len(qs)])
                codes[status] = codes.get(status, 0) + 1
                if status == 200:
                    lat.append(total)
                    if first is not None:
                        ttfb.append(first)

        t0 = time.perf_counter()
        await asyncio.gather(*(task(i) for i in range(n)))
        wall = time.perf_counter() - t0
    ms = [x * 1000 for x in lat]
    return {
        "endpoint": endpoint,
        "concurrency": concurrency,
        "requests": sum(codes.values()),
        "ok": len(lat),
        "status_codes": codes,
        "p50_ms": round(pct(ms, 50), 1),
        "p95_ms": round(pct(ms, 95), 1),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
        "first_text_p50_ms": round(pct([x * 1000 for x in ttfb], 50), 1) if ttfb else None,
        "throughput_rps": round(len(lat) / wall, 2) if wall else None,
        "wall_s": round(wall, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument(
        "-c", "--concurrency", type=int, action="append", help="repeatable; default 1 and 16"
    )
    ap.add_argument("-n", "--requests", type=int, default=64, help="requests per level (max 2000)")
    ap.add_argument("--endpoint", choices=["ask", "stream", "both"], default="both")
    ap.add_argument("--budget", type=float, default=300, help="seconds per level at most")
    ap.add_argument(
        "--same-questions", action="store_true", help="every level asks the same questions"
    )
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    args = ap.parse_args()
    host = urlparse(args.url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        print(f"refusing to load a non-loopback host: {host}", file=sys.stderr)
        return 2
    n = max(1, min(args.requests, 2000))
    levels = args.concurrency or [1, 16]
    endpoints = ["ask", "stream"] if args.endpoint == "both" else [args.endpoint]
    qs = questions()
    results = []
    offset = 0
    for endpoint in endpoints:
        for c in levels:
            # each level asks other questions than the one before it
            res = asyncio.run(level(args.url, endpoint, c, n, qs, args.budget, offset))
            offset += 0 if args.same_questions else n
            results.append(res)
            print(
                f"{endpoint:6} c={c:<3} n={res['requests']:<4} ok={res['ok']:<4} "
                f"p50={res['p50_ms']:>8} ms  p95={res['p95_ms']:>8} ms  "
                f"first-text p50={res['first_text_p50_ms']} ms  {res['throughput_rps']} req/s  "
                f"codes={res['status_codes']}",
                flush=True,
            )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"url": args.url, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
