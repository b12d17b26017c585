"""The app factory: configuration order, security headers, cookies, static assets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.errors import ConfigError
from radiant_ext.portal import create_app
from radiant_ext.portal.ports import PortalServices

PORTAL = Path(__file__).resolve().parents[2] / "radiant_ext" / "portal"


def _services(desk: Any) -> PortalServices:
    return PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk)


def test_every_page_carries_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_session_cookie_is_secure_httponly_and_lax(client: FlaskClient) -> None:
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "radiant_portal=" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_late_stylesheet_never_puts_an_older_session_cookie_back(
        customer_client: FlaskClient) -> None:
    """A form's reference lives in the session: were a stylesheet requested with the home
    page's cookie to set it again after the form's page, the form would be refused."""
    home_cookie = customer_client.get_cookie("radiant_portal")
    assert home_cookie is not None
    page = customer_client.get("/")
    assert "radiant_portal=" in page.headers.get("Set-Cookie", "")  # pages keep it fresh
    for asset in ("/static/portal.css", "/static/portal.js"):
        with customer_client.get(asset) as response:
            assert response.status_code == 200
            assert "Set-Cookie" not in response.headers, asset


def test_templates_have_no_inline_script_and_no_external_assets() -> None:
    for template in (PORTAL / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<script>" not in text and "onclick=" not in text, template
        assert "style=" not in text, template
        assert "http://" not in text and "https://" not in text, template


def test_css_and_js_are_served_from_the_package(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '/static/portal.css' in html and '/static/portal.js' in html
    for asset in ("/static/portal.css", "/static/portal.js"):
        with client.get(asset) as response:
            assert response.status_code == 200
            assert response.get_data()


def test_passed_mapping_overrides_environment(
    monkeypatch: pytest.MonkeyPatch, desk: Any
) -> None:
    monkeypatch.setenv("RADIANT_PORTAL_PAGE_SIZE", "7")
    monkeypatch.setenv("RADIANT_PORTAL_REOPEN_WINDOW_DAYS", "3")
    app = create_app({"TESTING": True, "PORTAL_SERVICES": _services(desk),
                      "PORTAL_SESSION_BACKEND": "memory", "PORTAL_REOPEN_WINDOW_DAYS": 9})
    assert app.config["PORTAL_PAGE_SIZE"] == 7
    assert app.config["PORTAL_REOPEN_WINDOW_DAYS"] == 9


def test_production_app_refuses_to_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, desk: Any
) -> None:
    monkeypatch.delenv("RADIANT_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="RADIANT_SECRET_KEY"):
        create_app({"PORTAL_SERVICES": _services(desk), "PORTAL_SESSION_BACKEND": "memory"})


def test_secret_key_comes_from_environment(
    monkeypatch: pytest.MonkeyPatch, desk: Any
) -> None:
    monkeypatch.setenv("RADIANT_SECRET_KEY", "from-env-0123456789")
    app = create_app({"PORTAL_SERVICES": _services(desk), "PORTAL_SESSION_BACKEND": "memory"})
    assert app.config["SECRET_KEY"] == "from-env-0123456789"


def test_errors_answer_json_to_api_clients(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {
        "error": {"status": 404, "title": "Not found",
                  "message": "There is no such page or request."}
    }
    html = client.get("/no-such-page")
    assert html.status_code == 404 and "<h1>Not found</h1>" in html.get_data(as_text=True)


def test_request_resources_are_closed_after_the_request(app: Flask) -> None:
    from radiant_ext.portal.services import request_resource

    closed: list[str] = []
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/__probe")
    def probe() -> str:
        request_resource("db", lambda: "conn", closed.append)
        raise RuntimeError("view failed")

    response = app.test_client().get("/__probe")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert closed == ["conn"]


def test_plugin_blueprints_and_template_folders_are_registered(
    desk: Any, tmp_path: Path
) -> None:
    from flask import Blueprint, render_template

    (tmp_path / "it_extra.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>printer queue: 3</p>{% endblock %}',
        encoding="utf-8")
    extra = Blueprint("it_extra", __name__, url_prefix="/it")

    @extra.get("/printers")
    def printers() -> str:
        return render_template("it_extra.html")

    services = PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk,
                              blueprints=[extra], template_folders=[str(tmp_path)])
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "PORTAL_SERVICES": services,
                      "PORTAL_SESSION_BACKEND": "memory"})
    html = app.test_client().get("/it/printers").get_data(as_text=True)
    assert "printer queue: 3" in html and "/static/portal.css" in html


def test_blueprint_translations_are_merged_into_the_portals(desk: Any, tmp_path: Path) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from flask import Blueprint
    from flask_babel import gettext

    folder = tmp_path / "translations" / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="ru")
    catalog.add("Printer queue", "Очередь печати")
    with (folder / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    extra = Blueprint("queue", __name__, root_path=str(tmp_path))

    @extra.get("/queue")
    def queue() -> str:
        return f"{gettext('Printer queue')} / {gettext('My requests')}"

    services = PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk,
                              blueprints=[extra])
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "PORTAL_SERVICES": services,
                      "PORTAL_SESSION_BACKEND": "memory"})
    answer = app.test_client().get("/queue", headers={"Accept-Language": "ru"})
    assert answer.get_data(as_text=True) == "Очередь печати / Мои заявки"


def _main_nav(html: str) -> str:
    start = html.find('<nav class="main-nav"')
    return html[start:html.index("</nav>", start)] if start >= 0 else ""


def test_the_menu_links_to_reports_only_for_those_who_may_see_them(
    app: Flask, client: FlaskClient, login_as: Any, token: Any
) -> None:
    from radiant_ext.reports import ReportSettings

    app.config["REPORTS_SETTINGS"] = ReportSettings(managers={"store-007": ["store-manager"]})
    login_as("store-manager")
    manager_nav = _main_nav(client.get("/").get_data(as_text=True))
    assert '<a href="/reports/"' in manager_nav and ">Reports</a>" in manager_nav
    client.post("/logout", data={"csrf_token": token("/")})
    login_as("demo-customer")
    clerk_nav = _main_nav(client.get("/").get_data(as_text=True))
    assert "My requests" in clerk_nav and "/reports/" not in clerk_nav


def test_znunys_password_and_the_webhook_secret_never_reach_the_app_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    desk: Any
) -> None:
    secrets_ = {"RADIANT_ZNUNY_PASSWORD": "znuny-pass-3f9a", "RADIANT_WEBHOOK_SECRET":
                "webhook-secret-77c1", "RADIANT_ZNUNY_DB_URL":
                "postgresql://ro:db-pass-51e0@127.0.0.1/znuny"}
    for name, value in secrets_.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RADIANT_PORTAL_PAGE_SIZE", "10")
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADIANT_ZNUNY_URL", "http://127.0.0.1:9")
    caplog.set_level("DEBUG")
    app = create_app({"TESTING": True, "PORTAL_SERVICES": _services(desk),
                      "SECRET_KEY": "t"})
    assert app.config["PORTAL_PAGE_SIZE"] == 10  # portal settings still come through
    shown = repr(dict(app.config)) + caplog.text
    for needle in ("znuny-pass-3f9a", "webhook-secret-77c1", "db-pass-51e0"):
        assert needle not in shown
