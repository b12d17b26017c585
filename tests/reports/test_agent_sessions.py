"""The reports' agent session against the sandbox Znuny: revoking the agent there closes the
reports within the check interval (PORTAL_SESSION_CHECK_SECONDS), with no sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from radiant_ext.config import load_settings
from radiant_ext.portal import create_app
from radiant_ext.portal.ports import PortalServices
from radiant_ext.portal.sessions import MemorySessionStore
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread
from radiant_ext_sandbox.seeds.retail import PASSWORD
from tests._clock import Clock
from tests.reports.conftest import DIRECTORY

CHECK_SECONDS = 60


class _Unused:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the report pages must not call {name}")


@pytest.fixture(scope="module")
def sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox")


@pytest.fixture(scope="module")
def znuny(sandbox_dir: Path) -> Iterator[str]:
    server = serve_in_thread(sandbox_app(sandbox_dir, seed="retail"))
    yield server.url
    server.stop()




@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def portal(znuny: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    settings = load_settings(znuny_url=znuny, znuny_user="radiant",
                             znuny_password="radiant-demo", znuny_timeout=5.0,
                             data_dir=tmp_path, database_url="")
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    app = create_app({
        "RADIANT_SETTINGS": settings, "TESTING": True, "SECRET_KEY": "t",
        "WTF_CSRF_ENABLED": False,
        "PORTAL_SERVICES": PortalServices(_Unused(), _Unused(), _Unused(), _Unused()),
        "PORTAL_SESSION_STORE": MemorySessionStore(8 * 3600, clock=clock),
        "PORTAL_SESSION_CHECK_SECONDS": CHECK_SECONDS,
        "REPORTS_ENGINE": engine, "REPORTS_DIRECTORY": DIRECTORY,
    })
    yield app
    engine.dispose()


def _kill_session(sandbox_dir: Path, gi_session_id: str) -> None:
    """What Znuny's Admin → Session Management → "Kill this session" does."""
    db = create_engine(f"sqlite:///{sandbox_dir / 'sandbox.sqlite'}")
    try:
        with db.begin() as conn:
            gone = conn.execute(text("DELETE FROM sessions WHERE session_id = :sid"),
                                {"sid": gi_session_id}).rowcount
        assert gone > 0
    finally:
        db.dispose()


def _agent_client(portal: Flask, login: str) -> tuple[FlaskClient, str]:
    """A browser logged in on the reports as ``login``, and the agent's GI session id."""
    client = portal.test_client()
    response = client.post("/reports/login", data={"login": login, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with client.session_transaction() as cookie:
        key = cookie["reports_agent"]
    entry = portal.extensions["radiant_portal"]["sessions"].get(key)
    assert entry is not None and entry.gi_session_id
    assert client.get("/reports/").status_code == 200
    return client, entry.gi_session_id


def test_removing_the_agents_znuny_session_closes_the_reports(
        portal: Flask, sandbox_dir: Path, clock: Clock) -> None:
    client, gi_session_id = _agent_client(portal, "it-agent")
    _kill_session(sandbox_dir, gi_session_id)
    clock.now += CHECK_SECONDS - 1
    assert client.get("/reports/").status_code == 200  # not asked again yet
    clock.now += 1
    response = client.get("/reports/stores")
    assert response.status_code == 302
    assert "/reports/login" in response.headers["Location"]


def test_an_agent_made_invalid_in_znuny_loses_the_reports(
        portal: Flask, sandbox_dir: Path, clock: Clock) -> None:
    client, _ = _agent_client(portal, "maint-agent")
    other, _ = _agent_client(portal, "hr-agent")
    db = create_engine(f"sqlite:///{sandbox_dir / 'sandbox.sqlite'}")
    try:
        with db.begin() as conn:
            conn.execute(text("UPDATE users SET valid_id = 2 WHERE login = 'maint-agent'"))
        clock.now += CHECK_SECONDS
        assert client.get("/reports/").status_code == 302
        assert other.get("/reports/").status_code == 200  # a valid colleague keeps them
    finally:
        with db.begin() as conn:
            conn.execute(text("UPDATE users SET valid_id = 1 WHERE login = 'maint-agent'"))
        db.dispose()


def test_the_agent_session_is_kept_in_znuny_and_asked_about(portal: Flask,
                                                            clock: Clock) -> None:
    client, _ = _agent_client(portal, "cs-agent")
    for _ in range(3):
        clock.now += CHECK_SECONDS
        assert client.get("/reports/").status_code == 200
