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

from radiant_ext.config import Settings, load_settings
from radiant_ext.portal import create_app
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread

ADMIN = {"companion_admins": ["demo-agent"],
         "department_admins": {"it": ["it-agent"], "hr": ["hr-agent"]}}
NOW = datetime(2026, 11, 20, 14, 50, tzinfo=UTC)  # Friday 17:50 in Moscow


@pytest.fixture(scope="session")
def sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("admin-sandbox")


@pytest.fixture(scope="session")
def znuny(sandbox_dir: Path) -> Iterator[str]:
    server = serve_in_thread(sandbox_app(sandbox_dir, seed="retail", test_controls=True))
    yield server.url
    server.stop()


@pytest.fixture
def settings(znuny: str, sandbox_dir: Path, tmp_path: Path) -> Settings:
    settings = load_settings(
        znuny_url=znuny, znuny_user="radiant", znuny_password="radiant-demo",
        znuny_timeout=3.0, data_dir=tmp_path, database_url="",
        znuny_db_url=f"sqlite:///{sandbox_dir / 'sandbox.sqlite'}",
        catalog_dirs=[sandbox_dir / "stores"], admin=ADMIN,
    )
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    return settings


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
