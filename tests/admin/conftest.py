"""The admin area with its real adapters against the sandbox Znuny (retail seed).

Agents log in with their Znuny accounts: ``demo-agent`` is the companion admin, ``it-agent``
administers IT and ``hr-agent`` HR (the retail seed's agents, password ``demo``);
``acct-agent`` is an agent who administers nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.config import Settings
from radiant_ext.portal import create_app
from tests import _sandbox
from tests._sandbox import sandbox_settings

# the sandbox Znuny's fixtures (tests/_sandbox.py)
sandbox_dir = _sandbox.sandbox_dir
znuny = _sandbox.znuny

ADMIN = {"companion_admins": ["demo-agent"],
         "department_admins": {"it": ["it-agent"], "hr": ["hr-agent"]}}
NOW = datetime(2026, 11, 20, 14, 50, tzinfo=UTC)  # Friday 17:50 in Moscow


@pytest.fixture
def settings(znuny: str, sandbox_dir: Path, tmp_path: Path) -> Settings:
    return sandbox_settings(znuny, sandbox_dir, tmp_path, admin=ADMIN)


@pytest.fixture
def portal(settings: Settings) -> Iterator[Flask]:
    app = create_app({"RADIANT_SETTINGS": settings, "TESTING": True, "SECRET_KEY": "t",
                      "PORTAL_SESSION_CHECK_SECONDS": 0, "ADMIN_CLOCK": lambda: NOW})
    yield app
    app.extensions["radiant_portal"]["services"].close()


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def admin_login(portal: Flask, login: str, password: str = "demo") -> tuple[FlaskClient, Any]:
    client = portal.test_client()
    html = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={"login": login, "password": password,
                                                 "csrf_token": token(html), "next": "/admin/"})
    return client, response


def customer_login(portal: Flask, login: str) -> FlaskClient:
    client = portal.test_client()
    html = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"login": login, "password": "demo",
                                           "csrf_token": token(html), "next": "/"})
    assert response.status_code == 302
    return client
