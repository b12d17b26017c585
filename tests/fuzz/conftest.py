"""The world the fuzz tests drive: the whole portal (customer pages, reports, webhook) with its
real adapters against the sandbox Znuny (retail seed), as ``radiant-ext serve`` runs it.

Seeded once per module: a request of ``demo-customer`` with a reply that carries an attachment
whose file name (as Znuny stores it) holds CR/LF, a closed request, report rows in the local
ticket cache. The test clients are re-identified before every example, so a fuzzed logout or
login never changes who the next example runs as.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.client import AgentCredentials, NewArticle, NewAttachment, ZnunyClient
from radiant_ext.config import Settings, load_settings
from radiant_ext.portal import create_app
from radiant_ext.reports import ReportSettings
from radiant_ext.store import TicketCache, make_engine, session_scope, upgrade_database
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread
from tests.fuzz.strategies import issued

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the reports' clock: Monday 12:00 in Moscow
WEBHOOK_USER, WEBHOOK_SECRET = "radiant", "fuzz-webhook-secret"
REPORTS_AGENT = "it-agent"
FUZZED_AGENT = "maint-agent"  # the fuzzed logins' name: their failures never slow REPORTS_AGENT
HOSTILE_FILENAME = "report\r\nSet-Cookie: sid=stolen\r\n.txt"

Identity = Literal["anonymous", "customer", "agent"]
ISSUED_FIELDS = ("request_id", "opened")
"""Hidden fields of the request form that only the session they were issued to may send."""


@dataclass
class World:
    """The app, its sandbox and the ids the seed created (fuzz strategies mix them in)."""

    app: Flask
    znuny_url: str
    ticket_id: int
    closed_ticket_id: int
    article_id: int
    file_id: int
    reference: str
    item_ids: list[str]
    form_fields: list[str] = field(default_factory=list)
    form_values: list[str] = field(default_factory=list)
    base_forms: dict[str, dict[str, str]] = field(default_factory=dict)
    """A valid form per endpoint; the fuzz test mutates a few of its fields."""


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _agent_auth(login: str, password: str) -> bool:
    return login in (REPORTS_AGENT, FUZZED_AGENT) and password == "demo"


def _settings(znuny: str, sandbox_dir: Path, data_dir: Path) -> Settings:
    settings = load_settings(
        znuny_url=znuny, znuny_user="radiant", znuny_password="radiant-demo",
        znuny_timeout=3.0, data_dir=data_dir, database_url="",
        znuny_db_url=f"sqlite:///{sandbox_dir / 'sandbox.sqlite'}",
        catalog_dirs=[sandbox_dir / "stores"],
        webhook_user=WEBHOOK_USER, webhook_secret=WEBHOOK_SECRET,
    )
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    with session_scope(engine) as db:
        for n, (store, category) in enumerate([
            ("store-001", "it.pos-down"), ("store-007", "it.pos-down"),
            ("store-007", "maintenance.hvac"), ("store-012", "it.receipt-printer"),
        ], start=1):
            closed = NOW - timedelta(hours=n) if n % 2 else None
            db.add(TicketCache(
                ticket_id=900000 + n, ticket_number=f"2026112399{n:06d}", title="seed",
                state="closed successful" if closed else "open",
                state_type="closed" if closed else "open", queue="IT::Stores",
                category=category, store=store, customer_id=store, owner="it-agent",
                created=NOW - timedelta(days=n), closed=closed))
    engine.dispose()
    return settings


def _file_request(client: FlaskClient) -> tuple[str, str]:
    """File a POS request through the form; its reference and confirmation page."""
    html = client.get("/new/it.pos-down").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    impact = re.search(r'<select[^>]*name="f_impact".*?<option value="([^"]+)"', html, re.S)
    assert ref and impact
    response = client.post("/new/it.pos-down", data={
        "csrf_token": _token(html), "request_id": ref.group(1), "f_register": "2",
        "f_impact": impact.group(1), "f_description": "Register 2 is frozen"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return ref.group(1), response.headers["Location"]


def _ticket_of(client: FlaskClient, location: str) -> int:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        link = re.search(r'href="/requests/(\d+)"', client.get(location).get_data(as_text=True))
        if link:
            return int(link.group(1))
        time.sleep(0.1)
    raise AssertionError("the seeded request was never filed")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    sandbox_dir = tmp_path_factory.mktemp("fuzz-sandbox")
    server = serve_in_thread(sandbox_app(sandbox_dir, seed="retail", test_controls=True))
    settings = _settings(server.url, sandbox_dir, tmp_path_factory.mktemp("fuzz-data"))
    app = create_app({
        "RADIANT_SETTINGS": settings, "TESTING": True, "SECRET_KEY": "fuzz",
        "PORTAL_SESSION_CHECK_SECONDS": 0,
        "REPORTS_SETTINGS": ReportSettings.model_validate(
            {"agents": [REPORTS_AGENT, FUZZED_AGENT],
             "managers": {"store-007": ["store-manager"]}}),
        "REPORTS_AGENT_AUTH": _agent_auth, "REPORTS_CLOCK": lambda: NOW,
    })
    agent = ZnunyClient(server.url, credentials=AgentCredentials("radiant", "radiant-demo"))
    try:
        client = app.test_client()
        _login_form(client, "demo-customer")
        reference, location = _file_request(client)
        ticket_id = _ticket_of(client, location)
        agent.ticket_update(ticket_id, article=NewArticle(
            subject="the report", body="Here is the report.",
            content_type="text/plain; charset=utf8", communication_channel="Internal",
            is_visible_for_customer=True, sender_type="agent",
        ), attachments=[NewAttachment.from_bytes(b"report body\n", HOSTILE_FILENAME,
                                                  "text/plain")])
        detail = client.get(f"/requests/{ticket_id}").get_data(as_text=True)
        files = re.findall(rf'href="/requests/{ticket_id}/files/(\d+)/(\d+)"', detail)
        assert files, "the seeded attachment is not offered"
        _, closed_location = _file_request(client)
        closed_id = _ticket_of(client, closed_location)
        token = _token(client.get(f"/requests/{closed_id}").get_data(as_text=True))
        assert client.post(f"/requests/{closed_id}/close",
                           data={"csrf_token": token, "confirm": "yes"}).status_code == 302
        home = client.get("/").get_data(as_text=True)
        item_ids = sorted(set(re.findall(r'href="/new/([^"?#]+)"', home)))
        forms = "".join(client.get(f"/new/{item}").get_data(as_text=True) for item in item_ids)
        form = client.get("/new/it.pos-down").get_data(as_text=True)
        names = sorted(set(re.findall(r'name="([^"]+)"', forms)))
        choices = sorted(set(re.findall(r'<option value="([^"]+)"', forms)))
        bases = {
            "catalog.request_form": _valid_form(form),  # the POS form, a path seen often
            "requests.reply": {"body": "It happened again."},
            "requests.reopen": {"reason": "It is not solved."},
            "auth.login": {"login": "store-manager", "password": "demo", "next": "/requests"},
            "reports.agent_login": {"login": FUZZED_AGENT, "password": "demo",
                                    "next": "/reports/stores"},
            "i18n.switch_language": {"lang": "ru", "next": "/requests"},
        }
        yield World(app, server.url, ticket_id, closed_id, int(files[-1][0]),
                    int(files[-1][1]), reference, item_ids, names, [reference, *choices], bases)
    finally:
        agent.close()
        app.extensions["radiant_portal"]["services"].close()
        server.stop()


def _valid_form(html: str) -> dict[str, str]:
    """Values the catalog form on ``html`` accepts, by field name; the fields only a session
    may send stand as :func:`issued` placeholders."""
    values: dict[str, str] = {}
    for tag in re.findall(r"<(?:input|textarea)[^>]*>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        name, kind = attrs.get("name", ""), attrs.get("type", "text")
        optional = kind != "hidden" and not re.search(r"\srequired[\s>]", tag)
        if not name or name in values or kind == "file" or name == "csrf_token" or optional:
            continue
        if name in ISSUED_FIELDS:
            values[name] = issued(name)
        elif kind == "hidden":
            values[name] = attrs.get("value", "")
        elif kind in ("number", "date"):
            values[name] = attrs.get("min", "1").removesuffix(".0")
        else:
            values[name] = "The register does not start."
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html,
                                    re.S):
        first = re.search(r'<option value="([^"]+)"', options)  # not the empty placeholder
        values.setdefault(name, first.group(1) if first else "")
    return values


def _login_form(client: FlaskClient, login: str) -> None:
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": login, "password": "demo",
                                           "csrf_token": token, "next": "/"})
    assert response.status_code == 302, f"{login} cannot log in"


def identify(app: Flask, identity: Identity) -> tuple[FlaskClient, dict[str, str]]:
    """A new test client logged in as ``identity`` through the login forms, and the values
    its session issued (``csrf_token``; a customer's ``request_id`` and ``opened`` of a
    request form). The logins come from an address of their own, so the fuzzed failed
    logins (from 10.0.x.x) never rate-limit them."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    if identity == "customer":
        _login_form(client, "demo-customer")
    elif identity == "agent":
        token = _token(client.get("/reports/login").get_data(as_text=True))
        response = client.post("/reports/login", data={
            "login": REPORTS_AGENT, "password": "demo", "csrf_token": token,
            "next": "/reports/"})
        assert response.status_code == 302, "the reports agent cannot log in"
    page = {"anonymous": "/login", "customer": "/new/it.pos-down",
            "agent": "/reports/login"}[identity]
    html = client.get(page).get_data(as_text=True)
    issued = {"csrf_token": _token(html)}
    for name in ISSUED_FIELDS:
        found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
        if found:
            issued[name] = found.group(1)
    return client, issued
