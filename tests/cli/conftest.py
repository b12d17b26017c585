"""Fixtures of the command-line tests: a clean working folder, and the CLI run in it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from radiant_ext.cli import build_cli
from radiant_ext.store import TicketCache, make_engine, upgrade_database


@dataclass(frozen=True)
class Ran:
    """What a command did: its exit status, standard output and standard error."""

    code: int
    out: str
    err: str


Run = Callable[..., Ran]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder and an environment naming no settings at all."""
    for name in [n for n in os.environ if n.upper().startswith("RADIANT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RADIANT_CONFIG", "")  # restored afterwards, whatever a command sets
    monkeypatch.delenv("RADIANT_CONFIG")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run(folder: Path) -> Run:
    """Run ``radiant-ext ARGS`` in :func:`folder` as a user would (its own error handling)."""

    def invoke(*args: str) -> Ran:
        result = CliRunner().invoke(build_cli(), list(args), prog_name="radiant-ext")
        return Ran(result.exit_code, result.stdout, result.stderr)

    return invoke


def make_store(data: Path) -> Path:
    """A migrated SQLite store in ``data`` with three tickets of store-001 and store-007."""
    data.mkdir(parents=True, exist_ok=True)
    path = data / "radiant.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    with Session(engine) as s, s.begin():
        for i, (store, day) in enumerate([("store-001", 2), ("store-001", 3), ("store-007", 20)]):
            s.add(TicketCache(ticket_id=i + 1, ticket_number=str(i), store=store,
                              customer_id=store, category="it.pos-down", state_type="open",
                              created=datetime(2026, 10, day, 9, tzinfo=UTC)))
    engine.dispose()
    return path
