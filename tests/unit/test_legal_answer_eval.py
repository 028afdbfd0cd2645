"""Legal answers (which khoản/điểm is quoted, how it is cited) and the ALQAC metrics."""

from __future__ import annotations

import numpy as np
import pytest

from troly.chunking.articles import article_chunks
from troly.documents.legal import tree_from_paragraphs
from troly.evaluation.legal import (
    BM25,
    FusionParams,
    answer_figures,
    bootstrap,
    fuse,
    lexical_terms,
    question_metrics,
    split_of,
)
from troly.legal_answer import GENERAL_NOTE, answer_legal, is_personal, without_law_name
from troly.schema import DocumentMeta, SearchResult
from troly.text import fold

pytestmark = pytest.mark.unit

HNGD = [
    "Điều 35. Chiếm hữu, sử dụng, định đoạt tài sản chung",
    "1. Việc chiếm hữu, sử dụng, định đoạt tài sản chung do vợ chồng thỏa thuận.",
    "2. Việc định đoạt tài sản chung phải có sự thỏa thuận bằng văn bản của vợ chồng "
    "trong những trường hợp sau đây:",
    "a) Bất động sản;",
    "b) Động sản mà theo quy định của pháp luật phải đăng ký quyền sở hữu;",
    "c) Tài sản đang là nguồn tạo ra thu nhập chủ yếu của gia đình.",
    "Điều 36. Tài sản chung được đưa vào kinh doanh",
    "Trong trường hợp vợ chồng có thỏa thuận về việc một bên đưa tài sản chung vào kinh "
    "doanh thì người này có quyền tự mình thực hiện giao dịch liên quan đến tài sản chung.",
]
PCMT = [
    "Điều 32. Đối tượng bị áp dụng biện pháp đưa vào cơ sở cai nghiện bắt buộc",
    "Người nghiện ma túy từ đủ 18 tuổi trở lên bị áp dụng biện pháp xử lý hành chính đưa "
    "vào cơ sở cai nghiện bắt buộc khi thuộc một trong các trường hợp sau đây:",
    "1. Không đăng ký, không thực hiện hoặc tự ý chấm dứt cai nghiện ma túy tự nguyện;",
    "2. Trong thời gian cai nghiện ma túy tự nguyện bị phát hiện sử dụng trái phép chất ma túy;",
]


def _results(paragraphs: list[str], title: str, year: int, doc_id: str) -> list[SearchResult]:
    tree = tree_from_paragraphs(DocumentMeta(doc_id=doc_id, title=title, year=year), paragraphs)
    chunks = article_chunks(tree)
    return [SearchResult(c, 1.0 - 0.05 * i, i + 1) for i, c in enumerate(chunks)]


def test_quotes_the_governing_point_and_cites_it_the_vietnamese_way() -> None:
    results = _results(HNGD, "Luật Hôn nhân và gia đình", 2014, "hngd")
    ans = answer_legal(
        "Vợ chồng bán bất động sản là tài sản chung có cần thỏa thuận bằng văn bản không?", results
    )
    assert not ans.refused
    first = ans.citations[0]
    assert first.location == "Luật Hôn nhân và gia đình 2014 › Điều 35 › khoản 2 › điểm a"
    assert ans.answer.startswith(
        "Theo quy định tại điểm a khoản 2 Điều 35 Luật Hôn nhân và gia đình năm 2014:"
    )
    # the khoản's lead-in and the điểm, verbatim, not the whole article
    assert first.text.startswith("2. Việc định đoạt tài sản chung phải có")
    assert first.text.endswith("a) Bất động sản;")
    assert "Động sản" not in first.text and "[1]" in ans.answer
    assert GENERAL_NOTE not in ans.answer


def test_list_article_keeps_its_lead_in_and_personal_cases_get_a_note() -> None:
    results = _results(PCMT, "Luật Phòng, chống ma túy", 2021, "pcmt")
    q = (
        "Em trai tôi 19 tuổi đang cai nghiện ma túy tự nguyện thì bị phát hiện sử dụng trái "
        "phép chất ma túy, có bị đưa vào cơ sở cai nghiện bắt buộc không?"
    )
    ans = answer_legal(q, results)
    c = ans.citations[0]
    assert c.location.endswith("Điều 32 › khoản 2")
    assert c.text.startswith("Người nghiện ma túy từ đủ 18 tuổi")
    assert c.text.endswith("bị phát hiện sử dụng trái phép chất ma túy;")
    assert "1. Không đăng ký" not in c.text
    assert is_personal(q) and ans.answer.endswith(GENERAL_NOTE)
    assert not is_personal("Quyền của trẻ em được quy định thế nào?")
    # typed without diacritics: the same question gets the note too
    unaccented = answer_legal(fold(q), results)
    assert not unaccented.refused and unaccented.answer.endswith(GENERAL_NOTE)


@pytest.mark.parametrize(
    ("question", "personal"),
    [
        ("con gai toi bi chong danh thi bo me co duoc dung ra yeu cau khong", True),
        ("toi 17 tuoi co duoc lay vo khong", True),
        ("ly hon roi thi toi con phai gui tien nuoi con khong", True),
        ("nha minh o tro thi dang ky tam tru o dau", True),
        ("vo toi bi chong danh", True),
        ("me toi mat de lai can nha", True),
        ("toi da ket hon 3 nam", True),
        ("cong ty toi no luong 3 thang", True),
        ("la toi gi", False),
        ("toi nay co phai khai bao tam tru khong", False),
        ("di toi co quan nao de nop ho so", False),
        ("tam tru toi da 2 nam", False),
        # "tội", "tối đa", "tới" typed without accents are not the asker
        ("nguoi pham toi co bi tuoc quyen bau cu khong", False),
        ("toi danh nao bi phat nang nhat", False),
        ("dang ky tam tru duoc toi da bao lau", False),
        ("ket toi oan thi duoc boi thuong khong", False),
        ("den toi ngay 1/7 luat moi co hieu luc", False),
        ("tre em len mang co nhung quyen gi", False),
    ],
)
def test_own_case_typed_without_diacritics(question: str, personal: bool) -> None:
    assert is_personal(question) is personal


ANM = [
    "Điều 43. Hiệu lực thi hành",
    "1. Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2019.",
    "2. Hệ thống thông tin đang vận hành được đưa vào Danh mục hệ thống thông tin quan trọng "
    "về an ninh quốc gia thì trong thời hạn 12 tháng kể từ ngày Luật này có hiệu lực, chủ "
    "quản hệ thống thông tin có trách nhiệm bảo đảm đủ điều kiện an ninh mạng.",
    "Luật này được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XIV, kỳ họp thứ 5 "
    "thông qua ngày 12 tháng 6 năm 2018.",
    "CHỦ TỊCH QUỐC HỘI",
    "(Đã ký)",
]


def test_the_law_named_in_the_question_does_not_pick_the_khoan() -> None:
    results = _results(ANM, "Luật An ninh mạng", 2018, "anm")
    for q in (
        "Luật An ninh mạng năm 2018 có hiệu lực từ ngày nào?",
        "luat an ninh mang 2018 co hieu luc tu ngay nao",
    ):
        ans = answer_legal(q, results)
        assert not ans.refused, q
        assert ans.citations[0].location == "Luật An ninh mạng 2018 › Điều 43 › khoản 1", q
        assert ans.citations[0].text == (
            "1. Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2019."
        )
    # the closing formula is no part of the last khoản
    assert "thông qua" not in results[0].chunk.text and "(Đã ký)" not in results[0].chunk.text
    assert without_law_name("Theo Luật An ninh mạng năm 2018, ai?", "Luật An ninh mạng") == (
        "theo , ai?"
    )


def test_refuses_when_no_article_governs_the_question() -> None:
    results = _results(PCMT, "Luật Phòng, chống ma túy", 2021, "pcmt")
    ans = answer_legal("Thời tiết Hà Nội ngày mai thế nào?", results)
    assert ans.refused and not ans.citations and "chưa có quy định" in ans.answer
    assert answer_legal("Ai chủ trì?", []).refused


def test_support_by_similarity_when_the_model_is_calibrated() -> None:
    """With ``min_similarity`` the retrieved articles' similarities decide support, not
    wording: an everyday question sharing few of the article's words is answered when the
    closest of the first articles is similar enough, refused (and why) when none is; a
    ranking without similarities falls back to the wording check."""
    q = "Nghiện ngập mà không chịu đi cai thì có bị bắt đi cai không?"
    results = _results(PCMT, "Luật Phòng, chống ma túy", 2021, "pcmt")
    assert answer_legal(q, results).refused  # too few of the article's words
    for r, sim in zip(results, (0.91, 0.80), strict=False):
        r.dense_score = sim
    ans = answer_legal(q, results, min_similarity=0.88)
    assert not ans.refused and ans.citations[0].location.startswith("Luật Phòng, chống ma túy")
    assert ans.context["support"].startswith("closest article similarity 0.910 (needs 0.88")
    low = answer_legal(q, results, min_similarity=0.95)
    assert low.refused and not low.citations
    assert low.context["support"].startswith("refused: closest article similarity 0.910")
    # an article without a similarity (returned by the lexical ranking only) is judged by
    # its wording alone, whatever the other results carry
    covered = "Người nghiện ma túy từ đủ 18 tuổi có bị đưa vào cơ sở cai nghiện bắt buộc?"
    for r in results:
        r.dense_score = None
    alone = answer_legal(covered, results, min_similarity=0.88)
    assert not alone.refused and alone.context["support"].startswith("no similarity")
    other = _results(HNGD, "Luật Hôn nhân và gia đình", 2014, "hngd")[0]
    other.dense_score = 0.80
    mixed = answer_legal(covered, [*results, other], min_similarity=0.88)
    assert not mixed.refused and mixed.citations[0].location == alone.citations[0].location
    assert answer_legal(q, results, min_similarity=0.88).refused


def test_bm25_fusion_and_metrics() -> None:
    docs = [
        lexical_terms("nơi cư trú của người chưa thành niên"),
        lexical_terms("đăng ký thường trú"),
        lexical_terms("tài sản chung của vợ chồng"),
    ]
    bm = BM25(docs)
    s = bm.scores(lexical_terms("cư trú của người chưa thành niên"))
    assert int(np.argmax(s)) == 0 and s[2] < s[0]
    dense = np.array([0.1, 0.9, 0.2], dtype=np.float32)
    only_dense = fuse(s, dense, FusionParams(dense_weight=1.0, lexical_weight=0.0))
    assert int(np.argmax(only_dense)) == 1
    both = fuse(s, dense, FusionParams(dense_weight=0.5, lexical_weight=1.0, rrf_k=10))
    assert int(np.argmax(both)) == 0
    m = question_metrics([("L", "2"), ("L", "1")], [("L", "1")])
    assert m["hit@1"] == 0.0 and m["hit@5"] == 1.0 and m["mrr@10"] == 0.5 and m["f2"] == 0.0
    m = question_metrics([("L", "1")], [("L", "1"), ("L", "3")])
    # P = 1, R = 1/2 → F2 = 5·0.5/(4+0.5)
    assert m["hit@1"] == 1.0 and abs(m["f2"] - 2.5 / 4.5) < 1e-9
    lo, hi = bootstrap([1.0, 0.0] * 50)
    assert lo < 0.5 < hi
    assert split_of("Câu hỏi") == split_of("Câu  hỏi".replace("  ", " "))
    assert {split_of(f"câu {i}") for i in range(20)} == {"dev", "test"}


def test_answer_figures_count_citing_and_refused_answers() -> None:
    rows = [
        {"cites_relevant": True, "first_cites_relevant": True, "refused": False},
        {"cites_relevant": True, "first_cites_relevant": False, "refused": False},
        {"cites_relevant": False, "first_cites_relevant": False, "refused": True},
        {"cites_relevant": False, "first_cites_relevant": False, "refused": False},
    ]
    f = answer_figures(rows)
    assert (f["n"], f["cites_relevant"], f["first_cites_relevant"]) == (4, 0.5, 0.25)
    assert f["refusal_rate"] == 0.25
    lo, hi = f["cites_relevant_ci"]
    assert 0.0 <= lo <= 0.5 <= hi <= 1.0
    assert answer_figures([])["n"] == 0 and answer_figures([])["cites_relevant"] == 0.0


def test_a_multiple_choice_question_is_not_refused_for_its_other_options() -> None:
    """The options are alternatives: the governing article holds one of them. Counting
    all four dates against it would refuse a question the library answers."""
    from troly.legal_answer import MIN_OVERLAP, _coverage, _terms, question_coverage

    law = [
        "Điều 43. Hiệu lực thi hành",
        "1. Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2019.",
        "2. Hệ thống thông tin đang vận hành được đưa vào Danh mục trong thời hạn 12 tháng.",
    ]
    results = _results(law, "Luật An ninh mạng", 2018, "anm")
    q = (
        "Luật này có hiệu lực thi hành từ ngày nào?\n"
        "A. 01/01/2018\nB. 01/7/2018\nC. 01/01/2019\nD. 01/7/2019"
    )
    text = results[0].chunk.text
    assert _coverage(_terms(q), text) < MIN_OVERLAP  # the old check: all options counted
    assert question_coverage(q, text) >= MIN_OVERLAP
    ans = answer_legal(q, results)
    assert not ans.refused and "Điều 43" in ans.answer
    # an unrelated article is still refused, options or not
    other = _results(PCMT, "Luật Phòng, chống ma túy", 2021, "pcmt")
    assert answer_legal(q, other).refused
    # without options, the whole question counts as before
    plain = "Luật này có hiệu lực thi hành từ ngày nào?"
    assert question_coverage(plain, text) == _coverage(_terms(plain), text)


def test_the_adoption_formula_answers_when_a_law_was_adopted() -> None:
    from troly.legal_answer import adoption_answer

    chunk = _results(ANM, "Luật An ninh mạng", 2018, "anm")[0].chunk
    assert chunk.fields["adopted"].endswith("thông qua ngày 12 tháng 6 năm 2018.")
    ans = adoption_answer("Luật An ninh mạng được Quốc hội thông qua vào ngày nào?", chunk)
    assert ans is not None and not ans.refused
    assert ans.citations[0].location == "Luật An ninh mạng 2018 › Phần ký"
    assert ans.citations[0].text == chunk.fields["adopted"] and "[1]" in ans.answer
    # "thông qua" meaning "through", and other questions, are not adoption questions
    assert adoption_answer("Người dưới 18 tuổi thông qua người đại diện khi nào?", chunk) is None
    assert adoption_answer("Luật An ninh mạng có hiệu lực từ ngày nào?", chunk) is None
    # a law without a closing block carries no formula
    bare = _results(ANM[:3], "Luật An ninh mạng", 2018, "anm")[0].chunk
    assert "adopted" not in bare.fields
    assert adoption_answer("Luật An ninh mạng thông qua ngày nào?", bare) is None
