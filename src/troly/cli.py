"""`troly` command line: a thin shell over :func:`troly.services.build_services`."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from troly.documents import DocumentError
from troly.embedding import EmbeddingError
from troly.index_store import IndexUnavailable
from troly.retriever import QueryError
from troly.schema import DocumentTree, SearchFilters, Section
from troly.services import Services, build_services
from troly.text import normalize_user_text

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Trợ lý CCHC — hỏi đáp về kế hoạch cải cách hành chính (troly).",
)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Lỗi / error: {message}", err=True)
    raise typer.Exit(code)


def _services() -> Services:
    try:
        return build_services()
    except ValueError as exc:  # settings validation
        _fail(str(exc), 2)
        raise  # unreachable


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Tệp hoặc thư mục cần nạp (.docx, .doc, .pdf, .html, .txt; có thể trộn lẫn). "
            "Mặc định: kho văn bản TROLY_CORPUS_DIR (manifest.yaml là tùy chọn)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Re-index documents even if unchanged.")] = False,
    recreate: Annotated[bool, typer.Option(help="Drop the collection first.")] = False,
) -> None:
    """Parse the bundled corpus and index it into Qdrant (embedded by default)."""
    from tqdm import tqdm

    svc = _services()
    problem = _data_folder_problem(svc)
    if problem:
        svc.close()
        _fail(problem, 2)
    try:
        if recreate:
            svc.store.drop()
        bar = tqdm(total=0, unit="doc", desc="ingest", file=sys.stderr)

        def progress(doc: str, n: int, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(doc)
            bar.n = n
            bar.refresh()

        inner = tqdm(total=0, unit="đoạn", desc="  embed", file=sys.stderr, leave=False)
        pages = tqdm(total=0, unit="trang", desc="  đọc", file=sys.stderr, leave=False)

        def detail(doc: str, stage: str, done: int, total: int) -> None:
            if stage in ("page", "ocr"):  # a PDF read page by page (parsing thread)
                what = "đọc trang / reading" if stage == "page" else "OCR trang quét / OCR"
                if pages.total != total or done <= 1:
                    pages.reset(total=total)
                pages.set_description_str(f"  {doc}")
                pages.set_postfix_str(what)
                pages.n = done
                pages.refresh()
            elif stage == "parsed":  # a new document: nothing of the previous one shows
                inner.set_postfix_str("", refresh=False)
                inner.set_description_str(f"  {doc}", refresh=False)
                inner.reset(total=total)
            elif stage == "embed":
                inner.n = done
                inner.set_postfix_str("nhúng / embedding")
                inner.refresh()
            elif stage == "write":
                inner.set_postfix_str(f"ghi / writing {done}/{total}")
                inner.refresh()

        entries = None
        if paths:
            from troly.documents import entries_for_paths

            entries = entries_for_paths(list(paths))
        summary = svc.ingest(force=force, progress=progress, detail=detail, entries=entries)
        pages.close()
        inner.close()
        bar.close()
    except (IndexUnavailable, EmbeddingError, DocumentError) as exc:
        _fail(str(exc))
        return
    except (OSError, sqlite3.Error) as exc:  # the data folder filled up or turned read-only
        _fail(_storage_error(exc, svc.settings.data_dir))
        return
    finally:
        svc.close()
    typer.echo(
        f"Đã nạp {summary.documents} văn bản ({summary.skipped} không đổi, bỏ qua): "
        f"{summary.sections} mục, {summary.tasks} nhiệm vụ, {summary.chunks} đoạn, "
        f"{summary.seconds:.1f} s ({summary.chunks_per_second:.1f} đoạn/s)."
    )
    for doc, counts in summary.per_document.items():
        c = counts
        typer.echo(f"  {doc}: {c['sections']} mục, {c['tasks']} nhiệm vụ, {c['chunks']} đoạn")
    for doc, err in summary.errors.items():
        typer.echo(f"  {doc}: LỖI {err}", err=True)
    if summary.errors:
        raise typer.Exit(1)


def _outline(tree: DocumentTree) -> str:
    m = tree.meta
    lines = [
        f"{m.title}",
        f"  doc_id={m.doc_id} tỉnh={m.province} năm={m.year} số={m.number} "
        f"ngày ban hành={m.issued} người ký={m.signer}",
        f"  loại={m.doc_type} cơ quan ban hành={m.issuer} định dạng={m.extra.get('format', '')}"
        + (f" trang OCR={m.extra['ocr_pages']}" if m.extra.get("ocr_pages") else ""),
        "",
    ]

    def walk(s: Section, depth: int) -> None:
        title = s.title if len(s.title) <= 90 else s.title[:87] + "…"
        lines.append(f"{'  ' * depth}{s.key}  {title}")
        for c in s.children:
            walk(c, depth + 1)

    for root in tree.sections:
        walk(root, 0)
    lines.append("")
    lines.append(f"Nhiệm vụ ({len(tree.tasks)}):")
    for t in tree.tasks:
        content = t.content if len(t.content) <= 80 else t.content[:77] + "…"
        lead = ", ".join(t.lead) or "—"
        lines.append(
            f"  [{t.location}] {content} | chủ trì: {lead} | thời gian: {t.deadline or '—'}"
        )
    if tree.warnings:
        lines.append("")
        lines.append("Cảnh báo / warnings:")
        lines.extend(f"  - {w}" for w in tree.warnings)
    return "\n".join(lines)


@app.command()
def inspect(
    doc_id: Annotated[str, typer.Argument(help="Document id, e.g. phu-yen-2024, or a file path.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the parsed tree as JSON.")] = False,
) -> None:
    """Show how a plan was parsed: metadata, sections, task records."""
    from troly.documents import parse

    svc = _services()
    try:
        tree = parse(Path(doc_id)) if Path(doc_id).is_file() else svc.document(doc_id)
    except DocumentError as exc:
        _fail(str(exc))
        return
    typer.echo(_dump(tree.to_dict()) if as_json else _outline(tree))


def _answer_questions(
    question: str | None,
    batch: str | None,
    as_json: bool,
    run: Callable[[Services, str], dict[str, Any]],
    show: Callable[[dict[str, Any]], None],
    error_extra: dict[str, Any] | None = None,
) -> None:
    """One question or every line of --batch (model and index loaded once): JSON lines for
    a batch or --json, ``show`` otherwise; a bad line in a batch gives an error object."""
    if question is None and batch is None:
        _fail("cần một câu hỏi hoặc --batch FILE / give a question or --batch FILE", 2)
    svc = _services()
    try:
        if not svc.store.exists() or svc.store.count() == 0:
            _fail("chỉ mục đang trống: hãy chạy `troly ingest` trước / empty index: run it first")
        for q in _read_batch(batch) if batch else [question or ""]:
            try:
                out = run(svc, normalize_user_text(q))  # NFC, no control/zero-width chars
            except QueryError as exc:
                if not batch:
                    _fail(str(exc), 2)
                typer.echo(_dump({"question": q, "error": str(exc), **(error_extra or {})}))
                continue
            if as_json or batch:
                typer.echo(_dump(out))
            else:
                show(out)
    except (IndexUnavailable, EmbeddingError) as exc:
        _fail(str(exc))
    finally:
        svc.close()


def _read_batch(path: str) -> list[str]:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


@app.command()
def search(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    batch: Annotated[
        str | None, typer.Option(help="File with one question per line ('-' = stdin).")
    ] = None,
    province: Annotated[str | None, typer.Option(help="Only this province.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document id.")] = None,
    kind: Annotated[str | None, typer.Option(help="section or task.")] = None,
    lead: Annotated[str | None, typer.Option(help="Only tasks led by this agency.")] = None,
    year: Annotated[int | None, typer.Option(help="Only plans of this year.")] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical.")] = "hybrid",
) -> None:
    """Ranked chunks for a question (or for every line of --batch, as JSON lines)."""
    if kind not in (None, "section", "task"):
        _fail("--kind phải là 'section' hoặc 'task'", 2)
    if mode not in ("hybrid", "dense", "lexical"):
        _fail("--mode phải là hybrid, dense hoặc lexical", 2)
    from troly.documents.agencies import normalize_agency

    filters = SearchFilters(
        province=province,
        year=year,
        doc_id=doc,
        kind=kind,  # type: ignore[arg-type]
        lead=normalize_agency(lead) if lead else None,
    )

    def run(svc: Services, q: str) -> dict[str, Any]:
        results = svc.retriever.search(q, k=k, filters=filters, mode=mode)
        return {"question": q, "results": [r.to_dict() for r in results]}

    def show(out: dict[str, Any]) -> None:
        typer.echo(f"Câu hỏi: {out['question']}")
        for r in out["results"]:
            snippet = r["text"].replace("\n", " ")
            snippet = snippet if len(snippet) <= 160 else snippet[:157] + "…"
            typer.echo(
                f"{r['rank']:>2}. [{r['doc_id']} › {r['location']}] ({r['score']:.4f}) {snippet}"
            )

    _answer_questions(question, batch, as_json, run, show, {"results": []})


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    batch: Annotated[
        str | None, typer.Option(help="File with one question per line ('-' = stdin).")
    ] = None,
    history: Annotated[
        list[str] | None, typer.Option("--history", help="An earlier question (repeatable).")
    ] = None,
    province: Annotated[str | None, typer.Option(help="Only this province.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document id.")] = None,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Show why each sentence was chosen or why it refused."),
    ] = False,
    citizen: Annotated[
        bool, typer.Option("--citizen", help="Citizen style: one plain sentence first.")
    ] = False,
) -> None:
    """A cited answer (or a polite refusal) for a question, or for every line of --batch."""
    filters = SearchFilters(province=province, doc_id=doc)
    audience = "citizen" if citizen else None

    def run(svc: Services, q: str) -> dict[str, Any]:
        answer = svc.answerer.ask(
            q, history=list(history or []), filters=filters, audience=audience
        )
        out = answer.to_dict()
        if explain:
            out["explain"] = list(answer.context.get("explain") or [])
        return out

    def show(out: dict[str, Any]) -> None:
        typer.echo(out["answer"])
        if out["citations"]:
            typer.echo("\nNguồn:")
            for c in out["citations"]:
                typer.echo(f"  [{c['n']}] {c['title']} › {c['location']}")
        if explain:
            typer.echo("\nVì sao / why:")
            for line in out.get("explain") or []:
                typer.echo(f"  - {line}")
        typer.echo(f"({out['took_ms']:.0f} ms)")

    _answer_questions(question, batch, as_json, run, show)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Start the app: API under /api/v1, OpenAPI docs at /docs.

    Proxy headers (X-Forwarded-For/-Proto) are honoured only with
    TROLY_SERVER__TRUST_PROXY_HEADERS=true, from TROLY_SERVER__FORWARDED_ALLOW_IPS;
    connections that send no complete request head in TROLY_SERVER__HEADER_TIMEOUT
    seconds are closed.
    """
    import uvicorn

    from troly.api import create_app
    from troly.api.server import uvicorn_options

    svc = _services()
    problem = _data_folder_problem(svc)
    if problem:
        _fail(problem, 2)
    base = f"http://{host}:{port}"
    typer.echo(
        f"troly: chat {base}/ui/ · widget demo {base}/demo · API docs {base}/docs "
        f"(Qdrant: {svc.store.location})"
    )
    uvicorn.run(
        create_app(svc),
        host=host,
        port=port,
        log_level="info",
        **uvicorn_options(svc.settings.server),
    )


def _storage_error(exc: BaseException, data_dir: Path) -> str:
    """A file-system failure during a write, with its errno and path (SQLite names
    neither: its message and the data folder are given instead)."""
    import errno

    if isinstance(exc, OSError) and exc.errno:
        code = errno.errorcode.get(exc.errno, "?")
        where = exc.filename or data_dir
        return (
            f"không ghi được dữ liệu vào {where} / cannot write to {where}: "
            f"[errno {exc.errno} {code}] {exc.strerror}"
        )
    return (
        f"không ghi được dữ liệu vào {data_dir} / cannot write to the data folder {data_dir}: "
        f"{type(exc).__name__}: {exc}"
    )


def _data_folder_problem(svc: Services) -> str | None:
    """Why the data folders cannot be written (read-only, full, not a folder), with the path
    and errno, or None. Checked before serving so the cause is not hidden behind a generic
    "cannot connect to Qdrant" or a 500 on the first upload."""
    import errno
    import os
    import tempfile

    folders = [svc.settings.data_dir, svc.settings.server.feedback_db.parent]
    if svc.store.is_local and str(svc.settings.qdrant.path) != ":memory:":
        folders.append(Path(svc.settings.qdrant.path))
    for folder in dict.fromkeys(Path(f) for f in folders):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".troly-write-check-", dir=folder)
            try:
                os.write(fd, b"x")
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(name)
        except OSError as exc:
            code = errno.errorcode.get(exc.errno or 0, "?")
            return (
                f"thư mục dữ liệu {folder} không ghi được / the data folder is not writable: "
                f"[errno {exc.errno} {code}] {exc.strerror}"
            )
    return None


@app.command()
def status() -> None:
    """Where the index is and what it holds (exit 1 when it cannot be opened, e.g. locked
    by a running server)."""
    svc = _services()
    try:
        health = svc.store.health()
        typer.echo(_dump(health))
    finally:
        svc.close()
    if not health.get("reachable"):
        typer.echo(f"Lỗi / error: {health.get('error') or 'index unavailable'}", err=True)
        raise typer.Exit(1)


@app.command("export")
def export_index(
    path: Annotated[Path, typer.Argument(help="Output file (.jsonl.gz).")],
) -> None:
    """Write every indexed point with its vectors to a file (for `troly import`)."""
    from troly.index_store import export_points

    svc = _services()
    try:
        n = export_points(svc.store, path, model=svc.settings.embedding.mode)
    except IndexUnavailable as exc:
        _fail(str(exc))
        return
    finally:
        svc.close()
    typer.echo(f"Đã xuất {n} điểm vào {path} / exported {n} points.")


@app.command("import")
def import_index(
    path: Annotated[Path, typer.Argument(help="A file written by `troly export`.")],
    url: Annotated[
        str | None,
        typer.Option(help="Target Qdrant server/cluster URL (default: TROLY_QDRANT__URL)."),
    ] = None,
) -> None:
    """Upload exported points (vectors included, no re-embedding) into the configured
    store, e.g. a Qdrant server or cluster: the way to move an embedded store there."""
    from troly.index_store import IndexStore, import_points

    svc = _services()
    settings = svc.settings.qdrant
    if url:
        settings = settings.model_copy(update={"url": url})
    store = IndexStore(settings)
    try:
        n = import_points(store, path)
    except (IndexUnavailable, ValueError, OSError) as exc:
        _fail(str(exc))
        return
    finally:
        store.close()
        svc.close()
    typer.echo(f"Đã nạp {n} điểm vào {store.location} / imported {n} points.")


def _register_feature_commands() -> None:
    """Commands that live with their feature (`troly review`, `troly audit`, `troly eval`)."""
    from troly.review.cli import register as register_review

    register_review(app)
    try:
        from troly.evaluation.cli import register as register_eval
    except ImportError:  # pragma: no cover - evaluation extras missing
        return
    register_eval(app)


_register_feature_commands()


def _register_legal_commands() -> None:
    """`troly eval-legal` (the ALQAC legal suite) and `troly inspect-law`."""
    from troly.evaluation.legal_cli import register as register_legal
    from troly.evaluation.legal_cli import register_inspect as register_inspect_law

    register_legal(app)
    register_inspect_law(app)


_register_legal_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
