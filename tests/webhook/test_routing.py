"""Routing decisions: loops, idempotency, tickets routing leaves alone, the note, the store."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from radiant_ext.plugins import MemoryEnablement, hookimpl
from radiant_ext.webhook import TicketRouter, validate_payload
from radiant_ext_sandbox.znuny_writeback import apply_writeback, plan_writeback


def _body(kit: Any, name: str) -> dict[str, Any]:
    return copy.deepcopy(kit.load_recording(name)["request"]["body"])


def _route(router: TicketRouter, body: dict[str, Any]) -> Any:
    return router.handle(validate_payload(body))


def test_the_note_our_write_back_adds_does_not_route_again_file_09(kit: Any) -> None:
    """Simulate Znuny: apply our answer, then send the nested ArticleCreate it fires."""
    router = TicketRouter(kit.build_plugins())
    body = _body(kit, "08-TicketCreate-writeback-full.json")
    first = _route(router, body)
    assert first.outcome == "routed"
    nested = _body(kit, "09-ArticleCreate-nested-from-writeback-articleadd.json")
    # The nested call is sent while the keys are still being applied: only the note exists.
    assert _route(router, nested).answer == {}
    state_update = _body(kit, "11-TicketStateUpdate-nested-from-writeback-stateset.json")
    assert _route(router, state_update).answer == {}


def test_a_routed_ticket_is_not_routed_twice(kit: Any) -> None:
    router = TicketRouter(kit.build_plugins())
    body = _body(kit, "01-TicketCreate-agent-gi.json")
    result = _route(router, body)
    ticket = body["Ticket"]
    znuny = kit.FakeZnuny(ticket=ticket, dynamic_fields={"RadiantCategory", "RadiantDeadline"})
    plan = plan_writeback(200, "application/json", json.dumps(result.answer))
    assert apply_writeback(plan.actions, znuny.apply).failed is None
    again = _route(router, body)  # e.g. a second invoker, or the daemon's retry (file 22)
    assert again.outcome == "ignored" and again.answer == {}
    assert "already classified (RadiantCategory=testdesk.printer)" in again.reason


def test_the_same_event_twice_gets_the_same_answer(kit: Any) -> None:
    router = TicketRouter(kit.build_plugins())
    body = _body(kit, "21-TicketCreate-answer-503-with-RequestRetry.json")
    retry = _body(kit, "22-TicketCreate-retry-by-daemon.json")
    assert _route(router, body).answer == _route(router, retry).answer


def test_a_failed_write_back_leaves_the_ticket_unclassified_for_the_safety_net(kit: Any) -> None:
    catalog = kit.TEST_CATALOG.replace("queue: Misc", "queue: Renamed")
    router = TicketRouter(kit.build_plugins(catalog=catalog))
    body = _body(kit, "12-TicketCreate-writeback-partial-failure.json")
    result = _route(router, body)
    znuny = kit.FakeZnuny(ticket=body["Ticket"], dynamic_fields={"RadiantCategory"})
    outcome = apply_writeback(
        plan_writeback(200, "application/json", json.dumps(result.answer)).actions, znuny.apply
    )
    assert outcome.failed is not None and outcome.failed.operation == "QueueSet"
    assert "DynamicField_RadiantCategory" not in znuny.ticket or not znuny.ticket[
        "DynamicField_RadiantCategory"]
    assert [a.operation for a in outcome.applied][0] == "ArticleAdd"  # the note explains it
    assert _route(router, body).outcome == "routed"  # a later run routes it again


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"DynamicField_RadiantRequestID": "REQ-20261123-0001"}, "created by the portal"),
        ({"DynamicField_RadiantCategory": ["it.pos-down"]}, "already classified"),
        ({"StateType": "closed", "State": "closed successful"}, "state type closed"),
        ({"StateType": "merged"}, "state type merged"),
        ({"Queue": "Junk"}, "queue Junk is not routed"),
    ],
)
def test_tickets_routing_leaves_alone_get_an_empty_answer(
    change: dict[str, Any], reason: str, kit: Any
) -> None:
    body = _body(kit, "05-TicketCreate-email-postmaster.json")
    body["Ticket"].update(change)
    result = _route(TicketRouter(kit.build_plugins()), body)
    assert result.answer == {} and reason in result.reason


def test_a_blank_category_does_not_count_as_classified(kit: Any) -> None:
    body = _body(kit, "05-TicketCreate-email-postmaster.json")
    body["Ticket"]["DynamicField_RadiantCategory"] = "  "
    assert _route(TicketRouter(kit.build_plugins()), body).outcome == "routed"


def test_a_ticket_no_item_matches_gets_an_empty_answer(kit: Any) -> None:
    body = _body(kit, "03-TicketCreate-customer-gi.json")
    result = _route(TicketRouter(kit.build_plugins()), body)
    assert result.answer == {} and result.reason == "no catalog item matches the ticket"


def test_a_disabled_department_routes_nothing(kit: Any) -> None:
    enablement = MemoryEnablement()
    enablement.set_department_enabled("testdesk", False, "admin")
    router = TicketRouter(kit.build_plugins(enablement=enablement))
    assert _route(router, _body(kit, "01-TicketCreate-agent-gi.json")).answer == {}


def test_a_plugin_refusing_to_route_gets_an_empty_answer(kit: Any) -> None:
    from radiant_ext.plugins import PluginError

    class Refuses:
        @hookimpl
        def radiant_route_request(self, item: Any, request: Any, store: Any) -> Any:
            raise PluginError("testdesk is closed for inventory")

    router = TicketRouter(kit.build_plugins(Refuses()))
    result = _route(router, _body(kit, "01-TicketCreate-agent-gi.json"))
    assert result.answer == {} and "closed for inventory" in result.reason


def test_more_events_can_be_configured_to_route(kit: Any) -> None:
    router = TicketRouter(kit.build_plugins(), route_events=frozenset({"ArticleCreate"}))
    assert _route(router, _body(kit, "02-ArticleCreate-agent-gi.json")).outcome == "routed"
    assert _route(router, _body(kit, "01-TicketCreate-agent-gi.json")).outcome == "ignored"


def test_the_note_says_which_rules_fired_and_what_was_decided(kit: Any) -> None:
    result = _route(TicketRouter(kit.build_plugins()), _body(kit, "01-TicketCreate-agent-gi.json"))
    note = result.answer["OTRS_TicketArticleAdd"]
    assert note["Subject"] == "Routed by Radiant: testdesk.printer"
    assert note["HistoryType"] == "AddNote"
    assert note["HistoryComment"] == "Radiant routing: testdesk.printer"
    expected = ("Queue: Misc", "Priority: 4 high", "SLA: Gold", "score",
                "key-account: ACME is a key account")
    for line in expected:
        assert line in note["Body"]


def test_answer_keys_sort_so_the_category_marker_runs_last(kit: Any) -> None:
    result = _route(TicketRouter(kit.build_plugins()), _body(kit, "01-TicketCreate-agent-gi.json"))
    keys = sorted(result.answer)
    assert keys[0] == "OTRS_TicketArticleAdd"
    assert keys[-1] == "otrs_TicketDynamicFieldSet_RadiantCategory"
    assert keys.index("OTRS_TicketSLASet") < keys.index("OTRS_TicketServiceSet")


def test_a_store_named_in_the_mail_is_used_when_the_sender_is_not_a_store(kit: Any) -> None:
    body = _body(kit, "05-TicketCreate-email-postmaster.json")
    body["Ticket"]["Title"] = "Scanner in Store 12 is offline"
    result = _route(TicketRouter(kit.build_plugins()), body)
    assert result.decision is not None and result.decision.store_id == "store-012"
    assert result.answer["OTRS_TicketDynamicFieldSet_RadiantStore"] == "store-012"


def test_the_sender_company_wins_when_it_is_a_store(kit: Any) -> None:
    body = _body(kit, "05-TicketCreate-email-postmaster.json")
    body["Ticket"]["CustomerID"] = "store-007"
    body["Ticket"]["Title"] = "Scanner in store 12 is offline"
    result = _route(TicketRouter(kit.build_plugins()), body)
    assert result.answer["OTRS_TicketDynamicFieldSet_RadiantStore"] == "store-007"


def test_unknown_store_numbers_are_not_used(kit: Any) -> None:
    body = _body(kit, "05-TicketCreate-email-postmaster.json")
    body["Ticket"]["Title"] = "Scanner in store 999 is offline"
    result = _route(TicketRouter(kit.build_plugins()), body)
    assert result.outcome == "routed"
    assert "OTRS_TicketDynamicFieldSet_RadiantStore" not in result.answer

