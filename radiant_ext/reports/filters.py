"""Reading report filters from a query string (pages, exports) with one message per problem."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from radiant_ext.reports.context import FIRST_DAY, LAST_DAY, Period, ReportFilter
from radiant_ext.reports.errors import ReportInputError
from radiant_ext.reports.i18n import W_

__all__ = ["DEFAULT_DAYS", "FilterChoice", "describe", "parse_date", "parse_filter"]

DEFAULT_DAYS = 365
"""Without ``from``/``to`` a report covers the last 365 days, today included."""
PERIODS = ("day", "week", "month")
OUT_OF_RANGE = W_("Enter a date from 1970-01-01 to 2199-12-31.")
"""The form's message for a day outside :data:`~.context.FIRST_DAY` … ``LAST_DAY``."""


@dataclass
class FilterChoice:
    """The filter as the form shows it, with the messages of the fields that were wrong."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    report_filter: ReportFilter | None = None


def parse_date(text: str, name: str) -> date:
    """A ``YYYY-MM-DD`` day; :class:`ReportInputError` naming ``name`` otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ReportInputError(f"{name}: expected a date as YYYY-MM-DD, got {text!r}") from exc


def _dates(args: Mapping[str, str], today: date, errors: dict[str, str]) -> tuple[date, date]:
    first = today - timedelta(days=DEFAULT_DAYS - 1)
    last = today
    for key in ("from", "to"):
        raw = (args.get(key) or "").strip()
        if not raw:
            continue
        try:
            value = parse_date(raw, key)
        except ReportInputError:
            errors[key] = W_("Enter a date as YYYY-MM-DD.")
            continue
        if not FIRST_DAY <= value <= LAST_DAY:
            errors[key] = OUT_OF_RANGE
            continue
        if key == "from":
            first = value
        else:
            last = value
    if "from" not in errors and "to" not in errors and last < first:
        errors["to"] = W_("The end date must not be before the start date.")
    return first, last


def parse_filter(args: Mapping[str, str], *, zone: ZoneInfo, today: date,
                 departments: list[str], stores: list[str] | None,
                 company: str | None, items: list[str] | None = None) -> FilterChoice:
    """Validate ``from``, ``to``, ``period``, ``department``, ``store`` and ``item`` from
    ``args``.

    :param stores: the stores the viewer may choose; ``None``: no store filter (managers).
    :param company: the viewer's scope, applied whatever ``args`` say.
    :param items: the catalog items to choose from; ``None``: the report takes no item filter
        (``item`` is then ignored).
    """
    errors: dict[str, str] = {}
    first, last = _dates(args, today, errors)
    period = (args.get("period") or "week").strip()
    if period not in PERIODS:
        errors["period"] = W_("Choose day, week or month.")
    department = (args.get("department") or "").strip()
    if department and department not in departments:
        errors["department"] = W_("Choose a department from the list.")
    store = (args.get("store") or "").strip() if stores is not None else ""
    if store and stores is not None and store not in stores:
        errors["store"] = W_("Choose a store from the list.")
    item = (args.get("item") or "").strip() if items is not None else ""
    if item and items is not None and item not in items:
        errors["item"] = W_("Choose a catalog item from the list.")
    values = {"from": first.isoformat(), "to": last.isoformat(), "period": period,
              "department": department, "store": store, "item": item}
    choice = FilterChoice(values, errors)
    if not errors:
        choice.report_filter = ReportFilter.for_dates(
            first, last, zone, department=department or None, store=store or None,
            company=company, period=cast(Period, period), item=item or None)
    return choice


def describe(choice: FilterChoice) -> dict[str, Any]:
    """The filter as metadata for exports."""
    return {k: v for k, v in choice.values.items() if v}
