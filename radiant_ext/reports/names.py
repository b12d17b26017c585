"""Names Znuny knows, for the reports: agents' full names and customer companies' names.

Tickets in the cache name their owner by login and their store by customer company id; the
reports show ``First Last`` where Znuny's ``users`` table has it, and a company's name from
``customer_company`` for an id the store directory does not list (``head-office``), through
``znuny_db_url`` (the store directory's reader set-up). Without it, or for a login or company
Znuny does not list, the id is shown. The names are read once when the pages start.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from radiant_ext.config import Settings
    from radiant_ext.reports.context import ItemDirectory

__all__ = ["read_agent_names", "with_znuny_names"]

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


def _company_names(url: str) -> dict[str, str]:
    from radiant_ext.plugins.errors import ZnunyMetadataError
    from radiant_ext.plugins.znuny_meta import read_company_names

    try:
        return read_company_names(url)
    except ZnunyMetadataError as exc:
        log.warning("company names unavailable for reports, showing ids: %s", exc)
        return {}


def with_znuny_names(directory: ItemDirectory, settings: Settings) -> ItemDirectory:
    """``directory`` with the agents' names and, for companies it does not list, their
    names in Znuny (the store directory's own names win)."""
    from dataclasses import replace

    url = settings.znuny_db_url
    if not url:
        return directory
    return replace(directory, agents=read_agent_names(url.get_secret_value()),
                   companies=_company_names(url.get_secret_value()))
