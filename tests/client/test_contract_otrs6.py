"""Every exchange of shared/contract/otrs-ce-6, made by the client (route set ``otrs6``).

Each case makes ``ZnunyClient`` send the recorded request — method, path, query and JSON
body matched strictly — and asserts the parsed answer or the exact exception and ErrorCode.
Cases marked ``fed`` are requests no client call produces (reason given); for them the
recorded answer is fed to the nearest client call. ``test_every_file_is_listed`` keeps the
table complete.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from radiant_ext.client import (
    DynamicFieldValue,
    NewArticle,
    NewAttachment,
    NewTicket,
    PendingTime,
    TicketChanges,
    TicketSearchFilter,
)
from radiant_ext.client import errors as e

FOLDER = "otrs-ce-6"
A1 = "WZQEnF1IQMHPHAnrhnqlJCIy2KyPzj9o"
NOTE = "Hello from the REST test.\nLine 2 with umlauts: äöü ß €\n".encode()
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAFUok9dAAAAAElFTkSuQmCC"
)
ALL_IDS = [12, 8, 9, 10, 11, 5, 6, 7, 3, 4, 2, 1]


def ok(call: Any, check: Any, **extra: Any) -> dict[str, Any]:
    return {"call": call, "check": check, **extra}


def err(call: Any, cls: type[Exception], code: str | None, **extra: Any) -> dict[str, Any]:
    return {"call": call, "raises": (cls, code), **extra}


def ticket(**kw: Any) -> NewTicket:
    base = {"queue": "IT", "state": "new", "priority": "3 normal", "type": "Incident",
            "customer_user": "cust1", "title": "t"}
    return NewTicket(**{**base, **kw})


def sb() -> NewArticle:
    return NewArticle(subject="s", body="b", content_type="text/plain; charset=utf8")


def create(t: NewTicket, a: NewArticle | None = None, **kw: Any) -> Any:
    return lambda c: c.ticket_create(t, a, **kw)


AGENT_ARTICLE = NewArticle(
    communication_channel="Internal", is_visible_for_customer=True, sender_type="agent",
    subject="Printer jams", body="The printer jams every 3rd page.\nUmlauts: äöü",
    content_type="text/plain; charset=utf8", time_unit=5,
)
BROKEN = "TicketCreate: Ticket->{}ID or Ticket->{} parameter is invalid!"

CASES: dict[str, dict[str, Any]] = {
    # -- sessions ------------------------------------------------------------------------
    "001-SessionCreate-agent.json": ok(lambda c: c.session_create(), lambda r: r == A1),
    "002-SessionCreate-customer.json": ok(
        lambda c: c.session_create(), lambda r: r == "9WY6JPRVXiiFAII4rx0D7gMmSjVkVNaO"),
    "003-SessionCreate-customer-cust2.json": ok(
        lambda c: c.session_create(), lambda r: r == "ICmbtNfJbr4X0aGFUwZfd7aU3R8tUCIS"),
    "004-SessionCreate-customer-cust3-same-company.json": ok(
        lambda c: c.session_create(), lambda r: r == "CnLAwsgNTD7o0E4V1g44bmEC7QoBjKvj"),
    "005-SessionCreate-agent2.json": ok(
        lambda c: c.session_create(), lambda r: r == "glPWGnnzRof3FYx3u1jcBBTb9Uy0045K"),
    "006-SessionGet-agent.json": ok(
        lambda c: c.session_get(A1),
        lambda r: r.user_login == "agent1" and r.user_type == "User" and not r.is_customer
        and r.data["UserEmail"] == "agent1@otrslab.test"),
    "007-SessionGet-customer.json": ok(
        lambda c: c.session_get("9WY6JPRVXiiFAII4rx0D7gMmSjVkVNaO"),
        lambda r: r.is_customer and r.customer_id == "acme" and "UserPassword" not in r.data
        and r.data["CompanyConfig"]["CustomerCompanyKey"] == "customer_id"),
    "008-SessionCreate-error-wrong-password.json": err(
        lambda c: c.session_create(), e.AuthenticationError, "SessionCreate.AuthFail"),
    "009-SessionCreate-error-unknown-user.json": err(
        lambda c: c.session_create(), e.AuthenticationError, "SessionCreate.AuthFail"),
    "010-SessionCreate-error-missing-password.json": err(
        lambda c: c.session_create(), e.MissingParameterError, "SessionCreate.MissingParameter",
        fed="credentials always carry a Password; the client never sends a login without one"),
    "011-SessionCreate-error-customer-wrong-password.json": err(
        lambda c: c.session_create(), e.AuthenticationError, "SessionCreate.AuthFail"),
    "012-SessionCreate-error-agent-login-as-customer.json": err(
        lambda c: c.session_create(), e.AuthenticationError, "SessionCreate.AuthFail"),
    "013-SessionGet-error-invalid-session.json": err(
        lambda c: c.session_get("ThisIsNotAValidSessionID0000000"), e.SessionInvalidError,
        "SessionGet.SessionInvalid"),
    # -- TicketCreate ----------------------------------------------------------------------
    "014-TicketCreate-agent-full.json": ok(
        create(
            NewTicket(title="Printer on 2nd floor jams (REST test)", queue="IT", state="new",
                      priority="3 normal", type="Incident", service="IT::Printer", sla="Gold",
                      customer_user="cust1"),
            AGENT_ARTICLE,
            dynamic_fields={"CustomerReference": "PO-4711", "Impact": "high"},
            attachments=[NewAttachment.from_bytes(NOTE, "note.txt", "text/plain; charset=utf-8"),
                         NewAttachment.from_bytes(PIXEL, "pixel.png")],
        ),
        lambda r: (r.ticket_id, r.ticket_number, r.article_id) == (8, "2026112210000077", 11)),
    "015-TicketCreate-customer.json": ok(
        create(ticket(title="Cash register does not boot (customer)", queue="Customer Service",
                      type="Service Request", service="IT::Cash register"),
               NewArticle(subject="Cash register broken", body="It shows a blue screen.",
                          content_type="text/plain; charset=utf8")),
        lambda r: (r.ticket_id, r.article_id, r.article_ids) == (9, 12, [12])),
    "016-TicketCreate-customer-cust2.json": ok(
        create(ticket(title="Vacation request for June (cust2)", queue="HR", priority="2 low",
                      type="Service Request", service="HR::Vacation request",
                      customer_user="cust2"),
               NewArticle(subject="Vacation", body="Please approve 1-14 June.",
                          content_type="text/plain; charset=utf8")),
        lambda r: (r.ticket_id, r.ticket_number, r.article_id) == (10, "2026112210000095", 13)),
    "017-TicketCreate-agent-credentials-in-body.json": ok(
        create(NewTicket(title="Invoice 2024-001 wrong amount", queue="Accounting", state="open",
                         priority_id=4, type_id=3, customer_user="cust3"),
               NewArticle(communication_channel="Phone", sender_type="customer",
                          subject="Invoice question", body="Amount should be 100 EUR.",
                          mime_type="text/plain", charset="utf-8", from_="cust3@otrslab.test")),
        lambda r: (r.ticket_id, r.article_id) == (11, 14)),
    "018-TicketCreate-customer-for-other-customer.json": ok(
        create(ticket(title="Created by cust1 FOR cust2", queue="Customer Service",
                      type="Service Request", customer_user="cust2"),
               NewArticle(subject="x", body="cust1 sets CustomerUser=cust2",
                          content_type="text/plain; charset=utf8")),
        lambda r: (r.ticket_id, r.article_id) == (12, 15)),
    "019-TicketGet-customer-for-other-customer-result.json": ok(
        lambda c: c.ticket_get(12),
        lambda t: (t.customer_user_id, t.customer_id, t.service, t.service_id)
        == ("cust2", "globex", None, None)),
    "020-TicketGet-customer-for-other-customer-creator-reads.json": err(
        lambda c: c.ticket_get(12), e.PermissionDeniedError, "TicketGet.AccessDenied"),
    "021-TicketCreate-error-missing-title.json": err(
        create(NewTicket.model_construct(queue="IT", state="new", priority="3 normal",
                                         type="Incident", customer_user="cust1"), sb()),
        e.MissingParameterError, "TicketCreate.MissingParameter"),
    "022-TicketCreate-error-missing-type.json": err(
        create(NewTicket(title="t", queue="IT", state="new", priority="3 normal",
                         customer_user="cust1"), sb()),
        e.MissingParameterError, "TicketCreate.MissingParameter"),
    "023-TicketCreate-error-missing-customeruser.json": err(
        create(NewTicket.model_construct(title="t", queue="IT", state="new",
                                         priority="3 normal", type="Incident"), sb()),
        e.MissingParameterError, "TicketCreate.MissingParameter"),
    "024-TicketCreate-error-missing-article.json": err(
        create(ticket()), e.MissingParameterError, "TicketCreate.MissingParameter"),
    "025-TicketCreate-error-missing-article-contenttype.json": err(
        create(ticket(), NewArticle.model_construct(subject="s", body="b")),
        e.MissingParameterError, "TicketCreate.MissingParameter"),
    "026-TicketCreate-error-unknown-queue.json": err(
        create(ticket(queue="NoSuchQueue"), sb()), e.InvalidParameterError,
        "TicketCreate.InvalidParameter"),
    "027-TicketCreate-error-unknown-priority.json": err(
        create(ticket(priority="urgent!!"), sb()), e.InvalidParameterError,
        "TicketCreate.InvalidParameter"),
    "028-TicketCreate-error-unknown-state.json": err(
        create(ticket(state="bogus"), sb()), e.InvalidParameterError,
        "TicketCreate.InvalidParameter"),
    "029-TicketCreate-error-unknown-service.json": err(
        create(ticket(service="IT::Coffee machine"), sb()), e.InvalidParameterError,
        "TicketCreate.InvalidParameter"),
    "030-TicketCreate-error-invalid-dynamicfield-value.json": err(
        create(ticket(), sb(),
               dynamic_fields=DynamicFieldValue(name="Impact", value="catastrophic")),
        e.InvalidParameterError, "TicketCreate.InvalidParameter"),
    "031-TicketCreate-error-unknown-dynamicfield.json": err(
        create(ticket(), sb(), dynamic_fields=[DynamicFieldValue(name="NoSuchField", value="x")]),
        e.InvalidParameterError, "TicketCreate.InvalidParameter"),
    "032-TicketCreate-error-malformed-json.json": err(
        create(ticket(), sb()), e.RequestDecodingError, None,
        fed="the client serialises bodies with json.dumps; it cannot send truncated JSON"),
    "033-TicketCreate-error-empty-body.json": err(
        create(ticket(), sb()), e.MissingParameterError, "TicketCreate.MissingParameter",
        fed="the client always sends Ticket and authentication; it never sends an empty body"),
    "034-TicketCreate-error-json-array-body.json": err(
        create(ticket(), sb()), e.NoResponseError, None,
        fed="the client always sends a JSON object, never an array"),
    "035-TicketCreate-error-no-auth.json": err(
        create(ticket(), sb()), e.MissingParameterError, "TicketCreate.MissingParameter",
        fed="a client without credentials or session cannot be built (MissingCredentialsError)"),
    "036-TicketCreate-error-wrong-password.json": err(
        create(ticket(), sb()), e.AuthenticationError, "TicketCreate.AuthFail"),
    "037-TicketCreate-error-invalid-session.json": err(
        create(ticket(), sb()), e.AuthenticationError, "TicketCreate.AuthFail"),
    # -- TicketGet -------------------------------------------------------------------------
    "038-TicketGet-single.json": ok(
        lambda c: c.ticket_get(8),
        lambda t: (t.ticket_id, t.ticket_number, t.queue, t.service, t.sla_id, t.articles,
                   t.created) == (8, "2026112210000077", "IT", "IT::Printer", 1, [],
                                  datetime(2026, 11, 22, 23, 14, 49, tzinfo=UTC))),
    "039-TicketGet-single-full.json": ok(
        lambda c: c.ticket_get(8, all_articles=True, dynamic_fields=True, attachments=True),
        lambda t: t.dynamic_fields["Impact"] == "high"
        and t.dynamic_fields["ProcessManagementProcessID"] is None
        and [a.content for a in t.articles[0].attachments] == [NOTE, PIXEL]
        and t.articles[0].is_visible_for_customer is True),
    "040-TicketGet-single-full-no-attachment-content.json": ok(
        lambda c: c.ticket_get(8, all_articles=True, attachments=True,
                               attachment_contents=False, extended=True),
        lambda t: [(a.filename, a.content, a.filesize_raw) for a in t.articles[0].attachments]
        == [("note.txt", b"", 61), ("pixel.png", b"", 66)]
        and t.first_response is not None and t.model_extra["FirstResponseDiffInMin"] == 60),
    "041-TicketGet-single-article-limit.json": ok(
        lambda c: c.ticket_get(11, all_articles=True, article_limit=1, article_order="DESC"),
        lambda t: [a.article_id for a in t.articles] == [14]),
    "042-TicketGet-comma-list.json": ok(
        lambda c: c.ticket_get_many([8, 9, 11]),
        lambda ts: [t.ticket_id for t in ts] == [8, 9, 11]),
    "043-TicketGetList-repeated-param.json": ok(
        lambda c: c.ticket_get_many([8, 9, 10], list_route=True, repeat_ids=True),
        lambda ts: [t.ticket_id for t in ts] == [8, 9, 10]),
    "044-TicketGetList-comma-param.json": ok(
        lambda c: c.ticket_get_many([8, 10], list_route=True),
        lambda ts: [t.ticket_id for t in ts] == [8, 10]),
    "045-TicketGet-customer-own.json": ok(
        lambda c: c.ticket_get(9, all_articles=True, dynamic_fields=True),
        lambda t: t.customer_id == "acme" and all(a.is_visible_for_customer for a in t.articles)),
    "046-TicketGet-customer-own-agent-ticket.json": ok(
        lambda c: c.ticket_get(8, all_articles=True, attachments=True),
        lambda t: t.ticket_id == 8 and t.articles[0].attachments[1].filename == "pixel.png"),
    "047-TicketGet-customer-same-company.json": ok(
        lambda c: c.ticket_get(9), lambda t: t.ticket_id == 9 and t.customer_id == "acme"),
    "048-TicketGet-error-customer-other-customer.json": err(
        lambda c: c.ticket_get(10), e.PermissionDeniedError, "TicketGet.AccessDenied"),
    "049-TicketGet-error-customer-list-with-foreign.json": ok(
        lambda c: c.ticket_get_many([9, 10]),
        lambda ts: [t.ticket_id for t in ts] == [9],
        extra=["065-TicketGet-after-customer-priority-change",
               "048-TicketGet-error-customer-other-customer"]),
    "050-TicketGet-error-nonexistent.json": err(
        lambda c: c.ticket_get(999999), e.PermissionDeniedError, "TicketGet.AccessDenied"),
    "051-TicketGet-error-nonexistent-customer.json": err(
        lambda c: c.ticket_get(999999), e.PermissionDeniedError, "TicketGet.AccessDenied"),
    "052-TicketGet-error-non-numeric-id.json": err(
        lambda c: c.ticket_get("abc"), e.PermissionDeniedError, "TicketGet.AccessDenied"),
    "053-TicketGet-error-invalid-session.json": err(
        lambda c: c.ticket_get(8), e.AuthenticationError, "TicketGet.AuthFail"),
    "054-TicketGet-error-no-session.json": err(
        lambda c: c.ticket_get(8), e.AuthenticationError, "TicketGet.AuthFail",
        fed="a client without credentials or session cannot be built (MissingCredentialsError)"),
    "055-TicketGet-get-with-json-body-ignored.json": err(
        lambda c: c.ticket_get(8), e.AuthenticationError, "TicketGet.AuthFail",
        fed="the client puts GET parameters in the query string, never in a body"),
    "056-TicketGet-credentials-in-query.json": ok(
        lambda c: c.ticket_get(8), lambda t: t.ticket_id == 8 and t.owner == "agent1"),
    "057-TicketGet-by-webservice-id.json": ok(
        lambda c: c.ticket_get(8), lambda t: t.ticket_id == 8, client={"webservice_id": 1}),
    # -- TicketUpdate ----------------------------------------------------------------------
    "058-TicketUpdate-priority-state-owner.json": ok(
        lambda c: c.ticket_update(8, ticket=TicketChanges(priority="4 high", state="open",
                                                          owner="agent2")),
        lambda r: (r.ticket_id, r.ticket_number, r.article_id) == (8, "2026112210000077", None)),
    "059-TicketUpdate-add-article.json": ok(
        lambda c: c.ticket_update(
            8,
            article=NewArticle(communication_channel="Internal", is_visible_for_customer=True,
                               sender_type="agent", subject="Technician scheduled",
                               body="A technician will come tomorrow 9:00.",
                               content_type="text/plain; charset=utf8", time_unit=10),
            attachments=NewAttachment.from_bytes(NOTE, "schedule.txt", "text/plain")),
        lambda r: r.article_id == 16),
    "060-TicketUpdate-dynamicfield-and-pending.json": ok(
        lambda c: c.ticket_update(
            8, ticket=TicketChanges(state="pending reminder", pending_time=PendingTime(diff=1440)),
            dynamic_fields={"Impact": "medium", "CustomerReference": "PO-4712"}),
        lambda r: r.ticket_id == 8 and r.article_id is None),
    "061-TicketUpdate-by-ticketnumber.json": ok(
        lambda c: c.ticket_update(
            ticket_number="2026112210000102",
            ticket=TicketChanges(title="Invoice 2024-001 wrong amount (updated title)")),
        lambda r: (r.ticket_id, r.ticket_number) == (11, "2026112210000102")),
    "062-TicketGet-after-updates.json": ok(
        lambda c: c.ticket_get(8, all_articles=True, dynamic_fields=True),
        lambda t: (t.state, t.owner, t.priority, t.dynamic_fields["Impact"],
                   [a.article_id for a in t.articles])
        == ("pending reminder", "agent2", "4 high", "medium", [11, 16])),
    "063-TicketUpdate-customer-add-article.json": ok(
        lambda c: c.ticket_update(9, article=NewArticle(
            subject="More info", body="It also beeps.", content_type="text/plain; charset=utf8")),
        lambda r: (r.ticket_id, r.article_id) == (9, 17)),
    "064-TicketUpdate-customer-change-priority.json": ok(
        lambda c: c.ticket_update(9, ticket=TicketChanges(priority="5 very high")),
        lambda r: r.ticket_id == 9 and r.article_id is None),
    "065-TicketGet-after-customer-priority-change.json": ok(
        lambda c: c.ticket_get(9), lambda t: t.priority == "5 very high" and t.priority_id == 5),
    "066-TicketUpdate-error-customer-other-customer.json": err(
        lambda c: c.ticket_update(10, article=NewArticle(
            subject="hijack", body="x", content_type="text/plain; charset=utf8")),
        e.PermissionDeniedError, "TicketUpdate.AccessDenied"),
    "067-TicketUpdate-error-unknown-state.json": err(
        lambda c: c.ticket_update(8, ticket=TicketChanges(state="bogus")),
        e.InvalidParameterError, "TicketUpdate.InvalidParameter"),
    "068-TicketUpdate-error-unknown-owner.json": err(
        lambda c: c.ticket_update(8, ticket=TicketChanges(owner="nobody-here")),
        e.InvalidParameterError, "TicketUpdate.InvalidParameter"),
    "069-TicketUpdate-error-nonexistent.json": err(
        lambda c: c.ticket_update(999999, ticket=TicketChanges(priority="4 high")),
        e.PermissionDeniedError, "TicketUpdate.AccessDenied"),
    "070-TicketUpdate-error-pending-without-time.json": err(
        lambda c: c.ticket_update(11, ticket=TicketChanges(state="pending reminder")),
        e.MissingParameterError, "TicketUpdate.MissingParameter"),
    "071-TicketUpdate-error-malformed-json.json": err(
        lambda c: c.ticket_update(8, ticket=TicketChanges(state="open")),
        e.RequestDecodingError, None,
        fed="the client serialises bodies with json.dumps; it cannot send truncated JSON"),
    "072-TicketUpdate-close.json": ok(
        lambda c: c.ticket_update(11, ticket=TicketChanges(state="closed successful"),
                                  article=NewArticle(subject="closing", body="Resolved.",
                                                     content_type="text/plain; charset=utf8")),
        lambda r: (r.ticket_id, r.article_id) == (11, 18)),
    # -- TicketHistoryGet ------------------------------------------------------------------
    "073-TicketHistoryGet-agent.json": ok(
        lambda c: c.ticket_history(8),
        lambda h: len(h) == 24 and h[0].history_type == "NewTicket" and h[0].article_id is None
        and h[0].ticket_id == 8 and h[-1].history_type == "TicketDynamicFieldUpdate"),
    "074-TicketHistoryGet-error-customer.json": err(
        lambda c: c.ticket_history(9), e.AuthenticationError, "TicketHistoryGet.AuthFail"),
    "075-TicketHistoryGet-error-nonexistent.json": err(
        lambda c: c.ticket_history(999999), e.PermissionDeniedError,
        "TicketHistoryGet.AccessDenied"),
    # -- TicketSearch ----------------------------------------------------------------------
    "076-TicketSearch-all-default.json": ok(lambda c: c.ticket_search(), lambda r: r == ALL_IDS),
    "077-TicketSearch-queues.json": ok(
        lambda c: c.ticket_search(queues=["IT", "HR"]), lambda r: r == [8, 10, 5, 3, 2]),
    "078-TicketSearch-queueids.json": ok(
        lambda c: c.ticket_search(queue_ids=[7]), lambda r: r == [11, 6]),
    "079-TicketSearch-states.json": ok(
        lambda c: c.ticket_search(states=["new", "open"]),
        lambda r: r == [12, 9, 10, 5, 7, 4, 2, 1]),
    "080-TicketSearch-statetype.json": ok(
        lambda c: c.ticket_search(state_type="closed"), lambda r: r == [11, 6]),
    "081-TicketSearch-customer-user-login.json": ok(
        lambda c: c.ticket_search(customer_user_login="cust1"), lambda r: r == [8, 9, 3, 4, 2]),
    "082-TicketSearch-customer-id.json": ok(
        lambda c: c.ticket_search(customer_id="acme"), lambda r: r == [8, 9, 11, 6, 3, 4, 2]),
    "083-TicketSearch-create-time-newer-date.json": ok(
        lambda c: c.ticket_search(
            ticket_create_time_newer_date=datetime(2026, 11, 22, 22, 14, 52, tzinfo=UTC)),
        lambda r: r == ALL_IDS),
    "084-TicketSearch-create-time-newer-minutes.json": ok(
        lambda c: c.ticket_search(ticket_create_time_newer_minutes=60), lambda r: r == ALL_IDS),
    "085-TicketSearch-change-time-newer-date.json": ok(
        lambda c: c.ticket_search(ticket_change_time_newer_date="2026-11-22 22:14:52"),
        lambda r: r == ALL_IDS),
    "086-TicketSearch-sort-order-limit.json": ok(
        lambda c: c.ticket_search(sort_by="TicketNumber", order_by="Up", limit=3),
        lambda r: r == [1, 2, 3]),
    "087-TicketSearch-sort-priority-down.json": ok(
        lambda c: c.ticket_search(sort_by="Priority", order_by="Down"),
        lambda r: r == [4, 9, 3, 6, 8, 11, 1, 2, 7, 12, 5, 10]),
    "088-TicketSearch-title-wildcard.json": ok(
        lambda c: c.ticket_search(title="*Printer*"), lambda r: r == [8, 3, 2]),
    "089-TicketSearch-body-param-ignored.json": ok(
        lambda c: c.ticket_search(), lambda r: r == ALL_IDS,
        fed="'Body' is no TicketSearch parameter; the filter model rejects unknown names "
            "(Znuny would silently ignore it and return every ticket)"),
    "090-TicketSearch-fulltext.json": ok(
        lambda c: c.ticket_search(fulltext="blue"), lambda r: r == [9, 4]),
    "091-TicketSearch-article-body.json": ok(
        lambda c: c.ticket_search(mime_base_body="*blue*"), lambda r: r == [9, 4]),
    "092-TicketSearch-service-type.json": ok(
        lambda c: c.ticket_search(services=["IT::Printer"], types="Incident"),
        lambda r: r == [8, 3, 2]),
    "093-TicketSearch-dynamicfield.json": ok(
        lambda c: c.ticket_search(), lambda r: r == ALL_IDS,
        fed="on a GET-only route set the client refuses dynamic-field search "
            "(RouteNotConfiguredError) instead of sending a query Znuny ignores"),
    "094-TicketSearch-no-result.json": ok(
        lambda c: c.ticket_search(title="no-such-title-xyz"), lambda r: r == []),
    "095-TicketSearch-customer.json": ok(
        lambda c: c.ticket_search(), lambda r: r == [8, 9, 11, 6, 3, 4, 2]),
    "096-TicketSearch-customer-cust2.json": ok(
        lambda c: c.ticket_search(), lambda r: r == [12, 10, 5, 7]),
    "097-TicketSearch-customer-tries-other-customer.json": ok(
        lambda c: c.ticket_search(customer_user_login="cust2"), lambda r: r == []),
    "098-TicketSearch-get-with-json-body-ignored.json": err(
        lambda c: c.ticket_search(queues=["HR"]), e.AuthenticationError, "TicketSearch.AuthFail",
        fed="the client puts GET parameters in the query string, never in a body"),
    "099-TicketSearch-error-invalid-session.json": err(
        lambda c: c.ticket_search(), e.AuthenticationError, "TicketSearch.AuthFail"),
    "100-TicketSearch-error-unknown-queue.json": ok(
        lambda c: c.ticket_search(queues="NoSuchQueue"), lambda r: r == []),
    "101-TicketSearch-error-bad-date.json": ok(
        lambda c: c.ticket_search(TicketSearchFilter.model_construct(
            ticket_create_time_newer_date="yesterday")),
        lambda r: r == []),
    # -- routing and transport -------------------------------------------------------------
    "102-Routing-error-unknown-route.json": err(
        lambda c: c.ticket_search(), e.RouteNotFoundError, None,
        client={"routes": {"TicketSearch": ("GET", "/NoSuchResource")}}),
    "103-Routing-error-wrong-method.json": err(
        lambda c: c.ticket_get(8), e.RouteNotFoundError, None,
        client={"routes": {"TicketGet": ("DELETE", "/Ticket/:TicketID")}},
        fed="non-GET requests carry their parameters in a JSON body, so a DELETE route "
            "sends SessionID in the body, not the query"),
    "104-Routing-error-put-on-ticket.json": err(
        lambda c: c.ticket_search(), e.RouteNotFoundError, None,
        client={"routes": {"TicketSearch": ("PUT", "/Ticket")}}),
    "105-Routing-error-unknown-webservice.json": err(
        lambda c: c.ticket_get(1), e.NoResponseError, None),
    # -- session expiry and client IP ------------------------------------------------------
    "106-SessionCreate-for-expiry-test.json": ok(
        lambda c: c.session_create(), lambda r: r == "KYtJUOjfAui7PXVCHWc7fwluVo3Ucxk4"),
    "107-TicketGet-error-expired-session.json": err(
        lambda c: c.ticket_get(8), e.AuthenticationError, "TicketGet.AuthFail"),
    "108-SessionGet-error-expired-session.json": err(
        lambda c: c.session_get("KYtJUOjfAui7PXVCHWc7fwluVo3Ucxk4"), e.SessionInvalidError,
        "SessionGet.SessionInvalid"),
    "109-SessionCreate-from-127.0.0.1.json": ok(
        lambda c: c.session_create(), lambda r: r == "sN39BFtM6VGCpBHVGqZLGaD5ehXGHSah"),
    "110-TicketSearch-error-session-used-from-other-ip.json": err(
        lambda c: c.ticket_search(), e.AuthenticationError, "TicketSearch.AuthFail"),
    "111-TicketSearch-error-session-deleted-after-ip-mismatch.json": err(
        lambda c: c.ticket_search(), e.AuthenticationError, "TicketSearch.AuthFail"),
    # -- internal notes --------------------------------------------------------------------
    "112-TicketUpdate-add-internal-note.json": ok(
        lambda c: c.ticket_update(9, article=NewArticle(
            communication_channel="Internal", is_visible_for_customer=False, sender_type="agent",
            subject="Internal note: supplier contacted", body="Not for the customer's eyes.",
            content_type="text/plain; charset=utf8")),
        lambda r: (r.ticket_id, r.article_id) == (9, 1149)),
    "113-TicketGet-agent-sees-internal-note.json": ok(
        lambda c: c.ticket_get(9, all_articles=True),
        lambda t: [(a.article_id, a.is_visible_for_customer) for a in t.articles]
        == [(12, True), (17, True), (1149, False)]),
    "114-TicketGet-customer-internal-note-hidden.json": ok(
        lambda c: c.ticket_get(9, all_articles=True),
        lambda t: [a.article_id for a in t.articles] == [12, 17]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_client_reproduces_exchange(name: str, kit: Any) -> None:
    kit.run_case(FOLDER, name, CASES[name])


def test_every_file_is_listed_and_102_are_sent_exactly(contract: Path, kit: Any) -> None:
    kit.check_listing(FOLDER, CASES, total=114, fed=12)
