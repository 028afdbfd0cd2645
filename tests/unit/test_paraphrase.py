"""The paraphrase lexicons: one test per entry (the canonical form is the plans' own
wording, or the bundled laws' for the legal lexicon; every variant — with and without
diacritics — expands to it), plus the file format and the expansion itself."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, ROOT
from troly.paraphrase import (
    Entry,
    canonical_terms,
    expand,
    lexicon,
    lexicon_file,
    matches,
    parse_lexicon,
)
from troly.text import fold

pytestmark = pytest.mark.unit

CORPUS_FOLDED = {
    name: " ".join(fold(p.read_text(encoding="utf-8")) for p in folder.glob("*.txt"))
    for name, folder in (
        ("paraphrases.tsv", CORPUS),
        ("legal_paraphrases.tsv", ROOT / "ingest" / "legal"),
    )
}
ENTRIES = [(name, e) for name in CORPUS_FOLDED for e in lexicon_file(name)]


@pytest.mark.parametrize(
    ("name", "entry"), ENTRIES, ids=[fold(e.canonical).replace(" ", "_") for _, e in ENTRIES]
)
def test_entry(name: str, entry: Entry) -> None:
    canon = fold(entry.canonical)
    assert canon in CORPUS_FOLDED[name], f"canonical form not in its corpus: {entry.canonical}"
    assert entry.folded_variants, f"entry without variants: {entry.canonical}"
    for variant in (v for v in entry.variants if fold(v) in entry.folded_variants):
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


def test_both_lexicons_are_read() -> None:
    assert len(lexicon()) == len(ENTRIES)


def test_citizens_words_expand_to_the_laws_wording() -> None:
    assert "ket hon" in expand("17 tuổi lấy vợ được không")
    assert "dang ky thuong tru" in expand("nhap ho khau cho con o dau")
    assert "doi tuong ap dung" in expand("Luật này áp dụng cho ai?")
    # a variant is a phrase of whole words: "vợ tôi" is not "vô tội", "quản lý di sản"
    # is no divorce
    assert expand("vợ tôi muốn ly hôn") == fold("vợ tôi muốn ly hôn")
    assert "ly hon" not in expand("quản lý di sản văn hóa")


@pytest.mark.parametrize(
    "text",
    [
        # typed with diacritics: the words must be the variant's, not their folded twins
        "Cho thuê nhà để thuê lại có được không?",
        "Thông tin gia đình được bảo mật thế nào?",
        "Bị cảm thì có được nghỉ không?",
        "Đào tạo theo đào tạo nghề",
        "Vợ tôi muốn đổi tên",
        "Quản lý di sản văn hóa",
        "Chuyển đổi từ sổ hộ khẩu giấy",
        # typed without them: phrases that no longer have a variant folding into them
        "doi tu so ho khau giay sang dien tu",
        "da nop ho so di chua",
        "cao hon thu nhap binh quan",
        "bat den khi tham gia giao thong",
        "xa hoi thong tin",
    ],
)
def test_common_phrases_do_not_expand(text: str) -> None:
    extra = [canon for _, canon in matches(text)]
    assert not [c for c in extra if c not in ("dang ky thuong tru",)], (text, extra)


def test_an_accented_question_matches_the_variant_as_written() -> None:
    assert "ket hon" in expand("Tôi 17 tuổi lấy vợ được không?")
    assert "ket hon" not in expand("Tôi 17 tuổi lấy võ được không?")
    assert "ket hon" in expand("toi 17 tuoi lay vo duoc khong")
