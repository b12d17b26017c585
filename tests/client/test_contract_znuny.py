"""Every exchange of shared/contract/znuny (Znuny 7.0.19), made by the client.

Files 001–042, 051, 052 use the shipped sample web service (route set ``znuny``: update is
``POST /TicketUpdate``); 043–050 use ``GenericTicketConnectorRESTExtra`` — the 7.2
development routes plus the admin-added ``POST /Ticket/Search`` and ``DELETE
/Session/:SessionID`` — expressed as route overrides (see ``EXTRA_ROUTES`` in conftest).
Case format: see tests/client/conftest.py.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from radiant_ext.client import (
    AgentCredentials,
    DynamicFieldFilter,
    DynamicFieldValue,
    NewArticle,
    NewAttachment,
    NewTicket,
    TicketChanges,
)
from radiant_ext.client import errors as e

FOLDER = "znuny"
AGENT = "Es3jkq1TKOHzlTUHPKpxhjNF04lEesfs"
CUST1 = "Y8sspkrpukBX2DCspX0Vi08sYHopp3uR"
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAFUok9dAAAAAElFTkSuQmCC"
)


def ok(call: Any, check: Any, **extra: Any) -> dict[str, Any]:
    return {"call": call, "check": check, **extra}


def err(call: Any, cls: type[Exception], code: str | None, **extra: Any) -> dict[str, Any]:
    return {"call": call, "raises": (cls, code), **extra}


def article(sender: str, subject: str = "x", body: str = "x", **kw: Any) -> NewArticle:
    return NewArticle(communication_channel="Internal", sender_type=sender, subject=subject,
                      body=body, content_type="text/plain; charset=utf8", **kw)


def ticket(**kw: Any) -> NewTicket:
    base = {"title": "x", "queue": "IT", "state": "new", "priority": "3 normal",
            "customer_user": "cust1"}
    return NewTicket(**{**base, **kw})


def create(t: NewTicket, a: NewArticle | None, **kw: Any) -> Any:
    return lambda c: c.ticket_create(t, a, **kw)


CASES: dict[str, dict[str, Any]] = {
    "001-SessionCreate-agent.json": ok(lambda c: c.session_create(), lambda r: r == AGENT),
    "002-SessionCreate-customer.json": ok(lambda c: c.session_create(), lambda r: r == CUST1),
    "003-SessionCreate-customer-cust2.json": ok(
        lambda c: c.session_create(), lambda r: r == "9t2LXXsAYba6AvjKnvLdNwuxH8JZT0qE"),
    "004-SessionCreate-error-wrong-password.json": err(
        lambda c: c.session_create(), e.AuthenticationError, "SessionCreate.AuthFail"),
    "005-SessionCreate-error-form-urlencoded-body.json": err(
        lambda c: c.session_create(), e.RequestDecodingError, None,
        client={"credentials": AgentCredentials("agent1", "<password>")},
        fed="the client always sends Content-Type application/json, never a form body"),
    "006-SessionGet-agent.json": ok(
        lambda c: c.session_get(AGENT),
        lambda r: r.user_login == "agent1" and r.user_type == "User"),
    "007-SessionGet-customer.json": ok(
        lambda c: c.session_get(CUST1),
        lambda r: r.is_customer and r.user_login == "cust1" and "UserPassword" not in r.data),
    "008-SessionGet-error-invalid-session.json": err(
        lambda c: c.session_get("ThisIsNotAValidSessionID0000000"), e.SessionInvalidError,
        "SessionGet.SessionInvalid"),
    "009-TicketCreate-agent-full.json": ok(
        create(ticket(title="Printer on 2nd floor jams (REST test)"),
               article("agent", "Printer jams", "The printer jams every 3rd page.\nUmlauts: äöü",
                       is_visible_for_customer=True, time_unit=5),
               dynamic_fields=[DynamicFieldValue(name="CustomerReference", value="PO-4711"),
                               DynamicFieldValue(name="Impact", value="high")],
               attachments=[
                   NewAttachment.from_bytes(b"Hello from the REST test.", "note.txt",
                                            "text/plain; charset=utf-8"),
                   NewAttachment.from_bytes(PIXEL, "pixel.png", "image/png")]),
        lambda r: (r.ticket_id, r.ticket_number, r.article_id) == (2, "2026112310000011", 2)),
    "010-TicketCreate-customer.json": ok(
        create(ticket(title="Cannot log in to VPN"),
               article("customer", "VPN", "VPN login fails since this morning.")),
        lambda r: (r.ticket_id, r.article_id) == (3, 3)),
    "011-TicketCreate-customer-cust2.json": ok(
        create(ticket(title="Globex: mail quota exceeded", priority="4 high",
                      customer_user="cust2"),
               article("customer", "Quota", "My mailbox is full.")),
        lambda r: (r.ticket_id, r.ticket_number, r.article_id) == (4, "2026112310000039", 4)),
    "012-TicketCreate-error-missing-title.json": err(
        create(NewTicket.model_construct(queue="IT", state="new", priority="3 normal",
                                         customer_user="cust1"), article("agent")),
        e.MissingParameterError, "TicketCreate.MissingParameter"),
    "013-TicketCreate-error-unknown-queue.json": err(
        create(ticket(queue="NoSuchQueue"), article("agent")), e.InvalidParameterError,
        "TicketCreate.InvalidParameter"),
    "014-TicketCreate-error-invalid-session.json": err(
        create(ticket(), article("agent")), e.AuthenticationError, "TicketCreate.AuthFail"),
    "015-TicketGet-single.json": ok(
        lambda c: c.ticket_get(2),
        lambda t: (t.ticket_id, t.customer_user_id, t.sla, t.articles) == (2, "cust1", None, [])),
    "016-TicketGet-single-full.json": ok(
        lambda c: c.ticket_get(2, all_articles=True, dynamic_fields=True, attachments=True,
                               extended=True),
        lambda t: t.articles[0].attachments[0].content == b"Hello from the REST test."
        and t.articles[0].attachments[1].content == PIXEL
        and t.dynamic_fields["CustomerReference"] == "PO-4711"
        and t.first_response == datetime(2026, 11, 23, 5, 32, 25, tzinfo=UTC)),
    "017-TicketGetList-comma.json": ok(
        lambda c: c.ticket_get_many([2, 3], list_route=True),
        lambda ts: [t.ticket_id for t in ts] == [2, 3]),
    "018-TicketGet-customer-own.json": ok(
        lambda c: c.ticket_get(3, all_articles=True),
        lambda t: [a.subject for a in t.articles] == ["VPN"]),
    "019-TicketGet-error-customer-other-customer.json": err(
        lambda c: c.ticket_get(4), e.PermissionDeniedError, "TicketGet.AccessDenied"),
    "020-TicketGet-error-nonexistent.json": err(
        lambda c: c.ticket_get(999999), e.PermissionDeniedError, "TicketGet.AccessDenied"),
    "021-TicketGet-error-invalid-session.json": err(
        lambda c: c.ticket_get(2), e.AuthenticationError, "TicketGet.AuthFail"),
    "022-TicketUpdate-state-priority.json": ok(
        lambda c: c.ticket_update(2, ticket=TicketChanges(state="open", priority="4 high")),
        lambda r: (r.ticket_id, r.article_id) == (2, None)),
    "023-TicketUpdate-add-article-and-dynamicfield.json": ok(
        lambda c: c.ticket_update(
            2, article=article("agent", "Technician scheduled", "A technician will come tomorrow.",
                               is_visible_for_customer=True, time_unit=3),
            dynamic_fields=DynamicFieldValue(name="Impact", value="medium")),
        lambda r: r.article_id == 5),
    "024-TicketUpdate-by-ticketnumber.json": ok(
        lambda c: c.ticket_update(
            ticket_number="2026112310000011",
            ticket=TicketChanges(title="Printer on 2nd floor jams (updated)")),
        lambda r: (r.ticket_id, r.ticket_number) == (2, "2026112310000011")),
    "025-TicketUpdate-customer-add-article.json": ok(
        lambda c: c.ticket_update(3, article=article("customer", "More info",
                                                     "It fails with error 809.")),
        lambda r: (r.ticket_id, r.article_id) == (3, 6)),
    "026-TicketUpdate-error-customer-other-customer.json": err(
        lambda c: c.ticket_update(4, ticket=TicketChanges(priority="1 very low")),
        e.PermissionDeniedError, "TicketUpdate.AccessDenied"),
    "027-TicketUpdate-error-unknown-state.json": err(
        lambda c: c.ticket_update(2, ticket=TicketChanges(state="NoSuchState")),
        e.InvalidParameterError, "TicketUpdate.InvalidParameter"),
    "028-TicketGet-after-updates.json": ok(
        lambda c: c.ticket_get(2, all_articles=True, dynamic_fields=True),
        lambda t: (t.state, t.priority, t.dynamic_fields["Impact"], len(t.articles))
        == ("open", "4 high", "medium", 2)),
    "029-TicketHistoryGet-agent.json": ok(
        lambda c: c.ticket_history(2),
        lambda h: h[0].history_type == "NewTicket" and h[0].ticket_id == 2
        and h[0].type_id == 1),
    "030-TicketHistoryGet-customer.json": err(
        lambda c: c.ticket_history(3), e.AuthenticationError, "TicketHistoryGet.AuthFail"),
    "031-TicketSearch-queue.json": ok(
        lambda c: c.ticket_search(queues=["IT"]), lambda r: r == [3, 4, 2]),
    "032-TicketSearch-states.json": ok(
        lambda c: c.ticket_search(states=["new", "open"]), lambda r: r == [3, 4, 2, 1]),
    "033-TicketSearch-customer-user-login.json": ok(
        lambda c: c.ticket_search(customer_user_login="cust1"), lambda r: r == [3, 2]),
    "034-TicketSearch-create-time-newer-date.json": ok(
        lambda c: c.ticket_search(
            ticket_create_time_newer_date=datetime(2026, 11, 23, 5, 31, 25, tzinfo=UTC)),
        lambda r: r == [3, 4, 2]),
    "035-TicketSearch-sort-order-limit.json": ok(
        lambda c: c.ticket_search(sort_by="Age", order_by="Down", limit=2),
        lambda r: r == [3, 4]),
    "036-TicketSearch-no-result.json": ok(
        lambda c: c.ticket_search(title="no-such-title-xyz"), lambda r: r == []),
    "037-TicketSearch-customer.json": ok(lambda c: c.ticket_search(), lambda r: r == [3, 2]),
    "038-TicketSearch-customer-tries-other-customer.json": ok(
        lambda c: c.ticket_search(customer_user_login="cust2"), lambda r: r == []),
    "039-TicketSearch-error-unknown-queue.json": ok(
        lambda c: c.ticket_search(queues=["NoSuchQueue"]), lambda r: r == []),
    "040-TicketSearch-error-invalid-session.json": err(
        lambda c: c.ticket_search(), e.AuthenticationError, "TicketSearch.AuthFail"),
    "041-Routing-error-unknown-route.json": err(
        lambda c: c.ticket_search(), e.RouteNotFoundError, None,
        client={"routes": {"TicketSearch": ("GET", "/NoSuchRoute")}}),
    "042-Routing-error-wrong-method.json": err(
        lambda c: c.ticket_get(2), e.RouteNotFoundError, None,
        client={"routes": {"TicketGet": ("DELETE", "/Ticket/:TicketID")}},
        fed="non-GET requests carry their parameters in a JSON body, so a DELETE route "
            "sends SessionID in the body, not the query"),
    "043-TicketSearch-POST-dynamicfield.json": ok(
        lambda c: c.ticket_search(dynamic_fields={"Impact": {"Equals": "medium"}},
                                  queues=["IT"]),
        lambda r: r == [2]),
    "044-TicketSearch-POST-dynamicfield-list-form.json": ok(
        lambda c: c.ticket_search(dynamic_field_list=[
            DynamicFieldFilter(name="CustomerReference", equals="PO-4711")]),
        lambda r: r == [2]),
    "045-TicketUpdate-PATCH-route.json": ok(
        lambda c: c.ticket_update(2, ticket=TicketChanges(state="closed successful")),
        lambda r: (r.ticket_id, r.ticket_number) == (2, "2026112310000011")),
    "046-SessionCreate-agent-for-remove.json": ok(
        lambda c: c.session_create(), lambda r: r == "mxAgLxfssX07Eg2WT538WYkILj4H8otK"),
    "047-SessionRemove-agent.json": ok(
        lambda c: c.session_remove("mxAgLxfssX07Eg2WT538WYkILj4H8otK"), lambda r: r is None),
    "048-SessionGet-after-remove.json": err(
        lambda c: c.session_get("mxAgLxfssX07Eg2WT538WYkILj4H8otK"), e.SessionInvalidError,
        "SessionGet.SessionInvalid"),
    "049-SessionRemove-error-no-credentials.json": err(
        lambda c: c.session_remove(AGENT), e.AuthenticationError, "SessionRemove.AuthFail",
        client={"credentials": AgentCredentials("agent1", "<password>")},
        fed="SessionRemove without credentials is refused by the client "
            "(MissingCredentialsError, see test_session_remove_needs_credentials)"),
    "050-SessionRemove-error-customer-removes-agent-session.json": err(
        lambda c: c.session_remove(AGENT), e.AuthenticationError, "SessionRemove.AuthFail"),
    "051-TicketCreate-error-malformed-json.json": err(
        create(ticket(), article("agent")), e.RequestDecodingError, None,
        fed="the client serialises bodies with json.dumps; it cannot send truncated JSON"),
    "052-TicketSearch-session-in-header.json": ok(
        lambda c: c.ticket_search(queues=["IT"], limit=1), lambda r: r == [3],
        client={"session_id": AGENT, "header_auth": True},
        headers={"X-OTRS-Header-SessionID": AGENT}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_client_reproduces_exchange(name: str, kit: Any) -> None:
    kit.run_case(FOLDER, name, CASES[name])


def test_every_file_is_listed_and_48_are_sent_exactly(contract: Path, kit: Any) -> None:
    kit.check_listing(FOLDER, CASES, total=52, fed=4)
