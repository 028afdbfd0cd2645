"""The short form of `make reliability`'s faults, against real `troly serve` processes.

Each test starts `troly serve` (uvicorn, the real CLI options) on a free 127.0.0.1 port over
a copy of the session index, with the functions of ``scripts/reliability.py``: fresh starts
with an immediate first question, the store made unavailable under a running server (edge:
folder moved away, CURRENT lost or naming a missing generation, a corrupted generation;
engine=local: locked by another process), an ingest in its own process beside the
server, a read-only or full data folder, the feedback
database removed and locked, forged X-Forwarded-For, half-open connections, forged log
lines, admin key guessing, and an unwritable data folder.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from troly.services import Services

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rel(services: Services) -> Any:
    spec = importlib.util.spec_from_file_location("reliability", ROOT / "scripts/reliability.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["reliability"] = module
    spec.loader.exec_module(module)
    module.Server.index = Path(services.settings.qdrant.path)  # copy the session index
    return module


def test_fresh_starts_answer_the_first_question(rel: Any) -> None:
    out = rel.fault_fresh_starts(2)
    assert out["failures"] == 0, out["details"]
    assert out["readyz_flicker"] == 0


def test_store_unavailable_gives_a_clear_503_then_recovers_by_itself(rel: Any) -> None:
    """The default engine (edge): the store's folder moved away, CURRENT naming a missing
    generation, CURRENT lost, a corrupted generation — each under one running server."""
    out = rel.fault_store_unavailable()
    assert out["injected"] >= 4 and out["survived"] == out["injected"], out["faults"]
    for name, f in out["faults"].items():
        if "skipped" in f:
            continue
        assert f["all_503"] and f["clear_message"], (name, f)
        assert not f["path_leaks"] and f["path_in_log"], (name, f)
        assert f["recovered_after_s"] is not None, (name, f)
        if f["status_can_tell"]:
            assert f["troly_status_exit"] == 1 and f["status_names_path"], (name, f)
    assert out["same_answer_after"]


def test_local_engine_store_locked_gives_503_then_recovers_by_itself(rel: Any) -> None:
    """engine=local (qdrant-client local mode) allows one process per folder."""
    out = rel.fault_store_locked()
    assert out["ask_status"] == 503 and out["clear_message"], out
    assert out["readyz"] == 503 and not out["path_leak"], out
    assert out["troly_status_exit"] == 1
    assert out["recovered_after_s"] is not None, out


def test_ingest_beside_a_running_server_has_no_error_window(rel: Any) -> None:
    """`troly ingest PATH…` in its own process (a new plan and a changed bundled one) while
    `troly serve` answers a client that asks and searches all along: no error, and the
    same server, not restarted, finds and answers from both documents."""
    out = rel.fault_ingest_while_serving(True)
    assert out["ingest_exit"] == 0, out["ingest_stdout"]
    assert out["asks_during"] > 0 and out["searches_during"] > 0
    assert out["errors"] == 0, out["error_kinds"]
    assert out["new_doc_searchable"] and out["changed_doc_searchable"], out
    assert out["answer_cites_new_doc"], out
    assert out["new_doc_found_after_ingest_s"] is not None, out
    assert out["duplicates_after"] == [] and "khanh-hoa-2026" in out["complete_after"]
    assert out["readyz_points_after"] == out["points_after"]
    before, after = out["per_doc_before"], out["per_doc_after"]
    assert after["khanh-hoa-2026"] > 0 and after["phu-tho-2021"] != before["phu-tho-2021"]
    assert {d: n for d, n in after.items() if d not in ("khanh-hoa-2026", "phu-tho-2021")} == {
        d: n for d, n in before.items() if d != "phu-tho-2021"
    }


def test_feedback_db_removed_or_locked(rel: Any) -> None:
    out = rel.fault_feedback_db()
    assert (out["first"], out["after_delete"], out["after_unlock"]) == (201, 201, 201), out
    assert out["while_locked"] == 503 and out["while_locked_clear"], out
    assert out["ask_while_locked"] == 200 and out["error_logged"], out


def test_network_faults(rel: Any) -> None:
    out = rel.fault_network(True)
    # proxy headers are off: 100 requests with 100 forged addresses share one bucket
    assert out["spoofed_xff_passed"] <= out["spoofed_xff_allowed"], out  # burst + refill only
    assert out["half_open_closed"] and out["half_open_closed_after_s"] < 10, out
    assert out["sse_not_cut"], out
    assert not out["log_line_forged"], out
    assert out["admin_guesses_401"] == 10 and out["admin_guesses_429"] == 5, out
    assert out["dup_log_lines"] == 0 and not out["key_in_log"], out


def test_unwritable_data_folder_is_named_with_its_errno(rel: Any) -> None:
    out = rel.fault_data_folder()
    assert out["exit_code"] == 2 and out["has_path_and_errno"], out


def test_storage_read_only_or_full_under_a_running_server(rel: Any) -> None:
    out = rel.fault_storage_full_or_read_only()
    if "skipped" in out:
        pytest.skip(out["skipped"])
    for case in ("read_only", "full"):
        f = out[case]
        assert f["upload_status"] == 503 and f["names_problem"], (case, f)
        assert not f["path_leak"] and f["log_has_path_and_errno"], (case, f)
        assert f["server_alive"] and f["asks_still_answered"], (case, f)
    assert out["after_room"] == {"upload_status": 200, "searchable": True}, out


def test_cli_ingest_into_a_read_only_or_full_folder_names_path_and_errno(
    rel: Any, tmp_path: Path
) -> None:
    """Before: a read-only data folder gave a traceback; a full one killed `troly ingest`
    with SIGBUS (the engine writes through memory maps of sparse files), no message."""
    import os
    import subprocess

    ro, full = tmp_path / "ro", tmp_path / "full"
    if os.geteuid() != 0 or not rel._mount_tmpfs(ro, 1):
        pytest.skip("no rights to mount a tmpfs")
    try:
        assert rel._mount_tmpfs(full, 4)
        rel._remount(ro, "ro")
        doc = rel.CORPUS / "phu-tho-2021.txt"
        for folder, code, exit_code in ((ro, "EROFS", 2), (full, "ENOSPC", 1)):
            env = {
                **os.environ,
                "TROLY_DATA_DIR": str(folder / "data"),
                "TROLY_QDRANT__PATH": str(folder / "data" / "q"),
            }
            out = subprocess.run(
                [str(rel.BIN / "troly"), "ingest", str(doc)],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert out.returncode == exit_code, (folder, out.returncode, out.stderr[-800:])
            assert str(folder) in out.stderr and code in out.stderr, out.stderr[-800:]
            assert "Traceback" not in out.stderr, out.stderr[-800:]
    finally:
        for m in (ro, full):
            subprocess.run(["umount", "-l", str(m)], capture_output=True)
