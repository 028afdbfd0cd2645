from __future__ import annotations

import re

import pytest

from troly.index_store import sparse_from_terms
from troly.retriever import ProvinceDetector, QueryError, validate_question
from troly.text import (
    ABBREVIATIONS,
    SPELLED_OUT,
    document_terms,
    fold,
    has_diacritics,
    query_terms,
    spell_out,
)

pytestmark = pytest.mark.unit


def test_fold() -> None:
    assert fold("Đắk Lắk") == "dak lak"
    assert fold("Thời gian HOÀN THÀNH") == "thoi gian hoan thanh"
    assert has_diacritics("Hà Tĩnh") and not has_diacritics("ha tinh")


def test_accented_and_unaccented_queries_share_terms_with_passage() -> None:
    passage = set(document_terms("Sở Thông tin và Truyền thông chủ trì, hoàn thành Quý I/2024."))
    for q in (
        "Sở Thông tin và Truyền thông chủ trì gì?",
        "so thong tin va truyen thong chu tri gi",
    ):
        terms = set(query_terms(q))
        assert {"thong_tin", "truyen_thong", "chu_tri"} <= terms & passage
    assert {"i/2024", "2024", "quy"} <= passage
    assert "2024" in set(query_terms("quy I 2024"))


def test_passages_index_every_syllable_pair_as_questions_do() -> None:
    """A question's word pair matches a passage even where underthesea did not join the
    two syllables into one word; within one sentence only, never across sentences."""
    text = "Công dân đến sinh sống tại chỗ ở hợp pháp. Nhà thuê phải đăng ký."
    terms = set(document_terms(text))
    q = set(query_terms("cho o hop phap nha thue"))
    assert {"cho_o", "o_hop", "hop_phap", "nha_thue"} <= terms & q
    assert "phap_nha" not in terms  # the sentence ends between them
    plain = set(document_terms(text, bigrams=False))
    assert "o_hop" not in plain and {"cho", "hop", "phap"} <= plain


def test_sparse_vector_is_sorted_and_merged() -> None:
    idx, vals = sparse_from_terms(["a", "b", "a"])
    assert idx == sorted(idx) and len(idx) == 2
    assert all(v > 0 for v in vals)
    assert sparse_from_terms([], saturate=False) == ([], [])


def test_passage_weights_follow_their_kinds_bm25_parameters() -> None:
    """The same term, once in a short and once in a long passage, weighs less in the long
    one; how much less depends on the kind's parameters (index_store.PASSAGE_BM25)."""
    from troly.index_store import PASSAGE_BM25, passage_sparse, term_index

    short = ["ho_so"] + ["x"] * 50
    long = ["ho_so"] + ["x"] * 1000
    i = term_index("ho_so")
    for kind, (k1, b, avg) in PASSAGE_BM25.items():
        w_short = dict(zip(*passage_sparse(short, kind), strict=True))[i]
        w_long = dict(zip(*passage_sparse(long, kind), strict=True))[i]
        assert w_long < w_short
        norm = k1 * (1 - b + b * len(long) / avg)
        assert w_long == pytest.approx((k1 + 1) / (1 + norm))
    assert passage_sparse(short, "section") != passage_sparse(short, "article")


def test_province_detector_with_and_without_diacritics() -> None:
    d = ProvinceDetector(["Phú Yên", "Hà Tĩnh", "Phú Thọ"])
    assert d.detect("Chỉ tiêu của tỉnh Phú Yên?") == ["Phú Yên"]
    assert d.detect("chi tieu ha tinh nam 2025") == ["Hà Tĩnh"]
    assert sorted(d.detect("so sánh Phú Thọ và ha tinh")) == ["Hà Tĩnh", "Phú Thọ"]
    assert d.detect("kế hoạch phú yênx") == []


def test_provinces_come_in_the_order_the_question_names_them() -> None:
    d = ProvinceDetector(["Phú Yên", "Hà Tĩnh", "Phú Thọ", "Bình Phước", "Quảng Ngãi"])
    assert d.detect("binh phuoc va quang ngai dat bao nhieu") == ["Bình Phước", "Quảng Ngãi"]
    assert d.detect("Quảng Ngãi, Phú Thọ và Bình Phước") == ["Quảng Ngãi", "Phú Thọ", "Bình Phước"]


@pytest.mark.parametrize("bad", ["", "   ", "???", "x" * 2001])
def test_bad_questions_rejected_with_vietnamese_message(bad: str) -> None:
    with pytest.raises(QueryError) as exc:
        validate_question(bad, 2000)
    assert "Câu hỏi" in str(exc.value)


def test_spell_out_gives_the_dense_query_the_full_form() -> None:
    assert spell_out("Ai chủ trì kiểm soát TTHC ở Phú Yên?") == (
        "Ai chủ trì kiểm soát thủ tục hành chính ở Phú Yên?"
    )
    assert spell_out("sở tt&tt và UBND tỉnh") == (
        "sở Thông tin và Truyền thông và Ủy ban nhân dân tỉnh"
    )
    # whole tokens only: "parity", "ubnds" and words containing an abbreviation stay
    assert spell_out("parity ubnds tthcx") == "parity ubnds tthcx"
    # the folded table the lexical side uses is the same table
    assert all(ABBREVIATIONS[a] == fold(full) for a, full in SPELLED_OUT.items())


def test_abbreviations_typed_with_d_stroke_and_the_newer_entries() -> None:
    assert spell_out("CQĐT và CĐS, Sở KH&ĐT") == (
        "chính quyền điện tử và chuyển đổi số, Sở Kế hoạch và Đầu tư"
    )
    assert spell_out("giảm chi từ NSNN cho đơn vị SNCL") == (
        "giảm chi từ ngân sách nhà nước cho đơn vị sự nghiệp công lập"
    )
    # a question with the abbreviation and a plan with the full form share lexical terms
    q = set(query_terms("muc giam chi tu NSNN cho don vi SNCL"))
    d = set(document_terms("Giảm chi hỗ trợ từ ngân sách nhà nước cho đơn vị sự nghiệp công lập"))
    assert {"nsnn", "sncl"} <= q & d


@pytest.mark.parametrize("abbr", ["sncl", "nsnn", "hcnn", "cqdt", "cds", "cbcc", "tslcd", "ptth"])
def test_newer_abbreviations_are_printed_both_ways_in_the_plans(abbr: str) -> None:
    from tests.conftest import CORPUS

    text = fold(" ".join(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")))
    words = " ".join(re.findall(r"[a-z0-9]+", text))  # "Phát thanh - Truyền hình" too
    assert re.search(rf"(?<![a-z0-9]){abbr}(?![a-z0-9])", text)
    assert ABBREVIATIONS[abbr] in words


def test_provinces_are_cut_out_however_they_were_typed() -> None:
    import unicodedata

    d = ProvinceDetector(["Hà Tĩnh", "Bình Phước", "Phú Yên"])
    assert d.without("thanh toan: binh phuoc va Ha Tĩnh dat bao nhieu?") == (
        "thanh toan: va dat bao nhieu?"
    )
    assert d.without("So sánh Bình Phước và Phú Yên về chỉ tiêu") == "So sánh và về chỉ tiêu"
    nfd = unicodedata.normalize("NFD", "Chỉ tiêu của Phú Yên")
    assert d.without(nfd) == "Chỉ tiêu của"
    assert d.without("kế hoạch phú yênx") == "kế hoạch phú yênx"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("tổ chứcbộ máy", "tổ chức bộ máy"),
        ("đượcgiao những việc gì", "được giao những việc gì"),
        ("nămnay", "năm nay"),
        ("trướcngày 15/01", "trước ngày 15/01"),
        ("to\u0302\u0309 chu\u031b\u0301cbo\u0302\u0323 máy", "tổ chức bộ máy"),  # decomposed
        # one syllable each (vowel groups joined), foreign words, codes: unchanged
        ("nghiêng khuya quyển giữa Nguyễn thuyền", "nghiêng khuya quyển giữa Nguyễn thuyền"),
        ("online website email internet", "online website email internet"),
        ("UBND HĐND ISO9001 Quảng Ngãi", "UBND HĐND ISO9001 Quảng Ngãi"),
    ],
)
def test_syllables_typed_together_are_split(typed: str, read: str) -> None:
    from troly.text import split_run_together

    assert split_run_together(typed) == read
