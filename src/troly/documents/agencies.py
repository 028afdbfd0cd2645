"""Agency names: split a lead/partner cell into names and give each one spelling.

The plans name the same agency in many ways ("Sở TT&TT", "Sở Thông tin và Truyền
Thông", "VP UBND tỉnh", "UBND các huyện, thị xã, thành phố") and pack several agencies
into one cell with ";", "," and "và" — but "," and "và" also occur *inside* names
("Các sở, ban, ngành", "Sở Kế hoạch và Đầu tư"). Splitting therefore first protects
every known name that contains a separator, then splits what is left.

Everything that varies between plans is data: :data:`AGENCY_ALIASES` (alias →
canonical), :data:`DEPARTMENTS` (short department names, for "các Sở: Tài chính, Tư
pháp"), :data:`ACTION_MARKERS` (words that end the agency part of "Sở Nội vụ thẩm
định") and :data:`AGENCY_HEADS` (words an agency name starts with). Lookups are
diacritic-, case- and punctuation-insensitive (:func:`fold`), so a user's "so noi vu"
finds "Sở Nội vụ".
"""

from __future__ import annotations

import re
import unicodedata

# Short names of provincial departments ("Sở" + name is the canonical spelling).
DEPARTMENTS: tuple[str, ...] = (
    "Nội vụ",
    "Tư pháp",
    "Tài chính",
    "Kế hoạch và Đầu tư",
    "Thông tin và Truyền thông",
    "Khoa học và Công nghệ",
    "Công Thương",
    "Xây dựng",
    "Giao thông vận tải",
    "Tài nguyên và Môi trường",
    "Nông nghiệp và Phát triển nông thôn",
    "Lao động - Thương binh và Xã hội",
    "Văn hóa, Thể thao và Du lịch",
    "Văn hóa và Thể thao",
    "Du lịch",
    "Giáo dục và Đào tạo",
    "Y tế",
    "Ngoại vụ",
)

# alias (any spelling, matched by fold key) → canonical name.  Built from every lead
# and partner cell of the corpus plus the usual abbreviations a user types.
_ALIASES: dict[str, str] = {
    # --- Sở ... abbreviations and variants
    "SNV": "Sở Nội vụ",
    "Sở NV": "Sở Nội vụ",
    "STP": "Sở Tư pháp",
    "STC": "Sở Tài chính",
    "Sở TC": "Sở Tài chính",
    "Sở KH&ĐT": "Sở Kế hoạch và Đầu tư",
    "Sở KHĐT": "Sở Kế hoạch và Đầu tư",
    "Sở KH-ĐT": "Sở Kế hoạch và Đầu tư",
    "Sở KH và ĐT": "Sở Kế hoạch và Đầu tư",
    "SKHĐT": "Sở Kế hoạch và Đầu tư",
    "Sở TT&TT": "Sở Thông tin và Truyền thông",
    "Sở TTTT": "Sở Thông tin và Truyền thông",
    "Sở TT-TT": "Sở Thông tin và Truyền thông",
    "Sở TT và TT": "Sở Thông tin và Truyền thông",
    "STTTT": "Sở Thông tin và Truyền thông",
    "Sở KH&CN": "Sở Khoa học và Công nghệ",
    "Sở KHCN": "Sở Khoa học và Công nghệ",
    "Sở KH-CN": "Sở Khoa học và Công nghệ",
    "Sở GD&ĐT": "Sở Giáo dục và Đào tạo",
    "Sở GDĐT": "Sở Giáo dục và Đào tạo",
    "Sở TN&MT": "Sở Tài nguyên và Môi trường",
    "Sở TNMT": "Sở Tài nguyên và Môi trường",
    "Sở NN&PTNT": "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở LĐ-TB&XH": "Sở Lao động - Thương binh và Xã hội",
    "Sở LĐTBXH": "Sở Lao động - Thương binh và Xã hội",
    "Sở VHTTDL": "Sở Văn hóa, Thể thao và Du lịch",
    "Sở VH-TT&DL": "Sở Văn hóa, Thể thao và Du lịch",
    "Sở GTVT": "Sở Giao thông vận tải",
    "Sở XD": "Sở Xây dựng",
    "Sở Công thương": "Sở Công Thương",
    # --- Văn phòng UBND tỉnh
    "VP UBND tỉnh": "Văn phòng UBND tỉnh",
    "VP UBND": "Văn phòng UBND tỉnh",
    "VPUBND tỉnh": "Văn phòng UBND tỉnh",
    "VPUB": "Văn phòng UBND tỉnh",
    "Văn phòng UBND": "Văn phòng UBND tỉnh",
    "Văn phòng Ủy ban nhân dân tỉnh": "Văn phòng UBND tỉnh",
    "Văn phòng Uỷ ban nhân dân tỉnh": "Văn phòng UBND tỉnh",
    # --- UBND tỉnh / cấp huyện / cấp xã
    "Ủy ban nhân dân tỉnh": "UBND tỉnh",
    "Uỷ ban nhân dân tỉnh": "UBND tỉnh",
    "Ủy ban nhân dân cấp huyện": "UBND cấp huyện",
    "Ủy ban nhân dân cấp xã": "UBND cấp xã",
    "UBND huyện": "UBND cấp huyện",
    "UBND các huyện": "UBND cấp huyện",
    "UBND các huyện, thị xã, thành phố": "UBND cấp huyện",
    "UBND các huyện, thành phố, thị xã": "UBND cấp huyện",
    "UBND huyện, thị xã, thành phố": "UBND cấp huyện",
    "UBND các huyện, thị xã": "UBND cấp huyện",
    "UBND các huyện, thành phố": "UBND cấp huyện",
    "Ủy ban nhân dân các huyện, thị xã, thành phố": "UBND cấp huyện",
    "UBND xã": "UBND cấp xã",
    "UBND các xã": "UBND cấp xã",
    "UBND các xã, phường, thị trấn": "UBND cấp xã",
    "UBND xã, phường, thị trấn": "UBND cấp xã",
    "Ủy ban nhân dân các xã, phường, thị trấn": "UBND cấp xã",
    # --- Đài, Báo, others seen in the cells
    "Đài PT-TH tỉnh": "Đài Phát thanh - Truyền hình tỉnh",
    "Đài PTTH tỉnh": "Đài Phát thanh - Truyền hình tỉnh",
    "Đài PT-TH": "Đài Phát thanh - Truyền hình tỉnh",
    "Đài Phát thanh - Truyền hình": "Đài Phát thanh - Truyền hình tỉnh",
    "Đài Phát thanh và Truyền hình tỉnh": "Đài Phát thanh - Truyền hình tỉnh",
    "Đài Phát thanh và Truyền hình": "Đài Phát thanh - Truyền hình tỉnh",
    "Đài Phát thanh Truyền hình tỉnh": "Đài Phát thanh - Truyền hình tỉnh",
    "HĐTĐ CCHC tỉnh": "Hội đồng thẩm định CCHC tỉnh",
    "Ban Pháp chế, HĐND tỉnh": "Ban Pháp chế HĐND tỉnh",
    "Trường chính trị tỉnh": "Trường Chính trị tỉnh",
    "Văn phòng Đoàn ĐBQH và HĐND tỉnh": "Văn phòng Đoàn ĐBQH và HĐND tỉnh",
    "Văn phòng HĐND và UBND cấp huyện": "Văn phòng HĐND và UBND cấp huyện",
    "Bộ Thông tin và Truyền thông": "Bộ Thông tin và Truyền thông",
    "Trung tâm Hỗ trợ phát triển doanh nghiệp và Xúc tiến đầu tư": (
        "Trung tâm Hỗ trợ phát triển doanh nghiệp và Xúc tiến đầu tư"
    ),
    "Trung tâm Phục vụ - Kiểm soát TTHC tỉnh": "Trung tâm Phục vụ - Kiểm soát TTHC tỉnh",
    "Cơ quan chuyên môn quản lý ngành, lĩnh vực được giao kiểm tra, rà soát, hệ thống hóa": (
        "Cơ quan chuyên môn quản lý ngành, lĩnh vực được giao kiểm tra, rà soát, hệ thống hóa"
    ),
    "Tổ chức đào tạo, chứng nhận hệ thống": "Tổ chức đào tạo, chứng nhận hệ thống",
    # --- collectives ("Các sở, ban, ngành" is ONE name)
    "Các sở, ban, ngành": "Các sở, ban, ngành",
    "Sở, ban, ngành": "Các sở, ban, ngành",
    "Các sở, ban, ngành tỉnh": "Các sở, ban, ngành",
    "Các sở, ban, ngành cấp tỉnh": "Các sở, ban, ngành",
    "Sở, ban, ngành cấp tỉnh": "Các sở, ban, ngành",
    "Sở, ban, ngành tỉnh": "Các sở, ban, ngành",
    "Các sở, ngành cấp tỉnh": "Các sở, ban, ngành",
    "Các sở, ngành tỉnh": "Các sở, ban, ngành",
    "Các sở ban ngành": "Các sở, ban, ngành",
    "Các sở, ban, ngành liên quan": "Các sở, ban, ngành liên quan",
    "Các sở, ban, ngành có liên quan": "Các sở, ban, ngành liên quan",
    "Sở, ban, ngành có liên quan": "Các sở, ban, ngành liên quan",
    "Sở, ban, ngành liên quan": "Các sở, ban, ngành liên quan",
    "Các sở, ban, ngành tỉnh liên quan": "Các sở, ban, ngành liên quan",
    "Các sở, ban, ngành, địa phương": "Các sở, ban, ngành, địa phương",
    "Sở, ban, ngành, địa phương": "Các sở, ban, ngành, địa phương",
    "Các sở, ngành, đơn vị": "Các sở, ngành, đơn vị",
    "Địa phương, sở, ban, ngành có liên quan": "Địa phương, sở, ban, ngành có liên quan",
    "Địa phương, sở, ngành có liên quan": "Địa phương, sở, ban, ngành có liên quan",
    "Các cơ quan, đơn vị": "Các cơ quan, đơn vị",
    "Cơ quan, đơn vị": "Các cơ quan, đơn vị",
    "Các cơ quan, đơn vị có liên quan": "Các cơ quan, đơn vị có liên quan",
    "Các cơ quan, đơn vị liên quan": "Các cơ quan, đơn vị có liên quan",
    "Cơ quan, đơn vị liên quan": "Các cơ quan, đơn vị có liên quan",
    "Cơ quan, đơn vị có liên quan": "Các cơ quan, đơn vị có liên quan",
    "Các cơ quan, đơn vị, địa phương": "Các cơ quan, đơn vị, địa phương",
    "Cơ quan, đơn vị, địa phương": "Các cơ quan, đơn vị, địa phương",
    "Các cơ quan, đơn vị, địa phương có liên quan": "Các cơ quan, đơn vị, địa phương có liên quan",
    "Các cơ quan, đơn vị, địa phương liên quan": "Các cơ quan, đơn vị, địa phương có liên quan",
    "Các cơ quan, đơn vị, địa phương và cá nhân có liên quan": (
        "Các cơ quan, đơn vị, địa phương và cá nhân có liên quan"
    ),
    "Các cơ quan, đơn vị, cá nhân liên quan": "Các cơ quan, đơn vị, cá nhân liên quan",
    "Các cơ quan, đơn vị, cá nhân có liên quan": "Các cơ quan, đơn vị, cá nhân liên quan",
    "Các cơ quan, địa phương liên quan": "Các cơ quan, địa phương liên quan",
    "Các cơ quan, địa phương có liên quan": "Các cơ quan, địa phương liên quan",
    "Các cơ quan liên quan": "Các cơ quan liên quan",
    "Các cơ quan có liên quan": "Các cơ quan liên quan",
    "Các đơn vị liên quan": "Các đơn vị liên quan",
    "Các đơn vị có liên quan": "Các đơn vị liên quan",
    "Các tổ chức, cá nhân có liên quan": "Các tổ chức, cá nhân có liên quan",
    "Các tổ chức, cá nhân liên quan": "Các tổ chức, cá nhân có liên quan",
    "Tổ chức, cá nhân có liên quan": "Các tổ chức, cá nhân có liên quan",
    "Tổ chức, cá nhân có liên quan đến việc thực hiện TTHC": (
        "Các tổ chức, cá nhân có liên quan đến việc thực hiện TTHC"
    ),
    "Các cơ quan, đơn vị áp dụng ISO": "Các cơ quan, đơn vị áp dụng ISO",
    "Các cơ quan, đơn vị áp dụng": "Các cơ quan, đơn vị áp dụng",
    "Các cơ quan, đơn vị được kiểm tra": "Các cơ quan, đơn vị được kiểm tra",
}

# Canonical department names ("Sở Tư pháp") are their own aliases, and so is every
# canonical value, so that a canonical spelling always normalises to itself.
AGENCY_ALIASES: dict[str, str] = {
    **{f"Sở {d}": f"Sở {d}" for d in DEPARTMENTS},
    **{v: v for v in _ALIASES.values()},
    **_ALIASES,
}

# Long forms at the start of a name → their usual abbreviation ("Ủy ban nhân dân thành
# phố Hà Tĩnh" → "UBND thành phố Hà Tĩnh"); applied before the alias lookup.
PREFIX_ALIASES: dict[str, str] = {
    "Văn phòng Ủy ban nhân dân": "Văn phòng UBND",
    "Văn phòng Uỷ ban nhân dân": "Văn phòng UBND",
    "Ủy ban nhân dân": "UBND",
    "Uỷ ban nhân dân": "UBND",
    "Hội đồng nhân dân": "HĐND",
    "VP UBND": "Văn phòng UBND",
}

# Words after which the rest of a phrase is what the agency does, not its name
# ("Sở Nội vụ thẩm định", "+ Văn phòng UBND tỉnh chủ trì, phối hợp …").
ACTION_MARKERS: tuple[str, ...] = (
    "chủ trì",
    "phối hợp",
    "thực hiện",
    "thẩm định",
    "cho ý kiến",
    "hướng dẫn",
    "theo dõi",
    "kiểm soát",
    "cập nhật",
    "xây dựng",
    "tham mưu",
    "đôn đốc",
    "có trách nhiệm",
)

# First words of a proper agency name; an action marker only ends a name that starts so.
AGENCY_HEADS: tuple[str, ...] = (
    "UBND",
    "Ủy ban",
    "Uỷ ban",
    "HĐND",
    "Sở",
    "Văn phòng",
    "Phòng",
    "Trung tâm",
    "Ban",
    "Đài",
    "Báo",
    "Bưu điện",
    "Cục",
    "Chi cục",
    "Thanh tra",
    "Công an",
    "Bộ",
    "Trường",
    "Hội đồng",
    "Đoàn",
    "Tổ",
    "Kho bạc",
    "Thành viên",
)

_TRAILING_PUNCT = " \t\n.;,:-–—"
_LEADING_MARKS = re.compile(r"^\s*(?:[+\-•*–]\s*|\d+(?:\.\d+)*[.)]\s+)")
_NUMBERED_PART = re.compile(r"(?:^|(?<=\s))\d+\.\d+\.?\s+(?=\S)")
_PARENS = re.compile(r"\s*\([^()]*\)")
_DOUBLED_WORD = re.compile(r"\b(\w+)(\s+\1\b)+", re.IGNORECASE)
_SO_LIST = re.compile(r"(?i)\b(?:các\s+)?sở\s*:\s*")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_ELLIPTIC_LEVEL = re.compile(r"^(cấp\s+(?:tỉnh|huyện|xã))$", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower-case, diacritics removed, đ → d, whitespace collapsed ("Sở Nội vụ" → "so noi vu")."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())


def _key(text: str) -> str:
    """Lookup key: folded, punctuation except "&" dropped ("Sở, ban. ngành" ≡ "so ban nganh")."""
    return " ".join(re.sub(r"[^0-9a-z&]+", " ", fold(text)).split())


_ALIAS_INDEX: dict[str, str] = {_key(k): v for k, v in AGENCY_ALIASES.items()}


def _words_pattern(name: str) -> str:
    words = [w for w in re.split(r"[\s,.]+", name) if w]
    return r"[\s,.]+".join(re.escape(w) for w in words)


# Known names that contain a separator ("," ";" " và ") — protected before splitting.
_PROTECTED_NAMES = sorted(
    {n for n in AGENCY_ALIASES if "," in n or " và " in n}
    | {d for d in DEPARTMENTS if "," in d or " và " in d},
    key=len,
    reverse=True,
)
_PROTECTED = re.compile(
    r"(?<!\w)(?:" + "|".join(_words_pattern(n) for n in _PROTECTED_NAMES) + r")(?!\w)",
    re.IGNORECASE,
)
_DEPT_PREFIX = re.compile(
    r"(?:"
    + "|".join(_words_pattern(d) for d in sorted(DEPARTMENTS, key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)
_HEAD = re.compile(
    r"^(?:" + "|".join(re.escape(h) for h in AGENCY_HEADS) + r")(?!\w)", re.IGNORECASE
)
_MARKER = re.compile(
    r"\s(?:" + "|".join(re.escape(m) for m in ACTION_MARKERS) + r")(?!\w)", re.IGNORECASE
)
_DEPT_CANON = {_key(d): d for d in DEPARTMENTS}
_PREFIXES = [
    (re.compile(r"^" + _words_pattern(k) + r"(?!\w)", re.IGNORECASE), v)
    for k, v in sorted(PREFIX_ALIASES.items(), key=lambda kv: len(kv[0]), reverse=True)
]


def _clean(name: str) -> str:
    s = " ".join(name.replace("\xa0", " ").split())
    s = _LEADING_MARKS.sub("", s)
    return s.strip(_TRAILING_PUNCT)


def _capitalise(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def normalize_agency(name: str) -> str:
    """One canonical spelling for an agency name (see :data:`AGENCY_ALIASES`).

    Unknown names are kept as written, whitespace-collapsed, trailing punctuation
    stripped and the first letter capitalised.
    """
    s = _clean(name)
    if not s:
        return ""
    s = _DOUBLED_WORD.sub(r"\1", s)  # "UBND UBND các huyện" (a typo in Hà Tĩnh)
    hit = _ALIAS_INDEX.get(_key(s))
    if hit is not None:
        return hit
    for pattern, short in _PREFIXES:
        if pattern.match(s):
            s = pattern.sub(short, s, count=1)
            return _ALIAS_INDEX.get(_key(s), s)
    return _capitalise(s)


def _is_known(piece: str) -> bool:
    p = piece.strip(_TRAILING_PUNCT)
    if not p:
        return False
    if _PLACEHOLDER.fullmatch(p):
        return True
    return _key(p) in _ALIAS_INDEX or bool(_HEAD.match(p))


def _cut_action(part: str) -> str:
    """ "Sở Nội vụ thẩm định" → "Sở Nội vụ": cut at an action word after an agency name."""
    for m in _MARKER.finditer(part):
        prefix = part[: m.start()]
        last = re.split(r"[,;]|\svà\s", prefix)[-1]
        if _is_known(last):
            return prefix
    return part


def _expand_so_list(part: str) -> str:
    """ "các Sở: Tài chính, Tư pháp và X" → "Sở Tài chính, Sở Tư pháp và X"."""
    m = _SO_LIST.search(part)
    if not m:
        return part
    head, rest = part[: m.start()], part[m.end() :]
    out: list[str] = []
    while rest:
        d = _DEPT_PREFIX.match(rest)
        if not d:
            break
        out.append("Sở " + _DEPT_CANON.get(_key(d.group(0)), d.group(0)))
        rest = rest[d.end() :]
        sep = re.match(r"\s*(?:,|;|\svà\s)\s*", rest)
        if not sep:
            break
        if not _DEPT_PREFIX.match(rest[sep.end() :]):
            # the list ends; keep the separator for the ordinary split
            break
        rest = rest[sep.end() :]
    if not out:
        return part
    return head + ", ".join(out) + rest


def _split_part(part: str) -> list[str]:
    protected: list[str] = []

    def _hold(m: re.Match[str]) -> str:
        protected.append(m.group(0))
        return f"\x00{len(protected) - 1}\x00"

    held = _PROTECTED.sub(_hold, part)
    held = _cut_action(held)
    pieces = re.split(r"\s*[,;]\s*|\s+và\s+", held)
    out: list[str] = []
    for piece in pieces:
        piece = piece.strip(_TRAILING_PUNCT)
        if not piece:
            continue
        whole = _PLACEHOLDER.fullmatch(piece)
        if whole:
            out.append(normalize_agency(protected[int(whole.group(1))]))
            continue
        text = _PLACEHOLDER.sub(lambda m: protected[int(m.group(1))], piece)
        out.append(normalize_agency(text))
    return out


def split_agencies(raw: str) -> list[str]:
    """Split a lead/partner cell into normalised agency names (order kept, no duplicates).

    ";" always separates; "," and " và " separate except inside a known name. Bullet
    lines ("+ Văn phòng UBND tỉnh chủ trì, phối hợp …") contribute the agency at their
    start; numbered parts ("5.1. … 5.2. …") are split; parentheses are qualifiers and
    are dropped from the names (the verbatim cell is kept elsewhere as ``lead_text``).
    """
    if not raw or not raw.strip():
        return []
    text = raw.replace("\xa0", " ")
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    parts: list[str] = []
    for line in lines:
        bullet = bool(re.match(r"^[+\-•*–]\s", line))
        line = _LEADING_MARKS.sub("", line)
        line = _PARENS.sub("", line)
        segments = [s for s in _NUMBERED_PART.split(line) if s.strip()]
        for seg in segments:
            if bullet:
                # a bullet is "<agency> <what it does>": keep the agency at its start
                parts.append(_cut_action_bullet(seg))
            else:
                parts.extend(p for p in seg.split(";") if p.strip())
    names: list[str] = []
    for part in parts:
        for name in _split_part(_expand_so_list(part)):
            ell = _ELLIPTIC_LEVEL.match(name)
            if ell and names:
                # "UBND cấp huyện, cấp xã" / "…; cấp xã": the level repeats the last head
                lvl = re.search(r"\s+cấp\s+\S+$", names[-1])
                if lvl:
                    name = normalize_agency(names[-1][: lvl.start()] + " " + ell.group(1).lower())
            if name and name not in names:
                names.append(name)
    return names


def _cut_action_bullet(seg: str) -> str:
    protected: list[str] = []

    def _hold(m: re.Match[str]) -> str:
        protected.append(m.group(0))
        return f"\x00{len(protected) - 1}\x00"

    held = _cut_action(_PROTECTED.sub(_hold, seg))
    return _PLACEHOLDER.sub(lambda m: protected[int(m.group(1))], held)


def agency_key(name: str) -> str:
    """The fold key of a name's canonical form — equal keys mean the same agency."""
    return _key(normalize_agency(name))


def agency_matches(query: str, canonical: str) -> bool:
    """Does a user's phrase ("so noi vu", "Sở TT&TT", "VP UBND") denote ``canonical``?

    True when the query normalises to the same canonical name, or when the query's
    words (folded) occur as a contiguous run in the canonical name's words
    ("noi vu" ↔ "Sở Nội vụ", "ubnd cap xa" ↔ "UBND cấp xã").
    """
    q = _clean(query)
    if not q or not canonical.strip():
        return False
    target = _key(canonical)
    if agency_key(q) == target or _key(q) == target:
        return True
    qw = _key(q).split()
    cw = target.split()
    if not qw or len(qw) > len(cw):
        return False
    return any(cw[i : i + len(qw)] == qw for i in range(len(cw) - len(qw) + 1))
