"""The report pages through the portal: access, manager scoping, filters, charts, exports."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from radiant_ext.portal import create_app
from radiant_ext.portal.ports import Customer, PortalServices
from radiant_ext.portal.sessions import MemorySessionStore
from radiant_ext.reports import ReportError, ReportSettings, blueprint
from tests.reports.conftest import DIRECTORY, NOW, MakeTicket

CUSTOMERS = {
    "store-manager": Customer("store-manager", "store-007", "Mark Manager"),
    "demo-customer": Customer("demo-customer", "store-007", "Dana Clerk"),
}
AGENTS = {"it-agent": "demo", "maint-agent": "demo"}


class _Unused:
    """Ports the report pages never call."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the report pages must not call {name}")


def _agent_auth(login: str, password: str) -> bool:
    if password == "down":
        raise ReportError("the help desk cannot be reached right now")
    return AGENTS.get(login) == password


@pytest.fixture
def app(engine: Engine, session: Session, make_ticket: MakeTicket,
        report_settings: ReportSettings) -> Flask:
    """The portal, which registers the reports blueprint itself."""
    for store, count in (("store-001", 3), ("store-007", 2), ("store-012", 4)):
        for _ in range(count):
            make_ticket(store=store, customer_id=store, created=NOW)
    make_ticket(store="store-007", customer_id="store-007", category="maintenance.hvac",
                queue="Maintenance", created=NOW)
    session.commit()
    settings = report_settings.model_copy(update={"agents": ["it-agent"]})
    flask_app = create_app({
        "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
        "PORTAL_SERVICES": PortalServices(_Unused(), _Unused(), _Unused(), _Unused()),
        "PORTAL_SESSION_STORE": MemorySessionStore(3600),
        "PORTAL_SESSION_CHECK_SECONDS": 10**9,
        "REPORTS_ENGINE": engine, "REPORTS_SETTINGS": settings,
        "REPORTS_DIRECTORY": DIRECTORY, "REPORTS_AGENT_AUTH": _agent_auth,
        "REPORTS_CLOCK": lambda: NOW,
    })
    assert flask_app.blueprints["reports"] is blueprint
    return flask_app


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """A test client without a login."""
    with app.test_client() as c:
        yield c


def _table(html: str) -> str:
    return html[html.index("<table"):html.index("</table>")]


def _as_customer(app: Flask, client: FlaskClient, login: str) -> None:
    store = app.extensions["radiant_portal"]["sessions"]
    key = store.create("gi-session", CUSTOMERS[login]).key
    with client.session_transaction() as s:
        s["sid"] = key


def _as_agent(client: FlaskClient, login: str = "it-agent") -> None:
    response = client.post("/reports/login", data={"login": login, "password": "demo",
                                                   "next": "/reports/stores"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/reports/stores")


def test_anonymous_visitors_are_sent_to_the_agent_login(client: FlaskClient) -> None:
    response = client.get("/reports/stores?from=2026-11-01")
    assert response.status_code == 302
    assert "/reports/login?next=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reports: agent login" in page and "/login?next=" in page


def test_a_customer_who_is_no_manager_is_refused(app: Flask, client: FlaskClient) -> None:
    _as_customer(app, client, "demo-customer")
    response = client.get("/reports/")
    assert response.status_code == 403
    assert "managers of each company" in response.get_data(as_text=True)
    assert client.get("/reports/stores/export.csv").status_code == 403


def test_a_manager_sees_only_their_company(app: Flask, client: FlaskClient) -> None:
    _as_customer(app, client, "store-manager")
    page = client.get("/reports/stores")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # stores by name, not by id; only the manager's own
    assert "Store 007 Kazan" in _table(html) and "store-007" not in _table(html)
    assert "store-001" not in html and "Tverskaya" not in html and "store-012" not in html
    assert 'name="store"' not in html  # no store filter for a manager
    assert "counted in the Europe/Moscow time zone" in html  # the zone days are counted in
    # asking for another store's figures changes nothing
    other = client.get("/reports/stores?store=store-001").get_data(as_text=True)
    assert "Tverskaya" not in _table(other) and "Store 007 Kazan" in _table(other)
    rows = list(csv.reader(io.StringIO(
        client.get("/reports/stores/export.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["store-007"] and rows[1][2] == "3"
    items = client.get("/reports/items/export.xlsx")
    sheet = load_workbook(io.BytesIO(items.data))["Report"]
    assert sum(row[4] for row in sheet.iter_rows(min_row=2, values_only=True)) == 3


def test_an_agent_sees_every_store_with_chart_and_table(client: FlaskClient) -> None:
    _as_agent(client)
    page = client.get("/reports/stores?from=2026-11-01&to=2026-11-30")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for store in ("store-001", "store-007", "store-012"):
        assert store in html
    assert '<table class="report-table"' in html and 'scope="col"' in html
    start = html.index('src="data:image/svg+xml;base64,') + len('src="data:image/svg+xml;base64,')
    svg = base64.b64decode(html[start:html.index('"', start)]).decode()
    assert svg.startswith("<svg") and "store-012" in svg
    assert 'aria-describedby="report-table-caption"' in html
    assert 'name="store"' in html and "/reports/stores/export.xlsx?" in html


def test_filters_department_and_store_apply_to_pages_and_exports(client: FlaskClient) -> None:
    _as_agent(client)
    csv_text = client.get("/reports/items/export.csv?department=maintenance"
                          "&from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["maintenance.hvac"]
    html = client.get("/reports/items?store=store-012").get_data(as_text=True)
    assert '<td class="num">4</td>' in _table(html)


@pytest.mark.parametrize(("query", "message"), [
    ("from=yesterday", "Enter a date as YYYY-MM-DD."),
    ("from=2026-11-10&to=2026-11-01", "The end date must not be before the start date."),
    ("department=astrology", "Choose a department from the list."),
    ("store=store-999", "Choose a store from the list."),
    ("period=year", "Choose day, week or month."),
])
def test_bad_filters_are_form_errors(client: FlaskClient, query: str, message: str) -> None:
    _as_agent(client)
    response = client.get(f"/reports/volume?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get(f"/reports/volume/export.json?{query}").status_code == 400


def test_every_report_page_renders_for_an_agent(client: FlaskClient) -> None:
    _as_agent(client)
    index = client.get("/reports/").get_data(as_text=True)
    names = ["volume", "weekday-hour", "departments", "items", "stores", "recurring",
             "backlog", "sla-items", "sla-stores", "sla-owners", "penalties"]
    for name in names:
        assert f'/reports/{name}"' in index
        response = client.get(f"/reports/{name}")
        assert response.status_code == 200, name
    assert client.get("/reports/nope").status_code == 404
    assert client.get("/reports/stores/export.pdf").status_code == 404


@pytest.mark.parametrize(("login", "password", "status", "message"), [
    ("it-agent", "wrong", 401, "not right"),
    ("maint-agent", "demo", 401, "may not see reports"),  # not in reports.agents
    ("it-agent", "down", 503, "cannot be reached"),
])
def test_agent_login_refusals(client: FlaskClient, login: str, password: str, status: int,
                              message: str) -> None:
    response = client.post("/reports/login", data={"login": login, "password": password})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert client.get("/reports/").status_code == 302


def test_agent_logout_ends_access(client: FlaskClient) -> None:
    _as_agent(client)
    assert client.get("/reports/").status_code == 200
    assert client.post("/reports/logout").status_code == 302
    assert client.get("/reports/").status_code == 302


def test_login_next_cannot_leave_the_reports(client: FlaskClient) -> None:
    response = client.post("/reports/login", data={"login": "it-agent", "password": "demo",
                                                   "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/reports/")


def test_pages_speak_russian(client: FlaskClient) -> None:
    _as_agent(client)
    client.post("/language", data={"lang": "ru", "next": "/reports/"})
    html = client.get("/reports/sla-items").get_data(as_text=True)
    assert "Соблюдение SLA по пунктам каталога" in html
    assert "Решено в срок, %" in html and "Применить" in html
    html = client.get("/reports/departments").get_data(as_text=True)
    # the table's title and a label with "%" (never %-formatted), in Russian, not English
    assert "Заявки по отделам" in html and "Доля, %" in html
    assert "Tickets per department" not in html and "Share %" not in html


def test_invalid_report_settings_stop_the_portal_at_start() -> None:
    from radiant_ext.config import load_settings
    from radiant_ext.reports import ReportSettingsError

    bad = load_settings(reports={"penalties": [{"id": "x", "kind": "per_hour"}]})
    with pytest.raises(ReportSettingsError, match="invalid report settings"):
        create_app({"TESTING": True, "SECRET_KEY": "t", "RADIANT_SETTINGS": bad,
                    "PORTAL_SERVICES": PortalServices(_Unused(), _Unused(), _Unused(),
                                                      _Unused()),
                    "PORTAL_SESSION_STORE": MemorySessionStore(60)})


def test_the_portal_menu_can_ask_whether_to_link_to_reports(app: Flask) -> None:
    from flask import render_template_string

    with app.test_request_context("/"):
        from flask import g

        g.customer = CUSTOMERS["store-manager"]
        assert render_template_string("{{ can_see_reports() }}") == "True"
        g.customer = CUSTOMERS["demo-customer"]
        assert render_template_string("{{ can_see_reports() }}") == "False"


def test_agent_login_is_rate_limited_like_the_portal_login(client: FlaskClient) -> None:
    for _ in range(5):
        assert client.post("/reports/login", data={"login": "it-agent",
                                                   "password": "wrong"}).status_code == 401
    blocked = client.post("/reports/login", data={"login": "it-agent", "password": "demo"})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/reports/stores\r\nSet-Cookie: x=1", "/reports/\n",
                                    "/reports/\\evil.example"])
def test_login_next_with_control_characters_goes_to_the_index(client: FlaskClient,
                                                              target: str) -> None:
    page = client.get("/reports/login", query_string={"next": target})
    assert page.status_code == 200
    response = client.post("/reports/login", data={"login": "it-agent", "password": "demo",
                                                   "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/reports/"
    assert "Set-Cookie: x" not in str(response.headers)


@pytest.mark.parametrize(("query", "field"), [
    ("from=0001-01-01", "from"), ("to=9999-12-31", "to"), ("from=1969-12-31", "from"),
    ("from=0001-01-01&to=0001-01-02", "from"),
])
def test_dates_outside_the_reports_range_are_form_errors(client: FlaskClient, query: str,
                                                          field: str) -> None:
    _as_agent(client)
    for name in ("volume", "sla-items", "penalties"):
        response = client.get(f"/reports/{name}?{query}")
        assert response.status_code == 400, name
        assert "Enter a date from 1970-01-01 to 2199-12-31." in response.get_data(as_text=True)
        export = client.get(f"/reports/{name}/export.json?{query}")
        assert export.status_code == 400
        assert export.get_json()["errors"][field] == "Enter a date from 1970-01-01 to 2199-12-31."


def test_out_of_range_days_are_refused_with_a_reason_outside_the_pages() -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from radiant_ext.reports import ReportFilter, ReportInputError

    with pytest.raises(ReportInputError, match="0001-01-01 is outside the days reports cover"):
        ReportFilter.for_dates(date(1, 1, 1), None, ZoneInfo("Europe/Moscow"))
    with pytest.raises(ReportInputError, match="9999-12-31"):
        ReportFilter.for_dates(None, date(9999, 12, 31), ZoneInfo("Asia/Tokyo"))


class _Clock:
    """Seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class _RevocableAuth:
    """Agent logins with GI sessions that a test can revoke, as Znuny's admin would."""

    def __init__(self) -> None:
        self.sessions: dict[str, str] = {}
        self.alive_calls = 0

    def login(self, login: str, password: str) -> str | None:
        if AGENTS.get(login) != password:
            return None
        sid = f"gi-{len(self.sessions)}"
        self.sessions[sid] = login
        return sid

    def alive(self, gi_session_id: str, login: str) -> bool:
        self.alive_calls += 1
        return self.sessions.get(gi_session_id) == login


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
def timed_app(app: Flask, clock: _Clock) -> Flask:
    """The report pages with a session store on a test clock and revocable agent sessions."""
    from radiant_ext.reports.views import reports_state

    app.extensions["radiant_portal"]["sessions"] = MemorySessionStore(8 * 3600, clock=clock)
    app.config.update(PORTAL_SESSION_CHECK_SECONDS=60, PORTAL_SESSION_LIFETIME_SECONDS=12 * 3600)
    with app.app_context():
        reports_state().agent_auth = _RevocableAuth()
    return app


def _auth(app: Flask) -> _RevocableAuth:
    from radiant_ext.reports.views import reports_state

    with app.app_context():
        auth = reports_state().agent_auth
    assert isinstance(auth, _RevocableAuth)
    return auth


def test_a_copied_agent_cookie_stops_working_at_logout(timed_app: Flask) -> None:
    client = timed_app.test_client()
    _as_agent(client)
    assert client.get("/reports/").status_code == 200
    copied = client.get_cookie("radiant_portal")
    assert copied is not None
    assert client.post("/reports/logout").status_code == 302
    thief = timed_app.test_client()
    thief.set_cookie("radiant_portal", copied.value)
    response = thief.get("/reports/stores")
    assert response.status_code == 302
    assert "/reports/login" in response.headers["Location"]
    assert thief.get("/reports/stores/export.csv").status_code == 302


def test_the_portal_logout_ends_the_agent_session_too(timed_app: Flask) -> None:
    client = timed_app.test_client()
    _as_agent(client)
    copied = client.get_cookie("radiant_portal")
    assert copied is not None
    assert client.post("/logout").status_code == 302
    client.set_cookie("radiant_portal", copied.value)
    assert client.get("/reports/").status_code == 302


def test_the_agent_session_ends_after_its_lifetime_however_active(
        timed_app: Flask, clock: _Clock) -> None:
    client = timed_app.test_client()
    _as_agent(client)
    for _ in range(11):  # a page every hour: never idle, checked with Znuny each time
        clock.now += 3600
        assert client.get("/reports/").status_code == 200
    clock.now += 3599
    assert client.get("/reports/").status_code == 200
    clock.now += 1  # 12 h after the login
    response = client.get("/reports/stores")
    assert response.status_code == 302
    assert "/reports/login" in response.headers["Location"]
    assert _auth(timed_app).alive_calls == 12


def test_a_revoked_znuny_session_closes_the_reports_within_the_check_interval(
        timed_app: Flask, clock: _Clock) -> None:
    client = timed_app.test_client()
    _as_agent(client)
    _auth(timed_app).sessions.clear()  # the admin removed the agent's sessions in Znuny
    clock.now += 59
    assert client.get("/reports/").status_code == 200  # not asked again yet
    clock.now += 1
    assert client.get("/reports/").status_code == 302
    clock.now += 3600
    assert client.get("/reports/").status_code == 302  # and it does not come back


def test_an_agent_cookie_from_before_cannot_name_a_login(timed_app: Flask) -> None:
    client = timed_app.test_client()
    with client.session_transaction() as s:
        s["reports_agent"] = "it-agent"  # what the cookie used to hold
    assert client.get("/reports/").status_code == 302


def test_a_stranger_cannot_lock_an_agent_out_of_the_reports(app: Flask) -> None:
    own = app.test_client()
    _as_agent(own)
    own.post("/reports/logout")
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(6):
        stranger.post("/reports/login", data={"login": "it-agent", "password": "wrong"})
    refused = stranger.post("/reports/login", data={"login": "it-agent", "password": "demo"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    _as_agent(own)  # the agent's own browser logs in at once
    assert own.get("/reports/").status_code == 200
