"""A ``TicketStateUpdate`` (recorded file 23) that moves a ticket off its item's workflow is
recorded as refused once; the sync side puts it back, and the put-back is not refused."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select

from radiant_ext.config import Settings
from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.store import (
    StepEntry,
    WorkflowEvent,
    make_engine,
    make_session_factory,
    session_scope,
)
from radiant_ext.sync import JobContext
from radiant_ext.sync.workflow_guard import send_refusals
from radiant_ext.webhook import TicketRouter, WebhookConfig, init_webhook
from tests._store_fixtures import ENGINE_PARAMS, store_engine

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture(params=ENGINE_PARAMS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with store_engine(request.param, tmp_path, suite="webhook") as eng:
        yield eng


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager())


@pytest.fixture
def app(engine: Engine, plugins: Plugins, kit: Any) -> Flask:
    app = Flask("webhook-moves")
    service = init_webhook(app, router=TicketRouter(plugins),
                           config=WebhookConfig(user=kit.USER, secret=kit.SECRET),
                           workflow_store=make_session_factory(engine))
    service.clock = lambda: NOW
    return app


def _state_update(kit: Any, before: str, after: str, after_type: str,
                  changed: str = "2026-11-23 05:58:16") -> dict[str, Any]:
    body = copy.deepcopy(kit.load_recording("23-TicketStateUpdate-gi-ticketupdate")
                         ["request"]["body"])
    body["Event"]["OldTicketData"]["State"] = before
    ticket = body["Ticket"]
    ticket.update(State=after, StateType=after_type, Changed=changed,
                  DynamicField_RadiantCategory="it.software-defect")
    return dict(body)


def _post(app: Flask, kit: Any, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    with app.test_client() as client:
        response = client.post("/-/znuny/webhook/state-update", data=json.dumps(body),
                               headers=kit.basic(), content_type="application/json")
    assert response.status_code == 200
    return response.get_json(), response.headers["X-Radiant-Webhook"]


class Recorded:
    """Stands in for the client: records what the put-back sends."""

    def __init__(self) -> None:
        self.updates: list[tuple[int, Any, Any]] = []

    def ticket_update(self, ticket_id: int, *, ticket: Any = None, article: Any = None,
                      **_: Any) -> None:
        self.updates.append((ticket_id, ticket, article))

    def ticket_history(self, ticket_id: int) -> list[Any]:
        return []  # no state entries: the history shows no way, the move is put back


def test_a_move_off_the_path_is_refused_once_and_its_put_back_stands(
        app: Flask, kit: Any, engine: Engine, plugins: Plugins, tmp_path: Path) -> None:
    body = _state_update(kit, "in testing", "client testing", "pending reminder")
    answer, reason = _post(app, kit, body)
    assert answer == {}  # never a state in the answer: the write-back cannot loop
    assert "move in testing -> client testing refused: to be put back" in reason
    assert "refused before" in _post(app, kit, body)[1]  # the daemon delivers it again
    znuny = Recorded()
    ctx = JobContext(settings=Settings(data_dir=tmp_path), engine=engine,
                     client_factory=lambda: znuny, plugins_factory=lambda: plugins,
                     now=lambda: NOW)
    assert send_refusals(ctx) == {"refused": 1, "failed": 0}
    [(ticket_id, changes, note)] = znuny.updates
    assert (ticket_id, changes.state) == (4, "in testing")
    assert note.is_visible_for_customer is False and note.subject.startswith("Move refused")
    # Znuny reports the put-back as a state update too
    back = _state_update(kit, "client testing", "in testing", "open", "2026-11-23 05:59:00")
    assert "stands: the refused move put back" in _post(app, kit, back)[1]
    # the daemon's late retry of the first event, after the put-back: the same change
    assert "refused before" in _post(app, kit, body)[1]
    assert send_refusals(ctx) == {"refused": 0, "failed": 0}
    with session_scope(engine) as s:
        assert len(list(s.scalars(select(WorkflowEvent)))) == 1


def test_a_move_on_the_path_and_a_ticket_without_a_workflow_are_left_alone(
        app: Flask, kit: Any, engine: Engine) -> None:
    assert "stands: an agent's move" in _post(app, kit, _state_update(
        kit, "in testing", "ready to install", "open"))[1]
    plain = _state_update(kit, "new", "closed successful", "closed")
    plain["Ticket"]["DynamicField_RadiantCategory"] = "it.pos-down"
    assert "declares no workflow" in _post(app, kit, plain)[1]
    with session_scope(engine) as s:
        assert list(s.scalars(select(WorkflowEvent))) == []


def test_a_store_that_cannot_be_read_leaves_the_move_to_the_pull(
        plugins: Plugins, kit: Any, tmp_path: Path) -> None:
    unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    app = Flask("webhook-moves-no-store")
    init_webhook(app, router=TicketRouter(plugins),
                 config=WebhookConfig(user=kit.USER, secret=kit.SECRET),
                 workflow_store=make_session_factory(unmigrated))
    answer, reason = _post(app, kit, _state_update(kit, "in testing", "client testing",
                                                   "pending reminder"))
    assert answer == {} and "the ticket pull checks the move" in reason
    unmigrated.dispose()


def test_each_reported_move_is_logged_at_znunys_change_time_a_late_one_changes_nothing(
        app: Flask, kit: Any, engine: Engine) -> None:
    _post(app, kit, _state_update(kit, "in testing", "ready to install", "open",
                                  "2026-11-23 05:58:16"))
    _post(app, kit, _state_update(kit, "ready to install", "client testing",
                                  "pending reminder", "2026-11-23 05:59:30"))
    _post(app, kit, _state_update(kit, "in testing", "ready to install", "open",
                                  "2026-11-23 05:58:16"))  # delivered again, late
    with session_scope(engine) as s:
        log = [(e.state, e.entered_at, e.left_at, e.next_state)
               for e in s.scalars(select(StepEntry).order_by(StepEntry.id))]
    first, second = (datetime(2026, 11, 23, 5, 58, 16, tzinfo=UTC),
                     datetime(2026, 11, 23, 5, 59, 30, tzinfo=UTC))
    assert log == [("ready to install", first, second, "client testing"),
                   ("client testing", second, None, None)]
