"""radiant-ext and the department plugin projects under ``plugins/`` build with what they
declare."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))


def _pyproject(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    return data


def _setuptools_minimum(requires: list[str]) -> tuple[int, ...]:
    for requirement in requires:
        found = re.fullmatch(r"setuptools\s*>=\s*([\d.]+)", requirement.strip())
        if found:
            return tuple(int(n) for n in found.group(1).split("."))
    raise AssertionError(f"no 'setuptools>=' in build-system.requires: {requires}")


def test_every_plugin_project_is_found() -> None:
    names = {p.name for p in PROJECTS}
    assert {"radiant-ext-it", "radiant-ext-hr", "radiant-ext-maintenance",
            "radiant-ext-customer-service", "radiant-ext-legal"} <= names


@pytest.mark.parametrize("project", [ROOT, *PROJECTS], ids=lambda p: p.name)
def test_spdx_license_string_requires_setuptools_77(project: Path) -> None:
    """``license = "AGPL-3.0-or-later"`` (PEP 639) is an error before setuptools 77."""
    data = _pyproject(project)
    assert isinstance(data["project"]["license"], str)
    assert _setuptools_minimum(data["build-system"]["requires"]) >= (77,)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_build_settings_match_the_legal_plugin(project: Path) -> None:
    """Every project is laid out like the tutorial's: same backend, Python, license, data."""
    legal, data = _pyproject(ROOT / "plugins" / "radiant-ext-legal"), _pyproject(project)
    assert data["build-system"] == legal["build-system"]
    for key in ("requires-python", "license", "dependencies"):
        assert data["project"][key] == legal["project"][key], key
    package = data["tool"]["setuptools"]["packages"][0]
    assert data["tool"]["setuptools"]["package-data"] == {
        package: ["catalog.yaml", "py.typed", "translations/*/LC_MESSAGES/*.po"]}
    assert (project / package / "catalog.yaml").is_file()
    assert (project / package / "translations" / "ru" / "LC_MESSAGES" / f"{package}.po").is_file()
