"""``radiant-ext report-rebuild``: build the reports' roll-ups from the whole ticket cache."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from radiant_ext.cli.store import database_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from radiant_ext.config import Settings
    from radiant_ext.reports.asset_index import IndexResult

__all__ = ["commands", "report_rebuild"]


@click.command("report-rebuild")
@click.option("--database-url", envvar="RADIANT_DATABASE_URL", help="Store URL override.")
@database_errors
def report_rebuild(database_url: str | None) -> None:
    """Rebuild the reports' roll-ups and the asset index from the ticket cache
    (docs/reports.md, "Roll-ups" and "Assets").

    Needed once after the upgrade that adds them and after changing the report time zone;
    the sync job keeps them current otherwise. Reports stay correct meanwhile: they read
    the cache directly until the roll-ups are built for the configured zone.
    """
    from radiant_ext.cli.store import existing_store
    from radiant_ext.config import load_settings
    from radiant_ext.reports import report_settings
    from radiant_ext.reports.contract_keep import rebuild_contracts_for
    from radiant_ext.reports.rollups import rebuild
    from radiant_ext.store import check_schema, make_engine

    settings = load_settings(database_url=database_url) if database_url else load_settings()
    zone = report_settings(settings).zone
    engine = make_engine(existing_store(settings))
    try:
        check_schema(engine)
        with engine.begin() as conn:
            done = rebuild(conn, zone, datetime.now(UTC))
        assets = _rebuild_assets(engine, settings)
        contracts = rebuild_contracts_for(engine, settings, datetime.now(UTC))
        if contracts is None:
            raise click.ClickException("contract roll-ups not rebuilt: the catalogs cannot "
                                       "be read (see the log)")
    finally:
        engine.dispose()
    click.echo(f"report roll-ups rebuilt for {zone.key}: {done.tickets} tickets "
               f"in {done.seconds:.1f} s", err=True)
    click.echo(f"asset index rebuilt: {assets.tickets} tickets with form values "
               f"in {assets.seconds:.1f} s", err=True)
    click.echo(f"contract roll-ups rebuilt: {contracts.tickets} tickets "
               f"in {contracts.seconds:.1f} s", err=True)


def _rebuild_assets(engine: Engine, settings: Settings) -> IndexResult:
    """Extract every ticket's asset values again by the installed catalogs' asset fields."""
    from radiant_ext.reports.asset_index import catalog_directory, rebuild_assets

    directory = catalog_directory(settings)
    if directory is None:
        raise click.ClickException("asset index not rebuilt: the catalogs cannot be read "
                                   "(see the log)")
    with engine.begin() as conn:
        return rebuild_assets(conn, directory)


commands: list[click.Command] = [report_rebuild]
