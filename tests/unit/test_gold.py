"""The gold set validator: the real eval/gold.jsonl passes; broken inline items fail with
a message that names the item and the problem."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, DOC_IDS, ROOT
from troly.evaluation.gold import (
    GoldItem,
    coverage,
    fact_tokens,
    load_gold,
    validate_gold,
)

pytestmark = pytest.mark.unit

GOLD = ROOT / "eval" / "gold.jsonl"


def test_real_gold_file_is_valid() -> None:
    report = validate_gold(GOLD, CORPUS)
    assert report.ok, str(report)
    c = report.counts
    assert c["items"] >= 200
    assert set(c["per_document"]) == set(DOC_IDS)
    assert c["share"]["table_row"] >= 0.25
    assert c["share"]["unaccented"] >= 0.15
    assert c["share"]["unanswerable"] >= 0.10
    assert c["share"]["citizen"] >= 0.25
    assert c["types"]["comparison"] >= 10 and c["types"]["list"] >= 10


def test_load_gold_items() -> None:
    items = load_gold(GOLD)
    assert len({i.id for i in items}) == len(items)
    followups = [i for i in items if i.is_followup]
    assert followups and all(isinstance(h, str) for i in followups for h in i.history)
    assert load_gold(GOLD, limit=5) == items[:5]
    first = items[0]
    assert GoldItem.from_dict(first.to_dict()) == first


# -- inline fixtures ---------------------------------------------------------------------------
DOC_A = (
    "KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH\n"
    "1. Mức độ hài lòng của người dân đạt trên 90% trong năm 2024.\n"
    "2. Sở Nội vụ chủ trì tổng hợp báo cáo\thàng quý\n"
)
DOC_B = "Kế hoạch của tỉnh B\nSở Tư pháp rà soát văn bản quy phạm pháp luật trong Quý I/2024.\n"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "doc-a.txt").write_text(DOC_A, encoding="utf-8")
    (tmp_path / "doc-b.txt").write_text(DOC_B, encoding="utf-8")
    return tmp_path


def good_item(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": "t001",
        "question": "Mức độ hài lòng của người dân đạt bao nhiêu?",
        "type": "section",
        "persona": "citizen",
        "answerable": True,
        "accented": True,
        "doc_ids": ["doc-a"],
        "evidence": ["Mức độ hài lòng của người dân đạt trên 90%"],
        "locations": ["1"],
        "facts": ["trên 90%"],
    }
    d.update(over)
    return d


def errors(rows: list[dict[str, Any]], corpus: Path) -> list[str]:
    return validate_gold(rows, corpus, check_coverage=False).errors


def test_good_inline_item_passes(corpus: Path) -> None:
    assert errors([good_item()], corpus) == []
    unaccented = good_item(
        id="t002", question="muc do hai long dat bao nhieu", accented=False, persona="citizen"
    )
    refusal = good_item(
        id="t003",
        type="unanswerable",
        answerable=False,
        doc_ids=[],
        evidence=[],
        locations=[],
        facts=[],
    )
    comparison = good_item(
        id="t004",
        type="comparison",
        doc_ids=["doc-a", "doc-b"],
        evidence=["Sở Nội vụ chủ trì tổng hợp báo cáo", "Sở Tư pháp rà soát văn bản"],
        locations=["2", "1"],
        facts=["Sở Nội vụ", "Sở Tư pháp"],
        history=["Câu hỏi trước?"],
    )
    assert errors([unaccented, refusal, comparison], corpus) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"evidence": ["Mức độ hài lòng của người dân đạt trên 95%"]}, "not found verbatim"),
        # a snippet spanning two lines is not in a single line
        ({"evidence": ["năm 2024.\n2. Sở Nội vụ chủ trì"]}, "not found verbatim"),
        # spanning a tab is fine only if it is in the line; this one crosses the cell
        ({"evidence": ["tổng hợp báo cáo hàng quý"]}, "not found verbatim"),
        ({"evidence": ["quá ngắn"]}, "evidence of 8 chars"),
        ({"doc_ids": ["doc-x"]}, "unknown doc_ids"),
        ({"doc_ids": ["doc-a", "doc-b"]}, "no evidence snippet comes from 'doc-b'"),
        ({"locations": []}, "0 locations for 1 evidence"),
        ({"type": "fact"}, "unknown type"),
        ({"persona": "farmer"}, "unknown persona"),
        ({"answerable": False}, "answerable must be false exactly when"),
        ({"accented": False}, "accented=False"),
        ({"question": "muc do hai long", "accented": True}, "accented=True"),
        ({"facts": ["một hai ba bốn năm sáu bảy"]}, "longer than 6 tokens"),
        ({"facts": ["trên 95%"]}, "fact not copied from the source"),
        ({"evidence": "Mức độ hài lòng của người dân"}, "field 'evidence' must be list"),
        ({"accented": "yes"}, "field 'accented' must be bool"),
        ({"history": []}, "'history' must be a non-empty list"),
        ({"facts": [""]}, "list of non-empty strings"),
    ],
)
def test_bad_items_are_reported(corpus: Path, change: dict[str, Any], message: str) -> None:
    errs = errors([good_item(**change)], corpus)
    assert any(message in e for e in errs), errs
    assert all(e.startswith("t001") for e in errs)


def test_missing_field_and_duplicate_id(corpus: Path) -> None:
    d = good_item()
    del d["facts"]
    errs = errors([d, good_item()], corpus)
    assert any("missing field 'facts'" in e for e in errs)
    assert any("duplicate id" in e for e in errs)


def test_unanswerable_with_evidence_fails(corpus: Path) -> None:
    d = good_item(type="unanswerable", answerable=False)
    errs = errors([d], corpus)
    assert any("unanswerable item must have empty 'evidence'" in e for e in errs)


def test_list_count_fact_is_not_checked_against_source(corpus: Path) -> None:
    d = good_item(type="list", facts=["7", "trên 90%"])
    assert errors([d], corpus) == []
    assert any("fact not copied" in e for e in errors([good_item(facts=["7"])], corpus))


def test_fact_tokens_ignore_lone_dash() -> None:
    assert len(fact_tokens("Đài Phát thanh - Truyền hình tỉnh")) == 6


def test_coverage_rules(corpus: Path) -> None:
    rows = [good_item(id=f"t{n:03d}") for n in range(12)]
    report = validate_gold(rows, corpus)
    text = "\n".join(report.errors)
    for expected in (
        "documents without any question: ['doc-b']",
        "table_row is 0.0%",
        "unaccented is 0.0%",
        "unanswerable is 0.0%",
        "0 'comparison' items",
        "0 'list' items",
    ):
        assert expected in text, text
    assert "citizen" not in text  # all twelve are citizen questions
    assert coverage(rows)["share"]["citizen"] == 1.0


def test_validate_gold_reads_a_file(corpus: Path, tmp_path: Path) -> None:
    bad = copy.deepcopy(good_item(evidence=["không có trong văn bản này đâu"]))
    path = tmp_path / "gold.jsonl"
    path.write_text(
        json.dumps(good_item(id="t000"), ensure_ascii=False) + "\n\n" + json.dumps(bad) + "\n",
        encoding="utf-8",
    )
    report = validate_gold(path, corpus, check_coverage=False)
    assert not report.ok and len(report.errors) == 1
    assert "t001 (line 3)" in report.errors[0]
    assert "1 problem(s)" in str(report)


def test_split_is_fixed_by_the_id_and_recorded_in_the_gold_file() -> None:
    from troly.evaluation.gold import SPLITS, load_gold, select_split, split_of

    assert split_of("g001") == split_of("g001")
    items = load_gold(ROOT / "eval" / "gold.jsonl")
    assert all(i.split in SPLITS and i.split == split_of(i.id) for i in items)
    dev, test = select_split(items, "dev"), select_split(items, "test")
    assert len(dev) + len(test) == len(items)
    assert 0.35 < len(dev) / len(items) < 0.65
    assert {i.id for i in dev}.isdisjoint({i.id for i in test})
    with pytest.raises(ValueError):
        select_split(items, "train")


def test_validator_rejects_a_split_that_does_not_match_the_id() -> None:
    from troly.evaluation.gold import split_of, validate_gold

    row = json.loads((ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()[0])
    row["split"] = "test" if split_of(row["id"]) == "dev" else "dev"
    report = validate_gold([row], ROOT / "ingest" / "corpus", check_coverage=False)
    assert any("'split'" in e for e in report.errors)


FRESH_SETS = (
    "gold_fresh.jsonl",
    "gold_fresh2.jsonl",
    "gold_fresh3.jsonl",
    "gold_fresh4.jsonl",
    "gold_fresh5.jsonl",
    "gold_fresh6.jsonl",
)


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("gold_fresh.jsonl", "f"),
        ("gold_fresh2.jsonl", "r"),
        ("gold_fresh3.jsonl", "t"),
        ("gold_fresh4.jsonl", "u"),
        ("gold_fresh5.jsonl", "v"),
        ("gold_fresh6.jsonl", "w"),
    ],
)
def test_fresh_sets_are_valid_split_by_id_and_apart(name: str, prefix: str) -> None:
    from troly.evaluation.gold import load_gold, split_of

    path = ROOT / "eval" / name
    report = validate_gold(path, CORPUS)
    assert report.ok, str(report)
    items = load_gold(path)
    assert len(items) == 120 and all(i.id.startswith(prefix) for i in items)
    assert all(i.split == split_of(i.id) for i in items)
    others = load_gold(GOLD) + [
        i for other in FRESH_SETS if other != name for i in load_gold(ROOT / "eval" / other)
    ]
    assert not {i.id for i in items} & {i.id for i in others}
