from __future__ import annotations

from pathlib import Path

import pytest

from troly.diacritics import DiacriticRestorer, seed_text
from troly.text import fold

pytestmark = pytest.mark.unit

CORPUS = Path(__file__).resolve().parents[2] / "ingest" / "corpus"


@pytest.fixture(scope="module")
def restorer() -> DiacriticRestorer:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    return DiacriticRestorer(texts)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "ai chu tri ke hoach kiem soat tthc o phu yen",
            "ai chủ trì kế hoạch kiểm soát tthc ở phú yên",
        ),
        ("So Noi vu co trach nhiem gi", "Sở Nội vụ có trách nhiệm gì"),
        ("ty le hai long la bao nhieu", "tỷ lệ hài lòng là bao nhiêu"),
        ("dich vu cong truc tuyen toan trinh", "dịch vụ công trực tuyến toàn trình"),
    ],
)
def test_restores_questions_typed_without_accents(
    restorer: DiacriticRestorer, typed: str, expected: str
) -> None:
    out = restorer.restore(typed)
    assert out == expected
    assert fold(out) == fold(typed)  # only accents change, never the letters


def test_leaves_accented_text_and_unknown_words_alone(restorer: DiacriticRestorer) -> None:
    accented = "Sở Nội vụ co trách nhiệm gi"  # the user chose accents: keep them all
    assert restorer.restore(accented) == accented
    assert restorer.restore("nop ho so online") == "nộp hồ sơ online"
    assert restorer.restore("") == ""


def test_seed_gives_question_words_and_all_provinces() -> None:
    r = DiacriticRestorer([])
    assert r.restore("bao nhieu") == "bao nhiêu"
    assert r.restore("tinh khanh hoa") == "tỉnh khánh hòa"
    assert any("Cà Mau" in line for line in seed_text())


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # two letters swapped, a letter dropped: the syllable cannot be Vietnamese
        ("Sở Tài chíhn Phú Yên chủ trì", "Sở Tài chính Phú Yên chủ trì"),
        ("mức độ hài lòg của người dân", "mức độ hài lòng của người dân"),
        ("Trung tâm Phục vụ hành chíhn công", "Trung tâm Phục vụ hành chính công"),
        # well-formed syllables stay, even when the plans never use them
        ("lần lượt được ban hành ngày nào", "lần lượt được ban hành ngày nào"),
        ("Vậy còn Sở Tư pháp?", "Vậy còn Sở Tư pháp?"),
        # a slip a letter away from nothing with the accents typed: left as typed
        ("bên nhà chồgx", "bên nhà chồgx"),
        # unaccented words and English are never touched
        ("Sở TT&TT dùng app online, MobiEdu, hopj", "Sở TT&TT dùng app online, MobiEdu, hopj"),
        # all-capital abbreviations and words with Đ, loanwords of two vowel groups and
        # names with an initial no syllable has are not slips
        (
            "Chi cục TĐC, bao nhiêu triệu VNĐ, SỞ TÀI CHÍHN",
            "Chi cục TĐC, bao nhiêu triệu VNĐ, SỞ TÀI CHÍHN",
        ),
        ("xe ôtô, canô ở huyện Krông Pa, Cư Jút", "xe ôtô, canô ở huyện Krông Pa, Cư Jút"),
    ],
)
def test_mends_typing_slips_in_accented_syllables(
    restorer: DiacriticRestorer, typed: str, expected: str
) -> None:
    assert restorer.correct(typed) == expected
