"""Fixtures for the sandbox tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from radiant_ext_sandbox import SandboxServer, create_app, serve_in_thread


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SandboxServer]:
    """A fresh retail sandbox with test controls, served on 127.0.0.1 (free port)."""
    srv = serve_in_thread(create_app(tmp_path, seed="retail", test_controls=True))
    yield srv
    srv.stop()
