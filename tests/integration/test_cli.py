"""The `troly` commands through Typer's runner, on a small corpus in a temp folder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tests.conftest import CORPUS
from troly.cli import app
from troly.settings import get_settings

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("phu-tho-2021.txt", "phu-yen-2024.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    (corpus / "manifest.yaml").write_text(
        "documents:\n"
        "  - {id: phu-tho-2021, file: phu-tho-2021.txt, province: Phú Thọ, year: 2021}\n"
        "  - {id: phu-yen-2024, file: phu-yen-2024.txt, province: Phú Yên, year: 2024}\n",
        encoding="utf-8",
    )
    e = {"TROLY_CORPUS_DIR": str(corpus), "TROLY_QDRANT__PATH": str(root / "qdrant")}
    get_settings.cache_clear()
    yield e
    get_settings.cache_clear()


def _run(env: dict[str, str], args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    get_settings.cache_clear()
    res = runner.invoke(app, args, env=env, input=stdin)
    return res.exit_code, res.stdout, res.stderr


def test_search_before_ingest_says_run_ingest(env: dict[str, str]) -> None:
    code, _, err = _run(env, ["search", "chỉ tiêu"])
    assert code == 1 and "troly ingest" in err


def test_ingest_then_search(env: dict[str, str]) -> None:
    code, out, _ = _run(env, ["ingest"])
    assert code == 0, out
    assert "Đã nạp 2 văn bản" in out and "nhiệm vụ" in out
    code, out, _ = _run(env, ["ingest"])
    assert code == 0 and "Đã nạp 0 văn bản (2 không đổi" in out

    code, out, _ = _run(
        env,
        ["search", "ai chu tri ke hoach kiem soat thu tuc hanh chinh phu yen", "-k", "3", "--json"],
    )
    assert code == 0
    data = json.loads(out)
    assert data["question"].startswith("ai chu tri")
    assert len(data["results"]) == 3
    assert set(data["results"][0]) == {"rank", "doc_id", "location", "kind", "text", "score"}
    assert data["results"][0]["doc_id"] == "phu-yen-2024"

    code, out, _ = _run(
        env, ["search", "--batch", "-"], stdin="chỉ tiêu hài lòng\n\nISO 9001:2015\n"
    )
    assert code == 0
    lines = [json.loads(x) for x in out.strip().splitlines()]
    assert [x["question"] for x in lines] == ["chỉ tiêu hài lòng", "ISO 9001:2015"]
    assert all(len(x["results"]) == 10 for x in lines)

    code, _, err = _run(env, ["search", "   "])
    assert code == 2 and "trống" in err


def test_inspect_json_and_outline(env: dict[str, str]) -> None:
    code, out, _ = _run(env, ["inspect", "phu-yen-2024", "--json"])
    assert code == 0
    tree = json.loads(out)
    assert {
        "doc_id",
        "title",
        "province",
        "year",
        "number",
        "issued",
        "signer",
        "sections",
        "tasks",
    } <= set(tree)
    assert tree["number"] == "275/KH-UBND" and tree["signer"] == "Lê Tấn Hồ"
    assert len(tree["tasks"]) == 56
    task_keys = {
        "id",
        "location",
        "group",
        "stt",
        "content",
        "lead",
        "partners",
        "product",
        "deadline",
        "budget",
        "note",
    }
    assert task_keys <= set(tree["tasks"][0])
    code, out, _ = _run(env, ["inspect", "phu-yen-2024"])
    assert code == 0 and "III.2" in out and "Phụ lục › II. Cải cách thể chế › STT 3" in out
    code, _, err = _run(env, ["inspect", "da-nang-2024"])
    assert code == 1 and "da-nang-2024" in err
