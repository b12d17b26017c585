"""The contract roll-ups from the installation's settings: what the ``report-rollups`` job
and ``radiant-ext report-rebuild`` run (``docs/reports.md``, "Contract roll-ups")."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from radiant_ext.reports.context import ItemDirectory
from radiant_ext.reports.contract_rollups import (
    ContractFigures,
    rebuild_contracts,
    refresh_contracts,
)
from radiant_ext.reports.rollups import RefreshResult
from radiant_ext.reports.settings import report_settings

if TYPE_CHECKING:
    from radiant_ext.config import Settings

log = logging.getLogger(__name__)

__all__ = ["contract_figures", "keep_contracts", "rebuild_contracts_for"]


def contract_figures(settings: Settings) -> ContractFigures | None:
    """The report settings and the installed catalogs and stores (no names: they do not enter
    the figures); ``None`` when the plugins cannot be read (the roll-ups are left as they are,
    so a passing failure never rebuilds them)."""
    try:
        from radiant_ext.plugins.factory import plugins_from_settings

        directory = ItemDirectory.from_plugins(plugins_from_settings(settings))
    except Exception:  # the pages then read the cache, as without the roll-ups
        log.warning("catalogs unavailable; the contract roll-ups are left as they are",
                    exc_info=True)
        return None
    return ContractFigures(report_settings(settings), directory)


def keep_contracts(engine: Engine, settings: Settings, now: Callable[[], datetime]
                   ) -> dict[str, int]:
    """Take in the changes recorded since the last run, a batch per transaction; rebuild when
    the roll-ups were never built or were built for other settings. Returns what was done
    (nothing when no ticket changed)."""
    figures = contract_figures(settings)
    if figures is None:
        return {}
    taken = 0
    while True:  # one transaction per batch: a backlog never holds the lock long
        with engine.begin() as conn:
            done = refresh_contracts(conn, figures, now())
            if not done.built:
                return {"contracts_rebuilt": rebuild_contracts(conn, figures, now()).tickets}
        taken += done.tickets
        if not done.pending:
            return {"contracts_taken_in": taken} if taken else {}


def rebuild_contracts_for(engine: Engine, settings: Settings, now: datetime
                          ) -> RefreshResult | None:
    """Rebuild the contract roll-ups for the installation's settings (``None``: the catalogs
    cannot be read, nothing was done)."""
    figures = contract_figures(settings)
    if figures is None:
        return None
    with engine.begin() as conn:
        return rebuild_contracts(conn, figures, now)
