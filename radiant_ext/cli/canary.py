"""``radiant-ext check --canary``: one clearly marked test request per department.

Each request goes the way a customer's does — routing by the plugins, the outbox, one
``TicketCreate`` with the agent account — is read back from Znuny and compared with the
routing decision, then closed with an internal note. What Znuny refuses shows up here, before
a customer's request is parked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import NewArticle, NewTicket, TicketChanges, ZnunyClient
from radiant_ext.client.errors import ZnunyError
from radiant_ext.config import Settings
from radiant_ext.plugins import Plugins, RoutingDecision, plugins_from_settings
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.models import RequestContext
from radiant_ext.store import make_engine, make_session_factory, upgrade_database
from radiant_ext.sync.outbox import new_request_id, submit_request

__all__ = ["CANARY_MARK", "CanaryResult", "run_canary"]

CANARY_MARK = "[radiant canary]"
"""Starts every canary ticket's title: agents and reports can tell them apart."""


@dataclass(frozen=True)
class CanaryResult:
    """The outcome for one department: ``ok`` or ``error``, with what happened."""

    department: str
    status: Literal["ok", "error"]
    message: str
    ticket_number: str | None = None


def _first_item(plugins: Plugins, department: str) -> CatalogItem | None:
    items = [i for i in plugins.catalog_items() if i.department == department]
    return min(items, key=lambda i: (i.order, i.id)) if items else None


def _differences(decision: RoutingDecision, ticket: object) -> list[str]:
    wanted = {"queue": decision.queue, "type": decision.type, "service": decision.service,
              "sla": decision.sla, "priority": decision.priority, "owner": decision.owner}
    return [f"{name} is {getattr(ticket, name, None)!r}, routing said {value!r}"
            for name, value in wanted.items()
            if value and getattr(ticket, name, None) != value]


def _one(plugins: Plugins, client: ZnunyClient, sessions: sessionmaker[Session],
         department: str, customer: str, store: str | None, now: datetime) -> CanaryResult:
    item = _first_item(plugins, department)
    if item is None:
        return CanaryResult(department, "error", "the department offers no item")
    decision = plugins.route(item, RequestContext(
        store_id=store, submitted_at=now, customer_user=customer, customer_company=store))
    title = f"{CANARY_MARK} {item.id}: test request — close without action"
    ticket = NewTicket(title=title, queue=decision.queue, type=decision.type,
                       service=decision.service, sla=decision.sla,
                       priority=decision.priority, owner=decision.owner, state="new",
                       customer_user=customer, customer_id=store)
    article = NewArticle(
        subject=title, body="A test request of radiant-ext check --canary. It is closed by "
        "the check itself.", content_type="text/plain; charset=utf-8",
        communication_channel="Internal", sender_type="customer",
        is_visible_for_customer=True)
    result = submit_request(sessions, client, request_id=new_request_id(now), ticket=ticket,
                            article=article, dynamic_fields=decision.dynamic_fields(),
                            category=item.id, promised_deadline=decision.deadline)
    if result.state != "sent" or result.ticket_id is None:
        return CanaryResult(department, "error",
                            f"{item.id}: not filed ({result.state}): {result.error}")
    try:
        back = client.ticket_get(result.ticket_id, dynamic_fields=True)
        wrong = _differences(decision, back)
        client.ticket_update(
            result.ticket_id, ticket=TicketChanges(state="closed successful"),
            article=NewArticle(subject=f"{CANARY_MARK} closed", body="Closed by the check.",
                               content_type="text/plain; charset=utf-8",
                               communication_channel="Internal", sender_type="agent",
                               is_visible_for_customer=False))
    except ZnunyError as exc:
        return CanaryResult(department, "error", f"{item.id}: filed as "
                            f"{result.ticket_number}, but {exc}", result.ticket_number)
    if wrong:
        return CanaryResult(department, "error", f"{item.id}: filed as "
                            f"{result.ticket_number}, but {'; '.join(wrong)}",
                            result.ticket_number)
    return CanaryResult(department, "ok", f"{item.id}: filed as {result.ticket_number} to "
                        f"{decision.queue} ({decision.priority}), read back, closed",
                        result.ticket_number)


def run_canary(settings: Settings, customer: str, store: str | None,
               now: datetime | None = None) -> list[CanaryResult]:
    """File, read back and close one test request per enabled department as ``customer``.

    :param customer: a customer user login of Znuny (the requests are theirs).
    :param store: the store (customer company) the requests concern, if any.
    """
    plugins = plugins_from_settings(settings)
    departments = sorted({i.department for i in plugins.catalog_items()})
    engine = make_engine(settings.effective_database_url)
    client = ZnunyClient.from_settings(settings)
    try:
        upgrade_database(engine)
        sessions = make_session_factory(engine)
        return [_one(plugins, client, sessions, d, customer, store, now or datetime.now(UTC))
                for d in departments]
    finally:
        client.close()
        engine.dispose()
