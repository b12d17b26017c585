"""Wrong webhook secrets are throttled per client address; Znuny's correct calls never are."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.webhook.blueprint import EXTENSION_KEY
from radiant_ext.webhook.throttle import AuthThrottle
from tests._clock import Clock

EVENT = {"Event": {"Event": "QueueUpdate"}}  # acknowledged without routing




@pytest.fixture
def clock() -> Clock:
    return Clock(1000.0)


@pytest.fixture
def app(kit: Any, clock: Clock) -> Flask:
    app: Flask = kit.make_app()
    app.extensions[EXTENSION_KEY].throttle = AuthThrottle(10, 60, clock=clock)
    return app


def _from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _call(client: FlaskClient, headers: dict[str, str]) -> Any:
    return client.post("/-/znuny/webhook/ticket-create", json=EVENT, headers=headers)


def test_wrong_secrets_from_one_address_get_429_with_retry_after(
        app: Flask, kit: Any, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    guesser = _from(app, "203.0.113.9")
    for n in range(10):
        assert _call(guesser, kit.basic(secret=f"guess-{n}")).status_code == 401
    with caplog.at_level(logging.WARNING):
        refused = _call(guesser, kit.basic(secret="guess-10"))
    assert refused.status_code == 429
    assert "too many failed authentications" in refused.get_json()["error"]
    assert refused.headers["Retry-After"] == "60"
    # even the right secret is not looked at from this address now: guessing is stopped
    assert _call(guesser, kit.basic()).status_code == 429
    assert "guess-10" not in caplog.text
    clock.now += 30
    assert _call(guesser, kit.basic(secret="x")).headers["Retry-After"] == "30"
    clock.now += 31  # the failures have left the window
    assert _call(guesser, kit.basic()).status_code == 200


def test_znunys_correct_calls_are_never_throttled(app: Flask, kit: Any) -> None:
    znuny = _from(app, "192.0.2.10")
    assert _call(znuny, kit.basic()).status_code == 200
    for n in range(50):  # a stranger elsewhere hammers the endpoint
        _call(_from(app, "203.0.113.9"), kit.basic(secret=f"guess-{n}"))
    assert _call(znuny, kit.basic()).status_code == 200
    # and a stranger behind Znuny's own address cannot block it either
    for n in range(50):
        assert _call(znuny, kit.basic(secret=f"guess-{n}")).status_code == 401
    assert _call(znuny, kit.basic()).status_code == 200


def test_the_limit_comes_from_the_portal_settings(kit: Any) -> None:
    from radiant_ext.webhook import TicketRouter, WebhookConfig, init_webhook

    app = Flask("throttle-settings")
    app.config.update(PORTAL_WEBHOOK_AUTH_FAILURES=2, PORTAL_WEBHOOK_AUTH_WINDOW_SECONDS=5)
    init_webhook(app, router=TicketRouter(kit.build_plugins()),
                 config=WebhookConfig(kit.USER, kit.SECRET))
    guesser = _from(app, "203.0.113.9")
    for _ in range(2):
        assert _call(guesser, {"X-Radiant-Webhook-Secret": "nope"}).status_code == 401
    refused = _call(guesser, {"X-Radiant-Webhook-Secret": "nope"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 5
