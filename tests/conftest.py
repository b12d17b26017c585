"""Fixtures shared by every test package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract"


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
