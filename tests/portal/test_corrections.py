"""Post/redirect/get for forms with mistakes: the browser's Back and reload never offer to
send a form again, and the customer loses nothing."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from radiant_ext.portal.drafts import MAX_DRAFT_CHARS
from tests.portal.conftest import CUSTOMERS, csrf_token


def _reference(html: str) -> str:
    found = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_a_request_with_a_mistake_comes_back_by_get_with_every_answer(
    customer_client: FlaskClient, desk: Any
) -> None:
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    reference = _reference(html)
    sent = customer_client.post("/new/it.pos-down", data={
        "csrf_token": csrf_token(customer_client, "/new/it.pos-down"),
        "request_id": reference, "f_register": "", "f_symptom": "no-power",
        "description": "Black screen since the morning"})
    assert sent.status_code == 303 and sent.headers["Location"] == "/new/it.pos-down"
    back = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    assert "This field is required." in back and 'aria-invalid="true"' in back
    assert '<option selected value="no-power">' in back
    assert "Black screen since the morning</textarea>" in back
    assert _reference(back) == reference  # the same request, so a double send files it once
    again = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    assert "This field is required." not in again  # the answers were kept for one page
    fixed = customer_client.post("/new/it.pos-down", data={
        "csrf_token": csrf_token(customer_client, "/new/it.pos-down"),
        "request_id": reference, "f_register": "K-7", "f_symptom": "no-power",
        "description": "Black screen since the morning"})
    assert fixed.status_code == 302 and [d.request_id for d in desk.outbox] == [reference]


def test_recalculating_without_javascript_is_a_get_too(
    customer_client: FlaskClient, desk: Any
) -> None:
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    response = customer_client.post("/new/it.pos-down", data={
        "csrf_token": csrf_token(customer_client, "/new/it.pos-down"),
        "request_id": _reference(html), "f_symptom": "no-power", "recalculate": "1"})
    assert response.status_code == 303
    page = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    assert "Expected by Tue 24 Nov, 10:00" in page and desk.outbox == []
    assert "This field is required." not in page  # recalculating is no mistake


def test_answers_too_long_to_keep_are_answered_at_once_with_nothing_lost(
    customer_client: FlaskClient, desk: Any
) -> None:
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    long_text = "The screen flickers. " * (MAX_DRAFT_CHARS // 20 + 1)
    response = customer_client.post("/new/it.pos-down", data={
        "csrf_token": csrf_token(customer_client, "/new/it.pos-down"),
        "request_id": _reference(html), "f_register": "", "f_symptom": "frozen",
        "description": long_text})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert long_text.strip() in page and "This field is required." in page


def test_a_reopen_without_a_reason_comes_back_to_the_request(
    customer_client: FlaskClient, desk: Any
) -> None:
    from datetime import UTC, datetime

    ticket = desk.add_ticket(CUSTOMERS["demo-customer"], "T", state="closed successful",
                             state_type="closed", closed_at=datetime.now(UTC))
    tid = ticket.summary.ticket_id
    token = csrf_token(customer_client, f"/requests/{tid}")
    response = customer_client.post(f"/requests/{tid}/reopen",
                                    data={"csrf_token": token, "reason": " "})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/requests/{tid}#reopen-title"
    page = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    reason = re.search(r"<textarea[^>]*name=\"reason\"[^>]*>", page)
    assert reason and 'aria-invalid="true"' in reason.group(0)
    assert ticket.summary.state_type == "closed"


def test_a_kept_form_never_makes_the_session_cookie_too_large(
    customer_client: FlaskClient, monkeypatch: Any
) -> None:
    import random

    from radiant_ext.portal import drafts

    letters = random.Random(7)  # Cyrillic that compresses badly: two bytes a letter
    text = "".join(letters.choice("абвгдеёжзийклмнопрстуфхцчшщыэюя ") for _ in range(1200))

    def send() -> Any:
        html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
        return customer_client.post("/new/it.pos-down", data={
            "csrf_token": csrf_token(customer_client, "/new/it.pos-down"),
            "request_id": _reference(html), "f_register": "", "f_symptom": "frozen",
            "description": text})

    kept = send()
    assert kept.status_code == 303
    assert len(kept.headers["Set-Cookie"].split(";", 1)[0]) <= drafts.MAX_COOKIE_BYTES + 20
    assert text in customer_client.get("/new/it.pos-down").get_data(as_text=True)
    monkeypatch.setattr(drafts, "MAX_COOKIE_BYTES", 1000)
    at_once = send()
    assert at_once.status_code == 400 and text in at_once.get_data(as_text=True)
