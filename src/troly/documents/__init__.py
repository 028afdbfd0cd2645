"""Documents → :class:`~troly.schema.DocumentTree`.

``parse(path)`` reads any supported file, whatever its name says: a reader chosen by the
file's content (:mod:`troly.documents.formats`) turns it into blocks
(:mod:`troly.documents.blocks`), and :mod:`troly.documents.assemble` turns blocks into the
tree (structure, task tables, field lists, metadata)::

    formats/ (txt, docx, doc, pdf+ocr, html) → blocks → assemble → DocumentTree
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from troly.schema import DocumentTree

Parser = Callable[[Path, str, "dict[str, Any] | None"], DocumentTree]


from troly.documents.errors import DocumentError  # noqa: E402  (re-exported)


def _parse_txt(path: Path, doc_id: str, manifest: dict[str, Any] | None) -> DocumentTree:
    from troly.documents.plaintext import parse_text

    return parse_text(path, doc_id, manifest)


PARSERS: dict[str, Parser] = {".txt": _parse_txt, ".text": _parse_txt}


def entries_for_paths(paths: list[Path]) -> list[ManifestEntry]:
    """Files and folders (any mix of formats) → entries; a folder uses its manifest.yaml
    when it has one, else every supported file in it (recursively). Ids are file stems,
    made unique."""
    out: list[ManifestEntry] = []
    seen: dict[str, int] = {}
    for p in paths:
        # a missing or unsupported file is reported by parse(), not silently skipped
        found = load_manifest(p) if p.is_dir() else [ManifestEntry(p.stem, p, {})]
        for e in found:
            n = seen.get(e.id, 0) + 1
            seen[e.id] = n
            out.append(e if n == 1 else ManifestEntry(f"{e.id}-{n}", e.path, e.fields))
    return out


def suffix_for(data: bytes) -> str | None:
    """The canonical suffix of a supported file's content ('.docx' for a .docx, …)."""
    from troly.documents.formats import sniff

    kind = sniff(data)
    mapping = {"txt": ".txt", "html": ".html", "docx": ".docx", "doc": ".doc"}
    mapping.update({"rtf": ".rtf", "pdf": ".pdf"})
    return mapping.get(kind)


def supported_suffixes() -> list[str]:
    from troly.documents.formats import SUFFIXES

    return sorted(SUFFIXES)


def parse(
    path: str | Path,
    doc_id: str | None = None,
    manifest: dict[str, Any] | None = None,
    on_page: Callable[[str, int, int], None] | None = None,
) -> DocumentTree:
    """Parse one file. Raises :class:`DocumentError` with a clear message on bad input.

    ``on_page(stage, done, total)``: progress inside a paged file (PDF pages read, scanned
    pages OCR'd), see :data:`troly.documents.blocks.PageProgress`."""
    import hashlib

    from troly.documents.assemble import assemble
    from troly.documents.formats import read

    p = Path(path)
    if not p.is_file():
        raise DocumentError(f"Không tìm thấy tệp / file not found: {p}")
    data = p.read_bytes()
    try:
        blocks = read(p, data, on_page=on_page)
        tree = assemble(blocks, p, doc_id or p.stem, manifest, hashlib.sha256(data).hexdigest())
    except DocumentError:
        raise
    except Exception as exc:  # a reader bug on odd input: report the file, lose nothing else
        raise DocumentError(
            f"Tệp {p.name}: lỗi khi đọc ({type(exc).__name__}) / "
            f"{p.name}: failed to read: {type(exc).__name__}: {exc}"
        ) from exc
    if not tree.sections and not tree.tasks:
        raise DocumentError(f"Tệp {p.name} không có nội dung / no content found")
    return tree


def is_supported(path: Path) -> bool:
    from troly.documents.formats import SUFFIXES

    return path.suffix.lower() in SUFFIXES


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
            for p in sorted(corpus_dir.rglob("*"))
            if p.is_file() and is_supported(p) and not p.name.startswith((".", "~$"))
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
