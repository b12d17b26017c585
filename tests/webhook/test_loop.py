"""The whole loop over HTTP: an e-mail ticket in the sandbox → the invoker call → routed ticket.

Znuny's part (reading the ticket, calling the invoker, applying the answer) is played here with
``invoker_payload``, ``call_invoker`` and ``plan_writeback``; the ticket lives in the retail
sandbox and is read and changed through its GenericInterface.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from radiant_ext.client import AgentCredentials, NewArticle, NewTicket, TicketChanges, ZnunyClient
from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.webhook import TicketRouter, WebhookConfig, init_webhook, validate_payload
from radiant_ext_sandbox.znuny_invoker import INVOKER_HEADERS, call_invoker, invoker_payload
from radiant_ext_sandbox.znuny_writeback import WriteBackAction, apply_writeback, plan_writeback

GI = "/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from radiant_ext_sandbox import serve_in_thread

    server = serve_in_thread(data_dir=tmp_path_factory.mktemp("sandbox"), seed="retail")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def webhook_url(kit: Any) -> Iterator[str]:
    app = Flask("loop")
    init_webhook(app, router=TicketRouter(Plugins(make_plugin_manager())),
                 config=WebhookConfig(user=kit.USER, secret=kit.SECRET))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/-/znuny/webhook/ticket-create"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def agent(sandbox: Any) -> Iterator[ZnunyClient]:
    client = ZnunyClient(sandbox.url, route_set="otrs6",
                         credentials=AgentCredentials("radiant", "radiant-demo"))
    yield client
    client.close()


def _ticket_get(sandbox: Any, agent: ZnunyClient, ticket_id: int) -> dict[str, Any]:
    """The raw GI TicketGet answer (what Znuny's TicketDeepGet is built from)."""
    params = {"SessionID": agent.session_create(), "AllArticles": 1, "DynamicFields": 1}
    answer = requests.get(f"{sandbox.url}{GI}/Ticket/{ticket_id}", params=params, timeout=10)
    ticket: dict[str, Any] = answer.json()["Ticket"][0]
    return ticket


def _apply_through_gi(agent: ZnunyClient, ticket_id: int, plan: Any) -> Any:
    """Apply the actions with GI calls; field changes go in one TicketUpdate at the end
    (Znuny's write-back runs as user 1 and needs no SLA-after-service order; the GI does)."""
    changes: dict[str, Any] = {}
    fields: dict[str, Any] = {}

    def apply(action: WriteBackAction) -> bool:
        if action.operation == "ArticleAdd":
            note = action.value
            agent.ticket_update(ticket_id, article=NewArticle(
                subject=note["Subject"], body=note["Body"], communication_channel="Internal",
                content_type="text/plain; charset=utf-8", is_visible_for_customer=False,
                sender_type="agent", history_type=note["HistoryType"],
                history_comment=note["HistoryComment"]))
        elif action.operation == "DynamicFieldSet":
            fields[action.field or ""] = action.value
        else:
            changes[action.operation.removesuffix("Set").lower()] = action.value
        return True

    outcome = apply_writeback(plan.actions, apply)
    agent.ticket_update(ticket_id, ticket=TicketChanges(**changes), dynamic_fields=fields)
    return outcome


def test_an_email_about_a_broken_register_becomes_a_routed_ticket(
    sandbox: Any, agent: ZnunyClient, webhook_url: str, kit: Any
) -> None:
    created = agent.ticket_create(
        NewTicket(title="Cash register does not work", queue="Postmaster", state="new",
                  priority="3 normal", type="Unclassified", customer_user="flagship-clerk"),
        NewArticle(subject="Cash register does not work", body="Register 2 does not start.",
                   communication_channel="Email", sender_type="customer",
                   content_type="text/plain; charset=utf-8", is_visible_for_customer=True),
    )
    raw = _ticket_get(sandbox, agent, created.ticket_id)
    payload = invoker_payload({"Event": "TicketCreate", "TicketID": created.ticket_id}, raw,
                              extra={"CustomerUser": {"UserLogin": "flagship-clerk",
                                                      "ValidID": 1}})
    assert validate_payload(payload).ticket.ticket_number == created.ticket_number

    answer = call_invoker(webhook_url, payload, user=kit.USER, password=kit.SECRET)
    plan = plan_writeback(answer.status, answer.content_type, answer.body)
    assert plan.success and plan.actions
    outcome = _apply_through_gi(agent, created.ticket_id, plan)
    assert outcome.failed is None

    ticket = agent.ticket_get(created.ticket_id, all_articles=True, dynamic_fields=True)
    assert ticket.queue == "IT::Stores"
    assert ticket.priority == "5 very high"  # base 4 high, flagship store +1
    assert ticket.service == "IT::Cash register" and ticket.sla == "POS critical"
    values = {k: getattr(v, "value", v) for k, v in ticket.dynamic_fields.items()}
    assert values["RadiantCategory"] == "it.pos-down"
    assert values["RadiantStore"] == "store-001"
    assert values["RadiantDeadline"]
    note = ticket.articles[-1]
    assert note.subject == "Routed by Radiant: it.pos-down"
    assert not note.is_visible_for_customer

    # Znuny would now send the note's ArticleCreate, and a retry would resend TicketCreate:
    raw = _ticket_get(sandbox, agent, created.ticket_id)
    for event in ({"Event": "ArticleCreate", "TicketID": created.ticket_id,
                   "ArticleID": note.article_id},
                  {"Event": "TicketCreate", "TicketID": created.ticket_id}):
        again = call_invoker(webhook_url, invoker_payload(event, raw, article_id=note.article_id),
                             user=kit.USER, password=kit.SECRET)
        assert plan_writeback(again.status, again.content_type, again.body).actions == ()


def test_the_invoker_call_carries_znunys_headers_and_auth(kit: Any) -> None:
    seen: dict[str, Any] = {}
    app = Flask("headers")

    @app.post("/hook")
    def hook() -> dict[str, Any]:
        from flask import request

        seen.update({k.lower(): v for k, v in request.headers.items()})
        seen["auth"] = (request.authorization.username, request.authorization.password)
        return {"OTRS_TicketPrioritySet": "2 low"}

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = call_invoker(f"http://127.0.0.1:{server.server_port}/hook",
                              {"Event": {"Event": "TicketCreate", "TicketID": 1}, "Ticket": {}},
                              user="znuny", password="pw")
    finally:
        server.shutdown()
        thread.join(timeout=5)
    for name, value in INVOKER_HEADERS.items():
        assert seen[name.lower()] == value
    assert seen["auth"] == ("znuny", "pw")
    assert plan_writeback(answer.status, answer.content_type, answer.body).actions[0].value == \
        "2 low"


def test_no_answer_in_time_is_a_500_that_applies_nothing(kit: Any) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never answers
    try:
        port = listener.getsockname()[1]
        answer = call_invoker(f"http://127.0.0.1:{port}/hook", {"Event": {}}, user="u",
                              password="p", timeout=0.3)
    finally:
        listener.close()
    assert answer.status == 500 and answer.body == b"read timeout"
    assert plan_writeback(answer.status, answer.content_type, answer.body).error == \
        "Response code '500'."


def test_payload_from_a_recorded_ticket_get_has_the_invoker_shape(kit: Any) -> None:
    import json

    path = kit.RECORDINGS.parent / "znuny" / "016-TicketGet-single-full.json"
    ticket = json.loads(path.read_text(encoding="utf-8"))["response_body"]["Ticket"][0]
    payload = invoker_payload({"Event": "TicketCreate", "TicketID": ticket["TicketID"]}, ticket)
    body = payload["Ticket"]
    assert "DynamicField" not in body
    assert body["DynamicField_CustomerReference"] == "PO-4711"
    assert body["ServiceData"] == {} and body["SLAID"] == ""
    assert all("Attachment" not in a for a in body["Articles"])
    assert "Attachment" in body["Article"]
    assert validate_payload(payload).ticket.dynamic_field("Impact") == "high"
    recorded = kit.load_recording("01-TicketCreate-agent-gi.json")["request"]["body"]["Ticket"]
    shared = {"Article", "Articles", "ServiceData", "SLAData", "TicketNumber", "Queue",
              "DynamicField_CustomerReference"}
    assert shared <= set(body) and shared <= set(recorded)
