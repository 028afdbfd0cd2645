"""Documents → :class:`~troly.schema.DocumentTree`.

``parse(path)`` dispatches on the file suffix through :data:`PARSERS`. Plain text is
supported now; .docx/.pdf/.html register here with the same signature (they would
convert to lines and reuse :mod:`troly.documents.structure` and the table parsers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from troly.schema import DocumentTree

Parser = Callable[[Path, str, "dict[str, Any] | None"], DocumentTree]


class DocumentError(ValueError):
    """A document that cannot be read or parsed; the message is shown to the user."""


def _parse_txt(path: Path, doc_id: str, manifest: dict[str, Any] | None) -> DocumentTree:
    from troly.documents.plaintext import parse_text

    return parse_text(path, doc_id, manifest)


PARSERS: dict[str, Parser] = {".txt": _parse_txt, ".text": _parse_txt}


def supported_suffixes() -> list[str]:
    return sorted(PARSERS)


def parse(
    path: str | Path, doc_id: str | None = None, manifest: dict[str, Any] | None = None
) -> DocumentTree:
    """Parse one file. Raises :class:`DocumentError` with a clear message on bad input."""
    p = Path(path)
    if not p.is_file():
        raise DocumentError(f"Không tìm thấy tệp / file not found: {p}")
    parser = PARSERS.get(p.suffix.lower())
    if parser is None:
        raise DocumentError(
            f"Định dạng '{p.suffix or '(không có)'}' chưa được hỗ trợ / unsupported format; "
            f"supported: {', '.join(supported_suffixes())}"
        )
    try:
        p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"Tệp {p.name} không phải văn bản UTF-8 / not UTF-8 text (byte {exc.start})"
        ) from exc
    tree = parser(p, doc_id or p.stem, manifest)
    if not tree.sections and not tree.tasks:
        raise DocumentError(f"Tệp {p.name} không có nội dung / no content found")
    return tree


@dataclass(frozen=True)
class ManifestEntry:
    id: str
    path: Path
    fields: dict[str, Any]


def load_manifest(corpus_dir: Path) -> list[ManifestEntry]:
    """Entries of ``corpus_dir/manifest.yaml`` (or every supported file if none)."""
    mf = corpus_dir / "manifest.yaml"
    if not mf.exists():
        return [
            ManifestEntry(p.stem, p, {})
            for p in sorted(corpus_dir.iterdir())
            if p.suffix.lower() in PARSERS
        ]
    try:
        data = yaml.safe_load(mf.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"manifest.yaml không hợp lệ / invalid manifest: {exc}") from exc
    entries = []
    for item in data.get("documents", []):
        if not isinstance(item, dict) or "id" not in item or "file" not in item:
            raise DocumentError(f"manifest entry needs 'id' and 'file': {item!r}")
        entries.append(ManifestEntry(str(item["id"]), corpus_dir / str(item["file"]), item))
    return entries


def parse_corpus(corpus_dir: Path) -> list[DocumentTree]:
    return [parse(e.path, e.id, e.fields) for e in load_manifest(corpus_dir)]


def find_document(corpus_dir: Path, doc_id: str) -> DocumentTree:
    for e in load_manifest(corpus_dir):
        if e.id == doc_id:
            return parse(e.path, e.id, e.fields)
    known = ", ".join(e.id for e in load_manifest(corpus_dir))
    raise DocumentError(f"Không có văn bản '{doc_id}' / unknown document; known: {known}")
