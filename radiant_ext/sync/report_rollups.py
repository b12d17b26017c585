"""The ``report-rollups`` job: keep the reports' roll-ups current with the ticket cache."""

from __future__ import annotations

from radiant_ext.reports import report_settings
from radiant_ext.reports.asset_index import catalog_directory, keep_assets
from radiant_ext.reports.contract_keep import keep_contracts
from radiant_ext.reports.rollups import rebuild, refresh
from radiant_ext.sync.context import JobContext

__all__ = ["keep_report_rollups"]


def keep_report_rollups(ctx: JobContext) -> dict[str, int]:
    """Keep the roll-ups current (:func:`keep_rollups`), then the asset index: its changes
    taken in, or rebuilt when the catalogs' asset fields changed (docs/reports.md, "Assets")."""
    done = keep_rollups(ctx)
    done.update(keep_contracts(ctx.engine, ctx.settings, ctx.now))
    directory = catalog_directory(ctx.settings)
    if directory is not None:
        done.update(keep_assets(ctx.engine, directory))
    return done


def keep_rollups(ctx: JobContext) -> dict[str, int]:
    """Take in the tickets changed since the last run; rebuild the roll-ups when they were
    never built or were cut in another report time zone (``[reports] time_zone``)."""
    zone = report_settings(ctx.settings).zone
    taken = 0
    while True:  # one transaction per batch of changes: a backlog never holds the lock long
        with ctx.engine.begin() as conn:
            done = refresh(conn, zone, ctx.now())
            if not done.built:
                return {"rebuilt": rebuild(conn, zone, ctx.now()).tickets}
        taken += done.tickets
        if not done.pending:
            return {"taken_in": taken}
