"""docker-compose.yml cannot be started here (no Docker engine): check its structure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_default_stack_wires_app_to_qdrant_by_url(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["qdrant"]["image"].startswith("qdrant/qdrant:")
    troly = services["troly"]
    assert troly["environment"]["TROLY_QDRANT__URL"] == "http://qdrant:6333"
    assert "qdrant" in troly["depends_on"]
    assert "profiles" not in troly and "profiles" not in services["qdrant"]


def test_cluster_profile_three_nodes_replication_two(compose: dict[str, Any]) -> None:
    services = compose["services"]
    nodes = [n for n in services if n.startswith("qdrant-node")]
    assert len(nodes) == 3
    for n in nodes:
        assert services[n]["profiles"] == ["cluster"]
        assert services[n]["environment"]["QDRANT__CLUSTER__ENABLED"] == "true"
    for n in nodes[1:]:
        assert "--bootstrap" in services[n]["command"]
    env = services["troly-cluster"]["environment"]
    assert env["TROLY_QDRANT__REPLICATION_FACTOR"] == "2"
    assert int(env["TROLY_QDRANT__SHARD_NUMBER"]) >= 3
    # every named volume that a service mounts is declared
    declared = set(compose["volumes"])
    for svc in services.values():
        for vol in svc.get("volumes", []):
            assert vol.split(":")[0] in declared


def test_settings_read_the_env_names_compose_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    from troly.settings import Settings

    monkeypatch.setenv("TROLY_QDRANT__URL", "http://qdrant-node1:6333")
    monkeypatch.setenv("TROLY_QDRANT__SHARD_NUMBER", "3")
    monkeypatch.setenv("TROLY_QDRANT__REPLICATION_FACTOR", "2")
    s = Settings()
    assert s.qdrant.url == "http://qdrant-node1:6333"
    assert (s.qdrant.shard_number, s.qdrant.replication_factor) == (3, 2)
