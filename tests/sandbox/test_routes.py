"""Route sets of the retail sandbox (OTRS 6 sample, Znuny sample, Extra, Ready2Adopt) and faults."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from radiant_ext_sandbox import SandboxError, SandboxServer, create_app

BASE = "/znuny/nph-genericinterface.pl/Webservice/"


def _sid(url: str) -> str:
    body = {"UserLogin": "demo-agent", "Password": "demo"}
    return str(
        requests.post(url + BASE + "GenericTicketConnectorREST/Session", json=body).json()[
            "SessionID"
        ]
    )


def test_ready2adopt_search_is_post_and_get_falls_to_ticketget(server: SandboxServer) -> None:
    sid = _sid(server.url)
    ws = server.url + BASE + "GenericTicketConnectorRESTReady2Adopt"
    assert requests.post(ws + "/Ticket/Search", json={"SessionID": sid}).json() == {}
    got = requests.get(ws + "/Ticket/Search", params={"SessionID": sid}).json()
    assert got["Error"]["ErrorCode"] == "TicketGet.AccessDenied"


def test_routing_errors_are_plain_text_500(server: SandboxServer) -> None:
    ws = server.url + BASE + "GenericTicketConnectorREST"
    r = requests.put(ws + "/Ticket/1")
    assert (r.status_code, r.text) == (
        500,
        "HTTP::REST Error while determine Operation for request URI '/Ticket/1'.",
    )
    r = requests.get(ws + "/Ticket/1/")
    assert r.status_code == 500  # anchored: a trailing slash does not match


def test_session_header_and_webservice_id(server: SandboxServer) -> None:
    sid = _sid(server.url)
    r = requests.get(
        server.url + BASE + "GenericTicketConnectorREST/Ticket",
        headers={"X-OTRS-Header-SessionID": sid},
    )
    assert r.json() == {}
    r = requests.get(
        server.url + "/otrs/nph-genericinterface.pl/WebserviceID/1/Ticket",
        params={"SessionID": sid},
    )
    assert r.json() == {}


def test_unknown_webservice_and_down_fault_send_no_answer(server: SandboxServer) -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + BASE + "NoSuchWebservice/Ticket/1")
    requests.post(server.url + "/__sandbox__/faults", json={"mode": "down", "count": 1})
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + BASE + "GenericTicketConnectorREST/Ticket")


def test_customer_sees_company_tickets_but_not_internal_notes(server: SandboxServer) -> None:
    ws = server.url + BASE + "GenericTicketConnectorRESTReady2Adopt"
    ticket = {
        "Title": "Lights out",
        "Queue": "Maintenance",
        "State": "new",
        "Priority": "3 normal",
        "Type": "Incident",
        "CustomerUser": "demo-customer",
    }
    art = {"Subject": "s", "Body": "b", "ContentType": "text/plain; charset=utf-8"}
    agent = {"UserLogin": "radiant", "Password": "radiant-demo"}
    tid = requests.post(ws + "/Ticket", json={**agent, "Ticket": ticket, "Article": art}).json()[
        "TicketID"
    ]
    note = {**art, "IsVisibleForCustomer": 0, "Subject": "internal"}
    requests.patch(ws + f"/Ticket/{tid}", json={**agent, "Article": note})
    manager = {
        "CustomerUserLogin": "store-manager",
        "Password": "demo",
    }  # same store as demo-customer
    got = requests.get(ws + f"/Ticket/{tid}", params={**manager, "AllArticles": 1}).json()[
        "Ticket"
    ][0]
    assert [a["Subject"] for a in got["Article"]] == ["s"]
    other = {"CustomerUserLogin": "flagship-clerk", "Password": "demo"}
    assert (
        requests.get(ws + f"/Ticket/{tid}", params=other).json()["Error"]["ErrorCode"]
        == "TicketGet.AccessDenied"
    )


def test_seed_mismatch_is_refused(tmp_path: Path) -> None:
    create_app(tmp_path, seed="lab")
    with pytest.raises(SandboxError, match="lab"):
        create_app(tmp_path, seed="retail")


def test_dynamic_field_search_by_text_and_datetime(server: SandboxServer) -> None:
    ws = server.url + BASE + "GenericTicketConnectorRESTExtra"
    agent = {"UserLogin": "radiant", "Password": "radiant-demo"}
    ticket = {
        "Title": "POS down",
        "Queue": "IT::Stores",
        "State": "new",
        "Priority": "5 very high",
        "Type": "Incident",
        "CustomerUser": "flagship-clerk",
    }
    art = {"Subject": "s", "Body": "b", "ContentType": "text/plain; charset=utf-8"}
    dfs = [
        {"Name": "RadiantCategory", "Value": "it.pos-down"},
        {"Name": "RadiantDeadline", "Value": "2026-12-01 12:00:00"},
    ]
    tid = requests.post(
        ws + "/Ticket", json={**agent, "Ticket": ticket, "Article": art, "DynamicField": dfs}
    ).json()["TicketID"]
    by_text = {**agent, "DynamicField": [{"Name": "RadiantCategory", "Equals": "it.pos-down"}]}
    assert requests.post(ws + "/Ticket/Search", json=by_text).json() == {"TicketID": [tid]}
    later = {**agent, "DynamicField_RadiantDeadline": {"GreaterThan": "2026-12-01 11:59:59"}}
    assert requests.post(ws + "/Ticket/Search", json=later).json() == {"TicketID": [tid]}
    earlier = {**agent, "DynamicField_RadiantDeadline": {"SmallerThan": "2026-12-01 11:59:59"}}
    assert requests.post(ws + "/Ticket/Search", json=earlier).json() == {}


def test_the_main_web_service_serves_the_shipped_znuny_yaml(server: SandboxServer) -> None:
    """Retail's GenericTicketConnectorREST is deploy/znuny/GenericTicketConnectorREST.znuny.yml,
    so the client's otrs6, znuny and znuny-r2a route sets all work against it."""
    import yaml

    from radiant_ext.client import (
        AgentCredentials,
        NewArticle,
        NewTicket,
        TicketChanges,
        ZnunyClient,
    )
    from radiant_ext_sandbox.routing import ROUTE_SETS

    shipped = (
        Path(__file__).resolve().parents[2] / "deploy/znuny/GenericTicketConnectorREST.znuny.yml"
    )
    provider = yaml.safe_load(shipped.read_text(encoding="utf-8"))["Provider"]
    mapping = provider["Transport"]["Config"]["RouteOperationMapping"]
    routes = {
        (name, provider["Operation"][name]["Type"], entry["Route"], tuple(entry["RequestMethod"]))
        for name, entry in mapping.items()
    }
    assert set(ROUTE_SETS["radiant-znuny"]) == routes
    for route_set in ("otrs6", "znuny", "znuny-r2a"):
        client = ZnunyClient(
            server.url, route_set=route_set, credentials=AgentCredentials("radiant", "radiant-demo")
        )
        try:
            ticket_id = client.ticket_create(
                NewTicket(
                    title="t",
                    queue="IT",
                    state="new",
                    priority="3 normal",
                    type="Incident",
                    customer_user="demo-customer",
                ),
                NewArticle(subject="s", body="b", content_type="text/plain; charset=utf-8"),
            ).ticket_id
            assert ticket_id in client.ticket_search(queues=["IT"])
            client.ticket_update(ticket_id, ticket=TicketChanges(title=f"via {route_set}"))
            assert client.ticket_get(ticket_id).title == f"via {route_set}"
            assert client.ticket_history(ticket_id)[-1].history_type == "TitleUpdate"
        finally:
            client.close()
