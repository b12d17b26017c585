"""Names Znuny knows, for the reports: agents' full names and customer companies' names.

Tickets in the cache name their owner by login and their store by customer company id; the
reports show ``First Last`` where Znuny's ``users`` table has it, and a company's name from
``customer_company`` for an id the store directory does not list (``head-office``), through
``znuny_db_url`` (the store directory's reader set-up). Without it, or for a login or company
Znuny does not list, the id is shown. The names are read once when the pages start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from radiant_ext.config import Settings
    from radiant_ext.reports.context import ItemDirectory

__all__ = ["read_agent_names", "with_znuny_names"]

log = logging.getLogger(__name__)


def _or_ids(read: Callable[[str], dict[str, str]], url: str, what: str,
            shown: str) -> dict[str, str]:
    """``read(url)``, or ``{}`` (logged) when Znuny's database cannot be read."""
    from radiant_ext.plugins.errors import ZnunyMetadataError

    try:
        return read(url)
    except ZnunyMetadataError as exc:
        log.warning("%s unavailable for reports, showing %s: %s", what, shown, exc)
        return {}


def read_agent_names(url: str) -> dict[str, str]:
    """Login → ``First Last`` of Znuny's valid agents; ``{}`` (logged) when the database
    cannot be read — the reports then show logins."""
    from radiant_ext.plugins.znuny_meta import read_agent_names as read

    return _or_ids(read, url, "agent names", "logins")


def _company_names(url: str) -> dict[str, str]:
    from radiant_ext.plugins.znuny_meta import read_company_names

    return _or_ids(read_company_names, url, "company names", "ids")


def with_znuny_names(directory: ItemDirectory, settings: Settings) -> ItemDirectory:
    """``directory`` with the agents' names and, for companies it does not list, their
    names in Znuny (the store directory's own names win)."""
    from dataclasses import replace

    url = settings.znuny_db_url
    if not url:
        return directory
    return replace(directory, agents=read_agent_names(url.get_secret_value()),
                   companies=_company_names(url.get_secret_value()))
