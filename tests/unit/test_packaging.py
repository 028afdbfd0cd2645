"""pyproject.toml stays in the form current setuptools accepts without warnings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_license_is_an_spdx_string_not_a_deprecated_table() -> None:
    # setuptools >= 77 warns "`project.license` as a TOML table is deprecated" on every
    # install (and plans to refuse it); an SPDX expression string is the supported form.
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    license_ = data["project"]["license"]
    assert isinstance(license_, str) and license_ == "Apache-2.0"
    assert not any(c.startswith("License ::") for c in data["project"].get("classifiers", []))
    # ...which needs a setuptools that understands it.
    requires = " ".join(data["build-system"]["requires"])
    m = re.search(r"setuptools>=(\d+)", requires)
    assert m and int(m.group(1)) >= 77, requires
