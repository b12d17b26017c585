"""The request page's progress line and the requester's workflow moves, over the in-memory
help desk with the IT department's software defect process."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from radiant_ext.portal.requests.moves import PENDING_HOURS
from tests.portal.conftest import CUSTOMERS, csrf_token, log_in

DEFECT = "it.software-defect"
SINCE = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 14:30 in store 007's Yekaterinburg
OWN_STEPS = ("This request goes on by its steps: please use the buttons under “Your "
             "decision”, where there are any.")


def _defect(desk: Any, state: str, state_type: str = "open",
            login: str = "demo-customer") -> int:
    ticket = desk.add_ticket(CUSTOMERS[login], "Report export crashes", category=DEFECT,
                             state=state, state_type=state_type)
    ticket.state_since = SINCE
    return int(ticket.summary.ticket_id)


def _steps(html: str) -> list[tuple[str, str]]:
    """(status, label) of each stage of the line."""
    return [(status, re.sub(r"\s*<small>.*", "", label).strip())
            for status, label in re.findall(r'<li class="step step-(\w+)"[^>]*>(.*?)</li>',
                                            html, re.S)]


def _post(client: FlaskClient, tid: int, to: str, **data: str) -> Any:
    token = csrf_token(client, f"/requests/{tid}")
    return client.post(f"/requests/{tid}/move/{to}", data={"csrf_token": token, **data})


def _flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', html)


def test_the_line_shows_done_current_since_next_and_who(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "client testing", "pending reminder")
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    steps = _steps(html)
    assert steps[:3] == [("done", "Submitted"), ("done", "In review"),
                         ("done", "Approved for action")]
    assert steps[-2:] == [("current", "Waiting for your test"), ("next", "Completed")]
    assert [s for s, _ in steps].count("done") == 7
    assert 'aria-current="step"' in html
    assert "since 23 Nov 2026, 14:30" in html and "GMT+05:00" in html
    assert "Waiting for you<" in html and "Waiting for the service desk" not in html
    assert "<dd>Waiting for your test</dd>" in html  # the state says the step's name


def test_a_side_step_counts_the_shortest_way_done_and_waits_for_the_desk(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "needs estimate")
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    steps = _steps(html)
    assert steps[:4] == [("done", "Submitted"), ("done", "In review"),
                         ("current", "Needs estimate"), ("next", "Estimate ready")]
    assert ("later", "Estimate waiting for your approval") in steps
    assert steps[-1] == ("later", "Completed")
    assert "Waiting for the service desk" in html
    assert 'id="moves-title"' not in html  # nothing for the customer to do here


def test_the_line_in_russian(customer_client: FlaskClient, desk: Any) -> None:
    tid = _defect(desk, "estimate pending client approval", "pending reminder")
    customer_client.set_cookie("radiant_lang", "ru")
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "Ход заявки" in html and "Слово за вами" in html
    assert ("current", "Оценка ждёт вашего согласования") in _steps(html)
    assert "с 23 нояб. 2026" in html and "GMT+05:00" in html
    buttons = re.findall(r'<button type="submit"[^>]*>([^<]+)</button>', html)
    assert "Принять" in buttons and "Отклонить" in buttons


def test_default_workflow_and_states_outside_it(
    customer_client: FlaskClient, desk: Any
) -> None:
    me = CUSTOMERS["demo-customer"]
    plain = desk.add_ticket(me, "Printer jams", state="open", state_type="open")
    html = customer_client.get(f"/requests/{plain.summary.ticket_id}").get_data(as_text=True)
    assert _steps(html) == [("done", "Submitted"), ("current", "In progress"),
                            ("next", "Solved")]
    odd = desk.add_ticket(me, "Odd", state="waiting for parts", state_type="pending reminder")
    response = customer_client.get(f"/requests/{odd.summary.ticket_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="steps"' not in html
    assert "<dd>Waiting</dd>" in html  # the plain state, as before


def test_it_works_completes_the_request(customer_client: FlaskClient, desk: Any) -> None:
    tid = _defect(desk, "client testing", "pending reminder")
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert f'action="/requests/{tid}/move/completed"' in html
    assert 'id="reason-completed"' not in html  # no reason asked for this one
    response = _post(customer_client, tid, "completed")
    assert response.status_code == 303
    ticket = desk.tickets[tid]
    assert ticket.summary.state == "closed successful"
    (moved, move), = desk.moves
    assert moved == tid and move.from_state == "client testing"
    assert move.subject == "It works — complete it" and move.body == move.subject
    assert move.pending_until is None
    assert ticket.articles[-1].view.sender_type == "customer"
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Done: It works — complete it." in _flashes(page)
    assert ("current", "Completed") in _steps(page)


def test_still_broken_needs_a_reason_and_loses_nothing(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "client testing", "pending reminder")
    response = _post(customer_client, tid, "in-progress", reason="   ")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "#move-in-progress")
    html = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please say why." in html and 'aria-invalid="true"' in html
    assert desk.moves == [] and desk.tickets[tid].summary.state == "client testing"
    response = _post(customer_client, tid, "in-progress",
                     reason="The export still stops at page 2")
    assert response.status_code == 303
    (_, move), = desk.moves
    assert move.to_state == "open" and move.body == "The export still stops at page 2"
    assert move.subject == "Still broken"
    assert desk.tickets[tid].summary.state == "open"


def test_a_long_reason_is_answered_at_once_with_everything_kept(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "estimate pending client approval", "pending reminder")
    reason = "x" * 5001
    response = _post(customer_client, tid, "in-review", reason=reason)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and reason in html and desk.moves == []


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Only the support team can move a request from In review to Approved for action."),
    ("ru", "Перевести заявку из шага «На рассмотрении» в шаг «Одобрена к работе» может "
           "только"),
])
def test_a_move_on_a_page_grown_stale_is_refused_with_the_reason(
    customer_client: FlaskClient, desk: Any, language: str, expected: str
) -> None:
    tid = _defect(desk, "estimate pending client approval", "pending reminder")
    customer_client.set_cookie("radiant_lang", language)
    token = csrf_token(customer_client, f"/requests/{tid}")  # the page offered "Accept"
    desk.tickets[tid].summary = desk.tickets[tid].summary.__class__(
        **{**desk.tickets[tid].summary.__dict__, "state": "in review", "state_type": "open"})
    response = customer_client.post(f"/requests/{tid}/move/approved",
                                    data={"csrf_token": token}, follow_redirects=True)
    flashes = _flashes(response.get_data(as_text=True))
    assert len(flashes) == 1 and flashes[0].startswith(expected)
    assert desk.moves == [] and desk.tickets[tid].summary.state == "in review"


def test_the_state_changing_between_the_check_and_the_update_changes_nothing(
    customer_client: FlaskClient, desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = _defect(desk, "client testing", "pending reminder")
    real_get = desk.get

    def get_then_agent_moves(customer: Any, ticket_id: int) -> Any:
        detail = real_get(customer, ticket_id)
        if desk.tickets[ticket_id].summary.state == "client testing":  # the agent completes
            summary = desk.tickets[ticket_id].summary
            desk.tickets[ticket_id].summary = summary.__class__(
                **{**summary.__dict__, "state": "closed successful", "state_type": "closed"})
        return detail

    token = csrf_token(customer_client, f"/requests/{tid}")
    monkeypatch.setattr(desk, "get", get_then_agent_moves)
    response = customer_client.post(f"/requests/{tid}/move/in-progress",
                                    data={"csrf_token": token, "reason": "Broken"})
    monkeypatch.undo()
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _flashes(page) == ["A request cannot go from Completed to In progress."]
    assert desk.moves == []


@pytest.mark.parametrize("target", ["completed-now", "in-review", "x" * 300])
def test_forged_targets_are_refused(customer_client: FlaskClient, desk: Any,
                                    target: str) -> None:
    tid = _defect(desk, "client testing", "pending reminder")
    response = _post(customer_client, tid, target)
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    flashes = _flashes(page)
    assert len(flashes) == 1 and desk.moves == []
    if target == "in-review":
        assert flashes[0] == ("A request cannot go from Waiting for your test to In review.")
    else:
        assert flashes[0].startswith("The state ") and "x" * 41 not in flashes[0]


def test_an_agents_move_is_not_the_customers(customer_client: FlaskClient, desk: Any) -> None:
    tid = _defect(desk, "in review")
    response = _post(customer_client, tid, "approved")
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _flashes(page) == [
        "Only the support team can move a request from In review to Approved for action."]
    assert desk.moves == []


def test_another_customer_gets_the_404_of_the_detail_page(
    client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "client testing", "pending reminder", login="flagship-clerk")
    log_in(client, "demo-customer")
    assert client.get(f"/requests/{tid}").status_code == 404
    token = csrf_token(client, "/requests")
    response = client.post(f"/requests/{tid}/move/completed", data={"csrf_token": token})
    assert response.status_code == 404 and desk.moves == []
    assert desk.tickets[tid].summary.state == "client testing"


def test_a_move_without_csrf_is_refused(customer_client: FlaskClient, desk: Any) -> None:
    tid = _defect(desk, "client testing", "pending reminder")
    response = customer_client.post(f"/requests/{tid}/move/completed")
    assert response.status_code == 400 and desk.moves == []


def test_znuny_down_changes_nothing_and_keeps_the_reason(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "client testing", "pending reminder")
    token = csrf_token(customer_client, f"/requests/{tid}")
    desk.down = True
    response = customer_client.post(f"/requests/{tid}/move/in-progress",
                                    data={"csrf_token": token, "reason": "Still crashes"})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "Traceback" not in html
    assert "nothing was changed" in html and "Your text is kept" in html
    desk.down = False
    assert desk.moves == [] and desk.tickets[tid].summary.state == "client testing"
    page = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert re.search(r"<textarea[^>]*>\s*Still crashes</textarea>", page)


def test_a_pending_target_gets_a_pending_time(
    customer_client: FlaskClient, desk: Any
) -> None:
    from radiant_ext.plugins.workflow import Move, Step, Workflow

    desk.workflows["it.password"] = Workflow(
        steps=[Step(id="asked", state="new", state_type="new", label="Submitted"),
               Step(id="wait", state="pending reminder", state_type="pending reminder",
                    label="On hold"),
               Step(id="done", state="closed successful", state_type="closed",
                    label="Solved")],
        moves=[Move(from_="asked", to="wait", by="customer", label="Put on hold"),
               Move(from_="asked", to="done", by="agent"),
               Move(from_="wait", to="done", by="agent")])
    ticket = desk.add_ticket(CUSTOMERS["demo-customer"], "Password", category="it.password")
    before = datetime.now(UTC)
    _post(customer_client, ticket.summary.ticket_id, "wait")
    (_, move), = desk.moves
    assert move.to_state == "pending reminder" and move.pending_until is not None
    hours = (move.pending_until - before).total_seconds() / 3600
    assert PENDING_HOURS - 1 / 60 <= hours <= PENDING_HOURS + 1 / 60


def test_a_closed_step_offers_its_moves_only_within_the_reopen_window(
    customer_client: FlaskClient, desk: Any, app: Any
) -> None:
    tid = _defect(desk, "cannot replicate", "closed")
    desk.tickets[tid].closed_at = datetime.now(UTC)
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "It still happens" in html and "Reopen the request" not in html
    token = csrf_token(customer_client, f"/requests/{tid}")
    refused = customer_client.post(f"/requests/{tid}/reopen",
                                   data={"csrf_token": token, "reason": "Again"},
                                   follow_redirects=True).get_data(as_text=True)
    assert _flashes(refused) == [OWN_STEPS]
    app.config["PORTAL_REOPEN_WINDOW_DAYS"] = 0
    desk.tickets[tid].closed_at = datetime(2026, 1, 1, tzinfo=UTC)
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "It still happens" not in html
    response = _post(customer_client, tid, "in-review", reason="Again")
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _flashes(page) == ["This request can no longer be reopened. Please file a new one."]
    assert desk.moves == []


def test_a_completed_defect_offers_no_reopening_the_workflow_lacks(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "closed successful", "closed")
    desk.tickets[tid].closed_at = datetime.now(UTC)
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "Reopen the request" not in html and "please file a new request" in html
    token = csrf_token(customer_client, f"/requests/{tid}")
    page = customer_client.post(f"/requests/{tid}/reopen",
                                data={"csrf_token": token, "reason": "Again"},
                                follow_redirects=True).get_data(as_text=True)
    assert _flashes(page) == [OWN_STEPS]
    assert desk.tickets[tid].summary.state == "closed successful"


def test_a_defect_is_not_closed_by_the_close_link_but_by_its_steps(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "in review")
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert f'href="/requests/{tid}/close"' not in html
    assert customer_client.get(f"/requests/{tid}/close").status_code == 302
    token = csrf_token(customer_client, f"/requests/{tid}")
    page = customer_client.post(f"/requests/{tid}/close",
                                data={"csrf_token": token, "confirm": "yes"},
                                follow_redirects=True).get_data(as_text=True)
    assert _flashes(page) == [OWN_STEPS]
    assert desk.tickets[tid].summary.state == "in review"
    plain = desk.add_ticket(CUSTOMERS["demo-customer"], "Printer jams", state="open",
                            state_type="open").summary.ticket_id
    html = customer_client.get(f"/requests/{plain}").get_data(as_text=True)
    assert f'href="/requests/{plain}/close"' in html  # the default workflow closes as before


def test_a_move_sent_twice_is_made_once(customer_client: FlaskClient, desk: Any) -> None:
    tid = _defect(desk, "client testing", "pending reminder")
    token = csrf_token(customer_client, f"/requests/{tid}")
    for _ in range(2):
        response = customer_client.post(f"/requests/{tid}/move/completed",
                                        data={"csrf_token": token})
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _flashes(page) == ["Done: It works — complete it.",
                              "The request is already at “Completed”; nothing was changed."]
    assert len(desk.moves) == 1


def test_accepting_an_estimate_in_russian_records_the_language(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = _defect(desk, "estimate pending client approval", "pending reminder")
    customer_client.set_cookie("radiant_lang", "ru")
    response = _post(customer_client, tid, "approved")
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _flashes(page) == ["Готово: Принять."]
    (_, move), = desk.moves
    assert move.language == "ru" and move.to_state == "approved for action"
    assert move.subject == "Accept"  # agents read the English label in Znuny


def test_the_language_is_recorded_at_login_and_a_failure_stops_nothing(
    app: Any, client: FlaskClient
) -> None:
    calls: list[tuple[str, str]] = []
    services = app.extensions["radiant_portal"]["services"]
    services.languages = lambda login, language: calls.append((login, language))
    client.set_cookie("radiant_lang", "ru")
    assert log_in(client).status_code == 302
    assert calls == [("demo-customer", "ru")]

    def broken(login: str, language: str) -> None:
        raise OSError("store down")

    services.languages = broken
    assert log_in(app.test_client(), "flagship-clerk").status_code == 302
