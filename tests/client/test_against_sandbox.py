"""The client against the sandbox over real HTTP, with each of the three route sets.

The sandbox (radiant_ext_sandbox, retail seed) serves one web service per route set; this
checks that the client's route sets, keep-alive sessions and models work end to end, not only
against recorded answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from radiant_ext.client import (
    AgentCredentials,
    CustomerCredentials,
    NewArticle,
    NewAttachment,
    NewTicket,
    TicketChanges,
    ZnunyClient,
)
from radiant_ext.client import errors as e

SERVICES = {
    "otrs6": "GenericTicketConnectorREST",
    "znuny": "GenericTicketConnectorRESTZnuny",
    "znuny-r2a": "GenericTicketConnectorRESTReady2Adopt",
}


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from radiant_ext_sandbox import serve_in_thread

    server = serve_in_thread(data_dir=Path(tmp_path_factory.mktemp("sandbox")), seed="retail")
    yield server.url
    server.stop()


@pytest.mark.parametrize("route_set", sorted(SERVICES))
def test_agent_round_trip(sandbox_url: str, route_set: str) -> None:
    with ZnunyClient(sandbox_url, route_set=route_set, webservice=SERVICES[route_set],
                     credentials=AgentCredentials("radiant", "radiant-demo")) as client:
        created = client.ticket_create(
            NewTicket(title=f"Receipt printer jams ({route_set})", queue="IT::Stores",
                      state="new", priority="4 high", type="Incident",
                      customer_user="demo-customer"),
            NewArticle(subject="Jams", body="Every receipt", content_type="text/plain; "
                       "charset=utf-8", communication_channel="Internal", sender_type="agent"),
            dynamic_fields={"RadiantRequestID": f"r-{route_set}", "RadiantStore": "store-007"},
            attachments=NewAttachment.from_bytes(b"photo", "jam.jpg"),
        )
        ticket = client.ticket_get(created.ticket_id, all_articles=True, dynamic_fields=True,
                                   attachments=True)
        assert ticket.dynamic_fields["RadiantStore"] == "store-007"
        assert ticket.articles[0].attachments[0].content == b"photo"
        assert client.ticket_search(ticket_number=created.ticket_number) == [created.ticket_id]
        updated = client.ticket_update(ticket_number=created.ticket_number,
                                       ticket=TicketChanges(state="open"))
        assert updated.ticket_id == created.ticket_id
        assert client.ticket_get_many([created.ticket_id])[0].state == "open"
        assert {"NewTicket", "StateUpdate"} <= {h.history_type
                                               for h in client.ticket_history(created.ticket_id)}
        if route_set == "znuny-r2a":  # dynamic-field search on the POST search route
            assert client.ticket_search(
                dynamic_fields={"RadiantRequestID": f"r-{route_set}"}) == [created.ticket_id]
        else:
            with pytest.raises(e.RouteNotConfiguredError):
                client.ticket_search(dynamic_fields={"RadiantRequestID": "x"})


def test_customer_sees_own_tickets_but_not_history(sandbox_url: str) -> None:
    client = ZnunyClient(sandbox_url, credentials=CustomerCredentials("demo-customer", "demo"))
    info = client.session_get()
    assert info.is_customer and info.user_login == "demo-customer"
    ids = client.ticket_search(limit=5)
    assert ids
    assert client.ticket_get(ids[0]).customer_user_id
    with pytest.raises(e.AuthenticationError):
        client.ticket_history(ids[0])
    client.close()
