"""One mail, two doors: the webhook and the ``email-classify`` job route it the same way.

A mail reaches the companion through Znuny's invoker (the webhook) or, when that call was
missed, through the sync job that classifies new uncategorised tickets. Both must give the
same ticket the same category, queue, service, SLA, type, priority and store — including the
rules that protect against strangers: a sender Znuny does not know gets no store from the
text and no raised priority.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.sync import JobContext
from radiant_ext.sync.classify import classify_email_tickets
from radiant_ext.sync.tickets import pull_tickets
from radiant_ext.webhook import TicketRouter, validate_payload
from tests.webhook.conftest import load_recording

#: (title, body, CustomerID, CustomerUserID, Znuny knows the sender)
MAILS = {
    "clerk of a store": ("Cash register does not work", "The cash register does not start.",
                         "store-012", "clerk-012-1", True),
    "head office naming a store": ("Cash register in store 12 does not work",
                                   "The cash register in store 12 does not work.",
                                   "head-office", "office-anna", True),
    # Znuny's PostMaster files a stranger's mail with the address as customer user and as
    # customer company (Kernel/System/PostMaster/NewTicket.pm).
    "stranger naming the flagship": ("Cash register in store 001 does not work",
                                     "The cash register in store 001 does not work.",
                                     "stranger@example.com", "stranger@example.com", False),
}


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins(make_plugin_manager())


def _by_webhook(plugins: Plugins, title: str, body: str, company: str, user: str,
                known: bool, created: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_recording("05-TicketCreate-email-postmaster.json"))
    ticket = payload["request"]["body"]["Ticket"]
    ticket.update(Title=title, CustomerID=company, CustomerUserID=user, Created=created)
    ticket["CustomerUser"] = {"UserLogin": user, "ValidID": 1} if known else {}
    for article in [ticket["Article"], *ticket["Articles"]]:
        article.update(Subject=title, Body=body)
    answer = TicketRouter(plugins).handle(validate_payload(payload["request"]["body"])).answer
    return {
        "category": answer.get("otrs_TicketDynamicFieldSet_RadiantCategory"),
        "store": answer.get("OTRS_TicketDynamicFieldSet_RadiantStore"),
        "queue": answer.get("OTRS_TicketQueueSet"),
        "service": answer.get("OTRS_TicketServiceSet"),
        "sla": answer.get("OTRS_TicketSLASet"),
        "type": answer.get("OTRS_TicketTypeSet"),
        "priority": answer.get("OTRS_TicketPrioritySet"),
        "deadline": answer.get("OTRS_TicketDynamicFieldSet_RadiantDeadline"),
    }


def _by_sync_job(znuny: Any, make_ctx: Callable[..., JobContext], plugins: Plugins,
                 title: str, body: str, company: str, user: str) -> tuple[dict[str, Any], str]:
    tid = znuny.add_ticket(Title=title, _body=body, CustomerID=company, CustomerUserID=user)

    def ctx() -> JobContext:
        return make_ctx(plugins_factory=lambda: plugins, now=lambda: znuny.clock)

    pull_tickets(ctx())
    assert classify_email_tickets(ctx())["classified"] == 1
    ticket = znuny.tickets[tid]
    fields = ticket["DynamicField"]
    return {
        "category": fields.get("RadiantCategory"), "store": fields.get("RadiantStore"),
        "queue": ticket["Queue"], "service": ticket.get("Service"), "sla": ticket.get("SLA"),
        "type": ticket["Type"], "priority": ticket["Priority"],
        "deadline": fields.get("RadiantDeadline"),
    }, ticket["Created"]


@pytest.mark.parametrize("mail", sorted(MAILS))
def test_the_webhook_and_the_sync_job_route_a_mail_alike(
        mail: str, znuny: Any, make_ctx: Callable[..., JobContext], plugins: Plugins) -> None:
    title, body, company, user, known = MAILS[mail]
    by_job, created = _by_sync_job(znuny, make_ctx, plugins, title, body, company, user)
    by_webhook = _by_webhook(plugins, title, body, company, user, known, created)
    assert by_job == by_webhook
    assert by_job["category"] == "it.pos-down" and by_job["queue"] == "IT::Stores"


def test_a_stranger_gets_neither_the_named_store_nor_its_priority_by_either_door(
        znuny: Any, make_ctx: Callable[..., JobContext], plugins: Plugins) -> None:
    title, body, company, user, _ = MAILS["stranger naming the flagship"]
    by_job, _created = _by_sync_job(znuny, make_ctx, plugins, title, body, company, user)
    assert by_job["store"] is None and by_job["priority"] == "3 normal"
    assert "not a known customer user" in znuny.articles[max(znuny.tickets)][-1]["Body"]


def test_head_office_naming_a_store_gets_that_store_by_the_sync_job(
        znuny: Any, make_ctx: Callable[..., JobContext], plugins: Plugins) -> None:
    title, body, company, user, _ = MAILS["head office naming a store"]
    by_job, _created = _by_sync_job(znuny, make_ctx, plugins, title, body, company, user)
    assert by_job["store"] == "store-012"
