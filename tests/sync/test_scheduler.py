"""Two ``radiant-ext sync`` processes: one leads, one stands by and takes over when it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from radiant_ext.store import JobRun, session_scope
from radiant_ext.sync import Lease
from radiant_ext.sync.scheduler import LEADER_LEASE

pytestmark = pytest.mark.slow


@pytest.fixture
def store(engine: Engine) -> tuple[str, Engine]:
    """The migrated test store and its URL (the processes get only the URL)."""
    return engine.url.render_as_string(hide_password=False), engine


@pytest.fixture
def spawn(tmp_path: Path,
          store: tuple[str, Engine]) -> Iterator[Callable[[], subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    env = {**os.environ, "RADIANT_DATABASE_URL": store[0], "RADIANT_DATA_DIR": str(tmp_path),
           "RADIANT_SYNC_INTERVALS": '{"outbox-drain": 1}', "RADIANT_SYNC_LEASE_SECONDS": "3"}

    def start() -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "radiant_ext", "sync", "--job", "outbox-drain"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _runs_by(engine: Engine, pid: int) -> list[JobRun]:
    with session_scope(engine) as s:
        return [r for r in s.scalars(select(JobRun).order_by(JobRun.id))
                if (r.host or "").endswith(f":{pid}")]


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_standby_takes_over_when_the_leader_dies(
        spawn: Callable[[], subprocess.Popen[str]], store: tuple[str, Engine]) -> None:
    engine = store[1]
    first = spawn()
    assert _wait(lambda: len(_runs_by(engine, first.pid)) >= 2, 30), "the first never ran jobs"
    second = spawn()
    time.sleep(6)  # two lease lengths: the standby must not have run anything
    assert _runs_by(engine, second.pid) == []
    assert (Lease(engine, LEADER_LEASE).current_holder() or "").endswith(f":{first.pid}")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    assert _wait(lambda: bool(_runs_by(engine, second.pid)), 30), "the standby never took over"
    assert time.monotonic() - killed_at < 15
    with session_scope(engine) as s:
        runs = list(s.scalars(select(JobRun).where(JobRun.finished_at.is_not(None))
                              .order_by(JobRun.started_at)))
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at, "two runs of one job overlapped"
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=20) == 0
    assert Lease(engine, LEADER_LEASE).current_holder() is None, "lease released on exit"


def test_scheduler_refuses_an_unmigrated_store(tmp_path: Path) -> None:
    env = {**os.environ, "RADIANT_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    env.pop("RADIANT_CONFIG", None)
    # run outside the checkout, where the demo may have left its settings
    out = subprocess.run([sys.executable, "-m", "radiant_ext", "sync"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    # the advice is written as this program was started, so it runs as printed
    assert f"`{sys.executable} -m radiant_ext db upgrade`" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
