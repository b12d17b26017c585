"""How many GI sessions an agent holds in the sandbox Znuny (one process, one session)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

__all__ = ["agent_sessions"]


def agent_sessions(sandbox_db: Path, login: str = "radiant") -> int:
    """Sessions of ``login`` that the sandbox database at ``sandbox_db`` holds right now."""
    engine = create_engine(f"sqlite:///{sandbox_db}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT COUNT(DISTINCT session_id) FROM sessions "
                "WHERE data_key = 'UserLogin' AND data_value = :login"),
                {"login": login}).scalar_one())
    finally:
        engine.dispose()
