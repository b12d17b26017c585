"""SIGTERM stops a real ``radiant-ext sync`` process within seconds, whatever it is doing.

Issue 19, point 5: the scheduler used to wait for running jobs without limit. Here a job hangs
on a Znuny that accepts connections and never answers (a 300 s client timeout), on a database
lock, or the process stands by behind another leader — and it must be gone a few seconds
after SIGTERM (``RADIANT_SYNC_STOP_SECONDS`` lets a job finish for that long first).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from radiant_ext.store import JobRun, JobRunStatus, session_scope
from radiant_ext.sync import Lease
from radiant_ext.sync.scheduler import LEADER_LEASE

pytestmark = pytest.mark.slow


class SilentZnuny:
    """A TCP server that accepts every connection and never answers a byte."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.accepted = 0
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            self.accepted += 1

    def close(self) -> None:
        self.sock.close()
        for conn in self._conns:
            conn.close()


@pytest.fixture
def znuny() -> Iterator[SilentZnuny]:
    server = SilentZnuny()
    yield server
    server.close()


Spawn = Callable[..., "Proc"]


class Proc:
    """A ``radiant-ext sync`` process whose output is read as it comes."""

    def __init__(self, popen: subprocess.Popen[str]) -> None:
        self.popen = popen
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line)

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    @property
    def output(self) -> str:
        self._reader.join(timeout=10)
        return "".join(self.lines)


@pytest.fixture
def spawn(tmp_path: Path, engine: Engine, znuny: SilentZnuny) -> Iterator[Spawn]:
    started: list[Proc] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADIANT_")}
    env.update(RADIANT_DATABASE_URL=engine.url.render_as_string(hide_password=False),
               RADIANT_DATA_DIR=str(tmp_path), RADIANT_CONFIG=str(tmp_path / "absent.toml"),
               RADIANT_ZNUNY_URL=znuny.url, RADIANT_ZNUNY_USER="radiant",
               RADIANT_ZNUNY_PASSWORD="radiant-demo", RADIANT_ZNUNY_ROUTE_SET="znuny-r2a",
               RADIANT_ZNUNY_TIMEOUT="300", RADIANT_SYNC_LEASE_SECONDS="3")

    def start(*jobs: str, **more: str) -> Proc:
        args = [a for job in jobs for a in ("--job", job)]
        proc = Proc(subprocess.Popen([sys.executable, "-m", "radiant_ext", "sync", *args],
                                     env={**env, **more}, cwd=tmp_path, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True))
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.popen.poll() is None:
            proc.popen.kill()
        proc.popen.wait(timeout=10)
        proc.output  # noqa: B018 - the reader has seen the end of the output
        if proc.popen.stdout is not None:
            proc.popen.stdout.close()


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _running(engine: Engine, job_id: str) -> bool:
    with session_scope(engine) as s:
        return s.scalar(select(JobRun).where(JobRun.job_id == job_id,
                                             JobRun.status == JobRunStatus.RUNNING)) is not None


def _stop(proc: Proc, sig: int = signal.SIGTERM) -> tuple[float, int, str]:
    """Send ``sig``; return how long the process took to exit, its status and its output."""
    sent = time.monotonic()
    proc.popen.send_signal(sig)
    code = proc.popen.wait(timeout=60)
    took = time.monotonic() - sent
    return took, code, proc.output


def test_sigterm_stops_the_process_while_a_job_hangs_on_znuny(
        spawn: Spawn, engine: Engine, znuny: SilentZnuny) -> None:
    proc = spawn("ticket-pull", RADIANT_SYNC_STOP_SECONDS="2")
    assert _wait(lambda: znuny.accepted >= 1 and _running(engine, "ticket-pull"), 30), \
        "the job never reached Znuny"
    time.sleep(0.5)  # well inside the 300 s read timeout
    took, code, out = _stop(proc)
    assert took < 2 + 3, f"took {took:.1f}s to stop:\n{out}"
    assert code == 0, out
    assert "ticket-pull did not finish in 2s and show as interrupted" in out
    assert "Traceback" not in out
    assert Lease(engine, LEADER_LEASE).current_holder() is None, "leader lease released"


def test_the_default_stop_time_is_a_few_seconds(
        spawn: Spawn, engine: Engine, znuny: SilentZnuny) -> None:
    proc = spawn("ticket-pull")
    assert _wait(lambda: znuny.accepted >= 1 and _running(engine, "ticket-pull"), 30)
    took, code, out = _stop(proc)
    assert 4 < took < 5 + 3, f"took {took:.1f}s:\n{out}"
    assert code == 0


def test_ctrl_c_stops_it_the_same_way(spawn: Spawn, engine: Engine,
                                      znuny: SilentZnuny) -> None:
    proc = spawn("ticket-pull", RADIANT_SYNC_STOP_SECONDS="1")
    assert _wait(lambda: znuny.accepted >= 1 and _running(engine, "ticket-pull"), 30)
    took, code, out = _stop(proc, signal.SIGINT)
    assert took < 1 + 3 and code == 0, out


def test_a_second_sigterm_exits_at_once(spawn: Spawn, engine: Engine,
                                        znuny: SilentZnuny) -> None:
    proc = spawn("ticket-pull", RADIANT_SYNC_STOP_SECONDS="30")
    assert _wait(lambda: znuny.accepted >= 1 and _running(engine, "ticket-pull"), 30)
    proc.popen.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert proc.popen.poll() is None, "the first signal leaves the job its 30 s"
    took, code, out = _stop(proc)
    assert took < 2 and code == 128 + signal.SIGTERM, out
    assert "second SIGTERM: exiting at once" in out


def test_sigterm_stops_a_standby_at_once(spawn: Spawn, engine: Engine) -> None:
    other = Lease(engine, LEADER_LEASE, holder="elsewhere:1", ttl=300)
    assert other.acquire()
    proc = spawn("outbox-drain")
    assert _wait(lambda: proc.saw("Scheduler started"), 30)
    time.sleep(1)  # a lease check or two: standing by
    took, code, out = _stop(proc)
    assert took < 3 and code == 0, out
    assert "leads" not in out
    assert other.current_holder() == "elsewhere:1"


def test_sigterm_stops_the_process_while_it_waits_for_a_database_lock(
        spawn: Spawn, engine: Engine, znuny: SilentZnuny) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the lock held here is SQLite's database lock")
    proc = spawn("outbox-drain", RADIANT_SYNC_STOP_SECONDS="1",
                 RADIANT_SYNC_INTERVALS='{"outbox-drain": 1}')
    assert _wait(lambda: _ran(engine, "outbox-drain"), 30), "the job never ran"
    lock = sqlite3.connect(str(engine.url.database), timeout=30)
    try:
        lock.execute("BEGIN EXCLUSIVE")  # every write of the process now waits (30 s)
        time.sleep(2)  # the next run and the lease renewal are waiting for it
        took, code, out = _stop(proc)
    finally:
        lock.rollback()
        lock.close()
    assert took < 1 + 3 and code == 0, f"took {took:.1f}s:\n{out}"


def _ran(engine: Engine, job_id: str) -> bool:
    with session_scope(engine) as s:
        return s.scalar(select(JobRun).where(JobRun.job_id == job_id,
                                             JobRun.status == JobRunStatus.OK)) is not None
