"""The sandbox's database: engine, settings, lookups, and the per-request context."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.exc import OperationalError

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.timeutil import Calendar, Clock

DB_FILE = "sandbox.sqlite"

#: Settings a seed may override (``sandbox_setting`` rows, JSON values).
DEFAULTS: dict[str, Any] = {
    "flavour": "znuny7",
    "system_id": "10",
    "ticket_type": 0,
    "ticket_service": 0,
    "session_max_idle": 7200,
    "session_max_time": 57600,
    "calendar": {"tz": "UTC", "start": 8, "end": 20, "days": [0, 1, 2, 3, 4]},
    "search_limit": 500,
    "clock_offset": 0.0,
}


def private_file(path: Path) -> None:
    """Make ``path`` readable and writable by its owner only (0600), creating it if missing.

    The sandbox database holds the invoker's webhook secret and the agents' and customers'
    password hashes; SQLite gives its ``-wal`` and ``-shm`` files the database file's mode.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            with contextlib.suppress(OSError):  # not ours to change: connecting still works
                path.chmod(0o600)
        return
    os.close(fd)


def make_engine(data_dir: Path) -> Engine:
    """Return an engine on ``<data_dir>/sandbox.sqlite`` (WAL, shared across threads).

    The folder (when new) and the database files are its owner's only (0700, 0600).
    """
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm"):
        if name == DB_FILE or (data_dir / name).exists():
            private_file(data_dir / name)
    engine = create_engine(
        f"sqlite:///{data_dir / DB_FILE}",
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by pysqlite
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers take the write lock up front, so several server processes (gunicorn workers)
        # on one file queue up instead of failing with "database is locked" on upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate", True) else "BEGIN")

    try:
        s.metadata.create_all(engine)
    except OperationalError:  # another worker created the tables at the same moment
        s.metadata.create_all(engine)
    return engine


def read_settings(conn: Connection) -> dict[str, Any]:
    """Return the defaults overlaid with the stored ``sandbox_setting`` rows."""
    out = dict(DEFAULTS)
    for name, value in conn.execute(select(s.sandbox_setting.c.name, s.sandbox_setting.c.value)):
        out[name] = json.loads(value)
    return out


def write_setting(conn: Connection, name: str, value: Any) -> None:
    """Store one setting (insert or replace)."""
    conn.execute(s.sandbox_setting.delete().where(s.sandbox_setting.c.name == name))
    conn.execute(s.sandbox_setting.insert().values(name=name, value=json.dumps(value)))


@dataclass
class Faults:
    """Fault injection state for ``/__sandbox__/faults`` (in memory, per process)."""

    mode: str = "none"
    count: int = 0
    delay: float = 0.0


@dataclass
class Sandbox:
    """Everything one running sandbox shares between requests."""

    engine: Engine
    test_controls: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock)
    faults: Faults = field(default_factory=Faults)


@dataclass
class Ctx:
    """One request's view: an open transaction, the settings, the clock and the caller."""

    conn: Connection
    settings: dict[str, Any]
    clock: Clock
    remote_addr: str = "127.0.0.1"
    user_agent: str = ""
    user_id: int = 0
    user_type: str = ""
    login: str = ""
    notifications: list[tuple[int, str, int]] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    #: ticket events queued for the invoker (``None``: no invoker listens, nothing is queued)
    events: list[dict[str, Any]] | None = None
    #: the event names the configured invoker is triggered by
    watched: frozenset[str] = frozenset()

    @property
    def flavour(self) -> str:
        """``otrs6`` or ``znuny7``: which server's quirks to reproduce."""
        return str(self.settings["flavour"])

    @property
    def calendar(self) -> Calendar:
        """The business calendar used for escalation times."""
        c = self.settings["calendar"]
        return Calendar(tz=c["tz"], start=c["start"], end=c["end"], days=tuple(c["days"]))

    def now(self) -> dt.datetime:
        """Server time (naive UTC)."""
        return self.clock.now()

    def one(self, stmt: Any) -> Any:
        """Return the first row of ``stmt`` or ``None``."""
        return self.conn.execute(stmt).first()

    def scalar(self, stmt: Any) -> Any:
        """Return the first column of the first row of ``stmt`` or ``None``."""
        return self.conn.execute(stmt).scalar()


def lookup_id(ctx: Ctx, table: Any, name: Any, valid_only: bool = True) -> int | None:
    """Return the id of the row called ``name`` (valid rows only by default)."""
    if not isinstance(name, str | int) or isinstance(name, bool):
        return None
    stmt = select(table.c.id).where(table.c.name == str(name))
    if valid_only and "valid_id" in table.c:
        stmt = stmt.where(table.c.valid_id == 1)
    found = ctx.scalar(stmt)
    return int(found) if found is not None else None


def check_id(ctx: Ctx, table: Any, value: Any, valid_only: bool = True) -> int | None:
    """Return ``value`` as an id if such a (valid) row exists."""
    try:
        ident = int(str(value))
    except ValueError:
        return None
    stmt = select(table.c.id).where(table.c.id == ident)
    if valid_only and "valid_id" in table.c:
        stmt = stmt.where(table.c.valid_id == 1)
    found = ctx.scalar(stmt)
    return int(found) if found is not None else None


def name_of(ctx: Ctx, table: Any, ident: int | None) -> str | None:
    """Return the name of row ``ident`` or ``None``."""
    if ident is None:
        return None
    found = ctx.scalar(select(table.c.name).where(table.c.id == ident))
    return str(found) if found is not None else None
