"""Fixtures shared by every test package."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from radiant_ext.plugins import make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract"

# Test packages written when every installation loaded the demo's store directory: their
# tests build plugins without naming it and expect store-001 … store-030. Until they name
# DEMO_CATALOG_DIR themselves, the demo world is their default installation.
_DEMO_BY_DEFAULT = ("sync", "webhook")


def load_exchange(folder: str, name: str) -> dict[str, Any]:
    """Load one recorded exchange ``shared/contract/<folder>/<name>`` (".json" optional)."""
    path = CONTRACT / folder / (name if name.endswith(".json") else f"{name}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def contract_dir() -> Path:
    """The ``shared/contract`` folder beside the checkout; the suite cannot run without it."""
    if not CONTRACT.is_dir():
        pytest.fail(f"shared/contract not found at {CONTRACT}: check out shared/ beside the repo")
    return CONTRACT


_SERVER_ENV = re.compile(r"^(RADIANT_(ZNUNY|WEBHOOK|LIVE)_|ZNUNY_)")
"""What ``scripts/znuny-server env`` exports for the live tests."""


@pytest.fixture(autouse=True)
def _only_live_tests_see_the_live_server(request: pytest.FixtureRequest,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """CI exports a real Znuny's settings for the whole run; every other test gets the clean
    environment it was written for (settings it needs, it names itself)."""
    if request.node.get_closest_marker("live") is not None:
        return
    for name in [n for n in os.environ if _SERVER_ENV.match(n)]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="module", autouse=True)
def _demo_world_by_default(request: pytest.FixtureRequest) -> Iterator[None]:
    """In the packages of ``_DEMO_BY_DEFAULT``, plugin managers and settings load the demo's
    store directory unless told otherwise (``catalog_dirs``, ``RADIANT_CATALOG_DIRS``).

    Everywhere else the suite is a production installation: a test that uses the demo world
    says so (``catalog_dirs=[DEMO_CATALOG_DIR]``, or the ``demo_world`` fixture).
    """
    if request.path.parent.name not in _DEMO_BY_DEFAULT \
            or request.path.parent.parent != ROOT / "tests":
        yield
        return
    defaults = make_plugin_manager.__kwdefaults__
    assert defaults is not None and "catalog_dirs" in defaults
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(defaults, "catalog_dirs", (DEMO_CATALOG_DIR,))
        mp.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(DEMO_CATALOG_DIR)]))
        yield


@pytest.fixture
def demo_world(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings built in this test load the demo's store directory; returns its folder."""
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(DEMO_CATALOG_DIR)]))
    return DEMO_CATALOG_DIR

