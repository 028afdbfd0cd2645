"""Agency-name splitting, normalisation and matching on inline cell texts."""

from __future__ import annotations

import pytest

from troly.documents.agencies import (
    AGENCY_ALIASES,
    agency_key,
    agency_matches,
    fold,
    normalize_agency,
    split_agencies,
)

pytestmark = pytest.mark.unit


def test_fold_removes_diacritics_and_d() -> None:
    assert fold("Sở Nội vụ") == "so noi vu"
    assert fold("  ĐÀI Phát   thanh ") == "dai phat thanh"
    assert fold("Ủy ban") == fold("Uỷ ban") == "uy ban"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Các sở, ban, ngành", ["Các sở, ban, ngành"]),
        (
            "Các sở, ban, ngành; UBND cấp huyện, cấp xã",
            ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"],
        ),
        (
            "Các sở, ban, ngành; UBND cấp huyện; cấp xã",
            ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"],
        ),
        (
            "Văn phòng UBND tỉnh, Sở Nội vụ, Sở Thông tin và Truyền thông",
            ["Văn phòng UBND tỉnh", "Sở Nội vụ", "Sở Thông tin và Truyền thông"],
        ),
        (
            "các Sở: Tài chính, Tư pháp, Thông tin và Truyền thông",
            ["Sở Tài chính", "Sở Tư pháp", "Sở Thông tin và Truyền thông"],
        ),
        (
            "Văn phòng UBND tỉnh, các Sở: Tài chính, Kế hoạch và Đầu tư và các cơ quan, "
            "đơn vị có liên quan",
            [
                "Văn phòng UBND tỉnh",
                "Sở Tài chính",
                "Sở Kế hoạch và Đầu tư",
                "Các cơ quan, đơn vị có liên quan",
            ],
        ),
        (
            "Sở Nội vụ và các cơ quan, đơn vị có liên quan",
            ["Sở Nội vụ", "Các cơ quan, đơn vị có liên quan"],
        ),
        ("Sở Kế hoạch và Đầu tư", ["Sở Kế hoạch và Đầu tư"]),
        (
            "Sở Kế hoạch và Đầu tư, Cục Thuế và các đơn vị liên quan",
            ["Sở Kế hoạch và Đầu tư", "Cục Thuế", "Các đơn vị liên quan"],
        ),
        (
            "Đài Phát thanh - Truyền hình và Báo Bình Phước",
            ["Đài Phát thanh - Truyền hình tỉnh", "Báo Bình Phước"],
        ),
        ("Các sở, ban. ngành tỉnh; UBND cấp huyện", ["Các sở, ban, ngành", "UBND cấp huyện"]),
        (
            "Các Sở, ngành, đơn vị, UBND UBND các huyện, thị xã, thành phố",
            ["Các sở, ngành, đơn vị", "UBND cấp huyện"],
        ),
        ("Sở Nội vụ thẩm định", ["Sở Nội vụ"]),
        ("UBND tỉnh (qua Sở Nội vụ thẩm định)", ["UBND tỉnh"]),
        (
            "Sở Nội vụ chủ trì đối với nhân rộng mô hình hay; Sở Khoa học và Công nghệ chủ trì "
            "đối với áp dụng các sáng kiến CCHC",
            ["Sở Nội vụ", "Sở Khoa học và Công nghệ"],
        ),
        (
            "5.1. Trung tâm Tư vấn dịch vụ tài chính 5.2. Sở Tài chính (đối với các đơn vị "
            "SNCL thuộc cấp tỉnh); Phòng Tài chính - Kế hoạch (đối với đơn vị SNCL cấp huyện).",
            ["Trung tâm Tư vấn dịch vụ tài chính", "Sở Tài chính", "Phòng Tài chính - Kế hoạch"],
        ),
        (
            "Cơ quan được giao chủ trì soạn thảo dự thảo văn bản QPPL",
            ["Cơ quan được giao chủ trì soạn thảo dự thảo văn bản QPPL"],
        ),
        ("Sở Nội vụ; Sở Nội vụ.; ", ["Sở Nội vụ"]),
        ("", []),
        ("\xa0", []),
    ],
)
def test_split_agencies(raw: str, expected: list[str]) -> None:
    assert split_agencies(raw) == expected


def test_split_bullet_lines_take_the_agency_at_the_start() -> None:
    raw = (
        "+ Văn phòng UBND tỉnh chủ trì, phối hợp với các cơ quan, đơn vị có liên quan thực "
        "hiện việc công khai kết quả đánh giá.\n"
        "+ Các sở, ban ngành, UBND cấp huyện, UBND cấp xã thực hiện các giải pháp nâng cao "
        "chất lượng phục vụ; thực hiện giải trình.\n"
        "+ UBND cấp huyện và các cơ quan liên quan phối hợp với các sở, ban ngành xây dựng "
        "quy trình nội bộ."
    )
    assert split_agencies(raw) == [
        "Văn phòng UBND tỉnh",
        "Các sở, ban, ngành",
        "UBND cấp huyện",
        "UBND cấp xã",
        "Các cơ quan liên quan",
    ]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
        ("Sở TTTT", "Sở Thông tin và Truyền thông"),
        ("Sở Thông tin và Truyền Thông", "Sở Thông tin và Truyền thông"),
        ("Sở Thông tin và Truyền thông.", "Sở Thông tin và Truyền thông"),
        ("VP UBND tỉnh", "Văn phòng UBND tỉnh"),
        ("Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng UBND tỉnh"),
        ("SNV", "Sở Nội vụ"),
        ("Ủy ban nhân dân cấp huyện", "UBND cấp huyện"),
        ("Ủy ban nhân dân các huyện, thị xã, thành phố", "UBND cấp huyện"),
        ("Ủy ban nhân dân thành phố Hà Tĩnh", "UBND thành phố Hà Tĩnh"),
        ("Văn phòng Ủy ban nhân dân", "Văn phòng UBND tỉnh"),
        ("UBND các huyện, thị xã, thành phố", "UBND cấp huyện"),
        ("UBND huyện", "UBND cấp huyện"),
        ("UBND các xã, phường, thị trấn", "UBND cấp xã"),
        ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
        ("Sở KHĐT", "Sở Kế hoạch và Đầu tư"),
        ("Sở KH&CN", "Sở Khoa học và Công nghệ"),
        ("Đài PT-TH tỉnh", "Đài Phát thanh - Truyền hình tỉnh"),
        ("Đài Phát thanh - Truyền hình tỉnh", "Đài Phát thanh - Truyền hình tỉnh"),
        ("Đài Phát thanh và Truyền hình tỉnh", "Đài Phát thanh - Truyền hình tỉnh"),
        ("các sở, ban ngành", "Các sở, ban, ngành"),
        ("Sở, ban, ngành cấp tỉnh", "Các sở, ban, ngành"),
        ("các cơ quan, đơn vị liên quan.", "Các cơ quan, đơn vị có liên quan"),
        ("so noi vu", "Sở Nội vụ"),
        ("trung tâm phục vụ hành chính công;", "Trung tâm phục vụ hành chính công"),
        ("", ""),
    ],
)
def test_normalize_agency(name: str, canonical: str) -> None:
    assert normalize_agency(name) == canonical


def test_every_canonical_name_is_a_fixed_point() -> None:
    for canonical in set(AGENCY_ALIASES.values()):
        assert normalize_agency(canonical) == canonical
    assert len(AGENCY_ALIASES) > 100


@pytest.mark.parametrize(
    ("query", "canonical", "expected"),
    [
        ("so noi vu", "Sở Nội vụ", True),
        ("Sở Nội vụ", "Sở Nội vụ", True),
        ("SNV", "Sở Nội vụ", True),
        ("noi vu", "Sở Nội vụ", True),
        ("Sở TT&TT", "Sở Thông tin và Truyền thông", True),
        ("so tttt", "Sở Thông tin và Truyền thông", True),
        ("thong tin va truyen thong", "Sở Thông tin và Truyền thông", True),
        ("VP UBND", "Văn phòng UBND tỉnh", True),
        ("van phong ubnd tinh", "Văn phòng UBND tỉnh", True),
        ("ubnd cap xa", "UBND cấp xã", True),
        ("UBND các huyện, thị xã, thành phố", "UBND cấp huyện", True),
        ("so noi vu", "Sở Tư pháp", False),
        ("Sở TT&TT", "Sở Tài chính", False),
        ("cap huyen", "UBND cấp xã", False),
        ("", "Sở Nội vụ", False),
    ],
)
def test_agency_matches(query: str, canonical: str, expected: bool) -> None:
    assert agency_matches(query, canonical) is expected


def test_agency_key_equal_for_aliases() -> None:
    assert agency_key("Sở TT&TT") == agency_key("so thong tin va truyen thong")
    assert agency_key("VP UBND tỉnh") != agency_key("UBND tỉnh")
