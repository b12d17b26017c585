"""Guest feedback per store and topic: what shoppers tell the stores on the public pages.

Every guest feedback is a ticket of the customer service catalog's
``customer-service.shopper-feedback`` item (``docs/feedback.md``); the topic the shopper chose
is one of the request's form values, which the ticket pull copies into the cache
(``ticket_cache.form_values``). Tickets filed before the form asked for a topic count as
"Not given"; a value no longer on the list counts as "Other".

Guest feedback belongs to the company ``shoppers``, not to a store's company, so a manager's
scope (``ReportFilter.company``) selects the tickets whose store (``RadiantStore``) is the
manager's company instead of those whose customer company is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql import ColumnElement

from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, ReportTable
from radiant_ext.store import TicketCache

__all__ = ["FEEDBACK_ITEM", "NOT_GIVEN", "TOPICS", "column_key", "feedback_by_store_and_topic"]

FEEDBACK_ITEM = "customer-service.shopper-feedback"
"""The catalog item of guest feedback (``radiant_ext.portal.feedback.views.FEEDBACK_ITEM``)."""
WEB_SHOP = "web"
"""The store id of the web shop's feedback page."""

TOPICS: tuple[tuple[str, str], ...] = (
    ("product", W_("Product")),
    ("staff", W_("Staff")),
    ("store", W_("Store (cleanliness, queues)")),
    ("prices", W_("Prices and payment")),
    ("delivery", W_("Order and delivery")),
    ("praise", W_("Praise")),
    ("other", W_("Other")),
)
"""The topics of the feedback form (the options of the item's ``topic`` field), in order."""
NOT_GIVEN = ("not_given", W_("Not given"))
"""The column of feedback filed before the form asked for a topic."""
_KNOWN = frozenset(value for value, _label in TOPICS)


def column_key(topic: str) -> str:
    """The column of ``topic`` (``topic_staff``; the store's id is the column ``store``)."""
    return f"topic_{topic}"


def _where(ctx: ReportContext) -> list[ColumnElement[bool]]:
    """The filter's conditions, with a manager's company matched against the store.

    The period is left to the index on (category, created), which holds just the feedback of
    the period (``covering``: no count of the period's tickets first to choose an index)."""
    company = ctx.filter.company
    if company is None:
        return ctx.where(covering=True)
    wide = replace(ctx, filter=replace(ctx.filter, company=None))
    return [*wide.where(covering=True), TicketCache.store == company]


def _topic(form: Mapping[str, Any] | Any) -> str:
    value = form.get("topic") if isinstance(form, Mapping) else None
    text = str(value).strip().casefold() if value not in (None, "") else ""
    if not text:
        return NOT_GIVEN[0]
    return text if text in _KNOWN else "other"


def _store_name(ctx: ReportContext, store: str) -> str:
    if store == WEB_SHOP and store not in ctx.directory.stores:
        return W_("Web shop")
    return ctx.directory.store_name(store or None)


def feedback_by_store_and_topic(ctx: ReportContext) -> ReportTable:
    """Guest feedback tickets per store (rows) and topic (columns), the busiest store first."""
    t = TicketCache
    stmt = (select(t.store, t.form_values)
            .where(*_where(ctx), t.category == FEEDBACK_ITEM))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for store, form in ctx.session.execute(stmt).all():
        counts[str(store or "")][_topic(form)] += 1
    topics = [value for value, _label in (*TOPICS, NOT_GIVEN)]
    keys = [column_key(value) for value in topics]
    order = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    rows: list[tuple[object, ...]] = [
        (store, _store_name(ctx, store), *(found[k] for k in topics), sum(found.values()))
        for store, found in order]
    columns = (Column("store", W_("Store id"), ident=True), Column("name", W_("Store")),
               *(Column(column_key(value), label, "int") for value, label in (*TOPICS, NOT_GIVEN)),
               Column("total", W_("Total"), "int"))
    table = ReportTable("guest-feedback", W_("Guest feedback per store and topic"), columns,
                        rows, Chart("stacked", "name", tuple(keys), max_points=25))
    table.notes.append(W_("Counts the feedback shoppers sent on the stores' public pages. "
                          "\"Not given\": feedback sent before the form asked for a topic."))
    return table
