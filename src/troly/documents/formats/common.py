"""What every reader shares: NFC text, legacy-encoding detection, size limits, errors."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from troly.documents.errors import DocumentError

_WS = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u3000\ufeff]+")
# Latin-1 letters and signs that Vietnamese never uses but TCVN3 (ABC) and VNI text shows as
# mojibake: "Ch­¬ng", "Vieät Nam", "®iÒu".
_VIET_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_LEGACY = {chr(c) for c in range(0xA1, 0x100)} - _VIET_LATIN1 - set("°×«»")

MAX_FILE_BYTES = 200 * 1024 * 1024  # a hard ceiling; the API applies its own lower limit
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # .docx: refuse a zip bomb before inflating it
MAX_ZIP_RATIO = 200


def clean(text: str) -> str:
    """NFC, 'Ð' (U+00D0) → 'Đ', whitespace runs → one space, trimmed."""
    s = unicodedata.normalize("NFC", text).replace("\u00d0", "\u0110")
    s = s.replace("\u00ad", "")  # soft hyphen
    return _WS.sub(" ", s).strip()


def legacy_share(text: str) -> float:
    """Share of letters that only TCVN3/VNI mojibake produces (0.0 for Unicode Vietnamese)."""
    letters = [ch for ch in text if ch.isalpha() or ch in _LEGACY]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if ch in _LEGACY) / len(letters)


def check_legacy(name: str, text: str) -> None:
    """Refuse text typed in a legacy Vietnamese encoding rather than index mojibake."""
    sample = text[:200_000]
    bad = sum(1 for ch in sample if ch in _LEGACY)
    if bad >= 20 and legacy_share(sample) > 0.03:
        raise DocumentError(
            f"Tệp {name} dùng bảng mã cũ (TCVN3/ABC hoặc VNI), không phải Unicode; xin vui lòng "
            "chuyển sang Unicode (ví dụ bằng Unikey) rồi tải lại. / "
            f"{name} is in a legacy Vietnamese encoding (TCVN3/VNI), not Unicode: convert it first."
        )


def fail(path: Path | str, vi: str, en: str) -> DocumentError:
    name = Path(path).name
    return DocumentError(f"Tệp {name}: {vi} / {name}: {en}")
