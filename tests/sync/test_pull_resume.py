"""A full ticket pull that is killed resumes where it stopped; the cache ends complete."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from radiant_ext.config import Settings
from radiant_ext.store import TicketCache, get_cursor, make_engine, session_scope, upgrade_database
from radiant_ext.sync import JobContext
from radiant_ext.sync import tickets as tickets_module
from radiant_ext.sync.tickets import CURSOR, FULL_PULL_CHECKPOINT, full_resync, pull_tickets


def _cached_ids(engine: Engine) -> list[int]:
    with session_scope(engine) as s:
        return list(s.scalars(select(TicketCache.ticket_id).order_by(TicketCache.ticket_id)))


def _cursor(engine: Engine, name: str) -> Any:
    with session_scope(engine) as s:
        return get_cursor(s, name)


def test_a_full_pull_that_fails_midway_resumes_from_its_checkpoint(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings.model_copy(update={"sync_pull_overlap_seconds": 2})
    for n in range(40):
        znuny.add_ticket(Title=f"t{n}")
    monkeypatch.setattr(tickets_module, "GET_CHUNK", 5)
    fetched: list[int] = []
    real_get_many = znuny.ticket_get_many

    def dying_get_many(ids: list[int], **flags: Any) -> Any:
        if len(fetched) >= 15:  # the process dies after three batches
            raise KeyboardInterrupt
        fetched.extend(ids)
        return real_get_many(ids, **flags)

    znuny.ticket_get_many = dying_get_many
    with pytest.raises(KeyboardInterrupt):
        pull_tickets(make_ctx(settings=settings))
    assert len(_cached_ids(engine)) == 15
    assert _cursor(engine, CURSOR) is None, "the cache is not complete: lists stay live"
    assert _cursor(engine, FULL_PULL_CHECKPOINT) is not None

    znuny.ticket_get_many = real_get_many
    fetched.clear()
    counts = pull_tickets(make_ctx(settings=settings))
    # from the checkpoint (the 15th change) less the 2 s overlap: the last three again
    assert counts["resumed"] == 1 and counts["pulled"] == 40 - 15 + 3
    assert _cached_ids(engine) == sorted(znuny.tickets)
    assert _cursor(engine, CURSOR) is not None
    assert _cursor(engine, FULL_PULL_CHECKPOINT) is None


def test_full_on_request_starts_over(engine: Engine, znuny: Any,
                                     make_ctx: Callable[..., JobContext]) -> None:
    for n in range(5):
        znuny.add_ticket(Title=f"t{n}")
    pull_tickets(make_ctx())
    assert full_resync(make_ctx()) == {"pulled": 5, "changed": 0, "full": 1}


def _sandbox_ticket_ids(data_dir: Path) -> list[int]:
    with sqlite3.connect(data_dir / "sandbox.sqlite") as conn:
        return [int(r[0]) for r in conn.execute("SELECT id FROM ticket ORDER BY id")]


def _wait_for_the_lease_to_lapse(engine: Engine, name: str) -> None:
    """A killed process's lease on a job runs out on its own (it is not renewed)."""
    from radiant_ext.sync.lease import Lease

    lease = Lease(engine, name)
    deadline = time.monotonic() + 60
    while lease.current_holder() is not None:
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_a_killed_full_pull_of_the_sandbox_resumes_and_misses_nothing(tmp_path: Path) -> None:
    from radiant_ext_sandbox import create_app, generate_tickets, serve_in_thread

    sandbox_dir = tmp_path / "sandbox"
    generate_tickets(sandbox_dir, 4000)
    expected = _sandbox_ticket_ids(sandbox_dir)
    server = serve_in_thread(create_app(sandbox_dir), host="127.0.0.1", port=0)
    store = tmp_path / "store.sqlite3"
    engine = make_engine(f"sqlite:///{store}")
    upgrade_database(engine)
    env = {**os.environ, "RADIANT_ZNUNY_URL": server.url, "RADIANT_ZNUNY_USER": "radiant",
           "RADIANT_ZNUNY_PASSWORD": "radiant-demo", "RADIANT_DATA_DIR": str(tmp_path),
           "RADIANT_DATABASE_URL": f"sqlite:///{store}", "RADIANT_CONFIG": "absent.toml"}
    command = [sys.executable, "-m", "radiant_ext", "sync", "run", "ticket-pull"]
    try:
        first = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(_cached_ids(engine)) < 0.3 * len(expected):
            assert first.poll() is None, "the pull ended before it could be killed"
            assert time.monotonic() < deadline, "the pull does not progress"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        killed_at = len(_cached_ids(engine))
        assert killed_at < len(expected)
        assert _cursor(engine, CURSOR) is None
        assert _cursor(engine, FULL_PULL_CHECKPOINT) is not None

        _wait_for_the_lease_to_lapse(engine, "job:ticket-pull")
        second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                                timeout=300, check=False)
        assert second.returncode == 0, second.stdout + second.stderr
        assert _cached_ids(engine) == expected, "no ticket missing, none twice"
        assert _cursor(engine, CURSOR) is not None
        assert _cursor(engine, FULL_PULL_CHECKPOINT) is None
        with session_scope(engine) as s:
            assert s.scalar(select(func.count()).select_from(TicketCache)) == len(expected)
        print(f"killed at {killed_at}/{len(expected)} cached; resumed: {second.stdout.strip()}")
    finally:
        server.stop()
        engine.dispose()
