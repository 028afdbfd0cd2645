"""Metadata read from a document's own header and signature, for files without a manifest
entry: document type, number (số hiệu), issuing body, province, date issued, signer, title.

A Vietnamese administrative document (Nghị định 30/2020/NĐ-CP layout) starts with the
issuing body ("ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN", "QUỐC HỘI", "BỘ TÀI CHÍNH") beside the national
motto, then "Số: 275/KH-UBND" and "Phú Yên, ngày 5 tháng 3 năm 2024", then the type in
capitals ("KẾ HOẠCH", "LUẬT") and the title; it ends with the signer's title and name.
"""

from __future__ import annotations

import re

from troly.documents.agencies import fold

DOC_TYPES = (
    "Bộ luật",
    "Luật",
    "Pháp lệnh",
    "Nghị quyết",
    "Nghị định",
    "Quyết định",
    "Thông tư liên tịch",
    "Thông tư",
    "Chỉ thị",
    "Kế hoạch",
    "Thông báo",
    "Công văn",
    "Hướng dẫn",
    "Báo cáo",
    "Tờ trình",
    "Chương trình",
    "Đề án",
)
_TYPE_BY_FOLD = {fold(t): t for t in DOC_TYPES}
# Code after the slash in a number → type ("/KH-UBND" → Kế hoạch)
_TYPE_BY_CODE = {
    "KH": "Kế hoạch",
    "QĐ": "Quyết định",
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "NQ": "Nghị quyết",
    "TB": "Thông báo",
    "CT": "Chỉ thị",
    "HD": "Hướng dẫn",
    "BC": "Báo cáo",
    "TTr": "Tờ trình",
}
_NUMBER = re.compile(
    r"(?:^[Ss]ố\s*:?|(?:^|\s)(?:(?:Bộ\s+)?[Ll]uật\s+)?[Ss]ố\s*:)\s*"
    r"(?P<num>\d{1,5}\s*/\s*[\w\-Đđ/]+)"
)
_ORGAN = re.compile(
    r"ỦY BAN|UỶ BAN|UBND|^BỘ\b|QUỐC HỘI|CHÍNH PHỦ|HỘI ĐỒNG|^SỞ\b|^BAN\b(?! HÀNH)|"
    r"VĂN PHÒNG|THỦ TƯỚNG|"
    r"TÒA ÁN|VIỆN|KIỂM TOÁN|NGÂN HÀNG|TỔNG CỤC|^CỤC\b|CHỦ TỊCH NƯỚC"
)
_DATE = re.compile(
    r"(?P<place>[^,]{2,40}),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})"
)
_MOTTO = re.compile(r"CỘNG\s*H[OÒ][AÀ]|Độc lập|^[-_=.\s]+$", re.IGNORECASE)
_PROVINCE = re.compile(r"\b(?:TỈNH|THÀNH PHỐ)\s+(?P<name>[A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹ\s\-]+)$")
_SIGN_TITLE = re.compile(
    r"^(?:(?:KT|TM|TL|TUQ|Q)\.\s*)?.*\b(CHỦ TỊCH|BỘ TRƯỞNG|THỦ TƯỚNG|THỨ TRƯỞNG|GIÁM ĐỐC|"
    r"TỔNG THƯ KÝ|CHÁNH VĂN PHÒNG|TRƯỞNG BAN|PHÓ CHỦ TỊCH|PHÓ THỦ TƯỚNG|CHÍNH PHỦ|"
    r"ỦY BAN NHÂN DÂN|HỘI ĐỒNG)\b"
)
_NAME = re.compile(r"^(?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+)(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4}$")
_BODY_START = re.compile(
    r"^(?:Căn cứ|Theo đề nghị|Xét đề nghị|Điều\s+\d|Chương\s|CHƯƠNG\s|[IVX]{1,5}\.\s|\d+\.\s)"
)
_DASHES = re.compile(r"^[-_=.…\s]+$")


def _sentence_case(s: str) -> str:
    if s.upper() != s:
        return s
    low = s.lower()
    return low[:1].upper() + low[1:]


def _title_case_place(s: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in s.split())


def _doc_type_line(line: str) -> str | None:
    s = line.strip().rstrip(":").strip()
    if not s or s.upper() != s:
        return None
    return _TYPE_BY_FOLD.get(fold(s))


def document_fields(paragraphs: list[str], head: int = 40) -> dict[str, str]:
    """What the document says about itself; keys: doc_type, number, issuer, province,
    issued, year, signer, title. Only what was found is returned."""
    found: dict[str, str] = {}
    lines = [p.strip() for p in paragraphs if p and p.strip()]
    top = lines[:head]
    for k, line in enumerate(top):
        m = _NUMBER.search(line)
        if m and "number" not in found:
            found["number"] = re.sub(r"\s+", "", m["num"]).rstrip(".,;:\"'“”")
        d = _DATE.search(line)
        if d and "issued" not in found:
            found["issued"] = f"{int(d['d']):02d}/{int(d['m']):02d}/{d['y']}"
            found["year"] = d["y"]
        t = _doc_type_line(line)
        if t and "doc_type" not in found:
            found["doc_type"] = t
            title_parts: list[str] = []
            for nxt in top[k + 1 : k + 4]:
                if (
                    _DASHES.match(nxt)
                    or _BODY_START.match(nxt)
                    or len(nxt) > 300
                    or (
                        title_parts
                        and (nxt.upper() != nxt or title_parts[-1].upper() != title_parts[-1])
                    )
                ):
                    break
                title_parts.append(nxt)
            rest = " ".join(title_parts)
            found["title"] = f"{t} {_sentence_case(rest)[:1].lower()}{_sentence_case(rest)[1:]}"
            found["title"] = found["title"].strip() if rest else t
    # issuing body: the first capitalised header line that is not the motto
    for line in top[:8]:
        first = re.split(r"\s{2,}|\s-{3,}|CỘNG\s*H[OÒ][AÀ]", line)[0].strip(" -_")
        if not first or _MOTTO.search(first) or _NUMBER.search(first):
            continue
        if (
            first.upper() == first
            and len(first) <= 80
            and _ORGAN.search(first)
            and not _doc_type_line(first)
        ):
            found["issuer"] = first
            m = _PROVINCE.search(first)
            if m:
                found["province"] = _title_case_place(m["name"].strip())
            break
    if "doc_type" not in found and "number" in found:
        code = found["number"].split("/")[-1].split("-")[0]
        if code in _TYPE_BY_CODE:
            found["doc_type"] = _TYPE_BY_CODE[code]
        elif re.fullmatch(r"QH\d+", code):
            found["doc_type"] = "Luật"
    # signer: the first personal name after a signature title, near the end
    recipients = next((k for k, ln in enumerate(lines) if ln.startswith("Nơi nhận")), None)
    tail = lines[max(0, recipients - 5) : recipients + 80] if recipients else lines[-60:]
    for k, line in enumerate(tail):
        if _SIGN_TITLE.search(line) and line.upper() == line:
            for nxt in tail[k + 1 : k + 5]:
                cand = re.sub(r"^\(?(?:Đã ký|đã ký)\)?\s*", "", nxt).strip()
                # a "CHỦ TỊCH Trần Thanh Mẫn" cell: the name after the capitals
                m = re.search(r"([A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4})$", cand)
                if m and _NAME.match(m.group(1)):
                    found["signer"] = m.group(1)
                    break
            if "signer" in found:
                break
            m = re.search(r"([A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4})$", line)
    return found
