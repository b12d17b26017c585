""""Forgot your password?" leads to Znuny's own customer password reset, or where the
installation says, or nowhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from radiant_ext.config import load_settings
from radiant_ext.errors import InvalidSettingsError
from radiant_ext.portal import create_app
from radiant_ext.portal.ports import PortalServices
from tests import _sandbox
from tests._sandbox import sandbox_settings

znuny = _sandbox.znuny
sandbox_dir = _sandbox.sandbox_dir
faults = _sandbox.faults


def _portal(desk: Any, tmp_path: Path, **config: Any) -> Flask:
    services = PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk)
    settings = load_settings(znuny_url="https://znuny.example.com", znuny_route_set="otrs6",
                             data_dir=tmp_path)
    return create_app({"TESTING": True, "SECRET_KEY": "t", "PORTAL_SERVICES": services,
                       "RADIANT_SETTINGS": settings, **config})


def test_the_login_page_leads_to_znunys_lost_password_page(desk: Any, tmp_path: Path) -> None:
    client = _portal(desk, tmp_path).test_client()
    login = client.get("/login").get_data(as_text=True)
    assert '<a href="/password-reset">Forgot your password?</a>' in login
    response = client.get("/password-reset")
    assert response.status_code == 302
    assert response.headers["Location"] == \
        "https://znuny.example.com/otrs/customer.pl?Action=CustomerLostPassword"
    client.set_cookie("radiant_lang", "ru")
    assert "Забыли пароль?" in client.get("/login").get_data(as_text=True)


def test_an_installation_points_the_link_elsewhere_or_hides_it(
    desk: Any, tmp_path: Path
) -> None:
    public = "https://help.example.com/otrs/customer.pl?Action=CustomerLostPassword"
    elsewhere = _portal(desk, tmp_path, PORTAL_PASSWORD_RESET_URL=public).test_client()
    assert elsewhere.get("/password-reset").headers["Location"] == public
    hidden = _portal(desk, tmp_path, PORTAL_PASSWORD_RESET_URL="off").test_client()
    assert "Forgot your password?" not in hidden.get("/login").get_data(as_text=True)
    assert hidden.get("/password-reset").status_code == 404


def test_a_setting_that_is_no_address_is_refused(desk: Any, tmp_path: Path) -> None:
    with pytest.raises(InvalidSettingsError, match="PORTAL_PASSWORD_RESET_URL"):
        _portal(desk, tmp_path, PORTAL_PASSWORD_RESET_URL="javascript:alert(1)")


@pytest.fixture
def sandbox_portal(znuny: str, sandbox_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"RADIANT_SETTINGS": sandbox_settings(znuny, sandbox_dir, tmp_path),
                      "TESTING": True, "SECRET_KEY": "t"})
    yield app
    app.extensions["radiant_portal"]["services"].close()


def test_the_script_path_is_the_one_the_companion_found_on_the_server(
    sandbox_portal: Flask, znuny: str
) -> None:
    client = sandbox_portal.test_client()
    location = client.get("/password-reset").headers["Location"]
    endpoint = sandbox_portal.extensions["radiant_runtime"].client.endpoint
    script = endpoint.split("/nph-genericinterface.pl")[0]
    assert location == f"{script}/customer.pl?Action=CustomerLostPassword"
    assert location.startswith(znuny.rstrip("/") + "/")


def test_a_znuny_that_cannot_be_reached_gets_a_page_that_says_so(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    settings = sandbox_settings("http://127.0.0.1:9", sandbox_dir, tmp_path)  # nobody listens
    app = create_app({"RADIANT_SETTINGS": settings, "TESTING": True, "SECRET_KEY": "t"})
    try:
        response = app.test_client().get("/password-reset")
    finally:
        app.extensions["radiant_portal"]["services"].close()
    assert response.status_code == 503
    assert "cannot be reached right now" in response.get_data(as_text=True)
