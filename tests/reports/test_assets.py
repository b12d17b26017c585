"""The per-asset report: tickets per serial number / asset model typed into request forms."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from radiant_ext.cli import build_cli
from radiant_ext.plugins import make_plugin_manager
from radiant_ext.plugins.wrapper import Plugins
from radiant_ext.portal import create_app
from radiant_ext.portal.ports import PortalServices
from radiant_ext.portal.sessions import MemorySessionStore
from radiant_ext.reports import ItemDirectory, ReportFilter, ReportSettings, run_report
from radiant_ext.store import TicketCache, make_engine, upgrade_database
from tests.reports.conftest import DIRECTORY, NOW, MakeTicket

ASSETS = replace(DIRECTORY, asset_fields={"it.pos-down": (("serial", "Serial number"),)})


def _fill(make_ticket: MakeTicket) -> None:
    for n, serial in enumerate(["SN-0042", " sn-0042 ", "SN-0042", "SN-7"]):
        make_ticket(form_values={"serial": serial, "register": "2"},
                    created=NOW - timedelta(days=n), closed=NOW if n == 1 else None)
    make_ticket(form_values={"serial": "SN-7"}, store="store-007", customer_id="store-007",
                created=NOW - timedelta(days=10))
    make_ticket(form_values={"register": "3"})                      # no serial given
    make_ticket(category="it.receipt-printer", form_values={"serial": "RP-1"})  # no such field
    make_ticket(form_values=None)                                   # an e-mail ticket


def test_tickets_are_counted_per_serial_number_most_troubled_first(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket)
    table = run_report("assets", session, ReportFilter(), directory=ASSETS, now=NOW)
    records = table.records()
    assert [(r["asset"], r["tickets"], r["open"]) for r in records] == [
        ("SN-0042", 3, 2), ("SN-7", 2, 2)]
    top = records[0]
    assert (top["field"], top["item"], top["title"]) == (
        "Serial number", "it.pos-down", "Cash register is down")
    assert (top["first"], top["last"]) == (
        (NOW - timedelta(days=2)).date().isoformat(), NOW.date().isoformat())


def test_a_manager_counts_only_their_companys_devices(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket)
    table = run_report("assets", session, ReportFilter(company="store-007"),
                       directory=ASSETS, now=NOW)
    assert [(r["asset"], r["tickets"]) for r in table.records()] == [("SN-7", 1)]


def test_without_catalog_labels_the_usual_field_ids_count(
        session: Session, make_ticket: MakeTicket) -> None:
    make_ticket(category="acme.scanner", form_values={"model": "Zebra DS2208"})
    make_ticket(category="acme.scanner", form_values={"model": "zebra ds2208"})
    table = run_report("assets", session, ReportFilter(), directory=ItemDirectory(), now=NOW)
    assert [(r["asset"], r["field"], r["tickets"]) for r in table.records()] == [
        ("Zebra DS2208", "model", 2)]


def test_the_it_catalog_gives_the_cash_register_serial_field() -> None:
    directory = ItemDirectory.from_plugins(Plugins(make_plugin_manager()))
    assert ("serial", "Serial number (sticker on the back)") in directory.asset_fields[
        "it.pos-down"]
    assert [f for f, _ in directory.asset_fields["it.price-tag-printer"]] == ["model", "serial"]


def test_the_assets_page_shows_the_chart_and_its_table(
        engine: Any, session: Session, make_ticket: MakeTicket,
        report_settings: ReportSettings) -> None:
    _fill(make_ticket)
    session.commit()
    app: Flask = create_app({
        "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
        "PORTAL_SERVICES": PortalServices(*(object(),) * 4),  # type: ignore[arg-type]
        "PORTAL_SESSION_STORE": MemorySessionStore(3600), "PORTAL_SESSION_CHECK_SECONDS": 10**9,
        "REPORTS_ENGINE": engine, "REPORTS_SETTINGS": report_settings,
        "REPORTS_DIRECTORY": ASSETS, "REPORTS_AGENT_AUTH": lambda login, pw: pw == "demo",
        "REPORTS_CLOCK": lambda: NOW})
    client: FlaskClient
    with app.test_client() as client:
        assert client.post("/reports/login", data={"login": "it-agent", "password": "demo",
                                                   "next": "/reports/"}).status_code == 302
        page = client.get("/reports/assets")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        table = html[html.index("<table"):html.index("</table>")]
        assert "SN-0042" in table and "SN-7" in table
        assert "data:image/svg+xml" in html
        assert "/reports/assets" in client.get("/reports/").get_data(as_text=True)
        export = client.get("/reports/assets/export.csv")
        rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[1][0] == "SN-0042" and rows[1][4] == "3"


def test_the_command_line_exports_the_assets(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("RADIANT_DATABASE_URL", raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'radiant.sqlite3'}")
    upgrade_database(engine)
    with Session(engine) as s, s.begin():
        for i, serial in enumerate(["SN-1", "SN-1", "SN-2"]):
            s.add(TicketCache(ticket_id=i + 1, ticket_number=str(i), category="it.pos-down",
                              state_type="open", form_values={"serial": serial},
                              created=datetime(2026, 10, 2, 9, tzinfo=UTC)))
    engine.dispose()
    result = CliRunner().invoke(build_cli(), ["report", "assets", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(r["asset"], r["tickets"]) for r in data["rows"]] == [("SN-1", 2), ("SN-2", 1)]
