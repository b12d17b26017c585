"""Agents' display names from Znuny's ``users`` table (the GI returns only logins).

Read through the optional read-only ``RADIANT_ZNUNY_DB_URL`` connection (design.md, "Znuny
metadata"), cached for a few minutes; without it, or when the read fails, the login is shown.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["AgentNames"]

log = logging.getLogger(__name__)


class AgentNames:
    """``names(login) -> "First Last"``, from Znuny's database.

    :param engine: an engine on Znuny's database (read-only is enough).
    :param ttl: seconds a read of the table is reused.
    """

    def __init__(self, engine: Engine, ttl: float = 600.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._read_at = float("-inf")

    def _refresh(self) -> None:
        sql = text("SELECT login, first_name, last_name FROM users WHERE valid_id = 1")
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(sql).all()
        except SQLAlchemyError as exc:
            log.warning("cannot read agent names from Znuny's database: %s", exc)
            return
        self._names = {
            str(login): " ".join(p for p in (str(first or ""), str(last or "")) if p).strip()
            for login, first, last in rows
        }

    def __call__(self, login: str) -> str:
        """The agent's full name, or ``login`` when unknown."""
        with self._lock:
            if time.monotonic() - self._read_at > self._ttl:
                self._read_at = time.monotonic()
                self._refresh()
            return self._names.get(login) or login
