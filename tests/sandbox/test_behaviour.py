"""Bad input is refused like Znuny; controls, faults, the generator and the CLI behave."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from radiant_ext.cli.sandbox import sandbox
from radiant_ext_sandbox import SandboxServer, create_app, generate_tickets, serve_in_thread
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import make_engine

WS = "/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


def _sid(server: SandboxServer) -> str:
    r = requests.post(
        server.url + WS + "/Session", json={"UserLogin": "radiant", "Password": "radiant-demo"}
    )
    return str(r.json()["SessionID"])


def _ticket(sid: str, **ticket: object) -> dict[str, object]:
    base = {
        "Title": "Till 2 down",
        "Queue": "IT::Stores",
        "State": "new",
        "Priority": "4 high",
        "Type": "Incident",
        "CustomerUser": "demo-customer",
    }
    return {
        "SessionID": sid,
        "Ticket": {**base, **ticket},
        "Article": {"Subject": "s", "Body": "b", "ContentType": "text/plain; charset=utf-8"},
    }


def test_malformed_json_is_a_plain_text_500(server: SandboxServer) -> None:
    r = requests.post(
        server.url + WS + "/Ticket",
        data=b'{"SessionID": ',
        headers={"Content-Type": "application/json"},
    )
    assert (r.status_code, r.text) == (500, "Error while decoding request content.")
    assert r.headers["Content-Type"].startswith("text/plain")


def test_wrong_types_are_invalid_parameters(server: SandboxServer) -> None:
    sid = _sid(server)
    r = requests.post(server.url + WS + "/Ticket", json=_ticket(sid, Title={"nested": 1}))
    assert r.status_code == 200
    assert r.json()["Error"]["ErrorCode"] == "TicketCreate.InvalidParameter"
    body = _ticket(sid)
    body["DynamicField"] = {"Name": "RadiantDeadline", "Value": "tomorrow"}
    assert requests.post(server.url + WS + "/Ticket", json=body).json()["Error"][
        "ErrorMessage"
    ] == ("TicketCreate: DynamicField->Value parameter is invalid!")


def test_unknown_names_and_fields_are_refused(server: SandboxServer) -> None:
    sid = _sid(server)
    r = requests.post(server.url + WS + "/Ticket", json=_ticket(sid, Service="IT::Coffee machine"))
    assert (
        r.json()["Error"]["ErrorMessage"]
        == "TicketCreate: Ticket->ServiceID or Ticket->Service parameter is invalid!"
    )
    body = _ticket(sid)
    body["DynamicField"] = [{"Name": "NoSuchField", "Value": "x"}]
    assert requests.post(server.url + WS + "/Ticket", json=body).json()["Error"]["ErrorCode"] == (
        "TicketCreate.InvalidParameter"
    )


def test_sla_escalation_runs_on_the_store_calendar(server: SandboxServer) -> None:
    sid = _sid(server)
    requests.post(
        server.url + "/__sandbox__/clock", json={"Now": "2026-11-23 07:00:00"}
    )  # Mon 10:00 MSK
    created = requests.post(
        server.url + WS + "/Ticket",
        json=_ticket(sid, Service="IT::Cash register", SLA="POS critical"),
    ).json()
    ticket = requests.get(
        server.url + WS + f"/Ticket/{created['TicketID']}", params={"SessionID": sid}
    ).json()
    assert (
        ticket["Ticket"][0]["SolutionTimeDestinationDate"] == "2026-11-23 11:00:00"
    )  # 4 business hours


def test_faults_error500_then_recover(server: SandboxServer) -> None:
    requests.post(server.url + "/__sandbox__/faults", json={"mode": "error500", "count": 1})
    assert requests.get(server.url + WS + "/Ticket", params={"SessionID": "x"}).status_code == 500
    assert requests.get(server.url + WS + "/Ticket", params={"SessionID": "x"}).status_code == 200


def test_timeout_after_commit_still_creates(server: SandboxServer) -> None:
    sid = _sid(server)
    requests.post(
        server.url + "/__sandbox__/faults",
        json={"mode": "timeout_after_commit", "count": 1, "delay": 2},
    )
    with pytest.raises(requests.Timeout):
        requests.post(server.url + WS + "/Ticket", json=_ticket(sid, Title="slow"), timeout=0.5)
    time.sleep(2)
    found = requests.get(
        server.url + WS + "/Ticket", params={"SessionID": sid, "Title": "slow"}
    ).json()
    assert len(found["TicketID"]) == 1


def test_controls_absent_without_flag(tmp_path: Path) -> None:
    srv = serve_in_thread(create_app(tmp_path, seed="retail"))
    try:
        assert (
            requests.post(srv.url + "/__sandbox__/faults", json={"mode": "down"}).status_code == 404
        )
    finally:
        srv.stop()


def test_generator_counts_match_database(tmp_path: Path) -> None:
    summary = generate_tickets(tmp_path, 2000)
    engine = make_engine(tmp_path)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.ticket)).scalar() == 2000
    assert sum(summary["store"].values()) == 2000
    assert summary["weekday"]["Monday"] > 1.6 * summary["weekday"]["Thursday"]
    assert summary["sla"]["met"] > 0 and summary["sla"]["missed"] > 0
    assert summary["printer_failures_at_store"] > 10
    assert json.loads((tmp_path / "generated-summary.json").read_text()) == summary


def test_cli_seed_reports_counts(tmp_path: Path) -> None:
    result = CliRunner().invoke(sandbox, ["--data", str(tmp_path), "seed", "--tickets", "50"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tickets"] == 50


def test_unexpected_failure_is_a_500_without_traceback(
    server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from radiant_ext_sandbox import transport

    def broken(ctx: object, data: object) -> dict[str, object]:
        raise RuntimeError("boom")

    monkeypatch.setitem(transport.OPERATIONS, "TicketSearch", broken)
    r = requests.get(server.url + WS + "/Ticket", params={"SessionID": "x"})
    assert r.status_code == 500
    assert r.json() == {"faultcode": "Server", "faultstring": "Internal Server Error"}
    assert "Traceback" not in r.text and "boom" not in r.text


def test_body_over_max_length_is_413(server: SandboxServer) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("POST", WS + "/Ticket")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "100000001")
    conn.endheaders(b"{}")
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (413, b"Request Entity Too Large")
    conn.close()


def test_cli_serves_the_chosen_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, object] = {}

    def fake_run_simple(host: str, port: int, app: object, **kwargs: object) -> None:
        served.update(host=host, port=port, app=app)

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    result = CliRunner().invoke(sandbox, ["--data", str(tmp_path), "--seed", "lab", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "Sandbox ready in" in result.output and "lab-password" in result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 0)
    again = CliRunner().invoke(sandbox, ["--data", str(tmp_path), "--seed", "retail"])
    assert again.exit_code != 0 and "already holds the 'lab' seed" in str(again.exception)


def test_generated_tickets_read_back_over_the_api(tmp_path: Path) -> None:
    generate_tickets(tmp_path, 200)
    srv = serve_in_thread(create_app(tmp_path))
    try:
        auth = {"UserLogin": "radiant", "Password": "radiant-demo"}
        ids = requests.get(srv.url + WS + "/Ticket", params={**auth, "Limit": 5}).json()["TicketID"]
        params = {**auth, "AllArticles": 1, "DynamicFields": 1}
        ticket = requests.get(srv.url + WS + f"/Ticket/{ids[0]}", params=params).json()["Ticket"][0]
        fields = {f["Name"]: f["Value"] for f in ticket["DynamicField"]}
        assert fields["RadiantStore"] == ticket["CustomerID"]
        assert ticket["Article"][0]["SenderType"] == "customer"
        history = requests.get(srv.url + WS + f"/TicketHistory/{ids[0]}", params=auth).json()
        assert history["TicketHistory"][0]["History"][0]["HistoryType"] == "NewTicket"
    finally:
        srv.stop()
