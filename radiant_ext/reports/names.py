"""Agents' full names for the reports, from Znuny's ``users`` table (read-only).

Tickets in the cache name their owner by login; the reports show ``First Last`` where
Znuny's database (``znuny_db_url``, the same reader set-up as the store directory's company
names) has it, and the login otherwise. The names are read once when the pages start.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from radiant_ext.config import Settings

__all__ = ["agent_names", "read_agent_names"]

log = logging.getLogger(__name__)

_QUERY = "SELECT login, first_name, last_name FROM users WHERE valid_id = 1"


def _normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def read_agent_names(url: str) -> dict[str, str]:
    """Login → ``First Last`` of Znuny's valid agents; ``{}`` (logged) when the database
    cannot be read — the reports then show logins."""
    try:
        engine = create_engine(_normalise(url))
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        log.warning("agent names unavailable for reports, showing logins: %s", exc)
        return {}
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(_QUERY)).all()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        log.warning("agent names unavailable for reports, showing logins: %s", reason)
        return {}
    finally:
        engine.dispose()
    names = {str(login): " ".join(str(p) for p in (first, last) if p).strip()
             for login, first, last in rows}
    return {login: name for login, name in names.items() if name}


def agent_names(settings: Settings) -> dict[str, str]:
    """Agents' names from the Znuny database of ``settings`` (``znuny_db_url``); ``{}``
    without one."""
    url = settings.znuny_db_url
    return read_agent_names(url.get_secret_value()) if url else {}
