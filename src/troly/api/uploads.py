"""Plans uploaded through ``POST /api/v1/admin/ingest``, kept beside the index.

They live in ``<data_dir>/uploads/`` with a ``manifest.yaml`` of the same shape as the
bundled corpus, so ``/documents`` can list and show them and ``/admin/reindex`` can
index them again.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from troly.documents import DocumentError, ManifestEntry, load_manifest, parse
from troly.schema import DocumentTree
from troly.settings import Settings

_lock = threading.Lock()
DOC_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def entries(settings: Settings) -> list[ManifestEntry]:
    folder = uploads_dir(settings)
    if not (folder / "manifest.yaml").is_file():
        return []
    return load_manifest(folder)


def find(settings: Settings, doc_id: str) -> DocumentTree | None:
    for e in entries(settings):
        if e.id == doc_id:
            return parse(e.path, e.id, e.fields)
    return None


def slug(name: str) -> str:
    """'Kế hoạch CCHC 2026.txt' stem → 'ke-hoach-cchc-2026'."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_only = folded.encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    return s[:100] or "van-ban"


def save(settings: Settings, doc_id: str, suffix: str, data: bytes, fields: dict[str, Any]) -> Path:
    """Write the file and its manifest entry (replacing an earlier upload of the same id)."""
    if not DOC_ID.match(doc_id):
        raise DocumentError(f"Mã văn bản không hợp lệ: {doc_id!r}")
    folder = uploads_dir(settings)
    with _lock:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{doc_id}{suffix}"
        path.write_bytes(data)
        mf = folder / "manifest.yaml"
        doc: dict[str, Any] = {"documents": []}
        if mf.is_file():
            doc = yaml.safe_load(mf.read_text(encoding="utf-8")) or {"documents": []}
        items = [d for d in doc.get("documents", []) if d.get("id") != doc_id]
        items.append({"id": doc_id, "file": path.name, **{k: v for k, v in fields.items() if v}})
        mf.write_text(
            yaml.safe_dump({"documents": items}, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
    return path
