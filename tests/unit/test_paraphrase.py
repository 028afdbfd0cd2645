"""The paraphrase lexicon: one test per entry (the canonical form is the plans' own
wording, every variant — with and without diacritics — expands to it), plus the file
format and the expansion itself."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS
from troly.paraphrase import Entry, canonical_terms, expand, lexicon, matches, parse_lexicon
from troly.text import fold

pytestmark = pytest.mark.unit

CORPUS_FOLDED = " ".join(fold(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt"))


@pytest.mark.parametrize("entry", lexicon(), ids=lambda e: fold(e.canonical).replace(" ", "_"))
def test_entry(entry: Entry) -> None:
    canon = fold(entry.canonical)
    assert canon in CORPUS_FOLDED, f"canonical form not used by the plans: {entry.canonical}"
    assert entry.folded_variants, f"entry without variants: {entry.canonical}"
    for variant in entry.folded_variants:
        for typed in (f"hỏi về {variant} ở tỉnh", f"hoi ve {fold(variant)} o tinh"):
            got = expand(typed)
            assert got.endswith(canon) or f" . {canon}" in got, (typed, got)


def test_longest_variant_wins_and_canonical_is_not_repeated() -> None:
    assert matches("nộp hồ sơ online ở đâu") == [("nop ho so online", "nop ho so truc tuyen")]
    assert expand("Tỷ lệ hồ sơ trực tuyến") == fold("Tỷ lệ hồ sơ trực tuyến")
    assert "ung" in canonical_terms("app nào cho dân dùng")


def test_colloquial_questions_expand_to_the_plans_wording() -> None:
    assert "nop ho so truc tuyen" in expand("Làm hồ sơ qua mạng được không?")
    assert "nguoi dan truong thanh" in expand("bao nhieu nguoi lon co chu ky so")
    assert "truoc ngay" in expand("hạn chót nộp báo cáo là khi nào")
    assert "ung dung" in expand("có app nào không")


def test_malformed_lexicon_line_is_named() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_lexicon("# comment\ntrực tuyến online\n")
