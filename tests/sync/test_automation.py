"""E-mail classification, deadline watch and catalog check against the department plugins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.plugins.errors import UnknownItemError
from radiant_ext.plugins.znuny_meta import ZnunyNames
from radiant_ext.store import (
    TicketAlert,
    get_catalog_item_states,
    recent_audit,
    session_scope,
)
from radiant_ext.sync import JobContext, PartialJobError, SyncError
from radiant_ext.sync.catalog_check import check_catalogs, item_problems
from radiant_ext.sync.classify import classify_email_tickets
from radiant_ext.sync.deadlines import raised_priority, watch_deadlines
from radiant_ext.sync.tickets import pull_tickets


@pytest.fixture
def plugins() -> Plugins:
    """The installed department plugins, every department enabled."""
    return Plugins(make_plugin_manager())


@pytest.fixture
def ctx_with_plugins(make_ctx: Callable[..., JobContext], plugins: Plugins,
                     znuny: Any) -> Callable[..., JobContext]:
    def make(**kwargs: Any) -> JobContext:
        return make_ctx(plugins_factory=lambda: plugins,
                        now=kwargs.pop("now", lambda: znuny.clock), **kwargs)

    return make


def _notes(znuny: Any, ticket_id: int) -> list[dict[str, Any]]:
    return [a for a in znuny.articles[ticket_id] if a.get("CommunicationChannel") == "Internal"]


def test_email_ticket_is_classified_routed_and_explained(
        znuny: Any, ctx_with_plugins: Callable[..., JobContext], engine: Engine) -> None:
    tid = znuny.add_ticket(Title="Касса не работает", _body="The cash register at till 2 is dead",
                           CustomerUserID="demo-customer", CustomerID="store-007")
    portal = znuny.add_ticket(Title="from portal",
                              DynamicField={"RadiantRequestID": "RQ-1",
                                            "RadiantCategory": "it.email"})
    pull_tickets(ctx_with_plugins())
    counts = classify_email_tickets(ctx_with_plugins())
    assert counts == {"classified": 1, "unmatched": 0, "failed": 0}
    ticket = znuny.tickets[tid]
    assert ticket["DynamicField"]["RadiantCategory"] == "it.pos-down"
    assert ticket["DynamicField"]["RadiantStore"] == "store-007"
    assert (ticket["Queue"], ticket["Service"], ticket["SLA"], ticket["Type"]) == (
        "IT::Stores", "IT::Cash register", "POS critical", "Incident")
    [note] = _notes(znuny, tid)
    assert note["IsVisibleForCustomer"] == 0
    assert "it.pos-down" in note["Body"] and "cash register" in note["Body"]
    assert _notes(znuny, portal) == []
    assert classify_email_tickets(ctx_with_plugins()) == {
        "classified": 0, "unmatched": 0, "failed": 0}, "a ticket is classified only once"
    with session_scope(engine) as s:
        assert recent_audit(s, action="ticket.classify")[0].subject == ticket["TicketNumber"]


def test_unmatched_email_is_left_to_agents_and_not_retried(
        znuny: Any, ctx_with_plugins: Callable[..., JobContext]) -> None:
    tid = znuny.add_ticket(Title="Hello", _body="Just saying hi")
    pull_tickets(ctx_with_plugins())
    assert classify_email_tickets(ctx_with_plugins())["unmatched"] == 1
    assert "RadiantCategory" not in znuny.tickets[tid]["DynamicField"]
    assert classify_email_tickets(ctx_with_plugins())["unmatched"] == 0


def test_one_failing_ticket_does_not_stop_classification(
        znuny: Any, ctx_with_plugins: Callable[..., JobContext]) -> None:
    bad = znuny.add_ticket(Title="cash register broken")
    good = znuny.add_ticket(Title="receipt printer jammed", _body="receipt printer")
    pull_tickets(ctx_with_plugins())
    del znuny.tickets[bad]  # deleted in Znuny meanwhile: TicketGet fails
    with pytest.raises(PartialJobError) as info:
        classify_email_tickets(ctx_with_plugins())
    assert info.value.counts["classified"] == 1 and info.value.counts["failed"] == 1
    assert znuny.tickets[good]["DynamicField"]["RadiantCategory"] == "it.receipt-printer"


def test_a_mail_from_an_unknown_sender_is_routed_without_the_service_znuny_refuses(
        znuny: Any, ctx_with_plugins: Callable[..., JobContext],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Znuny offers a ticket without a customer user no service, and refuses the update that
    sets one: the mail is routed anyway (queue, priority, category), once, and the note says
    why service and SLA are missing."""
    from radiant_ext.client.errors import InvalidParameterError

    tid = znuny.add_ticket(Title="Касса не работает", _body="The cash register is dead",
                           CustomerUserID="", CustomerID="")
    update = znuny.ticket_update

    def strict(ticket_id: int | None = None, **kwargs: Any) -> Any:
        changes = kwargs.get("ticket")
        if changes is not None and changes.service and not znuny.tickets[ticket_id][
                "CustomerUserID"]:
            raise InvalidParameterError(
                "TicketUpdate: Ticket->ServiceID or Ticket->Service parameter is invalid!",
                code="TicketUpdate.InvalidParameter", operation="TicketUpdate")
        return update(ticket_id, **kwargs)

    monkeypatch.setattr(znuny, "ticket_update", strict)
    pull_tickets(ctx_with_plugins())
    assert classify_email_tickets(ctx_with_plugins()) == {
        "classified": 1, "unmatched": 0, "failed": 0}
    ticket = znuny.tickets[tid]
    assert ticket["DynamicField"]["RadiantCategory"] == "it.pos-down"
    assert ticket["Queue"] == "IT::Stores" and not ticket.get("Service")
    [note] = _notes(znuny, tid)
    assert "Znuny refused the service IT::Cash register" in note["Body"]
    assert "unknown sender" in note["Body"]
    assert classify_email_tickets(ctx_with_plugins())["classified"] == 0


def _ticket_with_deadline(znuny: Any, hours: float, **fields: Any) -> int:
    due = znuny.clock + timedelta(hours=hours)
    return znuny.add_ticket(Title="deadline", Priority="3 normal", PriorityID=3,
                            DynamicField={"RadiantDeadline": due.strftime("%Y-%m-%d %H:%M:%S"),
                                          "RadiantCategory": "it.email"}, **fields)


def test_deadline_watch_warns_then_escalates_once(
        znuny: Any, ctx_with_plugins: Callable[..., JobContext], engine: Engine) -> None:
    tid = _ticket_with_deadline(znuny, 4)
    pull_tickets(ctx_with_plugins())
    assert watch_deadlines(ctx_with_plugins())["warn"] == 0
    znuny.tick(int(3.1 * 3600))  # 77 % of the time used
    counts = watch_deadlines(ctx_with_plugins())
    assert (counts["warn"], counts["escalate"]) == (1, 0)
    assert watch_deadlines(ctx_with_plugins())["warn"] == 0, "warned once"
    znuny.tick(3600)
    counts = watch_deadlines(ctx_with_plugins())
    assert counts["escalate"] == 1
    assert znuny.tickets[tid]["Priority"] == "4 high"
    subjects = [n["Subject"] for n in _notes(znuny, tid)]
    assert subjects == ["Deadline approaching", "Deadline passed: escalated"]
    assert watch_deadlines(ctx_with_plugins())["escalate"] == 0, "escalated once"
    with session_scope(engine) as s:
        kinds = sorted(a.kind for a in s.scalars(select(TicketAlert)))
        assert kinds == ["escalate", "warn"]


def test_escalation_calls_the_plugins_notification_hook(
        znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    _ticket_with_deadline(znuny, -1)
    calls: list[tuple[int, dict[str, Any]]] = []

    class Recorder:
        def ticket_updated(self, ticket_id: int, number: str, changes: dict[str, Any]) -> None:
            calls.append((ticket_id, changes))

        def item(self, item_id: str) -> Any:
            raise UnknownItemError(item_id)  # no catalog: no workflow steps to watch

    ctx = make_ctx(plugins_factory=Recorder, now=lambda: znuny.clock)
    pull_tickets(ctx)
    watch_deadlines(ctx)
    assert calls and calls[0][1]["deadline_alert"] == "escalate"
    assert calls[0][1]["priority"] == "4 high"


def test_ticket_stuck_in_a_state_is_flagged(
        znuny: Any, ctx_with_plugins: Callable[..., JobContext], settings: Any) -> None:
    settings.state_limits_hours = {"pending reminder": 2}
    tid = znuny.add_ticket(Title="waiting", State="pending reminder", StateType="pending reminder")
    pull_tickets(ctx_with_plugins())
    assert watch_deadlines(ctx_with_plugins())["languish"] == 0
    znuny.tick(3 * 3600)
    assert watch_deadlines(ctx_with_plugins())["languish"] == 1
    assert "pending reminder" in _notes(znuny, tid)[0]["Body"]
    assert watch_deadlines(ctx_with_plugins())["languish"] == 0


def test_closed_tickets_are_not_watched(
        znuny: Any, ctx_with_plugins: Callable[..., JobContext]) -> None:
    _ticket_with_deadline(znuny, -5, State="closed successfully", StateType="closed")
    pull_tickets(ctx_with_plugins())
    assert watch_deadlines(ctx_with_plugins())["escalate"] == 0


def test_priority_is_raised_one_level_up_to_the_top() -> None:
    assert raised_priority("3 normal", 3) == "4 high"
    assert raised_priority("4 high", None) == "5 very high"
    assert raised_priority("5 very high", 5) is None


PRIORITIES = frozenset({"1 very low", "2 low", "3 normal", "4 high", "5 very high"})
FIELDS = frozenset({"RadiantRequestID", "RadiantCategory", "RadiantStore", "RadiantDeadline"})


def _names(plugins: Plugins, **drop: str) -> ZnunyNames:
    """Exactly what the installed catalogs need, minus what ``drop`` names."""
    items = plugins.catalog_items(include_disabled=True)
    queues = {i.routing.queue for i in items} - {drop.get("queue")}
    services = {i.routing.service for i in items if i.routing.service} - {drop.get("service")}
    slas = {i.routing.sla for i in items if i.routing.sla}
    pairs = {(i.routing.service, i.routing.sla) for i in items if i.routing.sla}
    fields = FIELDS | {f.dynamic_field for i in items for f in i.fields if f.dynamic_field}
    return ZnunyNames(queues=frozenset(queues), services=frozenset(services),
                      slas=frozenset(slas), service_slas=frozenset(pairs),
                      types=frozenset({i.routing.type for i in items}), priorities=PRIORITIES,
                      dynamic_fields=frozenset(fields))


def test_catalog_check_disables_items_znuny_cannot_serve_and_reenables_them(
        ctx_with_plugins: Callable[..., JobContext], engine: Engine, plugins: Plugins) -> None:
    assert all(item_problems(i, _names(plugins)) == [] for i in plugins.catalog_items())
    counts = check_catalogs(ctx_with_plugins(), _names(plugins, service="IT::Cash register"))
    assert (counts["disabled"], counts["broken"]) == (1, 1)
    with session_scope(engine) as s:
        state = get_catalog_item_states(s)["it.pos-down"]
        assert not state.enabled
        assert state.reason == "service 'IT::Cash register' not in Znuny"
    counts = check_catalogs(ctx_with_plugins(), _names(plugins))
    assert (counts["enabled"], counts["broken"]) == (1, 0)
    with session_scope(engine) as s:
        assert get_catalog_item_states(s)["it.pos-down"].enabled


def test_catalog_check_without_a_metadata_source_says_what_to_configure(
        ctx_with_plugins: Callable[..., JobContext]) -> None:
    with pytest.raises(SyncError, match="RADIANT_ZNUNY_DB_URL"):
        check_catalogs(ctx_with_plugins())


def test_catalog_check_reads_the_sandbox_tables(
        ctx_with_plugins: Callable[..., JobContext], sandbox: Any, settings: Any,
        engine: Engine, tmp_path: Any) -> None:
    from pydantic import SecretStr
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'sandbox' / 'sandbox.sqlite'}"
    znuny_db = create_engine(url)
    with znuny_db.begin() as conn:  # an admin invalidates the HR queue in Znuny
        conn.execute(text("UPDATE queue SET valid_id = 2 WHERE name = 'HR'"))
    znuny_db.dispose()
    settings.znuny_db_url = SecretStr(url)
    counts = check_catalogs(ctx_with_plugins())
    with session_scope(engine) as s:
        states = get_catalog_item_states(s)
    disabled = sorted(k for k, v in states.items() if not v.enabled)
    assert disabled == ["hr.certificate-of-employment", "hr.new-employee", "hr.onboarding",
                        "hr.vacation-request"]
    assert counts["disabled"] == 4 and counts["checked"] > 4
    assert states["hr.onboarding"].reason == "queue 'HR' not in Znuny"
    assert datetime.now(UTC) - states["hr.onboarding"].changed_at < timedelta(minutes=1)
