"""What every SQLite connection of the store is set up with."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from radiant_ext.store import make_engine
from radiant_ext.store.engine import SQLITE_CACHE_KIB


def test_a_sqlite_connection_reads_concurrently_waits_for_writers_and_keeps_more_pages(
        tmp_path: Path) -> None:
    """WAL (readers beside the sync's writer), a 30 s wait for a lock, foreign keys on, and a
    page cache of 32 MiB instead of SQLite's 2 MiB (a million-ticket cache looked up by id)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'radiant.sqlite3'}")
    try:
        with engine.connect() as conn:
            found = [conn.scalar(text(f"PRAGMA {name}")) for name in
                     ("journal_mode", "busy_timeout", "foreign_keys", "cache_size")]
    finally:
        engine.dispose()
    assert found == ["wal", 30000, 1, -SQLITE_CACHE_KIB]
    assert SQLITE_CACHE_KIB == 32 * 1024
