"""A portal with the report pages over a filled ticket cache, for the page and browser tests:
tickets of three stores and four catalog items on several weekdays, the real department
plugins' titles (with their Russian), store and agent names, and a companion admin."""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from radiant_ext.portal import create_app
from radiant_ext.portal.admin import AdminSettings
from radiant_ext.portal.ports import Customer, PortalServices
from radiant_ext.portal.sessions import MemorySessionStore
from radiant_ext.reports import ItemDirectory, ReportSettings
from tests.reports.conftest import DIRECTORY, NOW, MakeTicket

AGENTS = {"it-agent": "demo", "maint-agent": "demo"}
"""Agents and passwords; ``it-agent`` is a companion admin, ``maint-agent`` is not."""
AGENT_NAMES = {"it-agent": "Ivan Tekhnikov"}
MANAGER = Customer("store-manager", "store-007", "Mark Manager")


class _Unused:
    """Ports the report pages never call."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the report pages must not call {name}")


def fill(make_ticket: MakeTicket, session: Session) -> None:
    """Tickets of the last two weeks: store-001 busiest, Mondays busiest, some closed."""
    for day, count in ((0, 4), (1, 2), (3, 1), (7, 3), (9, 2)):
        for n in range(count):
            store = ("store-001", "store-007", "store-012")[n % 3]
            category = ("it.pos-down", "it.receipt-printer", "maintenance.hvac")[n % 3]
            make_ticket(store=store, customer_id=store, category=category,
                        created=NOW - timedelta(days=day, hours=n),
                        closed=NOW - timedelta(days=day) if n % 2 else None,
                        owner="it-agent" if n % 2 else "maint-agent")
    make_ticket(store="store-007", customer_id="store-007", category="hr.vacation-request",
                created=NOW - timedelta(days=2))
    session.commit()


@functools.cache
def plugin_directory() -> ItemDirectory:
    """The installed department plugins' titles, with the test stores and agent names."""
    from radiant_ext.plugins import Plugins, make_plugin_manager

    plugins = Plugins(make_plugin_manager(load_entrypoints=True))
    return replace(ItemDirectory.from_plugins(plugins), stores=DIRECTORY.stores,
                   agents=AGENT_NAMES)


def reports_app(engine: Engine, settings: ReportSettings,
                directory: ItemDirectory | None = None) -> Flask:
    """The portal over ``engine`` with the reports' agent login checked against
    :data:`AGENTS`; items and stores from ``directory`` (default: the installed plugins')."""
    return create_app({
        "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
        "PORTAL_SERVICES": PortalServices(_Unused(), _Unused(), _Unused(), _Unused()),
        "PORTAL_SESSION_STORE": MemorySessionStore(3600),
        "PORTAL_SESSION_CHECK_SECONDS": 10**9,
        "REPORTS_ENGINE": engine, "REPORTS_SETTINGS": settings,
        "REPORTS_DIRECTORY": directory or plugin_directory(),
        "REPORTS_AGENT_AUTH": lambda login, password: AGENTS.get(login) == password,
        "REPORTS_CLOCK": lambda: NOW,
        "ADMIN_SETTINGS": AdminSettings(companion_admins=["it-agent"]),
    })


def log_in_agent(client: FlaskClient, login: str = "it-agent") -> None:
    """Log ``login`` in on the reports' agent login."""
    response = client.post("/reports/login", data={"login": login, "password": "demo",
                                                   "next": "/reports/"})
    assert response.status_code == 302, response.get_data(as_text=True)


def log_in_manager(app: Flask, client: FlaskClient) -> None:
    """Log the manager of store-007 in to the portal."""
    store = app.extensions["radiant_portal"]["sessions"]
    key = store.create("gi-session", MANAGER).key
    with client.session_transaction() as s:
        s["sid"] = key
