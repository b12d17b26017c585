"""Plain regression tests for the server errors the fuzz test found in the customer pages,
against the sandbox Znuny (the world of ``conftest.py``)."""

from __future__ import annotations

import pytest

from tests.fuzz.conftest import HOSTILE_FILENAME, Identity, World, identify


@pytest.mark.parametrize("number", [
    "99999999999999999999", "9223372036854775808", "9" * 5000,
])
def test_a_request_number_no_ticket_can_have_is_not_found(world: World, number: str) -> None:
    client, issued = identify(world.app, "customer")
    assert client.get(f"/requests/{number}").status_code == 404
    assert client.get(f"/requests/{world.ticket_id}/files/{number}/1").status_code == 404
    assert client.get(f"/requests/{world.ticket_id}/files/{world.article_id}/{number}"
                      ).status_code == 404
    for action in ("reply", "close", "reopen"):
        response = client.post(f"/requests/{number}/{action}", data={
            "csrf_token": issued["csrf_token"], "body": "x", "reason": "x"})
        assert response.status_code == 404, action


def test_the_largest_possible_request_number_is_asked_of_znuny_and_not_found(
    world: World,
) -> None:
    client, _ = identify(world.app, "customer")
    assert client.get(f"/requests/{2**63 - 1}").status_code == 404


def test_an_attachment_named_with_line_breaks_downloads_under_a_safe_name(world: World) -> None:
    assert "\r\n" in HOSTILE_FILENAME  # as Znuny stored the file of the seeded reply
    client, _ = identify(world.app, "customer")
    response = client.get(
        f"/requests/{world.ticket_id}/files/{world.article_id}/{world.file_id}")
    assert response.status_code == 200
    assert response.data == b"report body\n"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="report Set-Cookie sid=stolen .txt"')
    assert all("stolen" not in value for value in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: sid=stolen", "/requests\x00", "/a\tb"])
@pytest.mark.parametrize("identity", ["anonymous", "customer"])
def test_switching_language_with_a_control_character_in_next_returns_home(
    world: World, identity: Identity, target: str
) -> None:
    client, issued = identify(world.app, identity)
    response = client.post("/language", data={
        "lang": "ru", "next": target, "csrf_token": issued["csrf_token"]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert all("stolen" not in value for value in response.headers.getlist("Set-Cookie"))
