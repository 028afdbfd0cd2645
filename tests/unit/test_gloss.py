"""The English glossary: every entry's Vietnamese is the plans' own wording, phrases are
matched longest first, words without an entry are dropped, numbers kept."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS
from troly.gloss import GENERIC, gloss, glossary, parse_glossary
from troly.text import fold

pytestmark = pytest.mark.unit

CORPUS_FOLDED = " ".join(fold(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt"))
# question words the plans do not use as such; they shape the question, not its topic
QUESTION_WORDS = {"bao nhieu", "truoc ngay nao", "thoi gian nao", "co quan nao chu tri"}


@pytest.mark.parametrize("entry", glossary(), ids=lambda e: "_".join(e[0]))
def test_entry_is_the_plans_wording(entry: tuple[tuple[str, ...], str]) -> None:
    english, vietnamese = entry
    folded = fold(vietnamese).replace(" bao nhieu", "")  # "tỷ lệ bao nhiêu"
    if folded not in QUESTION_WORDS:
        assert folded in CORPUS_FOLDED, f"{' '.join(english)} → {vietnamese}: not in the plans"
    got, used = gloss(" ".join(english))
    assert got == vietnamese  # the longest entry wins ("online" is listed first in the file)
    assert used == (vietnamese not in GENERIC)


def test_a_question_is_read_longest_phrase_first() -> None:
    got, used = gloss(
        "By what date must Binh Phuoc departments send their 2024 administrative reform plans?"
    )
    assert got == "trước ngày nào sở, ban, ngành gửi 2024 cải cách hành chính kế hoạch"
    assert used == 3  # sở, ban, ngành; gửi; cải cách hành chính (not the question words)
    # "department of home affairs" wins over "departments"/"agency"-like shorter entries
    assert gloss("What does the Department of Home Affairs report?")[0] == "Sở Nội vụ báo cáo"
    assert gloss("What is the weather in Hanoi?") == ("", 0)
    # words every plan question has do not make a question about the plans
    assert gloss("What is the weather in Phu Yen province this year?") == ("tỉnh năm", 0)
    assert gloss("What do people's committees report?")[0] == "báo cáo"
    assert gloss("Who chairs the provincial people's committee?")[0] == "UBND tỉnh"
    # a named province is added by the answerer: "province" alone is left out then
    assert gloss("targets of the province's people's committee", True)[0] == (
        "chỉ tiêu Ủy ban nhân dân"
    )
    assert gloss("provincial people's committee plan", True)[0] == "UBND tỉnh kế hoạch"
    # the asking phrase wins over its last word: "who signed" is the signer, not "ký"
    assert gloss("Who signed the decision issuing the plan?") == (
        "người ký quyết định ban hành kế hoạch",
        3,
    )
    assert gloss("What share of records is processed fully online?")[0] == (
        "tỷ lệ hồ sơ giải quyết trực tuyến toàn trình"
    )


def test_malformed_glossary_line_is_named() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_glossary("# comment\nonly one column\n")
