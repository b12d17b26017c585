"""E-mail intake like Znuny's PostMaster: control, CLI, and the recorded e-mail ticket (file 05)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from radiant_ext.cli.sandbox import sandbox
from radiant_ext_sandbox import InvokerConfig, SandboxServer, create_app, serve_in_thread

from .receiver import Receiver

RECORDING = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "contract"
    / "znuny-webhook"
    / "05-TicketCreate-email-postmaster.json"
)
WS = "/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.stop()


def _agent_get(server: SandboxServer, ticket_id: int, login: str, password: str) -> Any:
    sid = requests.post(
        server.url + WS + "/Session", json={"UserLogin": login, "Password": password}
    ).json()["SessionID"]
    params = {"SessionID": sid, "AllArticles": 1, "DynamicFields": 1}
    ticket = requests.get(f"{server.url}{WS}/Ticket/{ticket_id}", params=params).json()
    history = requests.get(
        f"{server.url}{WS}/TicketHistory/{ticket_id}", params={"SessionID": sid}
    ).json()
    return ticket["Ticket"][0], history["TicketHistory"][0]["History"]


def _rows(history: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [
        (
            h["HistoryType"],
            re.sub(r"%%\d+$", "%%<id>", re.sub(r"\d{16}", "<tn>", h["Name"])),
            int(h["CreateBy"]),
        )
        for h in history
    ]


def test_a_mail_from_a_clerk_becomes_a_postmaster_ticket_and_fires_the_invoker(
    server: SandboxServer, receiver: Receiver
) -> None:
    requests.post(
        server.url + "/__sandbox__/invoker",
        json={"URL": receiver.url + "/hook", "Password": "p", "Events": ["TicketCreate"]},
    )
    created = requests.post(
        server.url + "/__sandbox__/mail",
        json={
            "From": "Fyodor Flagmanov <Flagship-Clerk@retail.example>",
            "Subject": "Cash register in store 001 does not work",
            "Body": "Register 2 shows a blank screen.",
        },
    ).json()
    assert created["CustomerUser"] == "flagship-clerk" and created["Queue"] == "Postmaster"
    ticket, history = _agent_get(server, created["TicketID"], "radiant", "radiant-demo")
    assert (ticket["Queue"], ticket["State"], ticket["Priority"], ticket["Type"]) == (
        "Postmaster",
        "new",
        "3 normal",
        "Unclassified",
    )
    assert (ticket["CustomerUserID"], ticket["CustomerID"]) == ("flagship-clerk", "store-001")
    assert (ticket["CreateBy"], ticket["Owner"]) == (1, "root@localhost")
    fields = {f["Name"]: f["Value"] for f in ticket["DynamicField"]}
    assert fields["RadiantCategory"] is None
    article = ticket["Article"][0]
    assert (article["CommunicationChannelID"], article["SenderType"]) == (1, "customer")
    assert article["IsVisibleForCustomer"] == 1 and article["MessageID"].startswith("<")
    assert article["Body"].strip() == "Register 2 shows a blank screen."
    assert [r[0] for r in _rows(history)] == ["NewTicket", "CustomerUpdate", "EmailCustomer"]
    assert receiver.events == ["TicketCreate"]
    sent = receiver.requests[0]["body"]["Ticket"]
    assert sent["Queue"] == "Postmaster" and sent["CustomerUser"]["UserLogin"] == "flagship-clerk"
    assert sent["Article"]["MessageID"] == article["MessageID"]


def test_an_unknown_sender_is_the_customer_and_queues_can_be_chosen(
    server: SandboxServer,
) -> None:
    mail = {"From": "stranger@example.org", "Subject": "Hello", "Body": "Hi", "Queue": "IT"}
    created = requests.post(server.url + "/__sandbox__/mail", json=mail).json()
    ticket, _ = _agent_get(server, created["TicketID"], "radiant", "radiant-demo")
    assert ticket["CustomerUserID"] == ticket["CustomerID"] == "stranger@example.org"
    assert ticket["Queue"] == "IT"
    bad = requests.post(server.url + "/__sandbox__/mail", json={**mail, "Queue": "Nope"})
    assert bad.status_code == 400 and "Nope" in bad.json()["Error"]
    nobody = requests.post(server.url + "/__sandbox__/mail", json={"Subject": "x", "Body": "y"})
    assert nobody.status_code == 400 and "sender" in nobody.json()["Error"]


def test_the_recorded_mail_makes_the_recorded_ticket(
    tmp_path: Path, receiver: Receiver, still_clock: float
) -> None:
    recorded = json.loads(RECORDING.read_text(encoding="utf-8"))
    config = InvokerConfig(url=receiver.url + "/hook", password="p")
    server = serve_in_thread(create_app(tmp_path, seed="znuny-lab", invoker=config))
    try:
        created = server.app.receive_mail(recorded["trigger"]["mail_on_stdin"])
        ticket, history = _agent_get(server, created["TicketID"], "agent1", "lab-password")
    finally:
        server.stop()
    effect = recorded["effect"]
    expected = effect["TicketGet (AllArticles=1, DynamicFields=1), selected fields"]
    for key in ("Title", "Queue", "Priority", "State", "Type", "Owner", "CustomerUserID"):
        assert ticket[key] == expected[key], key
    for key in ("Subject", "Body", "From", "SenderType", "ContentType"):
        assert ticket["Article"][0][key] == expected["Article"][0][key], key
    assert _rows(history) == _rows(effect["TicketHistoryGet History (all rows)"])
    sent = receiver.requests[0]["body"]
    assert set(sent["Ticket"]) == set(recorded["request"]["body"]["Ticket"])
    assert sent["Ticket"]["Article"]["MessageID"] == "<lab-mail-1@znunylab.test>"


def test_the_cli_takes_a_mail_and_calls_the_invoker(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_app(tmp_path, seed="retail")
    monkeypatch.setenv("RADIANT_SANDBOX_INVOKER_PASSWORD", "pw")
    runner = CliRunner()
    args = ["--invoker-url", receiver.url + "/hook", "mail", "--data", str(tmp_path)]
    args += ["--from", "office-anna@retail.example", "--subject", "Vacation", "--body", "Hi"]
    result = runner.invoke(sandbox, args)
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["CustomerID"] == "head-office" and created["InvokerCalls"][0]["Status"] == 200
    assert receiver.events == ["TicketCreate"]
    assert receiver.requests[0]["auth"].password == "pw"
    eml = b"From: Gleb <guest-customer@retail.example>\nSubject: Refund\n\nMy refund, please.\n"
    # an invoker stored in the folder (as a running sandbox's test control or the demo does)
    # is used without options
    create_app(tmp_path).store_invoker(InvokerConfig(url=receiver.url + "/stored", password="s"))
    result = runner.invoke(sandbox, ["--data", str(tmp_path), "mail"], input=eml)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["CustomerUser"] == "guest-customer"
    assert receiver.requests[-1]["path"] == "/stored"
    assert receiver.requests[-1]["auth"].password == "s"
    result = runner.invoke(
        sandbox, ["mail", "--data", str(tmp_path), "--from", "a@b.c", "--queue", "Nope"]
    )
    assert result.exit_code == 1 and "no valid queue 'Nope'" in result.output
    monkeypatch.delenv("RADIANT_SANDBOX_INVOKER_PASSWORD")
    no_password = ["--invoker-url", "http://x/", "mail", "--data", str(tmp_path), "--from", "a@b"]
    result = runner.invoke(sandbox, no_password)
    assert result.exit_code == 2 and "password" in result.output
