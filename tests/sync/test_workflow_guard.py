"""Moves outside an item's workflow, made by an agent in Znuny, are put back once: the state
before, an internal note saying why and what may come next, and the plugins are told."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from radiant_ext.client import HistoryEntry
from radiant_ext.config import Settings
from radiant_ext.plugins import Plugins, hookimpl, make_plugin_manager
from radiant_ext.store import TicketCache, WorkflowEvent, expect_customer_move, session_scope
from radiant_ext.sync import JobContext
from radiant_ext.sync.deadlines import watch_deadlines
from radiant_ext.sync.tickets import pull_tickets

DEFECT = "it.software-defect"


class MoveRecorder:
    """Records ``radiant_workflow_move_refused``."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    @hookimpl
    def radiant_workflow_move_refused(
        self, ticket_id: int, ticket_number: str, item: str | None, from_state: str,
        to_state: str, from_step: str | None, to_step: str | None, actor: str,
    ) -> None:
        self.calls.append({"ticket_id": ticket_id, "ticket_number": ticket_number,
                           "item": item, "from_state": from_state, "to_state": to_state,
                           "from_step": from_step, "to_step": to_step, "actor": actor})


@pytest.fixture
def heard() -> MoveRecorder:
    return MoveRecorder()


@pytest.fixture
def ctx(make_ctx: Callable[..., JobContext], znuny: Any, heard: MoveRecorder) -> JobContext:
    pm = make_plugin_manager(plugins=[heard])
    plugins = Plugins(pm)
    return make_ctx(plugins_factory=lambda: plugins, now=lambda: znuny.clock)


def _defect(znuny: Any, state: str, state_type: str = "open") -> int:
    return znuny.add_ticket(State=state, StateType=state_type, Queue="IT",
                            DynamicField={"RadiantCategory": DEFECT})


def _notes(znuny: Any, ticket_id: int) -> list[dict[str, Any]]:
    return [a for a in znuny.articles[ticket_id] if a.get("CommunicationChannel") == "Internal"]


def test_an_agents_move_off_the_path_is_put_back_with_a_note_and_the_plugins_told_once(
        ctx: JobContext, znuny: Any, engine: Engine, heard: MoveRecorder) -> None:
    tid = _defect(znuny, "in testing")
    pull_tickets(ctx)
    znuny.change(tid, State="client testing", StateType="pending reminder")  # skips a step
    counts = pull_tickets(ctx)
    assert counts["refused"] == 1
    assert znuny.tickets[tid]["State"] == "in testing"
    [note] = _notes(znuny, tid)
    assert note["IsVisibleForCustomer"] in (0, False)
    assert note["Subject"] == "Move refused: In testing -> Waiting for your test"
    assert "Moves allowed from In testing:" in note["Body"]
    assert "Passed the test -> Ready to install (agent)" in note["Body"]
    assert "Failed the test -> In progress (agent)" in note["Body"]
    assert heard.calls == [{"ticket_id": tid, "ticket_number": znuny.tickets[tid]["TicketNumber"],
                            "item": DEFECT, "from_state": "in testing",
                            "to_state": "client testing", "from_step": "in-testing",
                            "to_step": "client-testing", "actor": "agent"}]
    # the put-back itself, the pull again, the deadline watch: nothing more
    pull_tickets(ctx)
    watch_deadlines(ctx)
    pull_tickets(ctx)
    assert len(_notes(znuny, tid)) == 1 and len(heard.calls) == 1
    with session_scope(engine) as s:
        assert s.get_one(TicketCache, tid).state == "in testing"


def test_a_move_on_the_path_and_a_merge_are_left_alone(
        ctx: JobContext, znuny: Any, heard: MoveRecorder) -> None:
    tid = _defect(znuny, "in testing")
    merged = _defect(znuny, "in testing")
    pull_tickets(ctx)
    znuny.change(tid, State="ready to install")
    znuny.change(merged, State="merged", StateType="merged")
    assert "refused" not in pull_tickets(ctx)
    assert znuny.tickets[tid]["State"] == "ready to install"
    assert znuny.tickets[merged]["State"] == "merged"
    assert _notes(znuny, tid) == [] and heard.calls == []


def _state_update(tid: int, old: str, new: str) -> HistoryEntry:
    return HistoryEntry.model_validate({"TicketID": tid, "HistoryType": "StateUpdate",
                                        "Name": f"%%{old}%%{new}%%"})


def test_two_moves_of_the_workflow_seen_as_one_stand_by_znunys_history(
        ctx: JobContext, znuny: Any, engine: Engine, heard: MoveRecorder) -> None:
    walked, skipped = _defect(znuny, "in testing"), _defect(znuny, "in testing")
    pull_tickets(ctx)
    # between two pulls (or before the daemon reports the first change) an agent made two
    # moves of the workflow on one ticket, and skipped a step on the other
    znuny.history[walked] = [_state_update(walked, "new", "in testing"),
                             _state_update(walked, "in testing", "ready to install"),
                             _state_update(walked, "ready to install", "client testing")]
    znuny.history[skipped] = [_state_update(skipped, "in review", "in testing"),
                              _state_update(skipped, "in testing", "client testing")]
    for tid in (walked, skipped):
        znuny.change(tid, State="client testing", StateType="pending reminder")
    counts = pull_tickets(ctx)
    assert (counts["refused"], counts["stood"]) == (1, 1)
    assert znuny.tickets[walked]["State"] == "client testing" and _notes(znuny, walked) == []
    assert znuny.tickets[skipped]["State"] == "in testing" and len(_notes(znuny, skipped)) == 1
    assert [c["ticket_id"] for c in heard.calls] == [skipped]
    with session_scope(engine) as s:
        stood = s.scalars(select(WorkflowEvent).where(WorkflowEvent.ticket_id == walked)).one()
        assert stood.kind == "stood" and stood.done_at is not None
        assert stood.last_error == ("moves of the workflow: in testing -> ready to install -> "
                                    "client testing")
    assert "stood" not in pull_tickets(ctx)  # settled once


def test_the_requesters_move_made_in_the_portal_stands_an_agents_same_move_does_not(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    mine, theirs = _defect(znuny, "client testing", "pending reminder"), \
        _defect(znuny, "client testing", "pending reminder")
    pull_tickets(ctx)
    with session_scope(engine) as s:
        expect_customer_move(s, mine, "client testing", "open", "store-clerk", znuny.clock)
    znuny.change(mine, State="open", StateType="open")  # "Still broken", the portal's move
    znuny.change(theirs, State="open", StateType="open")  # the same move by an agent
    assert pull_tickets(ctx)["refused"] == 1
    assert znuny.tickets[mine]["State"] == "open"
    assert znuny.tickets[theirs]["State"] == "client testing"
    assert znuny.tickets[theirs]["PendingTime"] == {"Diff": 4320}  # a pending step needs one


def test_a_refusal_znuny_could_not_take_is_sent_on_the_next_run(
        ctx: JobContext, znuny: Any, engine: Engine, heard: MoveRecorder) -> None:
    tid = _defect(znuny, "new", "new")
    pull_tickets(ctx)
    znuny.change(tid, State="closed successful", StateType="closed")
    real_update = znuny.ticket_update

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Znuny is down")

    znuny.ticket_update = down
    assert pull_tickets(ctx)["failed"] == 1
    znuny.ticket_update = real_update
    assert watch_deadlines(ctx)["refused"] == 1
    assert znuny.tickets[tid]["State"] == "new"
    assert len(_notes(znuny, tid)) == 1 and len(heard.calls) == 1
    with session_scope(engine) as s:
        [row] = s.scalars(select(WorkflowEvent).where(WorkflowEvent.kind == "refused"))
        assert (row.attempts, row.done_at is not None) == (2, True)


def test_the_requesters_move_the_portal_did_not_record_is_put_back(
        ctx: JobContext, znuny: Any) -> None:
    tid = _defect(znuny, "client testing", "pending reminder")
    pull_tickets(ctx)
    znuny.change(tid, State="open", StateType="open")  # "Still broken", made by an agent
    assert pull_tickets(ctx)["refused"] == 1
    assert znuny.tickets[tid]["State"] == "client testing"
    [note] = _notes(znuny, tid)
    assert "Only the requester can move a request from Waiting for your test to In " \
        "progress." in note["Body"]


def test_a_second_move_off_the_path_before_the_first_is_put_back_goes_back_to_the_start(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    tid = _defect(znuny, "in testing")
    pull_tickets(ctx)
    znuny.change(tid, State="client testing", StateType="pending reminder")
    with session_scope(engine) as s:  # the webhook saw it; Znuny is down for the put-back
        from radiant_ext.sync.workflow_guard import ObservedMove, judge_move, workflow_of

        flow = workflow_of(ctx.plugins, DEFECT)
        assert flow is not None
        seen = ObservedMove(tid, "n", DEFECT, "in testing", "client testing",
                            "pending reminder", "t1")
        assert "to be put back" in judge_move(s, flow, seen, znuny.clock)
        later = ObservedMove(tid, "n", DEFECT, "client testing", "ready to test", "open", "t2")
        assert "refused before" in judge_move(s, flow, later, znuny.clock)  # not back to B
    znuny.change(tid, State="ready to test", StateType="open")
    assert pull_tickets(ctx)["refused"] == 1
    assert znuny.tickets[tid]["State"] == "in testing"
    assert len(_notes(znuny, tid)) == 1


def test_the_sandbox_takes_the_put_back_into_a_pending_step_with_its_note(
        engine: Engine, sandbox: Any, settings: Settings, heard: MoveRecorder) -> None:
    from radiant_ext.client import NewArticle, NewTicket, PendingTime, TicketChanges

    client = sandbox.client()
    created = client.ticket_create(
        NewTicket(title="Report total is wrong", queue="IT", state="client testing",
                  priority="3 normal", type="Incident", customer_user="flagship-clerk",
                  pending_time=PendingTime(diff=600)),
        NewArticle(subject="Totals", body="The daily total is off by one day.",
                   content_type="text/plain; charset=utf-8", communication_channel="Email",
                   sender_type="customer", is_visible_for_customer=True),
        dynamic_fields={"RadiantCategory": DEFECT})
    plugins = Plugins(make_plugin_manager(plugins=[heard]))
    ctx = JobContext(settings=settings, engine=engine, client_factory=sandbox.client,
                     plugins_factory=lambda: plugins)
    pull_tickets(ctx)
    client.ticket_update(created.ticket_id, ticket=TicketChanges(state="ready to test"))
    assert pull_tickets(ctx)["refused"] == 1
    ticket = client.ticket_get(created.ticket_id, all_articles=True)
    assert ticket.state == "client testing"
    note = ticket.articles[-1]
    assert not note.is_visible_for_customer
    assert note.subject == "Move refused: Waiting for your test -> Ready to test"
    assert "Complete after the requester's call -> Completed (agent)" in note.body
    assert "It works — complete it -> Completed (requester, in the portal)" in note.body
    assert [c["to_step"] for c in heard.calls] == ["ready-to-test"]
    assert "refused" not in pull_tickets(ctx)
