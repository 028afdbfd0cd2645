"""Best-passage scoring of articles and the re-ranking of article candidates."""

from __future__ import annotations

import pytest

from troly.passages import (
    BM25,
    PassageIndex,
    drop_form_words,
    law_label_of,
    passages_of,
    rerank_articles,
    syllable_terms,
)
from troly.schema import Chunk, SearchResult

pytestmark = pytest.mark.unit

# a long article whose one khoản answers the question, among khoản about other things
LONG = "\n".join(
    [
        "Điều 7. Các hành vi bị nghiêm cấm",
        "1. Cản trở công dân thực hiện quyền tự do cư trú.",
        "2. Lạm dụng việc sử dụng thông tin về nơi thường trú để hạn chế quyền của công dân.",
        "3. Đưa, môi giới, nhận hối lộ trong việc đăng ký, quản lý cư trú.",
        "4. Không tiếp nhận, trì hoãn việc tiếp nhận hồ sơ, giấy tờ, tài liệu.",
        "5. Làm giả giấy tờ, tài liệu, dữ liệu về cư trú; sử dụng giấy tờ giả.",
        "6. Thuê, cho thuê, mượn, cho mượn, cầm cố, nhận cầm cố giấy tờ về cư trú.",
        "7. Tự ý thay đổi, sửa chữa nội dung giấy tờ đã cấp cho công dân.",
        "8. Tổ chức, kích động, xúi giục, lôi kéo, dụ dỗ người khác vi phạm pháp luật.",
        "9. Truy nhập, khai thác, hủy hoại, làm cản trở hoạt động của cơ sở dữ liệu.",
        "10. Cung cấp trái phép thông tin trong cơ sở dữ liệu về cư trú.",
    ]
)
# a short article that shares some of the question's words, none of its subject
SHORT = "Điều 3. Nguyên tắc cư trú\nViệc cư trú của công dân được bảo đảm theo quy định."

QUESTION = "Cho thuê, cầm cố giấy tờ về cư trú có bị cấm không?"


def test_passages_carry_the_law_and_the_article_heading() -> None:
    ps = passages_of("Luật Cư trú 2020", SHORT)
    assert ps == [f"Luật Cư trú 2020\nĐiều 3. Nguyên tắc cư trú\n{SHORT.split(chr(10))[1]}"]
    # an article of one line is its own passage (its heading once); an empty one has none
    assert passages_of("L", "Điều 9. (Bãi bỏ)") == ["L\nĐiều 9. (Bãi bỏ)"]
    assert passages_of("L", " \n") == []


def test_law_label_comes_from_the_citation_path() -> None:
    chunk = Chunk(
        id="x", doc_id="luat-cu-tru-2020", kind="article", text="", embed_text="",
        path="Điều 12", location="Luật Cư trú 2020 › Điều 12 › khoản 2", headings=[],
        province="", year=2020, title="Luật Cư trú",
    )  # fmt: skip
    assert law_label_of(chunk) == "Luật Cư trú 2020"


def test_form_words_are_dropped_not_the_subject() -> None:
    terms = drop_form_words(syllable_terms("Trường hợp nào sau đây được cư trú, đúng hay sai?"))
    assert "cư" in terms and "cư_trú" in terms
    assert "nào" not in terms and "đúng_hay" not in terms and "sau_đây" not in terms
    assert "được" in terms  # not a word of the question's form


def test_an_article_scores_as_its_best_khoan_not_diluted_by_the_others() -> None:
    lines = LONG.split("\n")
    only_the_khoan = "\n".join([lines[0], lines[6]])  # heading + khoản 6
    idx = PassageIndex(
        [
            ("long", "Luật Cư trú 2020", LONG),
            ("khoan6", "Luật Cư trú 2020", only_the_khoan),
            ("short", "Luật Cư trú 2020", SHORT),
        ]
    )
    best = idx.score_map(QUESTION)
    # ten other khoản do not lower the long article's score: it is its best line's
    assert best["long"] == pytest.approx(best["khoan6"])
    assert best["long"] > best["short"] > 0
    # article-level BM25 over the same texts does lower it (the whole article's length)
    whole = BM25([syllable_terms(f"Luật Cư trú 2020\n{t}") for t in (LONG, only_the_khoan)])
    q = drop_form_words(syllable_terms(QUESTION))
    assert whole.scores(q)[0] < whole.scores(q)[1]


def test_scoring_only_the_candidates_gives_the_same_scores() -> None:
    idx = PassageIndex(
        [("long", "Luật Cư trú 2020", LONG), ("short", "Luật Cư trú 2020", SHORT), ("e", "L", "")]
    )
    for q in (QUESTION, "cho thue cam co giay to ve cu tru", "nơi cư trú"):
        every = idx.score_map(q)
        some = idx.score_map(q, ["short", "plan-chunk", "long", "short"])
        assert some.keys() == {"short", "long"}  # unknown ids left out, repeats once
        assert some == pytest.approx({k: every[k] for k in some}, rel=1e-5)
    assert idx.score_map(QUESTION, ["plan-chunk"]) == {}


def test_unaccented_question_matches_folded_and_accents_are_kept_when_typed() -> None:
    idx = PassageIndex([("long", "Luật Cư trú 2020", LONG), ("short", "Luật Cư trú 2020", SHORT)])
    plain = idx.score_map("cho thue cam co giay to ve cu tru co bi cam khong")
    assert plain["long"] > plain["short"] > 0
    # typed with accents, a word counts only with its own accents ("bỏ" is not "bộ"),
    # typed without, it matches either
    bo = PassageIndex([("a", "Bộ luật Dân sự 2015", "Điều 1. Phạm vi\nBộ luật này quy định.")])
    assert bo.score_map("bỏ")["a"] == 0.0 and bo.score_map("bộ")["a"] > 0.0
    assert bo.score_map("bo luat")["a"] > 0.0
    # "Ð" (U+00D0) typed for "Đ" folds to "d" like the library's own text
    assert idx.score_map("\u00d0ieu 7 cam thue giay to")["long"] > 0.0
    assert idx.score_map("cản trở")["long"] > 0.0
    assert PassageIndex([]).score_map("cư trú") == {}


def _result(cid: str, kind: str, dense: float | None) -> SearchResult:
    chunk = Chunk(
        id=cid, doc_id=cid, kind=kind, text="", embed_text="", path="", location=cid,
        headings=[], province="", year=None, title="",
    )  # fmt: skip
    return SearchResult(chunk, 1.0, dense_score=dense)


def test_rerank_reorders_articles_in_their_slots_only() -> None:
    results = [
        _result("a1", "article", 0.90),
        _result("plan", "section", 0.90),
        _result("a2", "article", 0.85),
        _result("a3", "article", None),  # not returned by the dense ranking
    ]
    passage = {"a1": 1.0, "a2": 3.0, "a3": 2.0}
    out = rerank_articles(results, passage, dense_weight=0.3)
    assert [r.chunk.id for r in out] == ["a2", "plan", "a3", "a1"]
    assert [r.rank for r in out] == [1, 2, 3, 4]
    # the dense similarity decides between close passages: a3 lacks it, a1 has the best
    close = {"a1": 2.96, "a2": 3.0, "a3": 2.97}
    dense_first = rerank_articles(results, close, dense_weight=0.3)
    assert [r.chunk.id for r in dense_first] == ["a2", "plan", "a1", "a3"]
    no_dense = rerank_articles(results, close, dense_weight=0.0)
    assert [r.chunk.id for r in no_dense] == ["a2", "plan", "a3", "a1"]


def test_the_fused_score_weighs_in_and_can_keep_the_first_stage_order() -> None:
    results = [
        _result("a1", "article", 0.90),
        _result("a2", "article", 0.85),
        _result("a3", "article", None),
    ]
    for r, score in zip(results, (0.9, 0.5, 0.1), strict=True):
        r.score = score
    passage = {"a1": 1.0, "a2": 3.0, "a3": 2.0}
    assert [r.chunk.id for r in rerank_articles(results, passage, 0.3)] == ["a2", "a3", "a1"]
    # fused: a1 1.0, a2 0.5, a3 0.0 → with weight 2: a1 2.3, a2 2.0, a3 0.5
    kept = rerank_articles(results, passage, 0.3, fused_weight=2.0)
    assert [r.chunk.id for r in kept] == ["a1", "a2", "a3"]


def test_rerank_leaves_fewer_than_two_articles_or_no_passage_signal_alone() -> None:
    results = [_result("plan", "section", 0.9), _result("a1", "article", 0.1)]
    assert rerank_articles(results, {"a1": 5.0}, 0.3) == results
    # no passage signal (nothing matched, or the statistics unreadable): dense and fused
    # alone would overturn the first stage's order, so it stays
    three = [_result("a1", "article", None), _result("a2", "article", 0.9)]
    three[0].score, three[1].score = 1.0, 0.9
    assert rerank_articles(three, {}, 0.3, 0.5) == three
    assert rerank_articles(three, {"a1": 2.0, "a2": 2.0}, 0.3, 0.5) == three


def test_scores_stay_with_the_slots_so_they_still_fall_along_the_list() -> None:
    results = [_result("a1", "article", 0.9), _result("p", "section", None)]
    results += [_result("a2", "article", 0.8), _result("a3", "article", 0.7)]
    for r, score in zip(results, (0.9, 0.8, 0.5, 0.2), strict=True):
        r.score = score
    out = rerank_articles(results, {"a1": 0.0, "a2": 1.0, "a3": 9.0}, 0.3)
    assert [r.chunk.id for r in out] == ["a3", "p", "a1", "a2"]  # a1: the best dense
    assert [r.score for r in out] == [0.9, 0.8, 0.5, 0.2]
    assert [r.score for r in results] == [0.9, 0.8, 0.5, 0.2]  # the input is not changed
