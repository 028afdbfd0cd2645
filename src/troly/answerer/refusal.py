"""Refusals: what the assistant says when the plans cannot answer, and where to ask.

:data:`REFERRALS` is a small topic → agency table (folded cue → where a citizen should
go); :func:`referral` picks the row that fits a question, so a question about a citizen
identity card is sent to the police (Công an), not to the home-affairs department.
:func:`scope_refusal` refuses before any search: legal advice for a personal case,
off-topic questions, provinces or plan years the index does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from troly.answerer.analysis import LEGAL_CUE, OFFICE_HOLDER_CUE, OFFTOPIC_CUE, Analysis
from troly.answerer.scope import CorpusScope
from troly.text import fold


@dataclass(frozen=True)
class Referral:
    topic: str
    cue: re.Pattern[str]
    where: str


def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])")


# Topic → where to ask. First match wins; the cues are folded (no diacritics).
REFERRALS: tuple[Referral, ...] = (
    Referral(
        "identity",
        _cue(
            r"can cuoc|cccd|cmnd|chung minh nhan dan|dinh danh dien tu|vneid|ho chieu"
            r"|cu tru|tam tru|thuong tru|ho khau|dang ky xe|bien so xe"
        ),
        "Công an cấp xã hoặc Công an tỉnh (cơ quan cấp căn cước, hộ chiếu, đăng ký cư trú "
        "và đăng ký xe), hoặc Cổng dịch vụ công Bộ Công an (dichvucong.bocongan.gov.vn)",
    ),
    Referral(
        "civil_status",
        _cue(r"khai sinh|khai tu|ket hon|ho tich|ly lich tu phap|chung thuc|ly hon"),
        "Ủy ban nhân dân cấp xã nơi cư trú (hộ tịch, chứng thực) hoặc Sở Tư pháp (lý lịch tư pháp)",
    ),
    Referral(
        "land",
        _cue(r"so do|so hong|quyen su dung dat|dat dai|thua dat|xay nha|giay phep xay dung"),
        "Bộ phận một cửa cấp huyện/xã nơi có đất, Văn phòng đăng ký đất đai hoặc Sở Tài "
        "nguyên và Môi trường",
    ),
    Referral(
        "social_insurance",
        _cue(r"bao hiem xa hoi|bhxh|bao hiem y te|bhyt|luong huu|tro cap|luong co so"),
        "Bảo hiểm xã hội tỉnh (bảo hiểm xã hội, bảo hiểm y tế) hoặc Sở Lao động - Thương "
        "binh và Xã hội (lương, trợ cấp)",
    ),
    Referral("tax", _cue(r"thue|ma so thue|hoa don"), "Cục Thuế tỉnh hoặc Chi cục Thuế khu vực"),
    Referral(
        "business",
        _cue(r"dang ky kinh doanh|thanh lap doanh nghiep|giay phep kinh doanh|ho kinh doanh"),
        "Sở Kế hoạch và Đầu tư (đăng ký doanh nghiệp) hoặc UBND cấp huyện (hộ kinh doanh)",
    ),
    Referral(
        "driving_licence",
        _cue(r"giay phep lai xe|bang lai|gplx"),
        "Công an tỉnh (cấp, đổi giấy phép lái xe) hoặc Cổng dịch vụ công quốc gia",
    ),
    Referral(
        "complaint",
        _cue(r"khieu nai|to cao|khoi kien|bi phat|xu phat|phat nguoi|tranh chap"),
        "Bộ phận một cửa nơi giải quyết hồ sơ, Thanh tra tỉnh, hoặc gửi phản ánh, kiến "
        "nghị qua Cổng dịch vụ công quốc gia (dichvucong.gov.vn)",
    ),
    Referral(
        "finance_market",
        _cue(r"gia vang|ty gia|chung khoan|lai suat|gia xang"),
        "các trang thông tin chính thức của Ngân hàng Nhà nước hoặc Bộ Công Thương",
    ),
    Referral(
        "weather",
        _cue(r"thoi tiet|mua bao|nhiet do"),
        "Đài Khí tượng thủy văn tỉnh hoặc Trung tâm Dự báo khí tượng thủy văn quốc gia",
    ),
)
DEFAULT_REFERRAL = (
    "Cổng thông tin điện tử hoặc Cổng dịch vụ công của tỉnh, hoặc Sở Nội vụ (cơ quan "
    "thường trực về cải cách hành chính)"
)


# "ai là người ký …" is a question docinfo answers ("kỳ kế hoạch" folds alike: not it)
SIGNER_CUE = re.compile(r"\b(?:ai|nguoi|da) ky\b|\bky (?:ban hanh|quyet dinh|van ban)\b|\bky boi\b")


def referral(question: str) -> tuple[str, str]:
    """(topic, where to ask) for a question; ``("default", …)`` when no topic fits."""
    fq = fold(question)
    for r in REFERRALS:
        if r.cue.search(fq):
            return r.topic, r.where
    return "default", DEFAULT_REFERRAL


def refusal_text(reason: str, scope: CorpusScope, question: str) -> str:
    _, where = referral(question)
    return f"Xin lỗi, {reason} {scope.coverage_text()} Quý vị vui lòng liên hệ {where}."


@dataclass
class ScopeDecision:
    """Why a question is out of scope: ``intent`` and the reason sentence."""

    intent: str
    reason: str


def scope_refusal(
    a: Analysis, scope: CorpusScope, other_provinces: list[str]
) -> ScopeDecision | None:
    """Refuse before searching: personal legal advice, off-topic, who holds an office,
    another province."""
    fq = a.folded
    if LEGAL_CUE.search(fq):
        return ScopeDecision(
            "refusal_legal",
            "trợ lý chỉ trả lời về nội dung các kế hoạch cải cách hành chính, không tư vấn "
            "pháp lý cho trường hợp cụ thể.",
        )
    if OFFTOPIC_CUE.search(fq):
        return ScopeDecision(
            "refusal_offtopic",
            "câu hỏi này nằm ngoài nội dung các kế hoạch cải cách hành chính mà trợ lý đang "
            "quản lý, nên trợ lý không có thông tin để trả lời.",
        )
    if OFFICE_HOLDER_CUE.search(fq) and not SIGNER_CUE.search(fq):
        return ScopeDecision(
            "refusal_person",
            "các kế hoạch cải cách hành chính không nêu họ tên người đang giữ chức vụ này "
            "(văn bản chỉ ghi tên người ký), nên trợ lý không thể trả lời.",
        )
    if not a.provinces:
        others = [p for p in other_provinces if re.search(rf"\b{fold(p)}\b", fq)]
        if others:
            return ScopeDecision(
                "refusal_province",
                f"hệ thống chưa có kế hoạch cải cách hành chính của {others[0]}, nên không "
                "thể trả lời câu hỏi này.",
            )
    return None


def missing_plan_year(a: Analysis, scope: CorpusScope) -> tuple[str, int] | None:
    """(province, year) when the question asks for a plan year the index does not hold
    for a named province."""
    for p in a.provinces:
        asked = a.plan_years - set(scope.years_of(p))
        if asked:
            return p, sorted(asked)[0]
    return None


def names_plan_of_year(text: str, year: int) -> bool:
    """``text`` names a plan of ``year`` ("Kế hoạch CCHC năm 2025", "Kế hoạch thực hiện
    nhiệm vụ cải cách hành chính năm 2025"), not merely the year ("so với năm 2024", a
    decree dated "27/9/2019", the "Chỉ số cải cách hành chính năm 2023" a plan assesses)."""
    plan_of_year = re.compile(
        rf"ke hoach[^.;\n]{{0,40}}(?<!chi so )(cchc|cai cach hanh chinh)[^.;,\n\d]{{0,30}}"
        rf"nam\s+{year}(?!\d)"
    )
    return plan_of_year.search(fold(text)) is not None
