"""Reading a draft: text, a .txt/.docx file or upload → a :class:`DocumentTree`.

The draft goes through the same parser as the corpus (:func:`troly.documents.parse` on a
temporary .txt file). Two small preparations make snippets parse like whole plans:

* field lines written without a bullet ("Cơ quan chủ trì: Sở Nội vụ") get "- ";
* a text without any Roman heading ("I. …") is put under a synthetic "I." heading so
  that its numbered and lettered items (and their field lists) are recognised; the
  synthetic level is removed again from every location afterwards.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import tempfile
from pathlib import Path
from typing import Any

from troly.documents import DocumentError, parse
from troly.schema import DocumentTree, Section
from troly.text import nfc

DRAFT_ID = "du-thao"
TEXT_SUFFIXES = (".txt", ".text", ".md")
DOCX_SUFFIX = ".docx"
MAX_DRAFT_CHARS = 2_000_000

_SYNTHETIC = "NỘI DUNG DỰ THẢO (mục tạm, do hệ thống thêm)"
_ROMAN_LINE = re.compile(r"^\s*[IVX]{1,5}\.\s+\S", re.MULTILINE)
_BARE_FIELD = re.compile(
    r"^(?P<indent>\s*)(?P<label>(?:Cơ quan|Đơn vị)\s+(?:chủ trì|phối hợp|thực hiện)[^:\n]{0,30}"
    r"|Sản phẩm|Thời gian(?: thực hiện| hoàn thành)?|Thời hạn)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_PLAN_TITLE = re.compile(
    r"(?i)^(?:kế\s+hoạch\b)?.*(?:cải\s+cách\s+hành\s+chính|CCHC).*?năm\s+(20\d{2})"
)


class ReviewError(ValueError):
    """Bad review input (empty draft, unknown document, unsupported format).

    ``status`` is the HTTP status the API answers with.
    """

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def docx_available() -> bool:
    """Whether python-docx is installed (it is an optional dependency)."""
    return importlib.util.find_spec("docx") is not None


def read_draft_bytes(name: str, data: bytes) -> str:
    """The text of an uploaded or read draft file. The format is read from the content
    (troly.documents.formats): .docx/.doc/.pdf/.html through their readers (automatic
    numbering rendered, tables as tab-separated rows), plain text as UTF-8."""
    from troly.documents.formats import sniff

    suffix = Path(name).suffix.lower()
    kind = sniff(data)
    if kind in ("docx", "doc", "rtf", "pdf", "html"):
        from troly.documents.formats import read

        try:
            return read(Path(name), data).text()
        except DocumentError as exc:
            raise ReviewError(str(exc), status=422) from exc
    if (kind != "txt" and kind != "empty") or suffix not in (*TEXT_SUFFIXES, ""):
        shown = suffix or "(không có)"
        raise ReviewError(
            f"Định dạng '{shown}' chưa được hỗ trợ; xin vui lòng dùng .docx, .doc, .pdf, .html "
            f"hoặc .txt. / Unsupported format '{shown}': use .docx, .doc, .pdf, .html or .txt.",
            status=415,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReviewError(
            f"Tệp {name} không phải văn bản UTF-8 / not UTF-8 text (byte {exc.start}).",
            status=422,
        ) from exc


def read_draft_file(path: str | Path) -> str:
    p = Path(path)
    if not p.is_file():
        raise ReviewError(f"Không tìm thấy tệp / file not found: {p}", status=404)
    return read_draft_bytes(p.name, p.read_bytes())


def detect_year(text: str) -> int | None:
    """The plan year named in a draft's title block: a "KẾ HOẠCH" line followed by (or
    continuing with) "Cải cách hành chính … năm 2025". A snippet without that title
    block has no year (its tasks' own "năm 2024" says nothing about the plan's year)."""
    lines = [ln.strip() for ln in nfc(text).split("\n") if ln.strip()][:40]
    for i, line in enumerate(lines):
        if not re.match(r"(?i)^kế\s+hoạch\b", line):
            continue
        for cand in (line, lines[i + 1] if i + 1 < len(lines) else ""):
            m = _PLAN_TITLE.match(cand)
            if m and len(cand) <= 200:
                return int(m.group(1))
    return None


def prepare_text(text: str) -> tuple[str, bool]:
    """Normalise a draft for the parser; returns (text, wrapped under a synthetic heading)."""
    t = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
    t = _BARE_FIELD.sub(lambda m: f"{m['indent']}- {m['label']}:", t)
    body = t.split("PHỤ LỤC", 1)[0]
    if _ROMAN_LINE.search(body):
        return t, False
    return f"I. {_SYNTHETIC}\n{t}", True


def _unwrap_path(path: str) -> str:
    if path == "I":
        return "Dự thảo"
    return path[2:] if path.startswith("I.") else path


def _unwrap(tree: DocumentTree) -> None:
    """Remove the synthetic "I." level from paths, keys and task locations."""

    def walk(sec: Section) -> None:
        sec.path = _unwrap_path(sec.path)
        sec.key = _unwrap_path(sec.key) if sec.key else sec.key
        for c in sec.children:
            walk(c)

    new_roots: list[Section] = []
    for root in tree.sections:
        if root.path == "I" and root.title.startswith(_SYNTHETIC):
            walk(root)
            root.title = ""  # no heading of its own: not an item of the draft
            root.heading = ""
        new_roots.append(root)
    tree.sections = new_roots
    for t in tree.tasks:
        t.location = _unwrap_path(t.location)
        t.section_path = _unwrap_path(t.section_path) if t.section_path else ""
        if t.group.startswith("I. " + _SYNTHETIC):
            t.group = "Dự thảo"
    tree.warnings = [w.replace("'I.", "'") for w in tree.warnings]


def parse_draft(
    text: str,
    doc_id: str = DRAFT_ID,
    title: str | None = None,
    province: str | None = None,
    year: int | None = None,
) -> DocumentTree:
    """Parse draft text with the corpus parsers. Raises :class:`ReviewError` on bad input."""
    if not text or not text.strip():
        raise ReviewError("Dự thảo đang để trống. / The draft is empty.", status=422)
    if len(text) > MAX_DRAFT_CHARS:
        raise ReviewError(
            f"Dự thảo quá dài ({len(text)} ký tự, tối đa {MAX_DRAFT_CHARS}). / Draft too long.",
            status=413,
        )
    prepared, wrapped = prepare_text(text)
    manifest: dict[str, Any] = {"title": title or "Dự thảo", "province": province or ""}
    if year:
        manifest["year"] = year
    with tempfile.TemporaryDirectory(prefix="troly-review-") as tmp:
        path = Path(tmp) / f"{doc_id}.txt"
        path.write_text(prepared, encoding="utf-8")
        try:
            tree = parse(path, doc_id, manifest)
        except DocumentError as exc:
            raise ReviewError(f"Không đọc được dự thảo / cannot parse the draft: {exc}") from exc
    tree.meta.source_path = ""
    if wrapped:
        _unwrap(tree)
    if year is None:
        tree.meta.year = detect_year(text)
    return tree
