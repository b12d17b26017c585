"""``radiant-ext report-rebuild``: build the reports' roll-ups from the whole ticket cache."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from radiant_ext.cli.store import database_errors

__all__ = ["commands", "report_rebuild"]


@click.command("report-rebuild")
@click.option("--database-url", envvar="RADIANT_DATABASE_URL", help="Store URL override.")
@database_errors
def report_rebuild(database_url: str | None) -> None:
    """Rebuild the reports' roll-ups from the ticket cache (docs/reports.md, "Roll-ups").

    Needed once after the upgrade that adds them and after changing the report time zone;
    the sync job keeps them current otherwise. Reports stay correct meanwhile: they read
    the cache directly until the roll-ups are built for the configured zone.
    """
    from radiant_ext.cli.store import existing_store
    from radiant_ext.config import load_settings
    from radiant_ext.reports import report_settings
    from radiant_ext.reports.rollups import rebuild
    from radiant_ext.store import check_schema, make_engine

    settings = load_settings(database_url=database_url) if database_url else load_settings()
    zone = report_settings(settings).zone
    engine = make_engine(existing_store(settings))
    try:
        check_schema(engine)
        with engine.begin() as conn:
            done = rebuild(conn, zone, datetime.now(UTC))
    finally:
        engine.dispose()
    click.echo(f"report roll-ups rebuilt for {zone.key}: {done.tickets} tickets "
               f"in {done.seconds:.1f} s", err=True)


commands: list[click.Command] = [report_rebuild]
