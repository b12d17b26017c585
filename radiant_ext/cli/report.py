"""``radiant-ext report NAME``: a report over the local ticket cache as CSV, XLSX or JSON."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from radiant_ext.errors import RadiantError

__all__ = ["commands", "report"]

_NAMES = ("volume", "weekday-hour", "departments", "items", "stores", "recurring", "assets",
          "backlog", "steps-now", "time-per-step", "sla-items", "sla-stores", "sla-owners",
          "penalties", "downtime", "downtime-detail", "satisfaction-items",
          "satisfaction-departments", "satisfaction-stores", "satisfaction-owners",
          "satisfaction-months", "satisfaction-comments", "guest-feedback")


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def _compute(name: str, first: date | None, last: date | None, options: dict[str, Any],
             database_url: str | None, language: str = "en") -> tuple[Any, dict[str, Any]]:
    from sqlalchemy.orm import Session

    from radiant_ext.cli.store import existing_store
    from radiant_ext.config import load_settings
    from radiant_ext.reports import ReportFilter, report_settings, run_report
    from radiant_ext.reports.context import directory_from_settings
    from radiant_ext.store import check_schema, make_engine

    # --database-url stands for the store everywhere: its department switches label the items
    settings = load_settings(database_url=database_url) if database_url else load_settings()
    reports = report_settings(settings)
    engine = make_engine(existing_store(settings))
    try:
        check_schema(engine)
        directory = directory_from_settings(settings)
        report_filter = ReportFilter.for_dates(first, last, reports.zone, **options)
        with Session(engine) as session:
            _check_choices(session, directory, options)
            table = run_report(name, session, report_filter, settings=reports,
                               directory=directory.localized(language))
    finally:
        engine.dispose()
    meta = {k: str(v) for k, v in (("from", first), ("to", last), *options.items()) if v}
    meta["generated"] = datetime.now(UTC).isoformat(timespec="seconds")
    return table, meta


_SHOWN = 40
"""How many valid values an error line lists before "… and N more"."""


def _listed(values: list[str]) -> str:
    shown = ", ".join(values[:_SHOWN]) or "none yet"
    return shown + (f", … and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


def _check_choices(session: Any, directory: Any, options: dict[str, Any]) -> None:
    """``--store``, ``--company``, ``--department`` and ``--item`` must name one the reports
    know (the catalogs' and the ticket cache's): a typo would print an empty report.

    :raises click.BadParameter: naming the option and listing the valid values.
    """
    from sqlalchemy import select

    from radiant_ext.store import TicketCache

    wanted = {k: options[k] for k in ("store", "company", "department", "item")
              if options.get(k)}
    if not wanted:
        return
    present = {*session.scalars(select(TicketCache.store).distinct()),
               *session.scalars(select(TicketCache.customer_id).distinct())}
    stores = sorted({s for s in present if s} | set(directory.stores))
    categories = [c for c in session.scalars(select(TicketCache.category).distinct()) if c]
    departments = sorted({directory.department_of(c) for c in categories}
                         | set(directory.departments))
    items = sorted(set(categories) | set(directory.items))
    valid = {"store": stores, "company": stores, "department": departments, "item": items}
    kinds = {"department": "departments", "item": "catalog items"}
    for option, value in wanted.items():
        if value not in valid[option]:
            kind = kinds.get(option, "stores")
            raise click.BadParameter(f"unknown {option} {value!r} ({kind}: "
                                     f"{_listed(valid[option])})", param_hint=f"'--{option}'")


@click.command("report")
@click.argument("name", type=click.Choice(_NAMES), metavar="NAME")
@click.option("--from", "first", callback=_day, metavar="YYYY-MM-DD",
              help="First day (local time; default: the oldest ticket).")
@click.option("--to", "last", callback=_day, metavar="YYYY-MM-DD",
              help="Last day, included (default: today).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output; XLSX needs a file).")
@click.option("--period", type=click.Choice(["day", "week", "month"]), default="week",
              show_default=True, help="Bucket of the volume report.")
@click.option("--department", help="Only this department (id, e.g. maintenance).")
@click.option("--store", help="Only this store (customer company id).")
@click.option("--company", help="Only this customer company's tickets (a manager's view).")
@click.option("--item", help="Only this catalog item (id, e.g. it.software-defect; the "
                             "workflow step reports take it).")
@click.option("--database-url", envvar="RADIANT_DATABASE_URL", help="Store URL override.")
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of the headers, sheet names, notes and item names.")
@click.option("--csv-separator", type=click.Choice(["comma", "semicolon"]), default=None,
              help="CSV separator (default: the one Excel in --language expects: comma for "
                   "en, semicolon for ru).")
def report(name: str, first: date | None, last: date | None, fmt: str, output: Path | None,
           period: str, department: str | None, store: str | None, company: str | None,
           item: str | None, database_url: str | None, language: str,
           csv_separator: str | None) -> None:
    """Export report NAME over the local ticket cache (the reports: docs/reports.md)."""
    from radiant_ext.reports import export_table
    from radiant_ext.reports.export import csv_dialect

    if first and last and last < first:
        raise click.BadParameter("must not be before --from", param_hint="'--to'")
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise click.UsageError("XLSX is binary: give --output FILE")
    options = {"period": period, "department": department, "store": store, "company": company,
               "item": item}
    try:
        table, meta = _compute(name, first, last, options, database_url, language)
    except RadiantError as exc:
        raise click.ClickException(str(exc)) from exc
    data = export_table(table, fmt, meta, language=language,
                        dialect=csv_dialect(language, csv_separator))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
    click.echo(f"{name}: {len(table.rows)} rows written to {output}", err=True)


report.help = (f"{report.help}\n\nNAME is one of: {', '.join(_NAMES)}.")

commands: list[click.Command] = [report]
