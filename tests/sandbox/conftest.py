"""Fixtures for the sandbox tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from radiant_ext_sandbox import SandboxServer, create_app, serve_in_thread, timeutil


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SandboxServer]:
    """A fresh retail sandbox with test controls, served on 127.0.0.1 (free port)."""
    srv = serve_in_thread(create_app(tmp_path, seed="retail", test_controls=True))
    yield srv
    srv.stop()


@pytest.fixture
def still_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """Stop the sandbox's clock at a whole second, as in a recording made within one second.

    Znuny writes some history rows only when a second has passed (a note written back in the
    second of the first article adds no "Reset of unlock time." row), so a test comparing with
    a recorded history must not depend on where a second boundary falls during the run.
    """
    now = float(int(time.time()))
    monkeypatch.setattr(timeutil, "time", SimpleNamespace(time=lambda: now))
    return now
