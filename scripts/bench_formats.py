"""Benchmark the document readers: pages per second per format, OCR separately.

Usage: ``make bench`` (runs this after scripts/bench.py) or
``python scripts/bench_formats.py [--govdocs ../shared/govdocs] [--repeat 2] [--out eval/reports]``.

Inputs: the real documents in ``../shared/govdocs`` (read by content: .docx, .doc via
LibreOffice, text .pdf, scanned .pdf via Tesseract, .html), plus the five bundled plans
(.txt). Each file is read ``--repeat`` times (the best run counts: the first .doc call pays
LibreOffice's start-up, reported apart as ``first_s``) and also parsed into a tree.

Pages: a PDF's own page count; other formats have no pages, so they are counted as
page-equivalents of 3,000 characters of text (about one printed A4 page of Vietnamese).
Prints cores and load average first (other processes' load inflates every number) and
writes ``eval/reports/bench-formats-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHARS_PER_PAGE = 3000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--govdocs", type=Path, default=ROOT.parent / "shared" / "govdocs")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from troly.documents import DocumentError, entries_for_paths, parse
    from troly.documents.formats import read

    load = os.getloadavg()
    print(f"cores={os.cpu_count()} load average={load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    paths = [ROOT / "ingest" / "corpus"]
    if args.govdocs.is_dir():
        paths.append(args.govdocs)
    else:
        print(f"WARNING: {args.govdocs} not found: only the bundled .txt plans are measured")
    rows: list[dict[str, Any]] = []
    for e in entries_for_paths(paths):
        times = []
        try:
            for _ in range(max(1, args.repeat)):
                t0 = time.perf_counter()
                doc = read(e.path)
                times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            tree = parse(e.path, e.id, e.fields)
            parse_s = time.perf_counter() - t0
        except DocumentError as exc:
            print(f"  {e.id}: ERROR {exc}")
            continue
        chars = sum(len(p.text) for p in doc.paragraphs()) + sum(
            len(c.text) for t in doc.tables() for row in t.rows for c in row if c.is_origin
        )
        pages = doc.pages or max(1, round(chars / CHARS_PER_PAGE))
        best = min(times)
        rows.append(
            {
                "doc": e.id,
                "format": doc.format,
                "pages": pages,
                "pages_are_real": bool(doc.pages),
                "ocr_pages": len(doc.ocr_pages),
                "chars": chars,
                "first_s": round(times[0], 3),
                "best_s": round(best, 3),
                "parse_s": round(parse_s, 3),
                "pages_per_s": round(pages / best, 2) if best else 0.0,
                "sections": sum(1 for _ in tree.iter_sections()),
                "tasks": len(tree.tasks),
            }
        )
        r = rows[-1]
        print(
            f"  {r['format']:8} {r['doc'][:44]:44} {r['pages']:4} p  best {r['best_s']:7.2f} s"
            f"  {r['pages_per_s']:8.2f} p/s  (first {r['first_s']:.2f} s)"
        )
    per_format: dict[str, dict[str, float]] = {}
    for fmt in sorted({r["format"] for r in rows}):
        sel = [r for r in rows if r["format"] == fmt]
        pages = sum(r["pages"] for r in sel)
        secs = sum(r["best_s"] for r in sel)
        per_format[fmt] = {
            "files": len(sel),
            "pages": pages,
            "seconds": round(secs, 3),
            "pages_per_s": round(pages / secs, 2) if secs else 0.0,
        }
    print("per format (OCR = pdf-ocr):")
    for fmt, v in per_format.items():
        print(f"  {fmt:8} {v['files']} files {v['pages']:5} pages {v['pages_per_s']:8.2f} pages/s")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = args.out / f"bench-formats-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "cores": os.cpu_count(),
                "loadavg": load,
                "loadavg_end": os.getloadavg(),
                "chars_per_page_equivalent": CHARS_PER_PAGE,
                "per_format": per_format,
                "files": rows,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    end = os.getloadavg()
    print(f"load average at the end={end[0]:.2f} {end[1]:.2f} {end[2]:.2f}")
    print(f"→ {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
