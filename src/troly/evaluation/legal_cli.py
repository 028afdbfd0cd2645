"""``troly eval-legal``: the ALQAC legal-retrieval suite (see troly.evaluation.legal)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from troly.documents.references import Reference
from troly.schema import DocumentTree, Section
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


def law_outline(tree: DocumentTree, references: Mapping[str, list[Reference]]) -> str:
    """Readable outline of a law: metadata, units (to khoản), references and their links."""
    from troly.documents.legal import unit_kind

    m = tree.meta
    lines = [
        m.title,
        f"  doc_id={m.doc_id} số={m.number} năm={m.year} hiệu lực={m.extra.get('effective', '—')}",
        "",
    ]

    def walk(s: Section, depth: int) -> None:
        if unit_kind(s) == "diem":
            return
        kids = [c for c in s.children if unit_kind(c) in ("khoan", "diem")]
        title = s.title if len(s.title) <= 80 else s.title[:77] + "…"
        extra = f"  ({len(kids)} khoản/điểm)" if unit_kind(s) == "dieu" and kids else ""
        if unit_kind(s) != "khoan":
            lines.append(f"{'  ' * depth}{s.path}. {title}{extra}".replace(". .", "."))
        for c in s.children:
            walk(c, depth + 1)

    for root in tree.sections:
        walk(root, 0)
    if references:
        lines += ["", "Dẫn chiếu / references:"]
        for where, refs in references.items():
            for r in refs:
                status = f"→ {r.doc_id}" if r.in_library else "(không có trong thư viện)"
                shown = "văn bản này" if r.target == "this" else r.target
                loc = f"{r.location} " if r.location else ""
                lines.append(f"  {where}: {loc}{shown} {status}")
    if tree.warnings:
        lines += ["", "Cảnh báo / warnings:", *[f"  - {w}" for w in tree.warnings]]
    return "\n".join(lines)


def register_inspect(app: typer.Typer) -> None:
    @app.command("inspect-law")
    def inspect_law(
        doc_id: Annotated[str, typer.Argument(help="Law id, e.g. luat-cu-tru-2020.")],
        as_json: Annotated[
            bool, typer.Option("--json", help="Tree and references as JSON.")
        ] = False,
    ) -> None:
        """Show how a law of the legal library was parsed, with its references resolved."""
        import json

        from troly.documents.legal import LibraryError, load_library
        from troly.documents.references import library_entries, mapping_of, references_of
        from troly.settings import get_settings

        try:
            trees = load_library(get_settings().legal_dir)
        except LibraryError as exc:
            typer.echo(f"Lỗi / error: {exc}", err=True)
            raise typer.Exit(1) from exc
        tree = next((t for t in trees if t.doc_id == doc_id), None)
        if tree is None:
            known = ", ".join(t.doc_id for t in trees)
            typer.echo(f"Lỗi / error: không có văn bản '{doc_id}'; known: {known}", err=True)
            raise typer.Exit(1)
        refs = references_of(tree, library_entries(trees))
        if as_json:
            out = tree.to_dict() | {"references": mapping_of(refs)}
            typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
        else:
            typer.echo(law_outline(tree, refs))
