"""Reports as a manager reads them: in Russian (titles, weekdays, item names, numbers,
dates), names instead of ids, downloads that open in Russian and English Excel, hints about
the settings only for admins, a compact menu and a print view."""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from radiant_ext.reports import ReportSettings
from tests.reports._pages import fill, log_in_agent, log_in_manager, reports_app
from tests.reports.conftest import MakeTicket

RU = {"Accept-Language": "ru"}
WEEK = "from=2026-11-10&to=2026-11-23"


@pytest.fixture
def app(engine: Engine, session: Session, make_ticket: MakeTicket,
        report_settings: ReportSettings) -> Flask:
    fill(make_ticket, session)
    return reports_app(engine, report_settings)


@pytest.fixture
def agent(app: Flask) -> Iterator[FlaskClient]:
    """A client logged in as ``it-agent`` (a companion admin)."""
    with app.test_client() as client:
        log_in_agent(client)
        yield client


def _page(client: FlaskClient, url: str, headers: dict[str, str] | None = None) -> str:
    """The page's HTML, non-breaking spaces (Russian numbers and dates) as spaces."""
    html = client.get(url, headers=headers).get_data(as_text=True)
    return html.replace("\xa0", " ").replace("\u202f", " ")


def _table(html: str) -> str:
    return html[html.index("<table"):html.index("</table>")]


def _svgs(html: str) -> list[str]:
    return [base64.b64decode(b).decode() for b in
            re.findall(r'(?:src|srcset)="data:image/svg\+xml;base64,([^"]+)"', html)]


def test_a_russian_page_has_russian_title_weekdays_and_item_names(agent: FlaskClient) -> None:
    html = agent.get(f"/reports/weekday-hour?{WEEK}", headers=RU).get_data(as_text=True)
    assert "Заявки по дням недели и часам" in html
    table = _table(html)
    assert "Понедельник" in table and "Воскресенье" in table and "Monday" not in table
    wide, narrow = _svgs(html)[1], _svgs(html)[0]  # <source> (phones) comes first
    assert "Понедельник" in wide and ">пн<" in narrow and "Monday" not in narrow
    items = _page(agent, f"/reports/items?{WEEK}", RU)
    assert "Не работает касса" in _table(items) and "Cash register" not in items
    assert "<th scope=\"col\">Отдел</th>" in _table(items) and ">ИТ<" in _table(items)
    assert all("Не работает касса" in svg for svg in _svgs(items))
    # numbers and dates as Russian writes them: a decimal comma, day month year
    assert re.search(r">\d+,\d %<|>\d+,\d<|>\d+,\d%<", _table(items))
    assert "10 нояб. 2026 г. – 23 нояб. 2026 г." in items


def test_csv_in_russian_uses_semicolons_a_bom_and_russian_headers(agent: FlaskClient) -> None:
    data = agent.get(f"/reports/items/export.csv?{WEEK}", headers=RU).data
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with the BOM
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0] + "\n" + text.splitlines()[1])
    assert dialect.delimiter == ";"
    rows = list(csv.reader(io.StringIO(text), dialect))
    assert rows[0] == ["Код пункта", "Пункт каталога", "Код отдела", "Отдел", "Заявки",
                       "Открыто", "Доля, %"]
    pos = next(r for r in rows if r[0] == "it.pos-down")
    assert pos[1] == "Не работает касса" and "," in pos[6] and "." not in pos[6]
    english = agent.get(f"/reports/items/export.csv?{WEEK}").data.decode("utf-8-sig")
    assert english.splitlines()[0] == "Catalog item id,Catalog item,Department id,Department," \
                                      "Tickets,Open,Share %"
    # either dialect on demand, whatever the page's language
    comma = agent.get(f"/reports/items/export.csv?{WEEK}&dialect=comma", headers=RU)
    assert comma.data.decode("utf-8-sig").startswith("Код пункта,Пункт каталога,")
    bad = agent.get(f"/reports/items/export.csv?{WEEK}&dialect=tab")
    assert bad.status_code == 400 and "comma or semicolon" in bad.get_data(as_text=True)
    refused = agent.get("/reports/items/export.csv?from=2026-13-01&dialect=tab", headers=RU)
    assert refused.status_code == 400 and refused.json == {"errors": {
        "from": "Введите дату в виде ГГГГ-ММ-ДД.",
        "dialect": "Выберите запятую или точку с запятой."}}


def test_xlsx_in_russian_names_its_sheets_and_columns_in_russian(agent: FlaskClient) -> None:
    response = agent.get(f"/reports/stores/export.xlsx?{WEEK}", headers=RU)
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Отчёт", "Сведения"]
    header = [c.value for c in book["Отчёт"][1]]
    assert header == ["Код магазина", "Магазин", "Заявки", "Открыто", "Доля, %"]
    about = {r[0]: r[1] for r in book["Сведения"].iter_rows(values_only=True)}
    assert about["Отчёт"] == "Заявки по магазинам" and about["С"] == "2026-11-10"
    assert about["Сформирован"] == "2026-11-23T12:00:00+03:00"  # with the report's zone


def test_the_menu_is_one_line_on_phones_without_script(agent: FlaskClient) -> None:
    html = agent.get(f"/reports/stores?{WEEK}").get_data(as_text=True)
    menu = html[html.index('<details class="reports-menu">'):html.index("</details>")]
    assert "<summary>Reports: <strong>Per store</strong></summary>" in menu
    assert menu.count('href="/reports/') >= 19  # every report, inside the closed menu
    assert "<script" not in menu


def test_stores_and_agents_show_by_name(agent: FlaskClient) -> None:
    html = agent.get(f"/reports/stores?{WEEK}").get_data(as_text=True)
    table = _table(html)
    assert "Store 001 Moscow Tverskaya" in table and "store-001" not in table
    assert all("Store 001 Moscow Tverskaya" in svg and "store-001" not in svg
               for svg in _svgs(html))
    assert ">Store 001 Moscow Tverskaya</option>" in html  # the filter too
    rows = list(csv.reader(io.StringIO(
        agent.get(f"/reports/stores/export.csv?{WEEK}").data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Store id", "Store"]  # the export keeps the id beside the name
    assert ["store-001", "Store 001 Moscow Tverskaya"] in [r[:2] for r in rows]
    owners = _table(agent.get(f"/reports/sla-owners?{WEEK}").get_data(as_text=True))
    assert "Ivan Tekhnikov" in owners and "it-agent" not in owners
    assert "maint-agent" in owners  # no name in Znuny's metadata: the login


def test_a_manager_reads_a_plain_sentence_where_an_admin_reads_the_setting(
        engine: Engine, session: Session, make_ticket: MakeTicket) -> None:
    fill(make_ticket, session)
    settings = ReportSettings.model_validate({"managers": {"store-007": ["store-manager"]}})
    app = reports_app(engine, settings)
    with app.test_client() as manager:
        log_in_manager(app, manager)
        for lang in ("en", "ru"):
            page = manager.get("/reports/penalties", headers={"Accept-Language": lang})
            export = manager.get("/reports/penalties/export.xlsx")
            assert page.status_code == 200 and "[[reports" not in page.get_data(as_text=True)
            assert b"[[reports" not in export.data
        assert "No contract penalties are set up" in manager.get(
            "/reports/penalties").get_data(as_text=True)
    with app.test_client() as other_agent:  # an agent who cannot change the settings
        log_in_agent(other_agent, "maint-agent")
        assert "[[reports" not in other_agent.get("/reports/penalties").get_data(as_text=True)
    with app.test_client() as admin:
        log_in_agent(admin)
        assert "[[reports.penalties]]" in admin.get("/reports/penalties").get_data(as_text=True)
        assert "[[reports.penalties]] в настройках" in admin.get(
            "/reports/penalties", headers=RU).get_data(as_text=True)


def test_penalty_totals_are_money_in_the_readers_language(agent: FlaskClient) -> None:
    # the fixture's tickets have no contract SLA: the total is zero
    html = _page(agent, f"/reports/penalties?{WEEK}", RU)
    assert "Service company: всего 0,00 ₽." in html


def test_the_print_view_shows_title_filter_chart_and_table_without_the_controls(
        agent: FlaskClient) -> None:
    page = agent.get(f"/reports/stores/print?{WEEK}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Per store</h1>" in html and "Nov 10, 2026 – Nov 23, 2026" in html
    assert "Ctrl+P" in html and "Europe/Moscow" in html  # the time made, with its zone
    assert len(_svgs(html)) == 1 and "Store 001 Moscow Tverskaya" in _table(html)
    assert 'class="report-filters"' not in html and "reports-menu" not in html
    link = agent.get(f"/reports/stores?{WEEK}").get_data(as_text=True)
    assert 'href="/reports/stores/print?from=2026-11-10&amp;to=2026-11-23' in link
    with agent.get("/reports/static/reports.css") as css:
        assert "@media print" in css.get_data(as_text=True)
    ru = agent.get(f"/reports/stores/print?{WEEK}", headers=RU).get_data(as_text=True)
    assert "Печать / PDF" in ru and "Заявки по магазинам" in ru


def test_agent_and_company_names_come_from_znunys_tables(tmp_path: Path) -> None:
    import sqlite3

    from radiant_ext.config import load_settings
    from radiant_ext.reports import ItemDirectory
    from radiant_ext.reports.names import read_agent_names, with_znuny_names

    db = tmp_path / "znuny.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (login TEXT, first_name TEXT, last_name TEXT, "
                     "valid_id INTEGER)")
        conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", [
            ("it-agent", "Ivan", "Tekhnikov", 1), ("gone", "Old", "Agent", 2),
            ("bare", "", "", 1)])
        conn.execute("CREATE TABLE customer_company (customer_id TEXT, name TEXT, "
                     "valid_id INTEGER)")
        conn.executemany("INSERT INTO customer_company VALUES (?, ?, ?)", [
            ("head-office", "Head Office", 1), ("store-001", "Znuny's name", 1)])
    conn.close()
    assert read_agent_names(f"sqlite:///{db}") == {"it-agent": "Ivan Tekhnikov"}
    named = with_znuny_names(ItemDirectory(stores={"store-001": "Store 001 Tverskaya"}),
                             load_settings(znuny_db_url=f"sqlite:///{db}", data_dir=tmp_path))
    assert named.agent_name("it-agent") == "Ivan Tekhnikov"
    assert named.store_name("head-office") == "Head Office"  # a company, not a store
    assert named.store_name("store-001") == "Store 001 Tverskaya"  # the directory wins
    assert list(named.stores) == ["store-001"]  # the store filter lists stores only
    assert named.localized("ru").store_name("head-office") == "Head Office"
    # a database that cannot be read: logins are shown, the pages still work
    assert read_agent_names(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite'}") == {}
