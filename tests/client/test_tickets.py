"""Ticket operations beyond single exchanges: batching with fallback, get by number, writes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
from responses import matchers

from radiant_ext.client import (
    NewArticle,
    NewAttachment,
    NewTicket,
    RetryPolicy,
    TicketChanges,
    ZnunyClient,
)
from radiant_ext.client import errors as e

ROOT = "http://znuny.test/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
SID = "S" * 32
DENIED = {"Error": {"ErrorCode": "TicketGet.AccessDenied",
                    "ErrorMessage": "TicketGet: User does not have access to the ticket!"}}


def client(**kw: Any) -> ZnunyClient:
    return ZnunyClient("http://znuny.test", session_id=SID, retry=RetryPolicy(attempts=1), **kw)


class Batches:
    """TicketGet over /Ticket/<ids>: tickets 1..n exist, ``denied`` are not readable."""

    def __init__(self, denied: set[int]) -> None:
        self.denied = denied
        self.paths: list[str] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        found = re.search(r"/Ticket/([\d,]+)", request.url or "")
        assert found
        self.paths.append(found.group(1))
        ids = [int(i) for i in found.group(1).split(",")]
        if self.denied & set(ids):
            return 200, {}, json.dumps(DENIED)
        return 200, {}, json.dumps({"Ticket": [{"TicketID": i, "TicketNumber": f"N{i}"}
                                               for i in ids]})


def test_batches_are_chunked_and_a_denied_batch_falls_back_per_id(mocked: Any) -> None:
    batches = Batches(denied={5})
    mocked.add_callback("GET", re.compile(ROOT + r"/Ticket/[\d,]+"), callback=batches)
    tickets = client().ticket_get_many(range(1, 8), chunk_size=3)
    assert [t.ticket_id for t in tickets] == [1, 2, 3, 4, 6, 7]
    assert batches.paths == ["1,2,3", "4,5,6", "4", "5", "6", "7"]


def test_default_batches_hold_100_ids_and_ask_only_for_what_was_asked(mocked: Any) -> None:
    batches = Batches(denied=set())
    mocked.add_callback("GET", re.compile(ROOT + r"/Ticket/[\d,]+"), callback=batches)
    tickets = client().ticket_get_many(range(1, 251))
    assert [t.ticket_id for t in tickets] == list(range(1, 251))
    assert [len(p.split(",")) for p in batches.paths] == [100, 100, 50]
    query = mocked.calls[0].request.url.split("?", 1)[1]
    assert query == f"SessionID={SID}"  # no article, attachment or dynamic-field flags


def test_denied_tickets_can_raise_instead_of_being_skipped(mocked: Any) -> None:
    mocked.add_callback("GET", re.compile(ROOT + r"/Ticket/[\d,]+"), callback=Batches({2}))
    with pytest.raises(e.PermissionDeniedError):
        client().ticket_get_many([1, 2], skip_denied=False)


def test_batch_flags_are_sent_with_every_chunk(mocked: Any) -> None:
    mocked.add("GET", ROOT + "/Ticket/1,2", json={"Ticket": []},
               match=[matchers.query_param_matcher({"SessionID": SID, "AllArticles": "1",
                                                    "DynamicFields": "1"})])
    assert client().ticket_get_many([1, 2], all_articles=True, dynamic_fields=True) == []
    with pytest.raises(ValueError):
        client().ticket_get_many([1], chunk_size=0)


def test_get_by_number_searches_then_gets(kit: Any, mocked: Any) -> None:
    mocked.add("GET", ROOT + "/Ticket", json={"TicketID": ["8"]},
               match=[matchers.query_param_matcher({"SessionID": SID,
                                                    "TicketNumber": "2026112210000077",
                                                    "Limit": "1"})])
    mocked.add("GET", ROOT + "/Ticket/8",
               json=kit.load("otrs-ce-6", "038-TicketGet-single")["response_body"])
    assert client().ticket_get_by_number("2026112210000077").ticket_id == 8


def test_get_by_unknown_number_is_not_found(mocked: Any) -> None:
    mocked.add("GET", ROOT + "/Ticket", json={})
    with pytest.raises(e.NotFoundError):
        client().ticket_get_by_number("1")


def test_empty_ticket_list_is_not_found(mocked: Any) -> None:
    mocked.add("GET", ROOT + "/Ticket/3", json={"Ticket": []})
    with pytest.raises(e.NotFoundError):
        client().ticket_get(3)


def test_create_with_several_articles_and_an_attachment_file(mocked: Any, tmp_path: Any) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8jpeg")
    first = NewArticle(subject="a", body="1", content_type="text/plain; charset=utf-8")
    second = NewArticle(subject="b", body="2", content_type="text/html; charset=utf-8",
                        is_visible_for_customer=False)
    mocked.add("POST", ROOT + "/Ticket", json={"TicketID": "7", "TicketNumber": "N7",
                                               "ArticleID": ["10", "11"]},
               match=[matchers.json_params_matcher({
                   "SessionID": SID,
                   "Ticket": {"Title": "t", "Queue": "IT", "State": "new", "Priority": "3 normal",
                              "CustomerUser": "demo-customer"},
                   "Article": [first.to_znuny(), second.to_znuny()],
                   "DynamicField": [{"Name": "RadiantDeadline", "Value": "2026-11-24 15:00:00"}],
                   "Attachment": [{"Content": "/9hqcGVn", "ContentType": "image/jpeg",
                                   "Filename": "photo.jpg"}],
               })])
    from datetime import UTC, datetime

    created = client().ticket_create(
        NewTicket(title="t", queue="IT", state="new", priority="3 normal",
                  customer_user="demo-customer"),
        [first, second],
        dynamic_fields={"RadiantDeadline": datetime(2026, 11, 24, 15, 0, tzinfo=UTC)},
        attachments=[NewAttachment.from_path(tmp_path / "photo.jpg")],
    )
    assert (created.article_id, created.article_ids) == (10, [10, 11])


def test_update_needs_an_id_or_a_number() -> None:
    with pytest.raises(ValueError, match="ticket_id or ticket_number"):
        client().ticket_update(ticket=TicketChanges(state="open"))


def test_ready2adopt_routes(mocked: Any) -> None:
    r2a = "http://znuny.test/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
    mocked.add("GET", r2a + "/Ticket/History/4", json={"TicketHistory": [{"TicketID": "4",
               "History": [{"TicketID": "4", "HistoryType": "NewTicket", "ArticleID": 0}]}]})
    mocked.add("POST", r2a + "/Ticket/Search", json={"TicketID": ["4"]},
               match=[matchers.json_params_matcher({"SessionID": SID, "Queues": ["IT"],
                                                    "Limit": 5})])
    mocked.add("PATCH", r2a + "/Ticket/4", json={"TicketID": "4", "TicketNumber": "N"},
               match=[matchers.json_params_matcher({"SessionID": SID,
                                                    "Ticket": {"State": "open"}})])
    c = client(route_set="znuny-r2a")
    assert [h.history_type for h in c.ticket_history(4)] == ["NewTicket"]
    assert c.ticket_search(queues=["IT"], limit=5) == [4]
    assert c.ticket_update(4, ticket=TicketChanges(state="open")).ticket_id == 4
    with pytest.raises(e.RouteNotConfiguredError, match="TicketGetList"):
        c.ticket_get_many([1], list_route=True)


def test_parallel_batches_keep_the_order_and_the_fallback(mocked: Any) -> None:
    batches = Batches(denied={5})
    mocked.add_callback("GET", re.compile(ROOT + r"/Ticket/[\d,]+"), callback=batches)
    tickets = client().ticket_get_many(range(1, 11), chunk_size=3, workers=3)
    assert [t.ticket_id for t in tickets] == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    assert sorted(batches.paths) == sorted(["1,2,3", "4,5,6", "7,8,9", "10", "4", "5", "6"])
    with pytest.raises(ValueError):
        client().ticket_get_many([1], workers=0)
