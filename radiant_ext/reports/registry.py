"""Every report by name: what the CLI, the pages and the exports look up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from radiant_ext.reports.assets import tickets_by_asset
from radiant_ext.reports.backlog import open_backlog
from radiant_ext.reports.context import ItemDirectory, ReportContext, ReportFilter
from radiant_ext.reports.errors import UnknownReportError
from radiant_ext.reports.model import ReportTable
from radiant_ext.reports.penalties import contract_penalties
from radiant_ext.reports.settings import ReportSettings
from radiant_ext.reports.sla import sla_compliance
from radiant_ext.reports.volume import (
    recurring_failures,
    tickets_by_department,
    tickets_by_item,
    tickets_by_store,
    tickets_by_weekday_hour,
    tickets_per_period,
)

__all__ = ["REPORTS", "ReportSpec", "report_names", "run_report"]


@dataclass(frozen=True)
class ReportSpec:
    """A report: its name (CLI and URL), title, one-line description and function."""

    name: str
    title: str
    description: str
    compute: Callable[[ReportContext], ReportTable]


REPORTS: dict[str, ReportSpec] = {spec.name: spec for spec in (
    ReportSpec("volume", "Tickets per period",
               "Tickets created per day, week or month.", tickets_per_period),
    ReportSpec("weekday-hour", "Weekday × hour",
               "When requests arrive: a heat map of weekday and hour.", tickets_by_weekday_hour),
    ReportSpec("departments", "Per department",
               "Tickets per department.", tickets_by_department),
    ReportSpec("items", "Per catalog item",
               "Tickets per catalog item (category).", tickets_by_item),
    ReportSpec("stores", "Per store", "Tickets per store.", tickets_by_store),
    ReportSpec("recurring", "Recurring problems",
               "Store and item pairs well above the chain average.", recurring_failures),
    ReportSpec("assets", "Per asset",
               "Tickets per serial number or asset model from the request forms.",
               tickets_by_asset),
    ReportSpec("backlog", "Open backlog",
               "Open tickets by age and department, overdue ones counted.", open_backlog),
    ReportSpec("sla-items", "SLA per item",
               "Deadlines met and missed per catalog item.", partial(sla_compliance, by="item")),
    ReportSpec("sla-stores", "SLA per store",
               "Deadlines met and missed per store.", partial(sla_compliance, by="store")),
    ReportSpec("sla-owners", "SLA per owner",
               "Deadlines met and missed per ticket owner.", partial(sla_compliance, by="owner")),
    ReportSpec("penalties", "Contract penalties",
               "What missed deadlines cost under the configured contracts.", contract_penalties),
)}


def report_names() -> list[str]:
    """The report names in menu order."""
    return list(REPORTS)


def run_report(
    name: str,
    session: Session,
    report_filter: ReportFilter | None = None,
    *,
    settings: ReportSettings | None = None,
    directory: ItemDirectory | None = None,
    now: datetime | None = None,
) -> ReportTable:
    """Compute report ``name`` over the ticket cache.

    :raises UnknownReportError: no report has that name.
    :raises ReportInputError: the filter cannot be used.
    """
    spec = REPORTS.get(name)
    if spec is None:
        raise UnknownReportError(
            f"unknown report {name!r}: choose one of {', '.join(REPORTS)}")
    ctx = ReportContext(session, report_filter or ReportFilter(),
                        settings or ReportSettings(), directory or ItemDirectory())
    if now is not None:
        ctx.now = now
    table = spec.compute(ctx)
    return table
