"""A request waiting for approval too long: a reminder to its approvers at the approval's
``remind_after`` and an escalation at ``escalate_after``, counted in business hours of the
item's calendar from when it was filed, each once. The HR vacation request waits 8 h for a
reminder and 16 h for an escalation, on the built-in default calendar (Mon-Fri 08:00-18:00
Europe/Moscow)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, select, text

from radiant_ext.config import Settings
from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.store import ApprovalRequest, remember_language, session_scope
from radiant_ext.store.approvals import approver_keys
from radiant_ext.sync import JobContext
from radiant_ext.sync.deadlines import watch_deadlines

FRIDAY_13_MSK = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
"""Filed Friday 13:00 Moscow time: 5 business hours that Friday, so the reminder (8 h) is due
Monday 11:00 and the escalation (16 h) Tuesday 09:00 Moscow time (08:00 and 06:00 UTC)."""
REMIND = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ESCALATE = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
ONE_SECOND = timedelta(seconds=1)


@pytest.fixture
def ctx(make_ctx: Callable[..., JobContext], znuny: Any) -> JobContext:
    znuny.clock = FRIDAY_13_MSK
    plugins = Plugins(make_plugin_manager())
    return make_ctx(plugins_factory=lambda: plugins, now=lambda: znuny.clock)


def _waiting(engine: Engine, znuny: Any, decided: bool = False) -> int:
    """A vacation request of demo-customer, filed in Znuny, waiting for store-manager."""
    tid = znuny.add_ticket(State="waiting for approval", StateType="pending reminder",
                           Queue="HR", DynamicField={"RadiantCategory": "hr.vacation-request"})
    with session_scope(engine) as s:
        s.add(ApprovalRequest(
            request_id=f"RQ-{tid}", ticket_id=tid, ticket_number=f"2026{tid:08d}",
            item="hr.vacation-request", requester="demo-customer", store="store-007",
            title="Vacation request", role="store-manager", approvers=["store-manager"],
            approver_keys=approver_keys(["store-manager"]),
            waiting_state="waiting for approval", filed_at=FRIDAY_13_MSK,
            decision="approved" if decided else None))
    return tid


def _at(znuny: Any, ctx: JobContext, when: datetime) -> dict[str, int]:
    znuny.clock = when
    return watch_deadlines(ctx)


def test_reminder_then_escalation_each_once_in_business_hours(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    tid = _waiting(engine, znuny)
    done = _waiting(engine, znuny, decided=True)  # decided: never reminded
    assert _at(znuny, ctx, REMIND - ONE_SECOND)["approval-remind"] == 0  # the weekend is off
    assert _at(znuny, ctx, REMIND)["approval-remind"] == 1
    [note] = znuny.articles[tid][1:]
    assert note["IsVisibleForCustomer"] == 0  # no address known: a note for the owner
    assert note["Subject"] == ("Reminder: waiting for approval for longer than 8 business "
                               "hours")
    assert "filed on 2026-11-27 13:00 (Europe/Moscow)" in note["Body"]
    assert "store-manager" in note["Body"]
    assert _at(znuny, ctx, ESCALATE - ONE_SECOND)["approval-remind"] == 0
    counts = _at(znuny, ctx, ESCALATE)
    assert (counts["approval-remind"], counts["approval-escalate"]) == (0, 1)
    escalation = znuny.articles[tid][-1]
    assert escalation["IsVisibleForCustomer"] == 0
    assert escalation["Subject"].startswith("Escalated: waiting for approval")
    assert znuny.tickets[tid]["Priority"] == "4 high"
    counts = _at(znuny, ctx, ESCALATE + timedelta(days=5))
    assert (counts["approval-remind"], counts["approval-escalate"]) == (0, 0)
    assert len(znuny.articles[tid]) == 3 and len(znuny.articles[done]) == 1


def test_an_approver_with_an_address_is_mailed_in_their_language(
        make_ctx: Callable[..., JobContext], znuny: Any, engine: Engine,
        settings: Settings, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'znuny.sqlite'}"
    znuny_db = create_engine(url)
    with znuny_db.begin() as conn:
        conn.execute(text("CREATE TABLE customer_user (login TEXT, email TEXT, valid_id INT)"))
        conn.execute(text("INSERT INTO customer_user VALUES ('store-manager', "
                          "'marina@store-007.example', 1)"))
    znuny_db.dispose()
    plugins = Plugins(make_plugin_manager())
    znuny.clock = FRIDAY_13_MSK
    ctx = make_ctx(plugins_factory=lambda: plugins, now=lambda: znuny.clock,
                   settings=settings.model_copy(update={"znuny_db_url": SecretStr(url)}))
    tid = _waiting(engine, znuny)
    with session_scope(engine) as s:
        remember_language(s, "store-manager", "ru", FRIDAY_13_MSK)
    assert _at(znuny, ctx, REMIND)["approval-remind"] == 1
    [mail] = znuny.articles[tid][1:]
    assert mail["CommunicationChannel"] == "Email" and mail["To"] == "marina@store-007.example"
    assert mail["IsVisibleForCustomer"] == 0
    number = f"2026{tid:08d}"
    assert mail["Subject"] == f"Заявка {number} ждёт вашего согласования"
    assert "поданная 2026-11-27 13:00 (Europe/Moscow)" in mail["Body"]


def test_znuny_down_sends_it_on_the_next_run(ctx: JobContext, znuny: Any,
                                             engine: Engine) -> None:
    tid = _waiting(engine, znuny)
    znuny.mode = "down"
    counts = _at(znuny, ctx, REMIND)
    assert counts["approval-remind"] == 0 and counts["failed"] >= 1
    znuny.mode = "up"
    assert _at(znuny, ctx, REMIND + ONE_SECOND)["approval-remind"] == 1
    assert len(znuny.articles[tid]) == 2


def test_a_ticket_moved_on_in_znuny_gets_no_reminder_and_leaves_the_page(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    from radiant_ext.store.approvals import waiting_approvals

    tid = _waiting(engine, znuny)
    znuny.change(tid, State="open", StateType="open")  # an agent started without a yes
    counts = _at(znuny, ctx, ESCALATE)
    assert (counts["approval-remind"], counts["approval-escalate"]) == (0, 0)
    assert len(znuny.articles[tid]) == 1
    with session_scope(engine) as s:
        row = s.scalars(select(ApprovalRequest).where(
            ApprovalRequest.request_id == f"RQ-{tid}")).one()
        assert (row.decision, row.comment) == ("moved-on", "open")
        assert waiting_approvals(s) == []
    assert _at(znuny, ctx, ESCALATE + timedelta(days=1))["approval-remind"] == 0


def test_plugins_hear_of_the_reminder_and_the_escalation(
        make_ctx: Callable[..., JobContext], znuny: Any, engine: Engine) -> None:
    from radiant_ext.plugins import hookimpl

    heard: list[dict[str, Any]] = []

    class Listener:
        @hookimpl
        def radiant_ticket_updated(self, ticket_id: int, ticket_number: str,
                                   changes: dict[str, Any]) -> None:
            heard.append(dict(changes))

    plugins = Plugins(make_plugin_manager(plugins=[Listener()]))
    ctx = make_ctx(plugins_factory=lambda: plugins, now=lambda: znuny.clock)
    _waiting(engine, znuny)
    _at(znuny, ctx, ESCALATE)
    assert heard == [{"approval_alert": "remind"},
                     {"approval_alert": "escalate", "priority": "4 high"}]
