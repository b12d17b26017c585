"""The admin area against a real Znuny: department admins log in with their Znuny agent
accounts (GI ``SessionCreate``), see their own department and are refused another's; a wrong
password and a customer's account are refused by Znuny.

Needs a server of ``scripts/znuny-server`` (``ZNUNY_AGENT_PASSWORD`` is the owner agents'
password: ``it-agent``, ``hr-agent``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.portal import create_app
from radiant_ext.store import make_engine, upgrade_database
from tests._live import LiveServer, live_settings, need_env

pytestmark = pytest.mark.live

ADMIN = {"department_admins": {"it": ["it-agent"], "hr": ["hr-agent"]}}


@pytest.fixture(scope="module")
def agent_password() -> str:
    return need_env("ZNUNY_AGENT_PASSWORD")["ZNUNY_AGENT_PASSWORD"]


@pytest.fixture(scope="module")
def admin_portal(server: LiveServer, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Flask]:
    data: Path = tmp_path_factory.mktemp("live-admin")
    settings = live_settings(data, admin=ADMIN)
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    app = create_app({"RADIANT_SETTINGS": settings, "TESTING": True,
                      "SECRET_KEY": "live-admin", "PORTAL_SESSION_CHECK_SECONDS": 0})
    yield app
    app.extensions["radiant_portal"]["services"].close()


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match
    return match.group(1)


def _login(app: Flask, login: str, password: str) -> tuple[FlaskClient, int]:
    client = app.test_client()
    html = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={
        "csrf_token": _token(html), "login": login, "password": password, "next": "/admin/"})
    return client, response.status_code


def test_department_admin_logs_in_with_the_znuny_agent_account(
        admin_portal: Flask, agent_password: str) -> None:
    it, status = _login(admin_portal, "it-agent", agent_password)
    assert status == 302
    page = it.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/departments/it"' in page
    assert 'href="/admin/departments/hr"' not in page
    html = it.get("/admin/departments/it").get_data(as_text=True)
    saved = it.post("/admin/departments/it", data={
        "csrf_token": _token(html), "enabled": "y", "audience": "some",
        "companies": "store-007"})
    assert saved.status_code == 302
    history = it.get("/admin/departments/it").get_data(as_text=True).split("History", 1)[1]
    assert "it-agent" in history and "enabled, for store-007" in history
    refused = it.get("/admin/departments/hr")
    assert refused.status_code == 403
    assert "not an admin of the department hr" in refused.get_data(as_text=True)


def test_znuny_refuses_a_wrong_password_and_a_customer_account(
        admin_portal: Flask, server: LiveServer) -> None:
    _, wrong = _login(admin_portal, "hr-agent", "not-the-password")
    assert wrong == 401
    customer, as_customer = _login(admin_portal, server.customer, server.customer_password)
    assert as_customer == 401
    assert customer.get("/admin/").status_code == 302  # back to the login
