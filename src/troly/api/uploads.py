"""Plans uploaded through ``POST /api/v1/admin/ingest``, kept beside the index.

They live in ``<data_dir>/uploads/`` with a ``manifest.yaml`` of the same shape as the
bundled corpus, so ``/documents`` can list and show them and ``/admin/reindex`` can
index them again.
"""

from __future__ import annotations

import re
import shutil
import threading
import unicodedata
import uuid
from dataclasses import dataclass
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


# -- staged uploads: nothing is kept or listed until it parsed and was indexed ------------


@dataclass
class Staged:
    """An uploaded file written to a private staging folder, not yet part of the uploads."""

    doc_id: str
    path: Path  # staging/<token>/<doc_id><suffix> (so parse errors name the real file)
    final: Path  # uploads/<doc_id><suffix>
    fields: dict[str, Any]


def bundled_ids(settings: Settings) -> set[str]:
    """Ids of the plans bundled in the corpus folder (an upload may not take them silently)."""
    try:
        return {e.id for e in load_manifest(settings.corpus_dir)}
    except (OSError, DocumentError, yaml.YAMLError):
        return set()


def stage(
    settings: Settings, doc_id: str, suffix: str, data: bytes, fields: dict[str, Any]
) -> Staged:
    """Write ``data`` to a fresh staging folder under the uploads folder."""
    if not DOC_ID.match(doc_id):
        raise DocumentError(f"Mã văn bản không hợp lệ: {doc_id!r}")
    folder = uploads_dir(settings) / ".staging" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc_id}{suffix}"
    path.write_bytes(data)
    final = uploads_dir(settings) / f"{doc_id}{suffix}"
    return Staged(doc_id, path, final, {k: v for k, v in fields.items() if v})


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def check_text(name: str, data: bytes) -> None:
    """Refuse what is not a plain-text plan before it is parsed or kept: NUL or other
    control bytes (binary content named .txt), or almost no letters."""
    if not name.lower().endswith((".txt", ".text")):
        return
    text = data.decode("utf-8", errors="replace")
    if "\x00" in text or len(_CONTROL.findall(text)) > max(2, len(text) // 200):
        raise DocumentError(f"Tệp {name} không phải văn bản thuần (có ký tự nhị phân/điều khiển).")
    if sum(ch.isalpha() for ch in text[:200_000]) < 20:
        raise DocumentError(f"Tệp {name} không có nội dung văn bản.")


def discard(items: list[Staged]) -> None:
    for item in items:
        shutil.rmtree(item.path.parent, ignore_errors=True)


def commit(settings: Settings, items: list[Staged]) -> None:
    """Move staged files into the uploads folder and write the manifest once for all of
    them (an earlier upload of the same id is replaced)."""
    if not items:
        return
    folder = uploads_dir(settings)
    with _lock:
        folder.mkdir(parents=True, exist_ok=True)
        mf = folder / "manifest.yaml"
        doc: dict[str, Any] = {"documents": []}
        if mf.is_file():
            doc = yaml.safe_load(mf.read_text(encoding="utf-8")) or {"documents": []}
        ids = {i.doc_id for i in items}
        kept = [d for d in doc.get("documents", []) if d.get("id") not in ids]
        for item in items:
            for old in folder.glob(f"{item.doc_id}.*"):
                if old.is_file() and old.name != item.final.name and old.stem == item.doc_id:
                    old.unlink()
            item.path.replace(item.final)
            kept.append({"id": item.doc_id, "file": item.final.name, **item.fields})
        tmp = mf.with_suffix(".yaml.tmp")
        tmp.write_text(
            yaml.safe_dump({"documents": kept}, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        tmp.replace(mf)
    discard(items)
