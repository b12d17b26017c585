"""Keyset paging of ``iter_ticket_search`` against a simulated TicketSearch (no offset)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from radiant_ext.client import TicketSearchFilter, ZnunyClient

ROOT = "http://znuny.test/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


class FakeZnuny:
    """TicketSearch/TicketGet over a fixed ticket list, with Znuny's inclusive NewerDate."""

    def __init__(self, tickets: dict[int, str], changed: dict[int, str] | None = None) -> None:
        self.tickets = tickets
        self.changed = changed or tickets
        self.searches: list[dict[str, list[str]]] = []

    def search(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        q = parse_qs(urlsplit(request.url or "").query)
        self.searches.append(q)
        stamps = self.tickets if q["SortBy"] == ["Age"] else self.changed
        newer = (q.get("TicketCreateTimeNewerDate") or q.get("TicketLastChangeTimeNewerDate")
                 or [""])[0]
        hits = sorted((stamp, tid) for tid, stamp in stamps.items() if stamp >= newer)
        if q.get("Queues"):
            hits = [h for h in hits if h[1] % 2 == 0]
        ids = [str(tid) for _, tid in hits][: int(q["Limit"][0])]
        return 200, {}, json.dumps({"TicketID": ids} if ids else {})

    def get(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        found = re.search(r"/Ticket/(\d+)", request.url or "")
        assert found
        tid = int(found.group(1))
        return 200, {}, json.dumps({"Ticket": [{"TicketID": tid, "TicketNumber": str(tid),
                                                "Created": self.tickets[tid],
                                                "Changed": self.changed[tid]}]})

    def install(self, mocked: Any) -> None:
        mocked.add_callback("GET", ROOT + "/Ticket", callback=self.search)
        mocked.add_callback("GET", re.compile(ROOT + r"/Ticket/\d+"), callback=self.get)


def stamp(second: int) -> str:
    return f"2026-11-23 10:00:{second:02d}"


@pytest.fixture
def client() -> ZnunyClient:
    return ZnunyClient("http://znuny.test", session_id="S" * 32)


def test_pages_through_every_ticket_once_in_creation_order(client: ZnunyClient,
                                                           mocked: Any) -> None:
    fake = FakeZnuny({1: stamp(1), 2: stamp(1), 3: stamp(2), 4: stamp(2), 5: stamp(2),
                      6: stamp(3), 7: stamp(5)})
    fake.install(mocked)
    assert list(client.iter_ticket_search(page_size=3)) == [1, 2, 3, 4, 5, 6, 7]
    first = fake.searches[0]
    assert (first["SortBy"], first["OrderBy"], first["Limit"]) == (["Age"], ["Up"], ["3"])
    assert "TicketCreateTimeNewerDate" not in first
    assert fake.searches[1]["TicketCreateTimeNewerDate"] == [stamp(2)]


def test_a_second_holding_more_than_a_page_grows_the_limit(client: ZnunyClient,
                                                           mocked: Any) -> None:
    fake = FakeZnuny({i: stamp(1) for i in range(1, 8)} | {8: stamp(2)})
    fake.install(mocked)
    assert list(client.iter_ticket_search(page_size=2)) == list(range(1, 9))
    # the first repeat finds the boundary stuck, then the limit doubles until it moves
    assert [s["Limit"][0] for s in fake.searches][:4] == ["2", "2", "4", "8"]


def test_filters_and_total_limit_are_kept(client: ZnunyClient, mocked: Any) -> None:
    fake = FakeZnuny({i: stamp(i) for i in range(1, 11)})
    fake.install(mocked)
    ids = list(client.iter_ticket_search(queues=["IT"], limit=3, page_size=2))
    assert ids == [2, 4, 6]
    assert all(s["Queues"] == ["IT"] for s in fake.searches)


def test_paging_by_last_change(client: ZnunyClient, mocked: Any) -> None:
    fake = FakeZnuny({1: stamp(1), 2: stamp(2), 3: stamp(3)},
                     changed={1: stamp(9), 2: stamp(4), 3: stamp(6)})
    fake.install(mocked)
    assert list(client.iter_ticket_search(key="changed", page_size=2)) == [2, 3, 1]
    assert fake.searches[0]["SortBy"] == ["Changed"]
    assert fake.searches[1]["TicketLastChangeTimeNewerDate"] == [stamp(6)]


def test_empty_result_ends_at_once(client: ZnunyClient, mocked: Any) -> None:
    FakeZnuny({}).install(mocked)
    mocked.assert_all_requests_are_fired = False
    assert list(client.iter_ticket_search()) == []


def test_own_sorting_is_refused(client: ZnunyClient) -> None:
    with pytest.raises(ValueError, match="sorts by itself"):
        list(client.iter_ticket_search(TicketSearchFilter(sort_by="Priority")))
    with pytest.raises(TypeError, match="not both"):
        client.ticket_search(TicketSearchFilter(), queues=["IT"])
