"""The sandbox plays Znuny's Ticket::Generic invoker: recorded shape and write-back semantics."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from radiant_ext_sandbox import (
    InvokerConfig,
    SandboxError,
    SandboxServer,
    create_app,
    serve_in_thread,
)
from radiant_ext_sandbox.znuny_invoker import INVOKER_HEADERS

from .receiver import Receiver, json_answer

RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "znuny-webhook"
WS = "/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
ALL_EVENTS = frozenset({"TicketCreate", "ArticleCreate", "TicketStateUpdate"})


def recording(name: str) -> dict[str, Any]:
    """One recorded exchange."""
    data: dict[str, Any] = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.stop()


@pytest.fixture
def lab(tmp_path: Path, receiver: Receiver, still_clock: float) -> Iterator[SandboxServer]:
    """The znuny-lab fixture of the recordings, its invoker pointing at ``receiver``.

    Its clock stands still: the recordings were made within one second each.
    """
    config = InvokerConfig(
        url=receiver.url + "/radiant/webhook/:Event.Event/:Ticket.TicketNumber",
        user="radiant",
        password="hook-secret",
        events=ALL_EVENTS,
    )
    srv = serve_in_thread(
        create_app(tmp_path, seed="znuny-lab", test_controls=True, invoker=config)
    )
    yield srv
    srv.stop()


def _create(server: SandboxServer, name: str) -> dict[str, Any]:
    """Repeat the recording's GI TicketCreate (agent1, two dynamic fields)."""
    body = dict(recording(name)["trigger"]["request"])
    sid = requests.post(
        server.url + WS + "/Session", json={"UserLogin": "agent1", "Password": "lab-password"}
    ).json()
    body["SessionID"] = sid["SessionID"]
    answer: dict[str, Any] = requests.post(server.url + WS + "/Ticket", json=body).json()
    assert "Error" not in answer
    answer["SessionID"] = sid["SessionID"]
    return answer


def _history(server: SandboxServer, created: dict[str, Any]) -> list[tuple[str, str, int]]:
    url = f"{server.url}{WS}/TicketHistory/{created['TicketID']}"
    rows = requests.get(url, params={"SessionID": created["SessionID"]}).json()
    return [
        _masked(r, created["TicketNumber"], created["TicketID"])
        for r in rows["TicketHistory"][0]["History"]
    ]


def _masked(row: dict[str, Any], tn: str, ticket_id: Any) -> tuple[str, str, int]:
    name = re.sub(r"\d{16}", "<tn>", row["Name"])
    name = re.sub(rf"%%{ticket_id}$", "%%<id>", name) if row["HistoryType"] == "NewTicket" else name
    return row["HistoryType"], name, int(row["CreateBy"])


def _recorded_history(name: str) -> list[tuple[str, str, int]]:
    effect = recording(name)["effect"]
    ticket = effect["TicketGet (AllArticles=1, DynamicFields=1), selected fields"]
    return [
        _masked(r, ticket["TicketNumber"], ticket["TicketID"])
        for r in effect["TicketHistoryGet History (all rows)"]
    ]


def _ticket(server: SandboxServer, created: dict[str, Any]) -> dict[str, Any]:
    params = {"SessionID": created["SessionID"], "AllArticles": 1, "DynamicFields": 1}
    answer = requests.get(f"{server.url}{WS}/Ticket/{created['TicketID']}", params=params)
    ticket: dict[str, Any] = answer.json()["Ticket"][0]
    return ticket


def _answering(receiver: Receiver, name: str) -> None:
    """Answer TicketCreate as the recording did, every other event with ``{}``."""
    ours = recording(name)["our_answer"]
    body = ours.get("raw_body", json.dumps(ours.get("body")))

    def answer(payload: dict[str, Any]) -> tuple[int, str, str, float]:
        if payload["Event"]["Event"] != "TicketCreate":
            return json_answer({})
        return ours["status"], ours["content_type"], body, float(ours.get("delay_seconds", 0))

    receiver.answer = answer


def test_requests_have_the_recorded_shape(lab: SandboxServer, receiver: Receiver) -> None:
    created = _create(lab, "01-TicketCreate-agent-gi.json")
    assert receiver.events == ["TicketCreate", "ArticleCreate"]  # files 01, 02
    first, second = receiver.requests
    recorded = recording("01-TicketCreate-agent-gi.json")["request"]["body"]
    assert set(first["body"]["Ticket"]) == set(recorded["Ticket"])
    assert set(first["body"]["Event"]) == set(recorded["Event"])
    for key in ("QueueData", "PriorityData", "TypeData", "CustomerCompany"):
        assert set(first["body"]["Ticket"][key]) == set(recorded["Ticket"][key]), key
    assert set(first["body"]["Ticket"]["Article"]) == set(recorded["Ticket"]["Article"])
    assert first["body"]["Ticket"]["DynamicField_CustomerReference"] == "PO-4711"
    assert first["body"]["Ticket"]["Owner"] == "agent1"  # read when sent, not when queued
    article_event = recording("02-ArticleCreate-agent-gi.json")["request"]["body"]["Event"]
    assert set(second["body"]["Event"]) == set(article_event)
    assert set(second["body"]["Event"]["OldTicketData"]) == set(article_event["OldTicketData"])
    assert second["body"]["Event"]["ArticleID"] == int(created["ArticleID"])
    assert second["path"] == f"/radiant/webhook/ArticleCreate/{created['TicketNumber']}"
    for name, value in INVOKER_HEADERS.items():
        assert first["headers"][name.lower()] == value
    assert (first["auth"].username, first["auth"].password) == ("radiant", "hook-secret")


def test_full_write_back_writes_the_recorded_history(
    lab: SandboxServer, receiver: Receiver
) -> None:
    _answering(receiver, "08-TicketCreate-writeback-full.json")
    created = _create(lab, "08-TicketCreate-writeback-full.json")
    assert _history(lab, created) == _recorded_history("08-TicketCreate-writeback-full.json")
    ticket = _ticket(lab, created)
    expected = recording("08-TicketCreate-writeback-full.json")["effect"][
        "TicketGet (AllArticles=1, DynamicFields=1), selected fields"
    ]
    for key in ("Title", "Queue", "Priority", "Service", "SLA", "Owner", "ChangeBy"):
        assert ticket[key] == expected[key], key
    note = ticket["Article"][-1]
    assert (note["From"], note["SenderType"], note["IsVisibleForCustomer"], note["CreateBy"]) == (
        "Generic Interface",
        "agent",
        0,
        1,
    )
    # the note fired a nested ArticleCreate (file 09) before the first article's
    assert receiver.events == ["TicketCreate", "ArticleCreate", "ArticleCreate"]
    assert receiver.requests[1]["body"]["Event"]["ArticleID"] == note["ArticleID"]


@pytest.mark.parametrize(
    "name",
    [
        "10-TicketCreate-writeback-state-owner-customer-df.json",
        "12-TicketCreate-writeback-partial-failure.json",
        "07-TicketCreate-writeback-rejected-articleadd-without-historytype.json",
    ],
)
def test_write_back_semantics_match_the_recordings(
    lab: SandboxServer, receiver: Receiver, name: str
) -> None:
    _answering(receiver, name)
    created = _create(lab, name)
    assert _history(lab, created) == _recorded_history(name)
    ticket = _ticket(lab, created)
    expected = recording(name)["effect"][
        "TicketGet (AllArticles=1, DynamicFields=1), selected fields"
    ]
    for key in (
        "Title",
        "Queue",
        "Priority",
        "State",
        "Owner",
        "Responsible",
        "CustomerID",
        "CustomerUserID",
    ):
        assert ticket[key] == expected[key], key
    fields = {f["Name"]: f["Value"] for f in ticket["DynamicField"]}
    assert {f["Name"]: f["Value"] for f in expected["DynamicField"]}.items() <= fields.items()


def test_state_set_fires_a_nested_state_update_first(
    lab: SandboxServer, receiver: Receiver
) -> None:
    _answering(receiver, "10-TicketCreate-writeback-state-owner-customer-df.json")
    _create(lab, "10-TicketCreate-writeback-state-owner-customer-df.json")
    # file 11 arrived before the first article's ArticleCreate
    assert receiver.events == ["TicketCreate", "TicketStateUpdate", "ArticleCreate"]
    old = receiver.requests[1]["body"]["Event"]["OldTicketData"]
    assert old["State"] == "new" and receiver.requests[1]["body"]["Ticket"]["State"] == "open"


@pytest.mark.parametrize(
    "name",
    [
        "13-TicketCreate-answer-500.json",
        "14-TicketCreate-answer-invalid-json.json",
        "15-TicketCreate-answer-text-plain.json",
        "16-TicketCreate-answer-204.json",
        "18-TicketCreate-answer-404.json",
        "21-TicketCreate-answer-503-with-RequestRetry.json",
    ],
)
def test_error_answers_apply_nothing(lab: SandboxServer, receiver: Receiver, name: str) -> None:
    _answering(receiver, name)
    created = _create(lab, name)
    assert _history(lab, created) == _recorded_history(name)
    assert _ticket(lab, created)["Priority"] == "3 normal"


def test_a_201_answer_is_applied(lab: SandboxServer, receiver: Receiver) -> None:
    _answering(receiver, "17-TicketCreate-answer-201-writeback.json")
    created = _create(lab, "17-TicketCreate-answer-201-writeback.json")
    assert _ticket(lab, created)["Priority"] == "2 low"


def test_a_timeout_applies_nothing_and_the_ticket_is_created(
    lab: SandboxServer, receiver: Receiver
) -> None:
    requests.post(
        lab.url + "/__sandbox__/invoker",
        json={
            "URL": receiver.url + "/hook",
            "User": "radiant",
            "Password": "hook-secret",
            "Timeout": 0.5,
        },
    )
    receiver.answer = lambda body: json_answer({"OTRS_TicketPrioritySet": "4 high"}, delay=3)
    started = time.perf_counter()
    created = _create(lab, "20-TicketCreate-timeout-2s.json")
    assert 0.5 <= time.perf_counter() - started < 2.5  # the caller waited for the timeout
    assert _ticket(lab, created)["Priority"] == "3 normal"
    calls = requests.get(lab.url + "/__sandbox__/invoker").json()["Calls"]
    assert calls[-1]["Status"] == 500 and calls[-1]["Error"] == "Response code '500'."


def test_a_looping_receiver_is_cut_off_by_the_depth_limit(
    lab: SandboxServer, receiver: Receiver
) -> None:
    note = {"Subject": "again", "Body": "again", "HistoryType": "AddNote", "HistoryComment": "x"}
    receiver.answer = lambda body: json_answer({"OTRS_TicketArticleAdd": note})
    created = _create(lab, "01-TicketCreate-agent-gi.json")  # answers, it does not hang
    calls = requests.get(lab.url + "/__sandbox__/invoker").json()["Calls"]
    assert max(c["Depth"] for c in calls if c["Status"]) == 4  # the operation's + 3 nested
    assert any(c["Skipped"] == "depth limit" for c in calls)
    assert len(receiver.requests) <= 20
    notes = [a for a in _ticket(lab, created)["Article"] if a["Subject"] == "again"]
    assert len(notes) == len([c for c in calls if c["Applied"]])


def test_the_invoker_control_sets_shows_and_switches_off(
    lab: SandboxServer, receiver: Receiver
) -> None:
    control = lab.url + "/__sandbox__/invoker"
    shown = requests.post(
        control, json={"URL": receiver.url + "/x", "Password": "s3cret", "Events": ["TicketCreate"]}
    ).json()
    assert shown["Invoker"]["Password"] == "***" and shown["Invoker"]["Events"] == ["TicketCreate"]
    _create(lab, "01-TicketCreate-agent-gi.json")
    assert receiver.events == ["TicketCreate"]
    assert requests.post(control, json={"URL": "ftp://nowhere"}).status_code == 400
    assert requests.post(control, json={"URL": receiver.url, "Events": ["Nope"]}).status_code == 400
    assert requests.post(control, json={"Off": 1}).json()["Invoker"] is None
    _create(lab, "01-TicketCreate-agent-gi.json")
    assert len(receiver.requests) == 1
    reset = requests.post(control, json={"Reset": 1}).json()["Invoker"]
    assert reset["Events"] == sorted(ALL_EVENTS)  # back to the app's own invoker


def test_bad_invoker_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="invoker URL"):
        create_app(tmp_path, invoker_url="not a url")
    app = create_app(tmp_path)
    with pytest.raises(TypeError):
        serve_in_thread(app, seed="lab")


def test_the_receiver_may_call_back_into_the_sandbox(
    lab: SandboxServer, receiver: Receiver
) -> None:
    """No lock is held while the invoker waits: a receiver can read the ticket through the GI."""
    sid = requests.post(
        lab.url + WS + "/Session", json={"UserLogin": "agent1", "Password": "lab-password"}
    ).json()["SessionID"]
    seen: list[str] = []

    def answer(body: dict[str, Any]) -> tuple[int, str, str, float]:
        url = f"{lab.url}{WS}/Ticket/{body['Event']['TicketID']}"
        got = requests.get(url, params={"SessionID": sid}, timeout=5).json()
        seen.append(got["Ticket"][0]["Title"])
        return json_answer({"OTRS_TicketTitleUpdate": "seen: " + seen[-1]})

    receiver.answer = answer
    requests.post(lab.url + "/__sandbox__/invoker", json={"URL": receiver.url, "Timeout": 5})
    created = _create(lab, "01-TicketCreate-agent-gi.json")
    assert seen == ["Printer on 2nd floor jams (webhook test, agent)"]
    assert _ticket(lab, created)["Title"] == "seen: " + seen[0]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("OTRS_TicketHistoryAdd", {"HistoryType": "NoSuchType", "Name": "x"}),
        ("OTRS_TicketDynamicFieldSet_TicketCalendarStartTime", "not a date"),
        ("OTRS_TicketCreate", {"Title": "not modelled"}),
        ("OTRS_TicketOwnerSet", "nobody"),
        ("OTRS_TicketOwnerSet", "agent1"),  # no failure: sorts before PrioritySet, applied
    ],
)
def test_a_failing_key_stops_the_keys_after_it(
    lab: SandboxServer, receiver: Receiver, key: str, value: Any
) -> None:
    receiver.answer = lambda body: json_answer(
        {key: value, "OTRS_TicketPrioritySet": "4 high"}
        if body["Event"]["Event"] == "TicketCreate"
        else {}
    )
    created = _create(lab, "01-TicketCreate-agent-gi.json")
    call = requests.get(lab.url + "/__sandbox__/invoker").json()["Calls"][0]
    ok = value == "agent1"
    assert _ticket(lab, created)["Priority"] == ("4 high" if ok else "3 normal")
    assert call["Failed"] == (None if ok else key)


def test_article_create_event_refires_article_create(
    lab: SandboxServer, receiver: Receiver
) -> None:
    def answer(body: dict[str, Any]) -> tuple[int, str, str, float]:
        if body["Event"]["Event"] != "TicketCreate":
            return json_answer({})
        first = body["Ticket"]["Article"]["ArticleID"]
        return json_answer({"OTRS_TicketArticleCreateEvent": f"{first},999999"})

    receiver.answer = answer
    created = _create(lab, "01-TicketCreate-agent-gi.json")
    assert receiver.events == ["TicketCreate", "ArticleCreate", "ArticleCreate"]
    assert receiver.requests[1]["body"]["Event"]["ArticleID"] == int(created["ArticleID"])
