"""``troly eval-legal``: the ALQAC legal-retrieval suite (see troly.evaluation.legal)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from troly.settings import PROJECT_ROOT

DEFAULT_SHARED = PROJECT_ROOT.parent / "shared" / "legal"
DEFAULT_OUT = PROJECT_ROOT / "eval" / "reports" / "legal"


def register(app: typer.Typer) -> None:
    @app.command("eval-legal")
    def eval_legal(
        data: Annotated[
            Path, typer.Option(help="Folder with alqac2022/ and alqac2024/ (ALQAC data).")
        ] = DEFAULT_SHARED,
        out: Annotated[Path, typer.Option(help="Where report.md/results.json go.")] = DEFAULT_OUT,
        suite: Annotated[
            list[str] | None, typer.Option(help="alqac2022 and/or alqac2024 (default both).")
        ] = None,
        dense: Annotated[bool, typer.Option(help="Include the dense and fusion methods.")] = True,
        cached_only: Annotated[
            bool, typer.Option(help="Use dense only where all vectors are already cached.")
        ] = False,
        dev_only: Annotated[
            bool,
            typer.Option(help="Score the dev split only (while developing: keep test unseen)."),
        ] = False,
    ) -> None:
        """Article retrieval on ALQAC: hit@k, MRR@10, macro-F2, BM25/dense/fusion, dev/test."""
        from troly.evaluation.legal import run_legal_eval
        from troly.settings import get_settings

        settings = get_settings()
        for sub in ("alqac2022", "alqac2024"):
            if not (data / sub).is_dir():
                typer.echo(f"Lỗi / error: ALQAC data not found: {data / sub}", err=True)
                raise typer.Exit(2)
        embedder = None
        if dense:
            from troly.embedding import build_embedder

            embedder = build_embedder(settings.embedding)
        run_legal_eval(
            data,
            settings.legal_dir,
            settings.data_dir / "embeddings",
            out,
            embedder,
            suites_wanted=tuple(suite or ("alqac2022", "alqac2024")),
            cached_only=cached_only,
            log=typer.echo,
            splits=("dev",) if dev_only else ("dev", "test"),
        )
        typer.echo(f"report: {out / 'report.md'}")
