"""Bodies no Znuny sends are refused with 400 and a reason, never a server error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

PostFn = Callable[..., Any]


EVENT = '{"Event": {"Event": "TicketCreate", "TicketID": 1}, "Ticket": '


def _event(ticket_id: str) -> str:
    return '{"Event": {"Event": "TicketCreate", "TicketID": ' + ticket_id + '}, "Ticket": {}}'


def test_a_5000_digit_number_is_refused_with_a_reason(post: PostFn) -> None:
    response = post(_event("9" * 5000))
    assert response.status_code == 400
    assert response.get_json() == {"error": "body holds a number of more than 4300 digits"}


@pytest.mark.parametrize("depth", [65, 900, 5000, 100_000])
def test_deeply_nested_json_is_refused_with_a_reason(post: PostFn, depth: int) -> None:
    nested = '{"x":' * depth + "1" + "}" * depth
    response = post(EVENT + nested + "}")
    assert response.status_code == 400
    assert response.get_json() == {"error": "body nests deeper than 64 levels"}
    assert post("[" * depth + "]" * depth).status_code == 400


def test_a_ticket_of_ordinary_depth_is_still_read(post: PostFn, kit: Any) -> None:
    body = kit.load_recording(kit.recording_paths()[0].name)["request"]["body"]
    assert post(body).status_code == 200


@pytest.mark.parametrize("ticket_id", [str(2**63), "1" + "0" * 4000])
def test_a_ticket_id_no_znuny_can_hold_is_refused_with_a_reason(
    post: PostFn, ticket_id: str
) -> None:
    body = ('{"Event": {"Event": "TicketCreate", "TicketID": ' + ticket_id + '}, '
            '"Ticket": {"TicketID": ' + ticket_id + ', "TicketNumber": "1"}}')
    response = post(body)
    assert response.status_code == 400
    assert "TicketID" in response.get_json()["error"]


@pytest.mark.parametrize("name", ["a\r\nLocation: http://evil.test/", "TicketCreate\x00"])
def test_an_event_name_with_control_characters_is_refused_with_a_reason(
    post: PostFn, name: str
) -> None:
    response = post({"Event": {"Event": name, "TicketID": 1}, "Ticket": {}})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "the event name in 'Event.Event' has control characters"}
    assert "evil.test" not in str(response.headers)


def test_a_reason_quoting_control_characters_still_makes_a_valid_header() -> None:
    from radiant_ext.webhook.blueprint import _header_safe

    assert _header_safe("routed as it.pos-down\r\nSet-Cookie: x=1\x00 — ok") == \
        "routed as it.pos-down  Set-Cookie: x=1  \\u2014 ok"
