"""The citizens' legal question set (``eval/legal_citizen.jsonl``) and the figures the
product-path script computes from it: every answerable item's evidence is verbatim in
the article it names, the unanswerable ones name none, splits are the gold set's, and
refusal F1 counts refusing an unanswerable question as the positive class."""

from __future__ import annotations

import json
import sys
from collections import Counter
from functools import cache

import pytest

from tests.conftest import ROOT
from troly.documents.legal import load_library, unit_kind, unit_number, unit_text
from troly.evaluation.gold import split_of

pytestmark = pytest.mark.unit

ITEMS = [
    json.loads(line)
    for line in (ROOT / "eval" / "legal_citizen.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@cache
def articles() -> dict[tuple[str, str], str]:
    out = {}
    for tree in load_library(ROOT / "ingest" / "legal"):
        law = tree.meta.extra["alqac_id"]
        for s in tree.iter_sections():
            if unit_kind(s) == "dieu":
                out[(law, unit_number(s))] = unit_text(s)
    return out


def test_the_set_is_whole_and_ids_are_unique() -> None:
    assert len(ITEMS) == 150
    assert len({i["id"] for i in ITEMS}) == 150
    assert Counter(i["answerable"] for i in ITEMS) == {True: 130, False: 20}
    splits = Counter(split_of(i["id"]) for i in ITEMS)
    assert splits["dev"] > 50 and splits["test"] > 50


@pytest.mark.parametrize("item", [i for i in ITEMS if i["answerable"]], ids=lambda i: i["id"])
def test_evidence_is_verbatim_in_the_named_article(item: dict) -> None:
    for article in item["articles"]:
        assert (item["law"], str(article)) in articles(), item
    assert item["evidence"] in articles()[(item["law"], str(item["articles"][0]))]


def test_unanswerable_items_name_no_law() -> None:
    for item in ITEMS:
        if not item["answerable"]:
            assert item["law"] is None and not item["articles"] and not item["evidence"]


def test_refusal_f1_and_split_of_the_script() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from eval_legal_product import citizen_items, refusal_f1

    # 2 of 3 unanswerable refused, 1 of 4 answerable refused: tp 2, fp 1, fn 1
    assert refusal_f1([True, False, False, False], [True, True, False]) == pytest.approx(2 / 3)
    assert refusal_f1([False], [False]) == 0.0
    items = citizen_items(ROOT / "eval" / "legal_citizen.jsonl", ["Hiến pháp"])
    assert {i["law"] for i in items} == {"Hiến pháp", None}
    assert all(i["split"] == split_of(i["id"]) for i in items)


def test_quoting_the_governing_passage_is_judged_by_the_evidence_start() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from eval_legal_product import passage_summary, quotes_passage

    evidence = (
        "Con dưới 36 tháng tuổi được giao cho mẹ trực tiếp nuôi, trừ trường hợp người mẹ "
        "không đủ điều kiện để trực tiếp trông nom, chăm sóc, nuôi dưỡng, giáo dục con"
    )
    khoan_3 = "3. " + evidence + " hoặc cha mẹ có thỏa thuận khác phù hợp với lợi ích của con."
    khoan_2 = "2. Vợ, chồng thỏa thuận về người trực tiếp nuôi con, nghĩa vụ, quyền của mỗi bên"
    assert quotes_passage([khoan_3], evidence)
    # typed apart (folded, spaces): still the same passage
    typed = "3. con duoi 36 thang  tuoi duoc giao cho me truc tiep nuoi, tru truong hop nguoi me"
    assert quotes_passage([typed], evidence)
    assert not quotes_passage([khoan_2], evidence)
    assert not quotes_passage([], evidence)
    assert not quotes_passage([khoan_3], "")
    rows = [
        {"cites_relevant": True, "quotes_passage": True},
        {"cites_relevant": True, "quotes_passage": False},
        {"cites_relevant": False},
        {"cites_relevant": False},
    ]
    assert passage_summary(rows) == {"of_answerable": 0.25, "of_citing_article": 0.5}
