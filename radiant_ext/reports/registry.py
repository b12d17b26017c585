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
from radiant_ext.reports.downtime import downtime_by_month, downtime_by_store_and_item
from radiant_ext.reports.errors import ReportInputError, UnknownReportError
from radiant_ext.reports.guest_feedback import feedback_by_store_and_topic
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import ReportTable
from radiant_ext.reports.penalties import contract_penalties
from radiant_ext.reports.satisfaction import satisfaction, worst_comments
from radiant_ext.reports.settings import ReportSettings
from radiant_ext.reports.sla import sla_compliance
from radiant_ext.reports.steps import steps_now, time_per_step
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
    item_filter: bool = False
    """The report takes a catalog item filter (``ReportFilter.item``, ``?item=`` on pages)."""


REPORTS: dict[str, ReportSpec] = {spec.name: spec for spec in (
    ReportSpec("volume", W_("Tickets per period"),
               W_("Tickets created per day, week or month."), tickets_per_period),
    ReportSpec("weekday-hour", W_("Weekday × hour"),
               W_("When requests arrive: a heat map of weekday and hour."),
               tickets_by_weekday_hour),
    ReportSpec("departments", W_("Per department"),
               W_("Tickets per department."), tickets_by_department),
    ReportSpec("items", W_("Per catalog item"),
               W_("Tickets per catalog item (category)."), tickets_by_item),
    ReportSpec("stores", W_("Per store"), W_("Tickets per store."), tickets_by_store),
    ReportSpec("recurring", W_("Recurring problems"),
               W_("Store and item pairs well above the chain average."), recurring_failures),
    ReportSpec("assets", W_("Per asset"),
               W_("Tickets per serial number or asset model from the request forms."),
               tickets_by_asset),
    ReportSpec("backlog", W_("Open backlog"),
               W_("Open tickets by age and department, overdue ones counted."), open_backlog),
    ReportSpec("steps-now", W_("Workflow steps now"),
               W_("Open tickets per item and workflow step: waiting on whom, for how long, "
                  "past the step's limits."), steps_now, item_filter=True),
    ReportSpec("time-per-step", W_("Time per workflow step"),
               W_("How long tickets spent in each workflow step: the stays that ended in "
                  "the period, and the open tickets' current step so far."),
               time_per_step, item_filter=True),
    ReportSpec("sla-items", W_("SLA per item"),
               W_("Deadlines met and missed per catalog item."),
               partial(sla_compliance, by="item")),
    ReportSpec("sla-stores", W_("SLA per store"),
               W_("Deadlines met and missed per store."), partial(sla_compliance, by="store")),
    ReportSpec("sla-owners", W_("SLA per owner"),
               W_("Deadlines met and missed per ticket owner."),
               partial(sla_compliance, by="owner")),
    ReportSpec("penalties", W_("Contract penalties"),
               W_("What missed deadlines cost under the configured contracts."),
               contract_penalties),
    ReportSpec("downtime", W_("Downtime cost"),
               W_("What outages cost per month, next to the contract penalties of the month."),
               downtime_by_month),
    ReportSpec("downtime-detail", W_("Downtime cost per store and item"),
               W_("What outages cost per month, store and catalog item, in the hours the store "
                  "trades."), downtime_by_store_and_item),
    ReportSpec("satisfaction-items", W_("Satisfaction per item"),
               W_("Requesters' ratings per catalog item, next to SLA compliance and volume."),
               partial(satisfaction, by="item")),
    ReportSpec("satisfaction-departments", W_("Satisfaction per department"),
               W_("Requesters' ratings per department, next to SLA compliance and volume."),
               partial(satisfaction, by="department")),
    ReportSpec("satisfaction-stores", W_("Satisfaction per store"),
               W_("Requesters' ratings per store, next to SLA compliance and volume."),
               partial(satisfaction, by="store")),
    ReportSpec("satisfaction-owners", W_("Satisfaction per owner"),
               W_("Requesters' ratings per ticket owner, next to SLA compliance and volume."),
               partial(satisfaction, by="owner")),
    ReportSpec("satisfaction-months", W_("Satisfaction per month"),
               W_("Requesters' ratings per month, next to SLA compliance and volume."),
               partial(satisfaction, by="month")),
    ReportSpec("satisfaction-comments", W_("Worst-rated comments"),
               W_("The comments of the worst-rated requests."), worst_comments),
    ReportSpec("guest-feedback", W_("Guest feedback"),
               W_("Shoppers' feedback from the public pages per store and topic."),
               feedback_by_store_and_topic),
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
    :raises ReportInputError: the filter cannot be used (an item filter on a report that
        takes none).
    """
    spec = REPORTS.get(name)
    if spec is None:
        raise UnknownReportError(
            f"unknown report {name!r}: choose one of {', '.join(REPORTS)}")
    if report_filter is not None and report_filter.item and not spec.item_filter:
        takes = ", ".join(n for n, s in REPORTS.items() if s.item_filter)
        raise ReportInputError(f"report {name!r} takes no item filter; these do: {takes}")
    ctx = ReportContext(session, report_filter or ReportFilter(),
                        settings or ReportSettings(), directory or ItemDirectory())
    if now is not None:
        ctx.now = now
    table = spec.compute(ctx)
    return table
