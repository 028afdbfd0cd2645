"""Separate web-page noise from content and turn what it carries into metadata.

Two of the plans were saved from legal-document websites: they carry site chrome
("Hệ thống pháp luật", "Tải văn bản", "Đăng xuất"), a metadata table at the top
("| Số hiệu | 3098/QĐ-UBND |") or a trailer ("HIỆU LỰC VĂN BẢN", "  • Người ký: …").
The chrome is dropped (reported in the tree's warnings), the metadata is kept as
document metadata, and the rest is returned untouched for the structure parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from troly.text import clean_ws

# Whole lines that are website chrome, never document content.
NOISE_LINES = (
    re.compile(r"^Hệ thống pháp luật$"),
    re.compile(r"^Tải văn bản$"),
    re.compile(r"^Đăng xuất$"),
    re.compile(r"^Đăng nhập$"),
    re.compile(r"^Việc làm (Hồ Chí Minh|Hà Nội)$"),
)

# Keys of the web metadata table / trailer → our metadata field names.
META_KEYS = {
    "số hiệu": "number",
    "ngày ban hành": "issued",
    "người ký": "signer",
    "cơ quan ban hành": "issuer",
    "nơi ban hành": "issuer",
    "loại văn bản": "doc_type",
    "ngày có hiệu lực": "effective",
    "ngày hiệu lực": "effective",
    "lĩnh vực": "field",
    "tình trạng hiệu lực": "status",
    "ngày công báo": "gazette_date",
    "số công báo": "gazette_number",
}

_TABLE_META = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]*?)\s*\|\s*$")
_BULLET_META = re.compile(r"^\s*•\s*([^:]+?):\s*(.*)$")
_NUMBER = re.compile(r"^Số\s*:\s*(.+?)\s*$")
_PLACE_DATE = re.compile(
    r"^(?P<place>[^,]{2,40}),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})"
)
_ANNEX_OF = re.compile(
    r"kèm theo (?:Quyết định|Kế hoạch) số:?\s*(?P<num>[\w/.-]+)\s+"
    r"ngày\s+(?P<date>\d{1,2}/\d{1,2}/\d{4})"
)
_SIGN_TITLES = re.compile(r"^(KT\.\s*)?(TM\.\s*)?(PHÓ\s+)?CHỦ TỊCH\b.*$")
_NAME = re.compile(r"^[A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4}$")


@dataclass
class CleanText:
    """The lines that remain content (1-based line numbers kept) plus what was found."""

    lines: list[tuple[int, str]]
    meta: dict[str, str] = field(default_factory=dict)
    removed: list[tuple[int, str]] = field(default_factory=list)
    web_title: str | None = None


def _is_noise(line: str) -> bool:
    return any(p.match(line) for p in NOISE_LINES)


def clean_lines(raw_lines: list[str]) -> CleanText:
    """Drop chrome, lift metadata tables/trailers, normalise pipe artefacts."""
    out = CleanText(lines=[])
    n = len(raw_lines)
    i = 0
    in_trailer = False
    # A web title line followed by a "| key | value |" table at the very top.
    first = next((k for k in range(n) if raw_lines[k].strip()), None)
    if (
        first is not None
        and first + 1 < n
        and _TABLE_META.match(raw_lines[first + 1].strip())
        and not raw_lines[first].strip().startswith("|")
    ):
        out.web_title = clean_ws(raw_lines[first])
        out.removed.append((first + 1, raw_lines[first]))
        i = first + 1
        while i < n and _TABLE_META.match(raw_lines[i].strip()):
            m = _TABLE_META.match(raw_lines[i].strip())
            assert m is not None
            key = clean_ws(m.group(1)).lower()
            if key in META_KEYS:
                out.meta[META_KEYS[key]] = clean_ws(m.group(2))
            out.removed.append((i + 1, raw_lines[i]))
            i += 1
    while i < n:
        raw = raw_lines[i]
        line = clean_ws(raw)
        lineno = i + 1
        i += 1
        if not line:
            out.lines.append((lineno, ""))
            continue
        if line == "HIỆU LỰC VĂN BẢN":
            in_trailer = True
            out.removed.append((lineno, raw))
            continue
        if in_trailer:
            m = _BULLET_META.match(raw)
            if m:
                key = clean_ws(m.group(1)).lower()
                if key in META_KEYS:
                    out.meta.setdefault(META_KEYS[key], clean_ws(m.group(2)))
            elif out.web_title is None:
                out.web_title = line
            out.removed.append((lineno, raw))
            continue
        if _is_noise(line):
            out.removed.append((lineno, raw))
            continue
        out.lines.append((lineno, line))
    return out


def strip_pipes(line: str) -> str:
    """Outside tables, a docx-to-text export leaves "text |" and lone "|" lines."""
    s = line.strip()
    if set(s) <= {"|"}:
        return ""
    if s.endswith("|"):
        s = s.rstrip("|").rstrip()
    return s


def header_fields(lines: list[tuple[int, str]], limit: int = 80) -> dict[str, str]:
    """Number, place and date, signer from the document's own header and signature."""
    found: dict[str, str] = {}
    for _, line in lines[:limit]:
        s = strip_pipes(line)
        m = _NUMBER.match(s)
        if m and "number" not in found:
            found["number"] = re.sub(r"\s+/", "/", m.group(1))
        m2 = _PLACE_DATE.match(s)
        if m2 and "issued" not in found:
            found["issued"] = f"{int(m2['d']):02d}/{int(m2['m']):02d}/{m2['y']}"
    for _, line in lines:
        m3 = _ANNEX_OF.search(line)
        if m3:
            found.setdefault("number", m3["num"])
            found.setdefault("issued", m3["date"])
            break
    # Signer: the first personal name after a "CHỦ TỊCH" signature title.
    seen_title = False
    for _, line in lines:
        s = strip_pipes(line)
        if not s:
            continue
        if _SIGN_TITLES.match(s):
            seen_title = True
            continue
        if seen_title:
            if _NAME.match(s) and s.upper() != s:
                found["signer"] = s
                break
            if len(s) > 40:
                seen_title = False
    return found
