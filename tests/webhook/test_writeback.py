"""plan_writeback / apply_writeback reproduce what Znuny 7.0.19 did with each recorded answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radiant_ext_sandbox.znuny_writeback import (
    WriteBackAction,
    apply_writeback,
    plan_writeback,
    writeback_actions,
)

RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "znuny-webhook"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
    return data


def _answer(exchange: dict[str, Any]) -> tuple[int, str, str]:
    answer = exchange["our_answer"]
    body = answer["raw_body"] if "raw_body" in answer else json.dumps(answer["body"])
    return answer["status"], answer["content_type"], body


def _writeback_history(exchange: dict[str, Any]) -> list[str]:
    """History rows written as user 1 by the write-back (notification rows excluded)."""
    rows = next(v for k, v in exchange["effect"].items() if k.startswith("TicketHistoryGet"))
    skip = {"SendAgentNotification", "SetPendingTime"}
    return [r["HistoryType"] for r in rows if r["CreateBy"] == 1 and r["HistoryType"] not in skip]


WITH_ANSWERS = sorted(
    p.name for p in RECORDINGS.glob("*.json")
    if p.name[:2] >= "07" and p.name[:2] != "20"  # 20: Znuny timed out, no answer was read
    and isinstance(_load(p.name).get("effect"), dict)
)


@pytest.mark.parametrize("name", WITH_ANSWERS)
def test_simulated_history_matches_the_recorded_history(name: str, kit: Any) -> None:
    exchange = _load(name)
    znuny = kit.FakeZnuny(ticket=dict(exchange["request"]["body"]["Ticket"]))
    plan = plan_writeback(*_answer(exchange))
    apply_writeback(plan.actions, znuny.apply)
    assert znuny.history == _writeback_history(exchange)


def test_article_add_without_history_type_stops_every_key_file_07() -> None:
    name = "07-TicketCreate-writeback-rejected-articleadd-without-historytype.json"
    plan = plan_writeback(*_answer(_load(name)))
    assert plan.actions == ()
    assert plan.failed is not None and plan.failed.key == "OTRS_TicketArticleAdd"
    assert "HistoryType" in (plan.failure or "") and "HistoryComment" in (plan.failure or "")
    assert not plan.success


def test_full_writeback_runs_in_sorted_key_order_and_skips_unknown_keys_file_08() -> None:
    plan = plan_writeback(*_answer(_load("08-TicketCreate-writeback-full.json")))
    assert [a.key for a in plan.actions] == [
        "OTRS_TicketArticleAdd", "OTRS_TicketDynamicFieldSet_Impact", "OTRS_TicketHistoryAdd",
        "OTRS_TicketPrioritySet", "OTRS_TicketQueueSet", "OTRS_TicketSLASet",
        "OTRS_TicketServiceSet", "OTRS_TicketTitleUpdate",
    ]
    assert plan.actions[1].field == "Impact"
    assert plan.success


def test_first_failing_key_stops_the_rest_without_rollback_file_12(kit: Any) -> None:
    exchange = _load("12-TicketCreate-writeback-partial-failure.json")
    znuny = kit.FakeZnuny(ticket=dict(exchange["request"]["body"]["Ticket"]))
    outcome = apply_writeback(writeback_actions(*_answer(exchange)), znuny.apply)
    assert [a.operation for a in outcome.applied] == ["PrioritySet"]
    assert outcome.failed is not None and outcome.failed.value == "NoSuchQueue"
    effect = exchange["effect"]["TicketGet (AllArticles=1, DynamicFields=1), selected fields"]
    assert znuny.ticket["Priority"] == effect["Priority"] == "4 high"
    assert znuny.ticket["Title"] == effect["Title"]  # the title key after the failure never ran


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("13-TicketCreate-answer-500.json", "Response code '500'."),
        ("18-TicketCreate-answer-404.json", "Response code '404'."),
        ("21-TicketCreate-answer-503-with-RequestRetry.json", "Response code '503'."),
        ("14-TicketCreate-answer-invalid-json.json", "Error while parsing JSON data."),
    ],
)
def test_error_answers_apply_nothing_even_with_keys(name: str, error: str) -> None:
    plan = plan_writeback(*_answer(_load(name)))
    assert plan.actions == ()
    assert plan.error == error


@pytest.mark.parametrize(
    "name", ["15-TicketCreate-answer-text-plain.json", "16-TicketCreate-answer-204.json"]
)
def test_text_and_204_answers_succeed_and_apply_nothing(name: str) -> None:
    plan = plan_writeback(*_answer(_load(name)))
    assert plan.success and plan.actions == ()


def test_any_20x_status_applies_keys_file_17() -> None:
    actions = writeback_actions(*_answer(_load("17-TicketCreate-answer-201-writeback.json")))
    assert actions == [WriteBackAction("OTRS_TicketPrioritySet", "PrioritySet", "2 low")]


def test_dynamic_field_prefix_matches_case_insensitively_and_sorts_by_raw_key() -> None:
    body = json.dumps({"otrs_TicketDynamicFieldSet_RadiantCategory": "it.pos-down",
                       "OTRS_TicketTypeSet": "Incident", "OTRS_TicketArticleAdd": {
                           "Subject": "s", "Body": "b", "HistoryType": "AddNote",
                           "HistoryComment": "c"}})
    actions = writeback_actions(200, "application/json", body)
    assert [(a.operation, a.field) for a in actions] == [
        ("ArticleAdd", None), ("TypeSet", None), ("DynamicFieldSet", "RadiantCategory")]


@pytest.mark.parametrize(
    ("status", "content_type", "body", "error"),
    [
        (200, "application/json", "", "No content provided."),
        (200, "application/json", "null", "Error while parsing JSON data."),
        (200, "application/json", "0", "Error while parsing JSON data."),
        (302, "application/json", "{}", "Response code '302'."),
        (210, "application/json", '{"OTRS_TicketPrioritySet": "2 low"}', "Response code '210'."),
    ],
)
def test_edge_answers_are_errors(status: int, content_type: str, body: str, error: str) -> None:
    assert plan_writeback(status, content_type, body).error == error


@pytest.mark.parametrize(
    ("answer", "failing_key"),
    [
        ({"OTRS_TicketHistoryAdd": {"Name": "no type"}}, "OTRS_TicketHistoryAdd"),
        ({"OTRS_TicketQueueSet": {"Name": "IT"}}, "OTRS_TicketQueueSet"),
        ({"OTRS_TicketPrioritySet": None}, "OTRS_TicketPrioritySet"),
        ({"OTRS_TicketArticleAdd": "just text"}, "OTRS_TicketArticleAdd"),
        ({"OTRS_AsynchronousInvokerExecution": []}, "OTRS_AsynchronousInvokerExecution"),
        ({"OTRS_TicketDynamicFieldSet_X": {"a": 1}}, "OTRS_TicketDynamicFieldSet_X"),
    ],
)
def test_structurally_invalid_values_fail(answer: dict[str, Any], failing_key: str) -> None:
    body = {"OTRS_TicketStateSet": "open", **answer}  # sorts after every failing key above...
    plan = plan_writeback(200, "application/json", json.dumps(body))
    assert plan.failed is not None and plan.failed.key == failing_key
    assert all(a.key < failing_key for a in plan.actions)
    assert "OTRS_TicketStateSet" not in [a.key for a in plan.actions]


def test_array_answer_and_unknown_keys_apply_nothing() -> None:
    assert plan_writeback(200, "application/json", "[1, 2]").actions == ()
    assert plan_writeback(200, "application/json", '{"received": true}').actions == ()
    assert plan_writeback(200, None, b'{"OTRS_TicketTitleUpdate": "x"}').actions[0].value == "x"


def test_apply_treats_an_exception_as_a_failure() -> None:
    actions = writeback_actions(
        200, "application/json", '{"OTRS_TicketPrioritySet": "4 high", "OTRS_TicketTypeSet": "x"}'
    )

    def explode(action: WriteBackAction) -> bool:
        if action.operation == "TypeSet":
            raise RuntimeError("database gone")
        return True

    outcome = apply_writeback(actions, explode)
    assert [a.operation for a in outcome.applied] == ["PrioritySet"]
    assert outcome.failed is not None and outcome.failed.operation == "TypeSet"


# -- properties ------------------------------------------------------------------------------

SCALAR_KEYS = ["OTRS_TicketPrioritySet", "OTRS_TicketQueueSet", "OTRS_TicketSLASet",
               "OTRS_TicketServiceSet", "OTRS_TicketStateSet", "OTRS_TicketTypeSet",
               "OTRS_TicketOwnerSet", "OTRS_TicketResponsibleSet", "OTRS_TicketTitleUpdate",
               "OTRS_TicketDynamicFieldSet_RadiantStore", "otrs_TicketDynamicFieldSet_Radiant"]
names = st.text(alphabet="abcdefgh 0123456789:", min_size=1, max_size=12)


@given(known=st.dictionaries(st.sampled_from(SCALAR_KEYS), names, max_size=len(SCALAR_KEYS)),
       unknown=st.dictionaries(st.text(alphabet="xyzXYZ_", min_size=1, max_size=8), names,
                               max_size=4))
def test_known_keys_run_in_sorted_order_and_unknown_keys_never(
    known: dict[str, str], unknown: dict[str, str]
) -> None:
    plan = plan_writeback(200, "application/json", json.dumps({**unknown, **known}))
    assert plan.success
    assert [a.key for a in plan.actions] == sorted(known)


@given(known=st.dictionaries(st.sampled_from(SCALAR_KEYS[:8]), names, min_size=1),
       broken=st.sampled_from(SCALAR_KEYS[:8]))
def test_an_invalid_value_cuts_the_plan_right_before_its_key(
    known: dict[str, str], broken: str
) -> None:
    answer = {**known, broken: {"not": "a name"}}
    plan = plan_writeback(200, "application/json", json.dumps(answer))
    assert plan.failed is not None and plan.failed.key == broken
    assert [a.key for a in plan.actions] == [k for k in sorted(answer) if k < broken]
