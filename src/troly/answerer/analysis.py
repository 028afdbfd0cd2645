"""Question analysis: what a question asks, with no I/O.

Cue patterns (on diacritic-folded text) for lists, comparisons, figures, legal advice
and off-topic questions; the task field a question asks about; the periods it names
(compared as time ranges: "Quý I/2024" contains "Tháng 01/2024"); the parts of a
multi-part question ("… bao nhiêu … và … ở mức nào"); whether it is written in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from troly.text import fold, has_diacritics

# Vietnam's provinces and centrally-run cities (before the 2025 merger), for telling a
# province the corpus does not hold from a topic word.
ALL_PROVINCES = [
    "An Giang",
    "Bà Rịa - Vũng Tàu",
    "Bắc Giang",
    "Bắc Kạn",
    "Bạc Liêu",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Định",
    "Bình Dương",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cần Thơ",
    "Cao Bằng",
    "Đà Nẵng",
    "Đắk Lắk",
    "Đắk Nông",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Dương",
    "Hải Phòng",
    "Hậu Giang",
    "Hòa Bình",
    "Hưng Yên",
    "Khánh Hòa",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lâm Đồng",
    "Lạng Sơn",
    "Lào Cai",
    "Long An",
    "Nam Định",
    "Nghệ An",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thừa Thiên Huế",
    "Tiền Giang",
    "Hồ Chí Minh",
    "Trà Vinh",
    "Tuyên Quang",
    "Vĩnh Long",
    "Vĩnh Phúc",
    "Yên Bái",
]

FIELD_PATTERNS = {
    "partners": re.compile(r"phoi hop"),
    "lead": re.compile(
        r"\bai (chu tri|lam|thuc hien|phu trach|dam nhiem|dam nhan|trien khai|to chuc|xay dung"
        r"|lo(?! (la|lot|lang|ngai)\b))\b"
        r"|(co quan|don vi|so|ben) nao (chu tri|lam|thuc hien|phu trach|dam nhiem|trien khai"
        r"|lo(?! (la|lot|lang|ngai)\b))\b"
        r"|do (ai|co quan nao|don vi nao)|chu tri la ai|\bchu tri\b"
    ),
    "deadline": re.compile(
        r"bao gio|khi nao|thoi han|han chot|luc nao|thoi gian (thuc hien|hoan thanh)"
        # "hạn" alone asks for a deadline; "đúng hạn", "quá hạn", "trễ hạn" (on time,
        # overdue) and "hạn chế" (limit) do not
        r"|(?<!dung )(?<!qua )(?<!tre )(?<!gioi )(?<!ngan )(?<!dai )\bhan\b(?! che| muc| ngach)"
        r"|xong|hoan thanh (vao|truoc|trong|khi)|nam nao|quy nao|thang nao"
    ),
    "product": re.compile(r"san pham|ket qua (la|gi)\b"),
    "budget": re.compile(r"kinh phi|bao nhieu tien|ty dong|trieu dong|du toan"),
}
FIELD_WORDS = frozenset(
    [
        "thoi",
        "han",
        "gian",
        "hoan",
        "thanh",
        "thuc",
        "hien",
        "xong",
        "chot",
        "co",
        "quan",
        "don",
        "vi",
        "phoi",
        "hop",
        "chu",
        "tri",
        "san",
        "pham",
        "kinh",
        "phi",
        "ket",
        "qua",
        "ai",
        "nao",
        "bao",
        "gio",
        "luc",
        "khi",
    ]
)
LIST_CUE = re.compile(
    r"nhung (nhiem vu|viec|hoat dong|san pham|noi dung)|(nhiem vu|viec|hoat dong) nao"
    r"|bao nhieu (nhiem vu|viec|hoat dong)|phai lam (gi|nhung)|lam nhung|liet ke|gom (nhung|nhieu)"
    r"|chu tri nhung|\bmay (nhiem vu|viec|hoat dong)\b|nhiem vu cua|cac nhiem vu"
)
# the products task rows name, listed: "những nghị quyết nào", "các hội nghị nào"
PRODUCT_LIST_CUE = re.compile(
    r"\b(nhung|cac) (nghi quyet|quyet dinh|hoi nghi|cuoc thi|de an|du an)(?: [a-z0-9]+){0,4} nao\b"
)
# products a task row names, which a list of them is filtered by ("dự án" is any task)
PRODUCT_NAMES = {
    "nghi quyet": "nghị quyết",
    "quyet dinh": "quyết định",
    "hoi nghi": "hội nghị",
    "cuoc thi": "cuộc thi",
    "de an": "đề án",
}


def product_asked(fq: str) -> str | None:
    """The product a (folded) list question names ("những quyết định nào …" → "quyet
    dinh"), or None."""
    m = PRODUCT_LIST_CUE.search(fq)
    return m.group(2) if m else None


# "… do Sở TT&TT làm / thực hiện": the agency named after "do" is the one doing it
DONE_BY = re.compile(r"\bdo (?:cac )?(so|ubnd|van phong|ban|trung tam|dai|bao|thanh tra|cong an)\b")
COMPARE_CUE = re.compile(r"so sanh|khac nhau|giong nhau|tinh nao|ca hai|\bdeu\b|\bgiua\b|hon\b")
# "vào trang web nào?", "địa chỉ website là gì", "cho tôi đường link": the answer is a web
# address ("có website đạt chuẩn", "bao nhiêu trang web" are about websites, not asking one)
URL_CUE = re.compile(
    r"\b(trang web|website|trang|web|duong link|link|duong dan|url)"
    r"( [a-z0-9&]+){0,4} (nao|la gi|gi|o dau)\b"
    r"|\bdia chi (web|website|trang web|truy cap|dien tu)\b"
    r"|\b(cho|xin) (toi |em |minh )?(duong )?(link|duong dan)\b"
)
DOCUMENT_NUMBER_CUE = re.compile(
    r"\b(quyet dinh|nghi dinh|nghi quyet|thong tu|chi thi|cong van|van ban|ke hoach|qd|kh)"
    r" so (may|bao nhieu|hieu)\b"
)
NUMBER_CUE = re.compile(r"bao nhieu|\bmay\b|phan tram|thu may|ty le (la|dat) bao")
# "tôi" folds like "tối" (tối thiểu) and "kiện" like "kiến" (sáng kiến, ý kiến, điều kiện)
LEGAL_CUE = re.compile(
    r"\b(toi(?! thieu| da\b| uu)|minh|em|chau|nha toi|gia dinh toi)\b.*\b(bi phat|bi xu phat"
    r"|khieu nai|khoi kien|(?<!sang )(?<!y )(?<!dieu )kien(?! (nghi|toan|thuc|truc|tao))"
    r"|tu van|bi thu hoi|tranh chap|ly hon|thua ke)\b|\bkhieu nai\b"
    r"|\bphat nguoi\b"
    # compensation in one's own case: "tôi được bồi thường bao nhiêu?" (not "đẩy nhanh bồi
    # thường, giải phóng mặt bằng" nor "thời gian tới … bồi thường")
    r"|\b(toi|minh|em|nha toi|gia dinh toi) (co )?(duoc|bi|se duoc|doi|muon duoc) boi thuong\b"
)
OFFTOPIC_CUE = re.compile(
    r"thoi tiet|gia vang|ty gia|bong da|xo so|chung khoan|gia xang|nau an|du lich (o|tai)"
    r"|luong co so|can cuoc|ho chieu|dang ky xe|giay phep lai xe|so dien thoai|duong day nong"
    r"|\bten (la )?gi|ho ten"
)
# "Ai là Giám đốc Sở Nội vụ?", "Chủ tịch UBND tỉnh hiện nay là ai?": the person who holds
# an office of a named body. Plans name no office holders (only the signer, under the
# signature, which docinfo answers); a role answer ("Chủ tịch UBND tỉnh làm Trưởng ban")
# is not what such a question asks, so the title must be followed by a body.
_TITLE = (
    r"(?:pho )?(?:giam doc|chu tich|bi thu|chanh van phong|chanh thanh tra|truong phong"
    r"|bo truong|thu truong|cuc truong)"
)
_BODY = r"(?:so|ubnd|uy ban|tinh|huyen|xa|thanh pho|thi xa|bo|cuc|cong an|trung tam|van phong)"
OFFICE_HOLDER_CUE = re.compile(
    rf"\b(?:ai|nguoi nao|ong nao|ba nao) (?:hien )?(?:nay )?(?:dang )?(?:la|lam|giu chuc(?: vu)?)"
    rf" {_TITLE} {_BODY}\b"
    # "Chủ tịch UBND tỉnh Phú Yên hiện nay là ai?": the title opens the clause ("người chịu
    # trách nhiệm trước Chủ tịch UBND tỉnh … là ai?" asks for a role, not a person)
    rf"|(?:^|[,;:] )(?:thua |cho hoi |xin hoi )?{_TITLE} {_BODY}\b[^?,;]{{0,60}}"
    rf"\b(?:hien nay |bay gio )?la ai\b"
)
# "kế hoạch CCHC năm 2023" names a plan year; "Chỉ số (hài lòng về) CCHC năm 2020" (an
# index) does not: see plan_years
PLAN_YEAR = re.compile(r"(ke hoach|cchc|cai cach hanh chinh)( nha nuoc)?( nam)? ((?:19|20)\d{2})")
INDEX_SPAN = 30  # characters before a plan-year phrase where "chỉ số" makes it an index's
FOLLOWUP_CUE = re.compile(r"^(con|the con|vay|the|con lai)\b|thi sao\??$|the nao\??$")
QUARTER = re.compile(r"quy\s+(i{1,3}|iv)\s*(?:[/,]|nam)?\s*,?\s*(?:nam\s+)?(20\d{2})")
MONTH = re.compile(r"thang\s+(\d{1,2})\s*(?:/|nam)\s*(20\d{2})")


ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def deadline_periods(text: str) -> set[str]:
    """Quarters and months a deadline names: "Quý I/2024" → {"Q1/2024"}, "Tháng 01/2025"
    → {"M1/2025"}; "Quý II, III/2025" → {"Q2/2025", "Q3/2025"}."""
    f = fold(text)
    out: set[str] = set()
    for m in re.finditer(
        r"quy\s+((?:i{1,3}|iv)(?:\s*,\s*(?:i{1,3}|iv))*)\s*(?:[/,]|nam)?\s*,?\s*(?:nam\s+)?(20\d{2})",
        f,
    ):
        for q in re.split(r"\s*,\s*", m.group(1)):
            out.add(f"Q{ROMAN[q]}/{m.group(2)}")
    for m in MONTH.finditer(f):
        out.add(f"M{int(m.group(1))}/{m.group(2)}")
    return out


_Q = r"(?:i{1,3}|iv|[1-4])"
_QUARTERS = re.compile(
    rf"\bquy\s+{_Q}(?:\s*(?:,|va|-|den|toi)\s*(?:quy\s+)?{_Q})*\b"
    r"(?!\s*(?:[/,]|nam)?\s*,?\s*(?:nam\s+)?20\d{2})(?!\s*nam sau)"
    r"(?!\s*(?:ty|trieu|nghin|ngan|dong)\b)"  # "quỹ 1 tỷ đồng" folds like "quý 1"
)
_Q_PART = re.compile(rf"(,|va|-|den|toi)?\s*(?:quy\s+)?({_Q})\b")


def yearless_periods(text: str, years: set[int]) -> set[str]:
    """Quarters named without a year ("phải xong trong quý II", "quy 2", "quý I và II",
    "quý 1 đến quý 3"), read in the one year of ``years`` (the year the question names, or
    the plan's); none when the year is not one, or is "năm sau"."""
    if len(years) != 1:
        return set()
    year = next(iter(years))
    out: set[int] = set()
    for m in _QUARTERS.finditer(fold(text)):
        prev = 0
        for sep, q in _Q_PART.findall(m.group(0)[3:]):
            n = ROMAN.get(q) or int(q)
            if sep in ("-", "den", "toi") and prev:
                out.update(range(prev, n + 1))
            out.add(n)
            prev = n
    return {f"Q{n}/{year}" for n in out}


def period_months(period: str) -> set[tuple[int, int]]:
    """(year, month) pairs a period covers: "Q1/2024" → Jan–Mar 2024, "M2/2024" → Feb."""
    kind, rest = period[0], period[1:]
    num, year = (int(x) for x in rest.split("/"))
    if kind == "Q":
        return {(year, m) for m in range(3 * num - 2, 3 * num + 1)}
    return {(year, num)}


def within(row_periods: set[str], asked: set[str]) -> bool:
    """Whether a row due in ``row_periods`` falls inside the ``asked`` periods, compared
    as time ranges: a row due "Tháng 02/2024" is within "Quý I/2024"; a row due
    "Quý I/2024" matches a question about "Quý I/2024"."""
    if not row_periods or not asked:
        return False
    asked_months = set().union(*(period_months(p) for p in asked))
    return any(period_months(p) <= asked_months or p in asked for p in row_periods)


def period_label(p: str) -> str:
    kind, rest = p[0], p[1:]
    num, year = rest.split("/")
    if kind == "Q":
        return f"Quý {['I', 'II', 'III', 'IV'][int(num) - 1]}/{year}"
    return f"Tháng {int(num):02d}/{year}"


def detect_field(fq: str) -> str | None:
    """The task field a (folded) question asks about, if any."""
    for name, pat in FIELD_PATTERNS.items():
        if pat.search(fq):
            return name
    return None


def detect_fields(fq: str) -> list[str]:
    """Every task field a (folded) question asks about ("ai chủ trì và bao giờ xong")."""
    return [name for name, pat in FIELD_PATTERNS.items() if pat.search(fq)]


# Interrogative phrases that open a part of a multi-part question (folded).
_ASKS = (
    r"bao nhieu|bao gio|khi nao|o muc nao|muc nao|the nao|nhu the nao|ra sao|o dau|ve dau"
    r"|cho ai|voi ai|\bai\b|\bgi\b|nao\b|truoc ngay nao|han nao|may"
)
_PART_SPLIT = re.compile(
    r"\s*(?:,\s*)?\b(?:va|con|dong thoi|, roi)\b\s+|\s*;\s*|\s*,\s+(?=\w+ (?:" + _ASKS + r"))"
    r"|\s*\?\s*"  # two questions in one message: "… bao nhiêu phần trăm? Riêng … là bao nhiêu?"
)
# the words before an asking word that belong to the predicate ("phải đạt bao nhiêu",
# "có trách nhiệm gì", "mục tiêu là bao nhiêu")
_PREDICATE_WORDS = frozenset(
    {"phai", "can", "duoc", "dat", "la", "co", "se", "thi", "muc", "tieu", "trach", "nhiem"}
    | {"vai", "tro", "vu", "chi"}
)


# the words that ask (not what is asked about), from _ASKS
ASK_WORDS = frozenset(re.findall(r"[a-z]+", _ASKS.replace("\\b", " "))) | {"thoi", "gian"}
ASK = re.compile(_ASKS)


def _predicate(words: list[str]) -> list[str]:
    """The predicate a coordinated subject shares ("tỷ lệ A và tỷ lệ B phải đạt bao nhiêu
    phần trăm trong năm 2024" → "phải đạt bao nhiêu phần trăm trong năm 2024"): from the
    asking word, backed over the predicate's own words, to the end."""
    text = " ".join(words)
    m = ASK.search(text)
    if m is None:
        return []
    start = len(text[: m.start()].split())
    while start > 0 and words[start - 1] in _PREDICATE_WORDS:
        start -= 1
    return words[start:]


def question_parts(question: str) -> list[str]:
    """The parts of a question that asks several things, each still a question:
    "gửi về đâu và trước ngày nào" → ["… gửi về đâu", "trước ngày nào"]. A question with
    one interrogative gives ``[question]``. Parts are folded."""
    fq = fold(question).strip().rstrip("?. ")
    pieces = [p.strip() for p in _PART_SPLIT.split(fq) if p and p.strip()]
    parts: list[str] = []
    for p in pieces:
        if parts and not ASK.search(p):
            parts[-1] = f"{parts[-1]} va {p}"  # "đất đai và xây dựng": one topic, not a part
        else:
            parts.append(p)
    if len(parts) > 1 and not ASK.search(parts[0]):
        first, second = parts[0].split(), parts[1].split()
        head = " ".join(second[:2])
        if len(first) >= 3 and len(second) >= 3 and f" {head} " in f" {parts[0]} ":
            # "tỷ lệ nộp hồ sơ … và tỷ lệ trả tiền … phải đạt bao nhiêu?": two subjects
            # of the same kind share the predicate, each a question of its own
            parts[0] = " ".join(first + _predicate(second))
        else:
            parts = [f"{parts[0]} va {parts[1]}", *parts[2:]]
    return parts if len(parts) > 1 else _enumerated(fq)


_ITEM_SEP = re.compile(r"\s*,\s*|\s+va\s+")


def _enumerated(fq: str) -> list[str]:
    """ "… bao nhiêu phần trăm người lớn có điện thoại thông minh, có tài khoản dịch vụ
    công và có chữ ký số?": items that begin with the same word as one in the asking
    clause are each a part, with the clause's head ("… người lớn có tài khoản …")."""
    segments = [x for x in _ITEM_SEP.split(fq) if x]
    if len(segments) < 2 or not ASK.search(segments[0]):
        return [fq]
    if any(ASK.search(x) for x in segments[1:]):
        return [fq]  # "… có mấy nhiệm vụ, nhiệm vụ nào quan trọng nhất?": its own question
    lead = {x.split()[0] for x in segments[1:]}
    if len(lead) != 1:
        return [fq]
    word = lead.pop()
    at = f" {segments[0]} ".rfind(f" {word} ")
    if word in {"cac", "nhung", "cua"} or at <= 0:
        return [fq]
    stem, first = segments[0][: at - 1], segments[0][at:]
    return [f"{stem} {item}" for item in [first, *segments[1:]]]


_EN_WORDS = frozenset(
    [
        "what",
        "who",
        "which",
        "when",
        "where",
        "how",
        "why",
        "is",
        "are",
        "does",
        "do",
        "the",
        "of",
        "in",
        "for",
        "plan",
        "plans",
        "province",
        "target",
        "targets",
        "deadline",
        "responsible",
        "lead",
        "agency",
        "administrative",
        "reform",
        "rate",
        "percent",
        "many",
        "much",
        "by",
        "to",
        "and",
        "a",
        "an",
        "year",
    ]
)
_VI_WORDS = frozenset(
    [
        "cua",
        "va",
        "la",
        "cac",
        "nhung",
        "duoc",
        "co",
        "trong",
        "cho",
        "nao",
        "gi",
        "bao",
        "nhieu",
        "tinh",
        "ke",
        "hoach",
        "so",
        "uy",
        "ban",
    ]
)


def is_english(question: str) -> bool:
    """A question written in English (ASCII, mostly English function words)."""
    if not question.isascii():
        return False
    words = re.findall(r"[a-z]+", question.lower())
    if len(words) < 3:
        return False
    en = sum(1 for w in words if w in _EN_WORDS)
    vi = sum(1 for w in words if w in _VI_WORDS)
    return en >= 2 and en > 2 * vi


@dataclass
class Analysis:
    """What :func:`analyse` found in a question."""

    question: str
    folded: str
    provinces: list[str] = field(default_factory=list)
    focus: str | None = None
    fields: list[str] = field(default_factory=list)
    want_figure: bool = False
    periods: set[str] = field(default_factory=set)
    parts: list[str] = field(default_factory=list)
    english: bool = False
    want_url: bool = False
    plan_years: set[int] = field(default_factory=set)

    @property
    def is_list(self) -> bool:
        return bool(
            LIST_CUE.search(self.folded)
            or PRODUCT_LIST_CUE.search(self.folded)
            or re.search(r"\bnhom\b.*\bbao nhieu\b", self.folded)
        )

    @property
    def lists_products(self) -> bool:
        """A list of products ("những quyết định nào về tiêu chí đánh giá chủ tịch UBND cấp
        huyện?"), not of an agency's tasks: an agency it names is a topic, not the lead."""
        return bool(PRODUCT_LIST_CUE.search(self.folded)) and not LIST_CUE.search(self.folded)

    @property
    def is_comparison(self) -> bool:
        return len(self.provinces) >= 2 or bool(
            COMPARE_CUE.search(self.folded) and "tinh nao" in self.folded
        )


# "Sở X tham gia những nhiệm vụ nào?", "… (chủ trì hoặc phối hợp)", "chủ trì/phối hợp":
# the rows it leads or joins — unless the question names one role on its own as well
# ("chủ trì những nhiệm vụ nào để người dân tham gia góp ý?")
_ROLE_PAIR = re.compile(
    r"\bchu tri\s*(?:hoac(?: la)?|hay|va/hoac|va|/|,)\s*(?:tham gia\s*)?phoi hop\b"
    r"|\bphoi hop\s*(?:hoac(?: la)?|hay|va/hoac|va|/|,)\s*chu tri\b"
    r"|\bchu tri (?:hoac|hay) tham gia\b"
)
_TAKES_PART = re.compile(
    r"\btham gia (?:vao )?(?:(?:nhung|cac|may|bao nhieu) )?(?:nhiem vu|viec|hoat dong|cong viec)\b"
)


def either_role(fq: str) -> bool:
    """Whether the (folded) question asks for the rows an agency leads or joins."""
    if re.search(r"\b(chu tri|phoi hop)\b", _ROLE_PAIR.sub(" ", fq)):
        return False
    return bool(_ROLE_PAIR.search(fq) or _TAKES_PART.search(fq))


def wants_figure(question: str, fq: str | None = None) -> bool:
    """A question asking for a number. "mấy" and "máy" (a machine) fold alike: with
    diacritics only "mấy" counts; without, "may" before a device word does not. A
    document's number ("quyết định số mấy?") is a code, not a quantity: it does not count."""
    fq = fq if fq is not None else fold(question)
    # "quyết định số mấy?" asks for a document's number (a code), not a quantity
    codes = len([m for m in DOCUMENT_NUMBER_CUE.finditer(fq) if m.group(2) == "may"])
    fq = DOCUMENT_NUMBER_CUE.sub(" ", fq)
    without_may = NUMBER_CUE.sub(lambda m: "" if m.group(0) == "may" else m.group(0), fq)
    if re.search(r"bao nhieu|phan tram|ty le (la|dat) bao", without_may):
        return True
    if has_diacritics(question):
        return question.lower().count("mấy") > codes
    return bool(re.search(r"\bmay\b(?! (danh|tinh|chu|in|moc|lanh|bay|anh|quet|chieu))", fq))


# What a count is counted in: "bao nhiêu UBND cấp xã", "mấy hội nghị", "số cơ quan". After
# "so" (số, but also sở, sổ when typed without diacritics) only a countable word is taken.
_COUNT_CUE = re.compile(
    r"\b(bao nhieu|(?<!bo )may(?! (?:danh|tinh|chu|in|moc|lanh|bay|anh|quet|chieu)\b)|so luong"
    r"|(?<!ho )(?<!doi )(?<!ky )so)\s+(?:cac\s+)?([a-z]+)\b"
)
_RATE = re.compile(r"\bty le\b|\bphan tram\b|%")
_NOT_COUNTED = frozenset(
    {"la", "thi", "co", "duoc", "phan", "ty", "tien", "dong", "trieu", "va", "de", "khi"}
    | {"cho", "trong", "o", "tai", "den", "nhu", "sanh"}
)
# not "cong", "van", "ke": Sở Công Thương, Sở Văn hóa, Sở Kế hoạch
_COUNTABLE_AFTER_SO = frozenset(
    {"ubnd", "xa", "huyen", "co", "don", "thu", "tthc", "ho", "nhiem", "hoi", "lop", "cuoc"}
    | {"can", "vien", "bien", "mo", "sang", "dich", "dvc", "dvctt", "nguoi", "truong"}
    | {"phuong", "thi", "diem", "tiem", "quy"}
)


def counted_word(question: str) -> str | None:
    """The first word of what a count question counts ("Phú Thọ áp dụng ISO cho bao nhiêu
    UBND cấp xã?" → "ubnd"), folded; ``None`` when it asks no count. A sentence answering
    it says "199 UBND cấp xã", not "100% UBND cấp xã"."""
    fq = fold(question)
    if _RATE.search(fq):
        return None  # a rate or a share is asked, not a count
    for m in _COUNT_CUE.finditer(fq):
        cue, word = m.group(1), m.group(2)
        if word in _NOT_COUNTED or (cue == "so" and word not in _COUNTABLE_AFTER_SO):
            continue
        return word
    return None


def counts(word: str, text: str) -> bool:
    """``text`` gives a count of ``word``: a number before it, at most two words apart
    ("35 UBND xã", "199 UBND cấp xã" count "xã"; "100% UBND cấp xã" does not)."""
    # a number, not an item's numbering ("1. Thủ trưởng …") nor a year ("2025 thu hút")
    number = r"(?<![\d.,%])(?!(?:19|20)\d{2}\b)\d+(?:[.,]\d+)*"
    between = r"(?:(?!(?:va|qua|tai|cua|cho|o|trong|ngay|thang|phan|tram)\b)[^\W\d]+\s+){0,2}"
    return re.search(rf"{number}\s+{between}{re.escape(word)}\b", fold(text)) is not None


def plan_years(fq: str) -> set[int]:
    """The plan years a folded question names ("kế hoạch CCHC năm 2023"), not the year of
    an index ("Chỉ số CCHC năm 2020", "chỉ số hài lòng về CCHC năm 2023")."""
    return {
        int(m.group(4))
        for m in PLAN_YEAR.finditer(fq)
        if "chi so" not in fq[max(0, m.start() - INDEX_SPAN) : m.start()]
    }


def analyse(question: str, provinces: list[str]) -> Analysis:
    fq = fold(question)
    return Analysis(
        question=question,
        folded=fq,
        provinces=provinces,
        focus=detect_field(fq),
        fields=detect_fields(fq),
        want_figure=wants_figure(question, fq),
        periods=deadline_periods(question),
        parts=question_parts(question),
        english=is_english(question),
        want_url=bool(URL_CUE.search(fq)),
        plan_years=plan_years(fq),
    )
