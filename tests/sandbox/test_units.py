"""Ticket numbers, the business calendar, query parsing and session rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from radiant_ext_sandbox import create_app, serve_in_thread
from radiant_ext_sandbox.timeutil import Calendar, ticket_number
from radiant_ext_sandbox.transport import parse_query

SUNDAY_NIGHT = dt.datetime(2026, 11, 22, 23, 14, 49)


@pytest.mark.parametrize("recorded", ["2026112210000077", "2026112210000111", "2026112310000039"])
def test_ticket_numbers_carry_znunys_check_digit(recorded: str) -> None:
    day = dt.date(int(recorded[:4]), int(recorded[4:6]), int(recorded[6:8]))
    assert ticket_number(day, "10", int(recorded[10:15])) == recorded


def test_working_time_skips_nights_and_weekends() -> None:
    lab = Calendar()  # Mon-Fri 08-20 UTC: otrs-ce-6 038 ends 4 h after Sunday night at Mon 12:00
    assert lab.add_working_seconds(SUNDAY_NIGHT, 4 * 3600) == dt.datetime(2026, 11, 23, 12, 0)
    retail = Calendar("Europe/Moscow", 8, 18)
    friday_5pm_msk = dt.datetime(2026, 11, 27, 14, 0)  # 17:00 in Moscow
    assert retail.add_working_seconds(friday_5pm_msk, 2 * 3600) == dt.datetime(2026, 11, 30, 6, 0)
    assert retail.working_seconds(friday_5pm_msk, dt.datetime(2026, 11, 30, 6, 0)) == 7200


def test_query_parsing_follows_the_rest_transport() -> None:
    data = parse_query("States=new&States=open;Title=a+b&Limit=0&Q=%2A")
    assert data == {"States": ["new", "open"], "Title": "a b", "Limit": "", "Q": "*"}


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    server = serve_in_thread(create_app(tmp_path, seed="lab", test_controls=True))
    yield server.url
    server.stop()


def test_session_dies_after_its_maximum_lifetime(lab: str) -> None:
    ws = lab + "/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
    sid = requests.post(
        ws + "/Session", json={"UserLogin": "agent1", "Password": "lab-password"}
    ).json()
    sid = sid["SessionID"]
    assert "SessionData" in requests.get(ws + f"/Session/{sid}").json()
    requests.post(lab + "/__sandbox__/clock", json={"Advance": 57601})
    got = requests.get(ws + f"/Session/{sid}").json()
    assert got["Error"]["ErrorCode"] == "SessionGet.SessionInvalid"


def test_credentials_per_request_and_missing_password(lab: str) -> None:
    ws = lab + "/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
    got = requests.get(
        ws + "/Ticket", params={"UserLogin": "agent1", "Password": "lab-password"}
    ).json()
    assert len(got["TicketID"]) == 7
    missing = requests.patch(ws + "/Ticket/2", json={"UserLogin": "agent1"}).json()
    assert missing["Error"] == {
        "ErrorCode": "TicketUpdate.MissingParameter",
        "ErrorMessage": "TicketUpdate: Password or SessionID is required!",
    }


def test_the_retail_seed_puts_its_store_directory_beside_the_database(tmp_path: Path) -> None:
    from radiant_ext.plugins import load_catalog_dirs
    from radiant_ext.plugins.demo import DEMO_STORES_FILE

    create_app(tmp_path / "retail", seed="retail")
    copied = tmp_path / "retail" / "stores" / "stores.yaml"
    assert copied.read_text("utf-8") == DEMO_STORES_FILE.read_text("utf-8")
    [directory] = load_catalog_dirs([copied.parent])
    assert [s.id for s in directory.stores][:3] == ["store-001", "store-002", "store-003"]
    create_app(tmp_path / "lab", seed="lab")
    assert not (tmp_path / "lab" / "stores").exists()
