"""Draft review on the real stack: the labelled set (precision/recall thresholds), the
audit of the five bundled plans, a whole draft fixture, and the CLI/API/UI shells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import DATA
from troly.review import Reviewer, ReviewReport, docx_available
from troly.review.evaluation import evaluate, load_set

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REVIEW_SET = ROOT / "eval" / "review_set.jsonl"
DRAFT = DATA / "review_draft_ha_tinh_2026.txt"


@pytest.fixture(scope="module")
def reviewer(services: Any) -> Reviewer:
    return Reviewer(services)


@pytest.fixture(scope="module")
def audits(reviewer: Reviewer) -> dict[str, ReviewReport]:
    return {r.doc_id: r for r in reviewer.audit_all()}


@pytest.fixture(scope="module")
def draft_report(reviewer: Reviewer) -> ReviewReport:
    return reviewer.review(DRAFT)


# --------------------------------------------------------------------------- labelled set


def test_review_set_shape() -> None:
    rows = load_set(REVIEW_SET)
    labels = [r["label"] for r in rows]
    assert len(rows) >= 40
    assert min(labels.count(k) for k in ("duplicate", "contradiction", "clean")) >= 10
    contra = [r for r in rows if r["label"] == "contradiction"]
    assert {r["field"] for r in contra} == {"lead", "deadline", "value"}
    assert all(r["doc_id"] and r["location"] for r in rows if r["label"] != "clean")


def test_labelled_set_precision_recall(reviewer: Reviewer) -> None:
    result = evaluate(reviewer, load_set(REVIEW_SET), scope="province")
    report = result.to_text()
    for kind in ("contradiction", "duplicate"):
        assert result.precision(kind) >= 0.85, report
        assert result.recall(kind) >= 0.85, report
    cited, flagged = result.rate("cited_source")
    named, contradictions = result.rate("named_field")
    assert cited >= 0.9 * flagged, report
    assert named >= 0.9 * contradictions, report


# --------------------------------------------------------------------------- audit


def test_audit_binh_phuoc_two_items_numbered_8(audits: dict[str, ReviewReport]) -> None:
    found = audits["binh-phuoc-2024"].of_kind("duplicate_numbering")
    assert len(found) == 1
    f = found[0]
    assert f.draft.location == "II.8 (#2)" and f.citations[0].location == "II.8"
    assert "«8.»" in f.explanation
    assert "100% văn bản, hồ sơ công việc" in f.draft.text
    assert "tài sản công" in f.citations[0].text


def test_audit_quang_ngai_two_sections_7(audits: dict[str, ReviewReport]) -> None:
    found = audits["quang-ngai-2024"].of_kind("duplicate_numbering")
    assert [(f.draft.location, f.citations[0].location) for f in found] == [("II.7 (#2)", "II.7")]
    assert "Công tác chỉ đạo, điều hành" in found[0].draft.text


def test_audit_phu_yen_issue_date(audits: dict[str, ReviewReport]) -> None:
    found = audits["phu-yen-2024"].of_kind("internal_contradiction")
    dates = [f for f in found if any(d.field == "issued" for d in f.fields)]
    assert len(dates) == 1
    f = dates[0]
    assert [(d.draft, d.corpus) for d in f.fields if d.field == "issued"] == [
        ("25/12/2023", "15/12/2023")
    ]
    assert "275/KH-UBND ngày 25/12/2023" in f.draft.text and f.draft.location == "Phụ lục"
    assert "15 tháng 12 năm 2023" in f.citations[0].text


def test_audit_ha_tinh_online_payment(audits: dict[str, ReviewReport]) -> None:
    found = [
        f
        for f in audits["ha-tinh-2025"].of_kind("internal_contradiction")
        if "thanh toán" in f.draft_excerpt
    ]
    assert len(found) == 1
    f = found[0]
    assert f.draft.location == "II.3.2"
    assert f.citations[0].location.endswith("III. CẢI CÁCH THỦ TỤC HÀNH CHÍNH › Nhiệm vụ 2.8")
    assert [(d.draft, d.corpus) for d in f.fields] == [("≥ 60%", "≥ 70%")]
    # the 80% of the same appendix sentence is another indicator: said, not compared
    assert "80%" in f.explanation and "chỉ tiêu khác" in f.explanation
    assert "trong số đó" in f.explanation


def test_audit_has_no_spurious_contradictions(audits: dict[str, ReviewReport]) -> None:
    assert audits["phu-tho-2021"].findings == []
    for doc in ("quang-ngai-2024", "binh-phuoc-2024"):
        assert audits[doc].of_kind("internal_contradiction") == [], doc
    assert len(audits["phu-yen-2024"].of_kind("internal_contradiction")) == 1
    assert len(audits["ha-tinh-2025"].of_kind("internal_contradiction")) == 1


# --------------------------------------------------------------------------- whole draft


def _where(report: ReviewReport, kind: str) -> set[str]:
    return {f.draft.location for f in report.of_kind(kind)}


def test_draft_fixture_findings(draft_report: ReviewReport) -> None:
    r = draft_report
    assert r.province == "Hà Tĩnh" and r.year == 2026 and r.compared_with == ["ha-tinh-2025"]
    contra = r.of_kind("contradiction")
    satisfaction = [f for f in contra if f.draft.location == "II.1"]
    assert satisfaction and [(d.draft, d.corpus) for d in satisfaction[0].fields] == [
        ("≥ 90%", "≥ 95%")
    ]
    assert {c.location for c in satisfaction[0].citations} >= {"II.3.4"}
    lead = [f for f in contra if f.draft.location.endswith("STT 2")]
    assert lead and lead[0].citations[0].location.endswith("Nhiệm vụ 2.4")
    assert {d.field for d in lead[0].fields if d.grade == "contradiction"} == {"lead"}
    internal = r.of_kind("internal_contradiction")
    assert any([(d.draft, d.corpus) for d in f.fields] == [("≥ 75%", "≥ 80%")] for f in internal)
    assert any(d.field == "issued" for f in internal for d in f.fields)
    assert _where(r, "duplicate_numbering") == {"II.3 (#2)"}
    assert {"I.2", "II.2"} <= _where(r, "duplicate")
    # new items are clean; the plan carried into 2026 keeps its deadline (year shift)
    flagged = {f.draft.location for f in r.findings}
    assert not flagged & {"III.1", "III.2"}
    assert not any(loc.endswith("STT 4") for loc in flagged)
    stt1 = [f for f in r.findings if f.draft.location.endswith("STT 1")]
    assert all(d.field != "deadline" for f in stt1 for d in f.fields)


def test_draft_report_order_and_json(draft_report: ReviewReport) -> None:
    ranks = {"contradiction": 0, "duplicate": 1, "note": 2}
    sev = [ranks[f.severity] for f in draft_report.findings]
    assert sev == sorted(sev)
    data = json.loads(json.dumps(draft_report.to_dict(), ensure_ascii=False))
    f = data["findings"][0]
    assert {
        "kind",
        "severity",
        "explanation",
        "draft_excerpt",
        "corpus_excerpts",
        "citations",
        "fields",
        "similarity",
    } <= set(f)
    assert {"doc_id", "title", "location", "kind", "text"} <= set(f["citations"][0])
    text = draft_report.to_text()
    assert "RÀ SOÁT DỰ THẢO" in text and "Đối chiếu [ha-tinh-2025 ›" in text


def test_against_restricts_and_clean_snippet(reviewer: Reviewer) -> None:
    snippet = (
        "a) Xây dựng chatbot hỗ trợ tra cứu thủ tục hành chính trên Cổng Dịch vụ công\n"
        "- Cơ quan chủ trì: Sở Thông tin và Truyền thông\n- Thời gian thực hiện: Quý III/2025"
    )
    report = reviewer.review(snippet, against=["phu-yen-2024", "ha-tinh-2025"])
    assert report.compared_with == ["phu-yen-2024", "ha-tinh-2025"]
    assert not report.of_kind("contradiction", "duplicate")


# --------------------------------------------------------------------------- shells


def test_cli_review_and_audit() -> None:
    from troly.review.cli import register

    app = typer.Typer(add_completion=False)

    @app.callback()
    def _root() -> None:
        """troly (test)"""

    register(app)
    runner = CliRunner()
    res = runner.invoke(app, ["review", str(DRAFT), "--json", "--no-index"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["severity_counts"]["contradiction"] >= 3 and data["province"] == "Hà Tĩnh"
    res = runner.invoke(app, ["audit", "ha-tinh-2025"])
    assert res.exit_code == 0 and "60%" in res.stdout and "70%" in res.stdout


def test_api_review(services: Any) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from troly.api.routes.review import router

    app = FastAPI()
    app.include_router(router)
    app.state.services = services
    client = TestClient(app)

    r = client.post(
        "/api/v1/review",
        json={
            "text": "Mức độ hài lòng của người dân, doanh nghiệp về giải quyết TTHC đạt từ 90% "
            "trở lên.",
            "province": "Hà Tĩnh",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"] == {"contradiction": 1}
    assert body["findings"][0]["fields"][0]["corpus"] == "≥ 95%"

    r = client.post(
        "/api/v1/review",
        files={"file": ("du-thao.txt", DRAFT.read_bytes(), "text/plain")},
        data={"against": "ha-tinh-2025"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["compared_with"] == ["ha-tinh-2025"]

    assert client.post("/api/v1/review", json={"text": " "}).status_code == 422
    assert client.post("/api/v1/review", json={"text": "x", "against": ["nope"]}).status_code == 422
    r = client.post("/api/v1/review", files={"file": ("d.pdf", b"%PDF", "application/pdf")})
    assert r.status_code == 422 and "corrupt" in r.json()["detail"]  # read, found corrupt
    r = client.post("/api/v1/review", files={"file": ("d.png", b"\x89PNG\r\n\x1a\n", "x")})
    assert r.status_code == 415
    if not docx_available():
        r = client.post("/api/v1/review", files={"file": ("d.docx", b"PK\x03\x04", "x")})
        assert r.status_code == 415 and "python-docx" in r.json()["detail"]


def test_ui_tab(services: Any, reviewer: Reviewer) -> None:
    gr = pytest.importorskip("gradio")
    from troly.ui.review_tab import HEADERS, build_review_tab, make_review_handler

    with gr.Blocks() as demo, gr.Tab("Rà soát dự thảo"):
        build_review_tab(services)
    labels = {getattr(b, "label", None) for b in demo.blocks.values()}
    assert {"Nội dung dự thảo", "Tỉnh của dự thảo", "Kết quả rà soát"} <= labels

    handler = make_review_handler(lambda: reviewer)
    summary, rows, raw = handler("", str(DRAFT), "Hà Tĩnh", [])
    assert "mâu thuẫn" in summary and rows and len(rows[0]) == len(HEADERS)
    assert rows[0][0] == "Mâu thuẫn" and raw["province"] == "Hà Tĩnh"
    summary, rows, raw = handler("", None, None, None)
    assert summary.startswith("⚠") and rows == [] and raw == {}
