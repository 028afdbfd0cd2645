"""Plain text → blocks: one paragraph per source line, the line kept verbatim (NFC).

The bundled plans are text exports of Word files whose tables survive only as layouts of
lines (tab-separated rows, one cell per line, "cell |" pipes); those layouts are recovered by
:mod:`troly.documents.tables` from the lines, which is why this reader keeps every line as
printed — including a line holding only a no-break space, which marks an empty cell — and
its 1-based line number.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from troly.documents.blocks import BlockDocument, Paragraph
from troly.documents.formats.common import check_legacy, fail


def decode_text(path: Path, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(
            path,
            f"không phải văn bản UTF-8 (byte {exc.start}); xin vui lòng lưu lại với mã UTF-8",
            f"not UTF-8 text (byte {exc.start})",
        ) from exc


def text_lines(text: str) -> list[str]:
    return (
        unicodedata.normalize("NFC", text)
        .replace("\u00d0", "\u0110")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .split("\n")
    )


def read_text(path: Path, data: bytes | None = None) -> BlockDocument:
    data = path.read_bytes() if data is None else data
    text = decode_text(path, data)
    check_legacy(path.name, text)
    blocks = [
        Paragraph(line, line=n) for n, line in enumerate(text_lines(text), start=1) if line != ""
    ]
    return BlockDocument(blocks=list(blocks), format="txt")
