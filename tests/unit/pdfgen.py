"""A tiny hand-written PDF generator for tests: text pages with a standard font (no library).

Each page is a list of (x, y, size, text) items in PDF points (y from the bottom). Text must be
Latin-1 (the standard Helvetica font has no Vietnamese glyphs); what the tests need here is
page structure — many pages, running headers, page numbers — not diacritics.
"""

from __future__ import annotations

from pathlib import Path

Item = tuple[float, float, float, str]
WIDTH, HEIGHT = 595.0, 842.0  # A4


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_pdf(path: Path, pages: list[list[Item]]) -> Path:
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for items in pages:
        ops = []
        for x, y, size, text in items:
            ops.append(f"BT /F1 {size:g} Tf {x:g} {y:g} Td ({_escape(text)}) Tj ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {WIDTH:g} {HEIGHT:g}] "
                f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>".encode()
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    refs = " ".join(f"{k} 0 R" for k in kids)
    objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    path.write_bytes(bytes(out))
    return path


def report_pdf(path: Path, n_pages: int, header: str = "", footer: bool = True) -> Path:
    """``n_pages`` pages of body text; optional running header and "Page k / n" footer."""
    pages: list[list[Item]] = []
    for k in range(1, n_pages + 1):
        items: list[Item] = []
        if header:
            items.append((72, HEIGHT - 40, 9, header))
        items.append((72, HEIGHT - 100, 12, f"Article {k}. Section heading number {k}"))
        for j in range(6):
            items.append((72, HEIGHT - 130 - 16 * j, 11, f"Body line {j + 1} of page {k}."))
        if footer:
            items.append((WIDTH / 2 - 20, 30, 9, f"Page {k} / {n_pages}"))
        pages.append(items)
    return write_pdf(path, pages)
