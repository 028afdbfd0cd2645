"""One adapter for LibreOffice headless: .doc/.rtf → .docx (and .docx → .pdf/.doc/.html
for the tests and the round trip).

LibreOffice takes 3–5 s to start and is not safe to run concurrently on one user profile,
so calls are serialised by a lock and each uses its own profile directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from troly.documents.errors import DocumentError

_lock = threading.Lock()
TIMEOUT_S = 180


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def convert(src: Path, target: str, out_dir: Path, filter_name: str | None = None) -> Path:
    """Convert ``src`` to ``target`` ("docx", "pdf", "doc", "html") into ``out_dir``."""
    exe = soffice()
    if exe is None:
        raise DocumentError(
            f"Tệp {src.name}: cần LibreOffice để đọc định dạng này nhưng máy chủ chưa cài "
            "(gói Debian libreoffice-writer-nogui) / "
            f"{src.name}: LibreOffice (libreoffice-writer-nogui) is needed for this format"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = f"{target}:{filter_name}" if filter_name else target
    with _lock, tempfile.TemporaryDirectory(prefix="troly-lo-") as profile:
        env = {**os.environ, "HOME": profile}
        cmd = [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            spec,
            "--outdir",
            str(out_dir),
            str(src),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, env=env, check=False)
        except subprocess.TimeoutExpired as exc:
            raise DocumentError(
                f"Tệp {src.name}: LibreOffice không chuyển đổi xong trong {TIMEOUT_S} giây / "
                f"{src.name}: conversion timed out"
            ) from exc
    ext = "html" if target.startswith("htm") else target.split(":")[0]
    out = out_dir / f"{src.stem}.{ext}"
    if proc.returncode != 0 or not out.is_file():
        detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()[:300]
        raise DocumentError(
            f"Tệp {src.name}: LibreOffice không chuyển đổi được (tệp hỏng hoặc được bảo vệ) / "
            f"{src.name}: LibreOffice could not convert it: {detail or proc.returncode}"
        )
    return out


def to_docx(path: Path, data: bytes, suffix: str) -> bytes:
    """The .docx bytes of a .doc/.rtf file (content-sniffed, whatever its name)."""
    with tempfile.TemporaryDirectory(prefix="troly-doc-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        out = convert(src, "docx", Path(tmp) / "out", "MS Word 2007 XML")
        return out.read_bytes()
