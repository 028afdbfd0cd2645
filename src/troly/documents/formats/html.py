"""HTML pages → blocks with lxml: Word "Save as Web Page" files and legal-site pages.

* Charset: BOM, then the declared ``<meta charset>``, then UTF-8, then windows-1252. Word
  declares windows-1252 and writes Vietnamese letters as ``&#NNNN;`` entities: decoding the
  bytes as cp1252 and letting lxml resolve the entities gives the right text.
* Site chrome (script/style/nav/header/footer/forms, elements whose id or class names a
  menu, banner, breadcrumb, share box …, anything hidden with ``display:none``) is removed; a
  Word page's ``div.WordSection*`` or a known content container is used when present.
* Anchors contribute their text only (``<a name=…>`` on every Điều must not swallow it).
* ``<ol type start>`` / ``<li value>`` counters are rendered the way a browser prints them.
* ``<br>`` ends a printed line: the paragraph is split there.
* Tables: ``rowspan``/``colspan`` resolved into a grid; ``<th>``/``<thead>`` rows are headers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from troly.documents.blocks import Block, BlockDocument, Paragraph, Table, grid_from_spans
from troly.documents.formats.common import check_legacy, clean, fail
from troly.documents.formats.docx import format_number

BLOCK_TAGS = {
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "section",
    "article", "main", "dd", "dt", "dl", "center", "address", "ul", "ol", "form", "figure",
    "figcaption", "caption", "tr", "td", "th", "tbody", "thead", "tfoot", "body", "hr",
}  # fmt: skip
DROP_TAGS = {
    "script", "style", "head", "nav", "header", "footer", "noscript", "iframe", "form",
    "button", "select", "input", "textarea", "svg", "object", "embed", "template", "aside",
    "title", "meta", "link",
}  # fmt: skip
CHROME = re.compile(
    r"(^|[-_ ])(menu|nav|navbar|breadcrumbs?|banner|footer|header|sidebar|share|social|"
    r"login|search|advert|ads|cookie|popup|modal|toolbar|related|comment)s?($|[-_ ])",
    re.IGNORECASE,
)
CONTENT_SELECTORS = (
    "//div[starts-with(@class,'WordSection')]",
    "//*[@id='toanvancontent']",
    "//*[contains(concat(' ',@class,' '),' content1 ')]",
    "//*[@id='divContentDoc']",
    "//*[contains(concat(' ',@class,' '),' fulltext ')]",
    "//article",
    "//main",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all", re.I)


def decode_html(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    m = _META_CHARSET.search(data[:8192])
    declared = m.group(1).decode("ascii").lower() if m else ""
    if declared in ("utf-8", "utf8"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    enc = declared if declared and declared not in ("utf-8", "utf8") else "cp1252"
    try:
        return data.decode(enc, "replace")
    except LookupError:
        return data.decode("cp1252", "replace")


def _ol_label(n: int, kind: str) -> str:
    fmt = {"a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}.get(
        kind, "decimal"
    )
    value = format_number(n, fmt)
    return f"{value})" if fmt == "lowerLetter" else f"{value}."


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.label = ""
        self.style = ""

    def flush(self) -> None:
        text = clean("".join(self.buf))
        self.buf = []
        if text:
            label = self.label
            shown = f"{label} {text}" if label else text
            level = int(self.style[1]) if re.fullmatch(r"h[1-6]", self.style) else 0
            self.blocks.append(Paragraph(shown, label=label, style=self.style, level=level))
            self.label = ""

    def walk(self, el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower().split("}")[-1]
        if not tag or tag in DROP_TAGS or _hidden(el):
            return  # comments, processing instructions, chrome
        if tag == "table":
            self.flush()
            self.blocks.append(self.table(el))
            return
        if tag == "br":
            self.flush()
            return
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
            if tag in {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6"}:
                self.style = tag
        if tag == "ol":
            self.ordered(el)
            return
        if el.text:
            self.buf.append(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.buf.append(child.tail)
        if block:
            self.flush()
            self.style = ""

    def ordered(self, ol: Any) -> None:
        kind = ol.get("type") or "1"
        start = ol.get("start")
        n = int(start) if start and start.lstrip("-").isdigit() else 1
        for child in ol:
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag == "li":
                value = child.get("value")
                if value and value.isdigit():
                    n = int(value)
                self.flush()
                self.label = _ol_label(n, kind)
                self.walk(child)
                self.label = ""
                n += 1
            else:
                self.walk(child)

    def cell_text(self, td: Any) -> str:
        sub = _Walker()
        sub.walk(td)
        lines = []
        for b in sub.blocks:
            if isinstance(b, Paragraph):
                lines.append(b.text)
            else:
                lines.extend(" | ".join(c for c in row if c) for row in b.origin_texts())
        return "\n".join(s for s in lines if s)

    def table(self, tbl: Any) -> Table:
        spec: list[list[tuple[str, int, int]]] = []
        header = 0
        header_done = False
        for tr in _rows(tbl):
            row: list[tuple[str, int, int]] = []
            is_header = tr.getparent() is not None and tr.getparent().tag == "thead"
            cells = [c for c in tr if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]
            if cells and all(c.tag.lower() == "th" for c in cells):
                is_header = True
            for td in cells:
                rs = _span(td.get("rowspan"))
                cs = _span(td.get("colspan"))
                row.append((self.cell_text(td), rs, cs))
            spec.append(row)
            if is_header and not header_done:
                header += 1
            else:
                header_done = True
        rows = grid_from_spans(spec)
        if header == 0 and rows and rows[0] and rows[0][0].text.strip().upper() in ("STT", "TT"):
            header = 1
        return Table(rows=rows, header_rows=header)


def _span(v: str | None) -> int:
    return min(int(v), 1000) if v and v.strip().isdigit() and int(v) > 0 else 1


def _rows(tbl: Any) -> list[Any]:
    out = []
    for child in tbl:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag == "tr":
            out.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            out.extend(c for c in child if isinstance(c.tag, str) and c.tag.lower() == "tr")
    return out


def _hidden(el: Any) -> bool:
    if (el.get("title") or "").lower() in ("header", "footer"):
        return True  # LibreOffice's page header/footer
    style = el.get("style") or ""
    if style and _HIDDEN.search(style):
        return True
    marks = f"{el.get('id') or ''} {el.get('class') or ''}"
    return bool(marks.strip()) and bool(CHROME.search(marks))


def read_html(path: Path, data: bytes | None = None) -> BlockDocument:
    import lxml.html
    from lxml import etree

    data = path.read_bytes() if data is None else data
    text = decode_html(data)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise fail(path, f"không đọc được HTML ({exc})", f"cannot parse HTML: {exc}") from exc
    meta: dict[str, str] = {}
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        meta["html_title"] = clean(title.text_content())
    containers: list[Any] = []
    for sel in CONTENT_SELECTORS:
        containers = root.xpath(sel)
        if containers:
            break
    if not containers:
        body = root.find("body")
        containers = [body if body is not None else root]
    walker = _Walker()
    for c in containers:
        walker.walk(c)
        walker.flush()
    check_legacy(path.name, "\n".join(b.text for b in walker.blocks if isinstance(b, Paragraph)))
    return BlockDocument(blocks=walker.blocks, format="html", meta=meta)
