"""Legacy Word .doc (OLE2) and .rtf → .docx through LibreOffice → the .docx reader."""

from __future__ import annotations

from pathlib import Path

from troly.documents.blocks import BlockDocument
from troly.documents.formats.convert import to_docx
from troly.documents.formats.docx import read_docx


def read_doc(path: Path, data: bytes | None = None, suffix: str = ".doc") -> BlockDocument:
    data = path.read_bytes() if data is None else data
    converted = to_docx(path, data, suffix)
    doc = read_docx(path, converted)
    doc.format = suffix.lstrip(".")
    return doc
