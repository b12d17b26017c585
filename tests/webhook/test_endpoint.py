"""The endpoint: every recorded payload replayed, credentials, malformed and oversized bodies."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask_wtf.csrf import CSRFProtect

from radiant_ext.webhook import SECRET_HEADER
from radiant_ext_sandbox.znuny_writeback import apply_writeback, plan_writeback

RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "znuny-webhook"
ALL = sorted(p.name for p in RECORDINGS.glob("*.json"))
RADIANT_FIELDS = {"RadiantCategory", "RadiantDeadline", "RadiantStore", "RadiantRequestID"}

ROUTED = {  # file prefix -> catalog item of the test catalog
    "01": "testdesk.printer", "05": "testdesk.scanner", "07": "testdesk.printer",
    "08": "testdesk.printer", "10": "testdesk.printer", "12": "testdesk.printer",
    "13": "testdesk.printer", "14": "testdesk.printer", "15": "testdesk.printer",
    "16": "testdesk.printer", "17": "testdesk.printer", "18": "testdesk.printer",
    "19": "testdesk.printer", "20": "testdesk.printer", "21": "testdesk.printer",
    "22": "testdesk.printer",
}


def _replay(kit: Any, client: Any, name: str) -> tuple[dict[str, Any], Any]:
    exchange = kit.load_recording(name)
    request = exchange["request"]
    headers = {k: v for k, v in request["headers"] if k.lower() not in {
        "authorization", "content-length", "host", "connection", "te"}}
    headers.update(kit.basic())
    response = client.post(
        kit.endpoint_path(request["path"]), data=json.dumps(request["body"]), headers=headers
    )
    return exchange, response


def test_all_23_recordings_are_replayed() -> None:
    assert len(ALL) == 23


@pytest.mark.parametrize("name", ALL)
def test_recorded_payload_gets_an_answer_znuny_applies_in_full(
    name: str, kit: Any, client: Any
) -> None:
    exchange, response = _replay(kit, client, name)
    assert response.status_code == 200
    plan = plan_writeback(response.status_code, response.content_type, response.data)
    assert plan.success, plan.failure
    answer = response.get_json()
    item = ROUTED.get(name[:2])
    if item is None:
        assert answer == {}
        assert response.headers["X-Radiant-Webhook"].startswith("ignored")
        return
    assert len(plan.actions) == len(answer), "every key we send is one Znuny runs"
    ticket = dict(exchange["request"]["body"]["Ticket"])
    znuny = kit.FakeZnuny(ticket=ticket, dynamic_fields={"Impact", *RADIANT_FIELDS})
    outcome = apply_writeback(plan.actions, znuny.apply)
    assert outcome.failed is None
    assert ticket["DynamicField_RadiantCategory"] == item
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", ticket["DynamicField_RadiantDeadline"])
    note = znuny.articles[0]
    assert note["HistoryType"] == "AddNote" and note["HistoryComment"]
    assert note["IsVisibleForCustomer"] == 0
    assert item in note["Body"]


def test_printer_ticket_of_a_key_account_is_routed_with_the_rule_that_fired(
    kit: Any, client: Any
) -> None:
    _, response = _replay(kit, client, "08-TicketCreate-writeback-full.json")
    answer = response.get_json()
    assert answer["OTRS_TicketQueueSet"] == "Misc"
    assert answer["OTRS_TicketServiceSet"] == "IT::Printer"
    assert answer["OTRS_TicketSLASet"] == "Gold"
    assert answer["OTRS_TicketPrioritySet"] == "4 high"  # base 3 normal, key-account +1
    assert "key-account: ACME is a key account" in answer["OTRS_TicketArticleAdd"]["Body"]
    # created 2026-11-23 05:46:50 UTC = Mon 08:46 Moscow; + 8 business hours = 16:46 Moscow
    assert answer["OTRS_TicketDynamicFieldSet_RadiantDeadline"] == "2026-11-23 13:46:50"


def test_email_ticket_from_postmaster_is_routed_out_of_the_postmaster_queue(
    kit: Any, client: Any
) -> None:
    _, response = _replay(kit, client, "05-TicketCreate-email-postmaster.json")
    answer = response.get_json()
    assert answer["OTRS_TicketQueueSet"] == "IT"
    assert answer["OTRS_TicketServiceSet"] == "IT::Network"
    assert "OTRS_TicketSLASet" not in answer
    assert "scanner" in answer["OTRS_TicketArticleAdd"]["Body"]


def _email_with_article(shape: str, kit: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(
        kit.load_recording("05-TicketCreate-email-postmaster.json")["request"]["body"]))
    ticket = body["Ticket"]
    trigger = ticket.get("Article") or ticket["Articles"][0]
    if shape == "empty-object":  # Znuny 7.0.9: two or more articles when the event fires
        ticket["Article"] = {}
    elif shape == "list":
        ticket["Article"] = [trigger]
        ticket.pop("Articles", None)
    elif shape == "absent":
        ticket.pop("Article", None)
    elif shape == "articles-as-object":
        ticket.pop("Article", None)
        ticket["Articles"] = trigger
    elif shape == "unknown-keys":
        ticket["Article"] = {**trigger, "IsEdited": 0, "ArticleDeleted": 0, "NewKey": {"a": 1}}
        ticket["SomethingNew"] = [1, 2]
        body["Event"]["Unexpected"] = "x"
    return body


@pytest.mark.parametrize("shape", ["empty-object", "list", "absent", "articles-as-object",
                                   "unknown-keys"])
def test_every_article_shape_znuny_sends_is_routed(shape: str, kit: Any, post: Any) -> None:
    response = post(_email_with_article(shape, kit))
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["OTRS_TicketQueueSet"] == "IT"
    assert "scanner" in answer["OTRS_TicketArticleAdd"]["Body"]


def test_a_ticket_without_any_article_is_answered_not_refused(kit: Any, post: Any) -> None:
    body = _email_with_article("absent", kit)
    body["Ticket"].pop("Articles", None)
    response = post(body)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "path", ["/-/znuny/webhook", "/-/znuny/webhook/article-create/2026112310000039"]
)
def test_the_bare_path_and_controller_sub_paths_are_served(path: str, post: Any) -> None:
    assert post({"Event": {"Event": "QueueUpdate"}}, path=path).status_code == 200


# -- credentials --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, None, {"Authorization": "Bearer hook-secret"}, {SECRET_HEADER: "nope"}],
    ids=["none", "wrong-secret", "not-basic", "wrong-header"],
)
def test_wrong_or_missing_credentials_get_401(
    headers: dict[str, str] | None, kit: Any, post: Any, caplog: pytest.LogCaptureFixture
) -> None:
    body = kit.load_recording("08-TicketCreate-writeback-full.json")["request"]["body"]
    headers = kit.basic(secret="hook-secret-wrong") if headers is None else headers
    with caplog.at_level(logging.DEBUG):
        response = post(body, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert "OTRS_TicketQueueSet" not in response.get_data(as_text=True)
    assert plan_writeback(401, response.content_type, response.data).actions == ()
    logged = caplog.text
    assert "refused (401)" in logged
    for secret_or_content in ("hook-secret", "Printer", "cust1", "cmFk"):  # cmFk: base64 "rad"
        assert secret_or_content not in logged


def test_wrong_user_with_right_secret_is_refused(kit: Any, post: Any) -> None:
    response = post({"Event": {"Event": "X"}}, headers=kit.basic(user="someone"))
    assert response.status_code == 401
    assert response.get_json() == {"error": "wrong user or secret"}


def test_the_shared_secret_header_is_accepted(kit: Any, post: Any) -> None:
    body = kit.load_recording("01-TicketCreate-agent-gi.json")["request"]["body"]
    response = post(body, headers={SECRET_HEADER: kit.SECRET})
    assert response.status_code == 200
    assert response.get_json()["otrs_TicketDynamicFieldSet_RadiantCategory"] == "testdesk.printer"


def test_an_unconfigured_secret_refuses_everyone(kit: Any) -> None:
    client = kit.make_app(secret="").test_client()
    response = client.post("/-/znuny/webhook", json={}, headers=kit.basic(secret=""))
    assert response.status_code == 401
    assert "not configured" in response.get_json()["error"]


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"Event": {"Event": "TicketCreate", ', "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        ("[1, 2]", "must be a JSON object"),
        ('{"Ticket": {}}', "no 'Event' object"),
        ('{"Event": {"TicketID": 4}}', "no event name"),
        ('{"Event": {"Event": "TicketCreate", "TicketID": "four"}, "Ticket": {"TicketID": 4}}',
         "Event.TicketID"),
        ('{"Event": {"Event": "TicketCreate", "TicketID": 4}}', "Ticket"),
    ],
)
def test_malformed_payloads_get_400_with_the_reason(body: Any, reason: str, post: Any) -> None:
    response = post(body)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]


def test_wrong_content_type_gets_415(post: Any) -> None:
    response = post('{"Event": {"Event": "TicketCreate"}}', content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.get_json()["error"]


def test_oversized_body_gets_413_without_being_parsed(kit: Any) -> None:
    client = kit.make_app(max_body_bytes=1000).test_client()
    body = kit.load_recording("05-TicketCreate-email-postmaster.json")["request"]["body"]
    response = client.post("/-/znuny/webhook", json=body, headers=kit.basic())
    assert response.status_code == 413
    assert "exceeds 1000" in response.get_json()["error"]


def test_unknown_event_is_acknowledged_and_ignored(post: Any) -> None:
    response = post({"Event": {"Event": "QueueUpdate", "Queue": "IT"}, "Data": [1]})
    assert response.status_code == 200
    assert response.get_json() == {}
    assert "unknown event QueueUpdate" in response.headers["X-Radiant-Webhook"]


def test_a_ticket_deleted_before_the_call_is_acknowledged(post: Any) -> None:
    response = post({"Event": {"Event": "TicketCreate", "TicketID": 99}, "Ticket": {}})
    assert response.status_code == 200 and response.get_json() == {}


@pytest.mark.parametrize("order", ["csrf-first", "webhook-first"])
def test_the_endpoint_is_exempt_from_csrf(order: str, kit: Any) -> None:
    from flask import Flask

    from radiant_ext.webhook import TicketRouter, WebhookConfig, init_webhook

    app = Flask("csrf-test")
    app.config.update(SECRET_KEY="x" * 32, WTF_CSRF_ENABLED=True)
    csrf = CSRFProtect()
    router = TicketRouter(kit.build_plugins())
    config = WebhookConfig(user=kit.USER, secret=kit.SECRET)
    if order == "csrf-first":
        csrf.init_app(app)
        init_webhook(app, router=router, config=config)
    else:
        from radiant_ext.portal.extensions import csrf as portal_csrf

        init_webhook(app, router=router, config=config)
        portal_csrf.init_app(app)

    @app.post("/form")
    def form() -> str:
        return "ok"

    client = app.test_client()
    assert client.post("/form").status_code == 400  # CSRF is really on
    body = kit.load_recording("01-TicketCreate-agent-gi.json")["request"]["body"]
    response = client.post("/-/znuny/webhook/ticket-create", json=body, headers=kit.basic())
    assert response.status_code == 200
    assert response.get_json()["OTRS_TicketQueueSet"] == "Misc"
