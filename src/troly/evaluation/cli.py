"""``troly eval``: registered on the main Typer app by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from troly.settings import PROJECT_ROOT

DEFAULT_GOLD = PROJECT_ROOT / "eval" / "gold.jsonl"
DEFAULT_OUT = PROJECT_ROOT / "eval" / "reports" / "runs"


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Lỗi / error: {message}", err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command to ``app``."""

    @app.command("eval")
    def eval_command(
        gold: Annotated[Path, typer.Option(help="Gold question file (JSON lines).")] = DEFAULT_GOLD,
        out: Annotated[
            Path, typer.Option(help="Folder for runs; the run goes to OUT/<run-id>/.")
        ] = DEFAULT_OUT,
        config: Annotated[
            list[str] | None,
            typer.Option(
                "--config",
                help="lexical, dense, hybrid (alias troly), naive (alias llama-index); "
                "repeat or comma-separate. Default: all four.",
            ),
        ] = None,
        limit: Annotated[
            int | None,
            typer.Option(help="Only N items, evenly spaced through the gold file."),
        ] = None,
        ids: Annotated[
            list[str] | None, typer.Option("--id", help="Only these item ids (repeatable).")
        ] = None,
        split: Annotated[
            str,
            typer.Option(
                help="dev, test or all (default): the gold items' split. The report shows "
                "dev and test side by side whenever both are present."
            ),
        ] = "all",
        k: Annotated[int, typer.Option("-k", help="Results retrieved per question.")] = 10,
        resamples: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 1000,
        seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
        answers: Annotated[
            bool, typer.Option("--answers/--no-answers", help="Also evaluate answers.")
        ] = True,
        cache: Annotated[
            bool,
            typer.Option(
                "--cache/--no-cache",
                help="Keep the naive pipeline's embeddings in DATA_DIR/eval-cache.",
            ),
        ] = True,
        progress: Annotated[bool, typer.Option("--progress/--quiet", help="Progress bar.")] = True,
    ) -> None:
        """Evaluate retrieval (and answers) on the gold set against the baselines."""
        from troly.embedding import EmbeddingError
        from troly.evaluation.baselines import parse_configs
        from troly.evaluation.gold import load_gold, select_split, validate_gold
        from troly.evaluation.report import headline_text
        from troly.evaluation.runner import run_evaluation, select_items
        from troly.index_store import IndexUnavailable
        from troly.services import build_services

        try:
            configs = parse_configs(config)
        except ValueError as exc:
            _fail(str(exc), 2)
            return
        if not gold.is_file():
            _fail(f"không tìm thấy tệp câu hỏi / gold file not found: {gold}", 2)
        try:
            svc = build_services()
        except ValueError as exc:
            _fail(str(exc), 2)
            return
        try:
            check = validate_gold(gold, svc.settings.corpus_dir)
            item_errors = [e for e in check.errors if not e.startswith("coverage:")]
            for e in check.errors:
                if e.startswith("coverage:"):
                    typer.echo(f"warning: {e}", err=True)
            if item_errors:
                _fail(f"{gold} is not valid:\n  " + "\n  ".join(item_errors[:20]), 2)
            try:
                items = select_items(select_split(load_gold(gold), split), limit, ids)
            except ValueError as exc:
                _fail(str(exc), 2)
                return
            if not items:
                _fail("no gold items selected", 2)
            if any(c != "naive" for c in configs) and (
                not svc.store.exists() or svc.store.count() == 0
            ):
                _fail(
                    "chỉ mục đang trống: hãy chạy `troly ingest` trước / empty index: run it first"
                )
            result = run_evaluation(
                svc,
                items,
                configs,
                out,
                k=k,
                n_resamples=resamples,
                seed=seed,
                with_answers=answers,
                show_progress=progress,
                cache_dir=svc.settings.data_dir / "eval-cache" if cache else None,
                gold_path=gold,
            )
        except (IndexUnavailable, EmbeddingError) as exc:
            _fail(str(exc))
            return
        finally:
            svc.close()
        typer.echo(headline_text(result))
        typer.echo(f"runtime: {result.info.get('runtime_s')} s")
        typer.echo(f"report: {result.report_path}")
