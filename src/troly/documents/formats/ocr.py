"""Scanned PDF pages → text with Tesseract (Debian ``tesseract-ocr-vie`` and
``tesseract-ocr-script-viet``), driven by ``ocrmypdf``; the result goes back through the
text-PDF reader, so OCR'd pages get the same lines → paragraphs treatment. Every block from
an OCR'd page has ``ocr=True`` (citations can say the text was machine-read).

Table structure is not recovered from scans (FORMATS.md: no offline tool kept it reliably).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from troly.documents.blocks import Block, PageProgress, Paragraph
from troly.documents.formats.common import fail

TIMEOUT_PER_PAGE_S = 120


def languages() -> str:
    """'vie+Vietnamese' when both models are installed, else 'vie'."""
    try:
        out = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "vie"
    langs = {ln.strip() for ln in out.splitlines()[1:]}
    return "vie+Vietnamese" if "Vietnamese" in langs else "vie"


def available() -> bool:
    if not (shutil.which("ocrmypdf") and shutil.which("tesseract")):
        return False
    try:
        out = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "vie" in {ln.strip() for ln in out.splitlines()[1:]}


# A page scanned at 1,200 dpi is 139 million pixels (A4); more is a decompression bomb
# (a few hundred KB that inflate to gigabytes): refused before anything decodes it.
MAX_IMAGE_PIXELS = 150_000_000


def check_image_sizes(path: Path, data: bytes, pages: list[int]) -> None:
    """Refuse a PDF whose scanned ``pages`` hold an image above ``MAX_IMAGE_PIXELS``
    (read from the image dictionaries only; nothing is decompressed)."""
    from troly.documents.formats.pdf import open_pdf

    with open_pdf(path, data) as pdf:
        for k in pages:
            for im in pdf.pages[k - 1].images:
                w, h = (int(x) for x in (im.get("srcsize") or (0, 0)))
                if w * h > MAX_IMAGE_PIXELS:
                    raise fail(
                        path,
                        f"trang {k} chứa một ảnh quá lớn ({w}×{h} điểm ảnh, tối đa "
                        f"{MAX_IMAGE_PIXELS // 1_000_000} triệu); tệp có thể là bom giải nén "
                        "nên không được đọc",
                        f"page {k} holds a {w}x{h}-pixel image (over {MAX_IMAGE_PIXELS:,}): "
                        "a decompression bomb, refused",
                    )


def ocr_pdf(path: Path, data: bytes, pages: list[int], out: Path) -> None:
    """Write ``out``: ``data`` with a Tesseract text layer on ``pages`` (1-based)."""
    check_image_sizes(path, data, pages)
    if not available():
        raise fail(
            path,
            f"các trang {pages} là ảnh quét, cần OCR nhưng máy chủ chưa cài Tesseract tiếng Việt "
            "(gói Debian tesseract-ocr, tesseract-ocr-vie, ocrmypdf)",
            f"pages {pages} are scanned images and OCR (tesseract-ocr-vie, ocrmypdf) "
            "is not installed",
        )
    with tempfile.TemporaryDirectory(prefix="troly-ocr-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(data)
        cmd = [
            "ocrmypdf",
            "-l",
            languages(),
            "--force-ocr",
            "--pages",
            ",".join(str(p) for p in pages),
            "--jobs",
            str(min(2, os.cpu_count() or 1, len(pages))),
            "--optimize",
            "0",
            "--output-type",
            "pdf",
            "--quiet",
            str(src),
            str(out),
        ]
        try:
            proc = subprocess.run(
                cmd,
                capture_output=True,
                timeout=TIMEOUT_PER_PAGE_S * max(1, len(pages)),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise fail(path, "OCR quá thời gian", "OCR timed out") from exc
    if proc.returncode != 0 or not out.is_file():
        detail = proc.stderr.decode("utf-8", "replace").strip()[-300:]
        raise fail(path, "OCR không thành công", f"OCR failed: {detail or proc.returncode}")


def ocr_pages(
    path: Path, data: bytes, pages: list[int], on_page: PageProgress | None = None
) -> list[Block]:
    """Blocks of the scanned ``pages`` of a PDF, OCR'd (``ocr=True``).

    One ``ocrmypdf --pages k`` run per page, each on the previous run's output, so that
    ``on_page("ocr", done, len(pages))`` fires after every page (a 100-page scan shows its
    progress) and the last output holds every page's text layer, read once: running
    headers repeated across the scanned pages are still recognised."""
    from troly.documents.formats.pdf import read_pdf_pages

    current = data
    with tempfile.TemporaryDirectory(prefix="troly-ocr-out-") as tmp:
        for i, page in enumerate(pages, start=1):
            out = Path(tmp) / f"ocr-{i}.pdf"
            ocr_pdf(path, current, [page], out)
            current = out.read_bytes()
            if on_page:
                on_page("ocr", i, len(pages))
    wanted = set(pages)
    blocks, _, _ = read_pdf_pages(
        path, current, ocr_pages=wanted, skip=set(range(1, 10**6)) - wanted, force_text=True
    )
    for b in blocks:
        b.ocr = True
    return [b for b in blocks if not isinstance(b, Paragraph) or not is_noise(b.text)]


def is_noise(text: str) -> bool:
    """OCR of a stamp, a signature or specks: few letters among the characters read."""
    chars = [ch for ch in text if not ch.isspace()]
    alnum = sum(1 for ch in chars if ch.isalnum())
    return alnum < 2 or alnum < 0.5 * len(chars)
