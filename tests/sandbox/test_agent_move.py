"""``radiant-ext sandbox move``: an agent's state change in the sandbox, as Znuny's TicketUpdate
makes it — history, a pending time for a pending state, an internal note, the invoker's
TicketStateUpdate — and bad input refused with one line and nothing changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from radiant_ext.cli.sandbox import sandbox
from radiant_ext_sandbox import InvokerConfig, create_app
from radiant_ext_sandbox.postmaster import compose_mail

from .receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.stop()


def _ticket(folder: Path) -> dict[str, Any]:
    """A retail sandbox in ``folder`` with one e-mail ticket of flagship-clerk's (state new)."""
    raw = compose_mail("flagship-clerk@retail.example", "Export stops", "Page 2 is empty")
    return create_app(folder, seed="retail").receive_mail(raw)


def _db(folder: Path, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(f"sqlite:///{folder / 'sandbox.sqlite'}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def _state(folder: Path, ticket_id: int) -> tuple[str, int]:
    [row] = _db(folder, "SELECT s.name, t.until_time FROM ticket t JOIN ticket_state s "
                        "ON s.id = t.ticket_state_id WHERE t.id = :id", id=ticket_id)
    return str(row[0]), int(row[1])


def test_a_pending_state_gets_its_time_a_note_and_the_invoker_call(
    tmp_path: Path, receiver: Receiver
) -> None:
    ticket = _ticket(tmp_path)
    create_app(tmp_path).store_invoker(InvokerConfig(
        url=receiver.url + "/hook", password="s",
        events=frozenset({"TicketCreate", "TicketStateUpdate"})))
    result = CliRunner().invoke(sandbox, [
        "--data", str(tmp_path), "move", ticket["TicketNumber"], "client testing",
        "--note", "Installed on the office till; please try the export"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["StateBefore"], out["State"]) == ("new", "client testing")
    state, until = _state(tmp_path, ticket["TicketID"])
    ahead = datetime.fromtimestamp(until, UTC) - datetime.now(UTC)
    assert state == "client testing" and timedelta(hours=23) < ahead <= timedelta(hours=24)
    history = [r[0] for r in _db(tmp_path, "SELECT h.name FROM ticket_history h WHERE "
                                           "h.ticket_id = :id ORDER BY h.id",
                                 id=ticket["TicketID"])]
    assert "%%new%%client testing%%" in history
    assert any(h.startswith("%%20") for h in history)  # SetPendingTime %%YYYY-MM-DD HH:MM
    [note] = _db(tmp_path, "SELECT a.is_visible_for_customer, m.a_body FROM article a JOIN "
                           "article_data_mime m ON m.article_id = a.id WHERE a.ticket_id = :id "
                           "AND a.communication_channel_id = 3", id=ticket["TicketID"])
    assert note[0] == 0 and "try the export" in note[1]
    [call] = receiver.requests
    event = call["body"]["Event"]
    assert event["Event"] == "TicketStateUpdate" and event["OldTicketData"]["State"] == "new"
    assert call["body"]["Ticket"]["State"] == "client testing"
    assert out["InvokerCalls"][0]["Status"] == 200


def test_by_id_to_an_open_state_clears_the_pending_time(tmp_path: Path) -> None:
    ticket = _ticket(tmp_path)
    app = create_app(tmp_path)
    app.agent_move(str(ticket["TicketID"]), "client testing")
    out = app.agent_move(f" {ticket['TicketID']} ", "open")
    assert out["StateBefore"] == "client testing" and out["PendingUntil"] == ""
    assert _state(tmp_path, ticket["TicketID"]) == ("open", 0)


@pytest.mark.parametrize(("ticket", "state", "says"), [
    ("999999", "open", "no ticket with number or id '999999'"),
    ("2026120599999999", "open", "no ticket with number or id"),
    ("TICKET", "open", "no ticket with number or id 'TICKET'"),
    (None, "cloosed", "no valid ticket state 'cloosed'"),
    (None, "", "no valid ticket state ''"),
])
def test_an_unknown_ticket_or_state_is_one_line_exit_2_and_nothing_changes(
    tmp_path: Path, ticket: str | None, state: str, says: str
) -> None:
    made = _ticket(tmp_path)
    before = _db(tmp_path, "SELECT count(*) FROM ticket_history")
    result = CliRunner().invoke(sandbox, [
        "--data", str(tmp_path), "move", ticket or made["TicketNumber"], state, "--note", "x"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0]
    assert _state(tmp_path, made["TicketID"]) == ("new", 0)
    assert _db(tmp_path, "SELECT count(*) FROM ticket_history") == before


def test_a_folder_without_a_sandbox_is_refused_and_left_empty(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    result = CliRunner().invoke(sandbox, ["--data", str(folder), "move", "1", "open"])
    assert result.exit_code == 2
    assert result.output.strip() == (f"Error: no sandbox database in {folder} "
                                     "(give the sandbox's --data)")
    assert not folder.exists()
