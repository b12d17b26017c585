"""setup_check: each piece of the Znuny setup reported, with the recorded GI answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from sqlalchemy import create_engine, text

from radiant_ext.config import Settings
from radiant_ext.webhook import REQUIRED_DYNAMIC_FIELDS, Finding, setup_check

ZNUNY = Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "znuny"
DB = Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "znuny-db"
BASE = "http://znuny.test/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


def _recorded(name: str) -> Any:
    return json.loads((ZNUNY / name).read_text(encoding="utf-8"))["response_body"]


def _settings(**kw: Any) -> Settings:
    values: dict[str, Any] = {
        "znuny_url": "http://znuny.test", "znuny_route_set": "znuny-r2a",
        "znuny_user": "radiant", "znuny_password": "radiant-demo",
        "webhook_secret": "s3cret-s3cret-s3cret", "znuny_db_url": None,
    }
    values.update(kw)
    return Settings(**values)


def _by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


def test_a_complete_gi_setup_is_reported_ok_and_the_database_skipped() -> None:
    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/Session", json=_recorded("001-SessionCreate-agent.json"))
        search = f"{BASE}/Ticket/Search"
        mock.post(search, json=_recorded("035-TicketSearch-sort-order-limit.json"))
        mock.post(search, json=_recorded("043-TicketSearch-POST-dynamicfield.json"))
        findings = _by_check(setup_check(_settings()))
        bodies = [json.loads(call.request.body or b"{}") for call in mock.calls
                  if call.request.url.endswith("/Ticket/Search")]
    assert bodies[-1]["DynamicField_RadiantRequestID"] == {"Empty": 0}
    for check in ("webhook.secret", "gi.session", "gi.search", "gi.search-dynamic-fields"):
        assert findings[check].status == "ok", findings[check]
    assert findings["db.connection"].status == "skipped"
    assert "RADIANT_ZNUNY_DB_URL" in findings["db.connection"].message


def test_a_refused_agent_login_stops_the_gi_checks_with_a_hint() -> None:
    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/Session", json=_recorded("004-SessionCreate-error-wrong-password.json"))
        findings = _by_check(setup_check(_settings()))
    assert findings["gi.session"].status == "error"
    assert "refused the login of agent 'radiant'" in findings["gi.session"].message
    assert "gi.search" not in findings


def test_a_get_only_search_route_is_reported_for_dynamic_field_search() -> None:
    base = BASE.replace("/znuny/", "/otrs/")
    with responses.RequestsMock() as mock:
        mock.post(f"{base}/Session", json=_recorded("001-SessionCreate-agent.json"))
        mock.get(f"{base}/Ticket", json=_recorded("035-TicketSearch-sort-order-limit.json"))
        findings = _by_check(setup_check(_settings(znuny_route_set="otrs6")))
    assert findings["gi.search"].status == "ok"
    assert findings["gi.search-dynamic-fields"].status == "error"
    assert "POST" in findings["gi.search-dynamic-fields"].hint


def test_an_unreachable_znuny_is_one_error_finding() -> None:
    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/Session", body=requests.ConnectionError("refused"))
        findings = _by_check(setup_check(_settings()))
    assert findings["gi.session"].status == "error"
    assert "cannot reach http://znuny.test" in findings["gi.session"].message


@pytest.mark.parametrize(
    ("secret", "status"), [("", "error"), ("short", "warning"), ("x" * 16, "ok")]
)
def test_the_webhook_secret_is_checked(secret: str, status: str) -> None:
    findings = _by_check(setup_check(_settings(webhook_secret=secret, znuny_user="")))
    assert findings["webhook.secret"].status == status
    assert findings["gi.session"].status == "error"  # no agent configured
    assert secret not in str(findings["webhook.secret"]) or not secret


# -- the optional metadata database -------------------------------------------------------------


def _znuny_db(tmp_path: Path, *, fields: dict[str, tuple[str, str, int]],
              agents: dict[str, int]) -> str:
    """An SQLite copy of Znuny's dynamic_field and users tables (columns of the contract)."""
    url = f"sqlite:///{tmp_path / 'znuny.sqlite3'}"
    recorded = json.loads((DB / "dynamic_field.json").read_text(encoding="utf-8"))["rows"]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE dynamic_field (id INTEGER PRIMARY KEY, internal_field "
                          "INTEGER, name TEXT UNIQUE, label TEXT, field_order INTEGER, field_type "
                          "TEXT, object_type TEXT, config TEXT, valid_id INTEGER)"))
        conn.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT UNIQUE, "
                          "pw TEXT, valid_id INTEGER)"))
        rows = [{k: r[k] for k in ("name", "field_type", "object_type", "valid_id")}
                for r in recorded]
        rows += [{"name": n, "field_type": t, "object_type": o, "valid_id": v}
                 for n, (t, o, v) in fields.items()]
        conn.execute(text("INSERT INTO dynamic_field (name, label, field_order, field_type, "
                          "object_type, valid_id) VALUES (:name, :name, 1, :field_type, "
                          ":object_type, :valid_id)"), rows)
        conn.execute(text("INSERT INTO users (login, pw, valid_id) VALUES (:l, 'x', :v)"),
                     [{"l": login, "v": valid} for login, valid in agents.items()])
    engine.dispose()
    return url


GOOD = {name: (kind, "Ticket", 1) for name, kind in REQUIRED_DYNAMIC_FIELDS.items()}


def _db_findings(url: str) -> dict[str, Finding]:
    findings = setup_check(_settings(znuny_user="radiant", znuny_url="http://127.0.0.1:9",
                                     znuny_db_url=url, znuny_timeout=0.5))
    return {f.check: f for f in findings if f.check.startswith("db.")}


def test_a_complete_database_setup_is_ok(tmp_path: Path) -> None:
    findings = _db_findings(_znuny_db(tmp_path, fields=GOOD, agents={"radiant": 1}))
    assert {f.status for f in findings.values()} == {"ok"}
    assert set(findings) == {"db.connection", "db.agent", *(
        f"db.dynamic-field.{n}" for n in REQUIRED_DYNAMIC_FIELDS)}


def test_missing_wrong_and_invalid_fields_and_agents_are_named(tmp_path: Path) -> None:
    fields = dict(GOOD)
    del fields["RadiantStore"]
    fields["RadiantDeadline"] = ("Text", "Ticket", 1)
    fields["RadiantCategory"] = ("Text", "Article", 1)
    fields["RadiantRequestID"] = ("Text", "Ticket", 2)
    del fields["RadiantParent"]  # an installation from before bundles
    findings = _db_findings(_znuny_db(tmp_path, fields=fields, agents={"radiant": 2}))
    assert "does not exist" in findings["db.dynamic-field.RadiantParent"].message
    assert "does not exist" in findings["db.dynamic-field.RadiantStore"].message
    assert "has type Text, needs DateTime" in findings["db.dynamic-field.RadiantDeadline"].message
    assert "Article field" in findings["db.dynamic-field.RadiantCategory"].message
    assert "not valid" in findings["db.dynamic-field.RadiantRequestID"].message
    assert "not valid" in findings["db.agent"].message
    assert all(f.status == "error" for c, f in findings.items() if c != "db.connection")


def test_an_unreadable_database_is_one_finding(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    findings = _db_findings(url)
    assert list(findings) == ["db.connection"]
    assert findings["db.connection"].status == "error"
    assert "dynamic_field" in findings["db.connection"].message


def test_against_the_sandbox_every_piece_is_checked_for_real(tmp_path: Path) -> None:
    """The retail sandbox has the agent, the four fields and Znuny's metadata tables."""
    from radiant_ext_sandbox import serve_in_thread

    server = serve_in_thread(data_dir=tmp_path, seed="retail")
    try:
        settings = _settings(
            znuny_url=server.url, znuny_route_set="znuny",
            znuny_db_url=f"sqlite:///{(tmp_path / 'sandbox.sqlite').resolve()}",
        )
        findings = _by_check(setup_check(settings))
        wrong = _by_check(setup_check(_settings(znuny_url=server.url, znuny_route_set="znuny",
                                                znuny_password="wrong")))
    finally:
        server.stop()
    ok = {c for c, f in findings.items() if f.status == "ok"}
    assert ok == {"webhook.secret", "gi.session", "gi.search", "db.connection", "db.agent",
                  *(f"db.dynamic-field.{n}" for n in REQUIRED_DYNAMIC_FIELDS)}
    # route set "znuny" searches with GET only: no dynamic-field search without a POST route
    assert findings["gi.search-dynamic-fields"].status == "error"
    assert "znuny-r2a" in findings["gi.search-dynamic-fields"].hint
    assert wrong["gi.session"].status == "error"
    assert "refused the login of agent 'radiant'" in wrong["gi.session"].message


@pytest.mark.parametrize(("route_set", "script_path"),
                         [("znuny-r2a", "znuny/"), ("auto", "znuny/"), ("auto", "")])
def test_a_wrong_web_service_name_is_named_not_an_unreachable_server(
    route_set: str, script_path: str
) -> None:
    """Znuny answers nothing for a web service it lacks (contract otrs-ce-6 105), as a server
    going down would; its web server still answers, so the finding names the web service."""
    nope = BASE.replace("GenericTicketConnectorREST", "Nope")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{nope}/Session", body=_no_answer())
        mock.post(nope.replace("/znuny/", "/otrs/") + "/Session", status=404,
                  content_type="text/html", body="<html>Not Found</html>")
        mock.get("http://znuny.test/", status=404, content_type="text/html",
                 body="<html>Not Found</html>")
        findings = _by_check(setup_check(_settings(
            znuny_webservice="Nope", znuny_route_set=route_set, znuny_script_path=script_path)))
    session = findings["gi.session"]
    assert session.status == "error"
    assert f"no valid web service 'Nope' at {nope}" in session.message
    assert "cannot reach" not in session.message
    assert "RADIANT_ZNUNY_WEBSERVICE" in session.hint


def test_a_server_that_answers_nothing_at_all_is_still_unreachable() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{BASE}/Session", body=_no_answer())
        mock.get("http://znuny.test/", body=_no_answer())
        findings = _by_check(setup_check(_settings()))
    assert "cannot reach http://znuny.test" in findings["gi.session"].message


def test_a_wrong_web_service_name_against_the_sandbox(tmp_path: Path) -> None:
    """The sandbox answers as Znuny behind Apache: nothing for an unknown web service, the web
    server's 404 page elsewhere."""
    from radiant_ext_sandbox import serve_in_thread

    server = serve_in_thread(data_dir=tmp_path, seed="retail")
    try:
        findings = _by_check(setup_check(_settings(
            znuny_url=server.url, znuny_route_set="znuny", znuny_webservice="Nope")))
        right = _by_check(setup_check(_settings(znuny_url=server.url, znuny_route_set="znuny")))
    finally:
        server.stop()
    assert "has no valid web service 'Nope'" in findings["gi.session"].message
    assert right["gi.session"].status == "ok"
    assert "route set znuny" in right["gi.session"].message


def _no_answer() -> requests.ConnectionError:
    from http.client import RemoteDisconnected

    from urllib3.exceptions import ProtocolError

    return requests.ConnectionError(
        ProtocolError("Connection aborted.", RemoteDisconnected("Remote end closed connection")))
