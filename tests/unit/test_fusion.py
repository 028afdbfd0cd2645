"""Fusion of the dense and lexical rankings (pure logic of troly.retriever.fuse)."""

from __future__ import annotations

from troly.index_store import Hit
from troly.retriever import fuse
from troly.schema import Chunk


def chunk(cid: str, province: str = "Hà Tĩnh", ordinal: int = 0) -> Chunk:
    return Chunk(
        id=cid,
        doc_id="d",
        kind="section",
        text=cid,
        embed_text=cid,
        path="",
        location=cid,
        headings=[],
        province=province,
        year=2024,
        title="",
        ordinal=ordinal,
    )


def hits(*pairs: tuple[str, float]) -> list[Hit]:
    return [Hit(chunk(c, ordinal=i), s) for i, (c, s) in enumerate(pairs)]


def ids(results: list) -> list[str]:
    return [r.chunk.id for r in results]


# The lexical ranking is sure of "a" (far ahead), the dense one mildly prefers "b".
DENSE = hits(("b", 0.86), ("c", 0.85), ("a", 0.84), ("d", 0.70), ("e", 0.60))
LEXICAL = hits(("a", 30.0), ("b", 6.0), ("c", 5.0), ("d", 1.0))


def test_rrf_ranks_by_consensus_and_forgets_margins():
    out = fuse(DENSE, LEXICAL, 1.0, 1.0, 60)
    # b: 1/61 + 1/62 beats a: 1/63 + 1/61 although lexical puts a far ahead
    assert ids(out)[:3] == ["b", "a", "c"]
    assert [r.rank for r in out] == [1, 2, 3, 4, 5]
    assert out[0].dense_rank == 1 and out[0].lexical_rank == 2


def test_convex_keeps_how_far_ahead_the_first_candidate_is():
    out = fuse(DENSE, LEXICAL, 1.0, 1.0, 60, method="convex")
    assert ids(out)[0] == "a"
    # with the lexical ranking switched off, the dense order comes back
    assert ids(fuse(DENSE, LEXICAL, 1.0, 0.0, 60, method="convex")) == ["b", "c", "a", "d", "e"]


def test_convex_keeps_a_candidate_of_one_ranking_and_equal_scores():
    out = fuse(hits(("x", 0.5)), hits(("y", 2.0), ("z", 2.0)), 1.0, 1.0, 60, method="convex")
    assert set(ids(out)) == {"x", "y", "z"}
    assert all(r.score > 0 for r in out)
    # a zero weight drops a ranking's candidates entirely
    assert ids(fuse(hits(("x", 0.5)), hits(("y", 2.0)), 0.0, 1.0, 60, method="convex")) == ["y"]


def test_boosted_province_comes_first_whatever_the_method():
    dense = [Hit(chunk("p1", "Phú Yên"), 0.9), Hit(chunk("h1", "Hà Tĩnh"), 0.1)]
    lexical = [Hit(chunk("p1", "Phú Yên"), 9.0), Hit(chunk("h1", "Hà Tĩnh"), 1.0)]
    for method in ("rrf", "convex"):
        out = fuse(dense, lexical, 1.0, 1.0, 60, {"Hà Tĩnh"}, method=method)
        assert ids(out) == ["h1", "p1"], method
