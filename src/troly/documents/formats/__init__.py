"""One reader per file format, chosen by content (magic bytes), not by the file's name.

``read(path)`` → :class:`~troly.documents.blocks.BlockDocument`. To add a format, write a
reader ``read_xxx(path, data) -> BlockDocument`` in this package and teach :func:`sniff` to
recognise its bytes; everything after the blocks (structure, tables, fields, metadata,
chunking) is shared (:mod:`troly.documents.assemble`).

| format | reader | needs |
|---|---|---|
| .txt   | :mod:`.text` | — |
| .docx  | :mod:`.docx` | python-docx |
| .doc, .rtf | :mod:`.doc` (LibreOffice → .docx) | Debian ``libreoffice-writer-nogui`` |
| .pdf   | :mod:`.pdf` (pdfplumber); scanned pages → :mod:`.ocr` | Debian ``ocrmypdf``, |
|        |                                        | ``tesseract-ocr-vie`` |
| .html  | :mod:`.html` (lxml) | — |
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from troly.documents.blocks import BlockDocument, PageProgress
from troly.documents.formats.common import MAX_FILE_BYTES, fail

SUFFIXES = (".txt", ".text", ".docx", ".doc", ".rtf", ".pdf", ".html", ".htm")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_MARKS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<table", b"<p", b"<div")
_BINARY_MAGIC = {
    b"\x89PNG": "ảnh PNG / PNG image",
    b"\xff\xd8\xff": "ảnh JPEG / JPEG image",
    b"GIF8": "ảnh GIF / GIF image",
    b"II*\x00": "ảnh TIFF / TIFF image",
    b"MM\x00*": "ảnh TIFF / TIFF image",
    b"Rar!": "tệp nén RAR / RAR archive",
    b"7z\xbc\xaf": "tệp nén 7z / 7z archive",
    b"\x1f\x8b": "tệp nén gzip / gzip archive",
}


def sniff(data: bytes) -> str:
    """'txt' | 'html' | 'docx' | 'doc' | 'rtf' | 'pdf' | 'zip' | 'binary:<what>' | 'empty'."""
    if not data.strip():
        return "empty"
    head = data[:1024]
    if b"%PDF" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return "docx"  # let the .docx reader report it as corrupt
        return "docx" if "word/document.xml" in names else "zip"
    if data.startswith(_OLE):
        return "doc"
    if data.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            return f"binary:{what}"
    low = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith(b"<?xml") and b"<html" in data[:8192].lower():
        return "html"
    if any(low.startswith(m) for m in _HTML_MARKS) or (
        b"<html" in low[:2048] and b"</" in data[:200_000]
    ):
        return "html"
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary:tệp nhị phân / binary file"
    return "txt"


def read(
    path: Path,
    data: bytes | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    on_page: PageProgress | None = None,
) -> BlockDocument:
    """Read any supported file into blocks; raises DocumentError naming the file and reason.

    ``on_page(stage, done, total)`` reports progress inside a paged document (PDF pages
    read, scanned pages OCR'd)."""
    if data is None:
        if not path.is_file():
            raise fail(path, "không tìm thấy tệp", "file not found")
        size = path.stat().st_size
        if size > max_bytes:
            raise fail(
                path,
                f"tệp quá lớn ({size} byte, tối đa {max_bytes})",
                f"file too large ({size} bytes, limit {max_bytes})",
            )
        data = path.read_bytes()
    elif len(data) > max_bytes:
        raise fail(path, f"tệp quá lớn (tối đa {max_bytes} byte)", "file too large")
    kind = sniff(data)
    if kind == "empty":
        raise fail(path, "tệp rỗng, không có nội dung", "the file is empty (no content)")
    if kind == "txt":
        from troly.documents.formats.text import read_text

        return read_text(path, data)
    if kind == "html":
        from troly.documents.formats.html import read_html

        return read_html(path, data)
    if kind == "docx":
        from troly.documents.formats.docx import read_docx

        return read_docx(path, data)
    if kind in ("doc", "rtf"):
        from troly.documents.formats.doc import read_doc

        return read_doc(path, data, f".{kind}")
    if kind == "pdf":
        from troly.documents.formats.pdf import read_pdf

        return read_pdf(path, data, on_page=on_page)
    what = kind.split(":", 1)[1] if ":" in kind else "tệp nén zip / zip archive"
    vi, _, en = what.partition(" / ")
    raise fail(
        path,
        f"định dạng chưa được hỗ trợ ({vi}); hỗ trợ: .docx, .doc, .pdf, .html, .txt",
        f"unsupported format ({en or vi}); supported: .docx, .doc, .pdf, .html, .txt",
    )
