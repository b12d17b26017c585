"""The webhook announces each ticket it routes to the plugins' ``radiant_ticket_created``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from radiant_ext.plugins import hookimpl
from radiant_ext.webhook import TicketRouter, WebhookConfig, init_webhook
from tests._recording_plugins import CreatedRecorder

RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "znuny-webhook"


class BrokenPlugin:
    """A plugin whose notification fails: the answer to Znuny must not suffer."""

    @hookimpl
    def radiant_ticket_created(self, ticket_id: int, ticket_number: str) -> None:
        raise RuntimeError(f"cannot announce {ticket_id}")


def _post(kit: Any, client: Any, name: str) -> tuple[dict[str, Any], Any]:
    exchange = kit.load_recording(name)
    request = exchange["request"]
    response = client.post(kit.endpoint_path(request["path"]), headers=kit.basic(),
                           data=json.dumps(request["body"]), content_type="application/json")
    return request["body"]["Ticket"], response


@pytest.fixture
def recorder() -> CreatedRecorder:
    return CreatedRecorder()


@pytest.fixture
def client(kit: Any, recorder: CreatedRecorder) -> Any:
    app = kit.make_app(TicketRouter(kit.build_plugins(BrokenPlugin(), recorder)))
    with app.test_client() as test_client:
        yield test_client


def test_a_routed_ticket_is_announced_once_with_its_item_and_decision(
    kit: Any, client: Any, recorder: CreatedRecorder
) -> None:
    ticket, response = _post(kit, client, "08-TicketCreate-writeback-full.json")
    assert response.status_code == 200
    assert response.headers["X-Radiant-Webhook"].startswith("routed")
    assert recorder.calls == [(int(ticket["TicketID"]), ticket["TicketNumber"],
                               "testdesk.printer", "testdesk.printer")]


@pytest.mark.parametrize("name", sorted(
    p.name for p in RECORDINGS.glob("*.json") if p.name[:2] in {"02", "03", "04", "06"}))
def test_an_ignored_call_announces_nothing(
    name: str, kit: Any, client: Any, recorder: CreatedRecorder
) -> None:
    _, response = _post(kit, client, name)
    assert response.status_code == 200
    assert response.headers["X-Radiant-Webhook"].startswith("ignored")
    assert recorder.calls == []


def test_a_router_without_the_hook_still_routes(kit: Any) -> None:
    class RoutingOnly:  # the three methods the router needs, nothing else
        def __init__(self) -> None:
            self._plugins = kit.build_plugins()

        def __getattr__(self, name: str) -> Any:
            if name not in {"classify", "item", "store", "route"}:
                raise AttributeError(name)
            return getattr(self._plugins, name)

    app = kit.make_app(TicketRouter(RoutingOnly()))
    _, response = _post(kit, app.test_client(), "08-TicketCreate-writeback-full.json")
    assert response.status_code == 200
    assert response.headers["X-Radiant-Webhook"].startswith("routed")


def test_the_portals_webhook_shares_the_announcement(kit: Any, recorder: CreatedRecorder) -> None:
    from flask import Flask

    app = Flask("portal-like")
    router = TicketRouter(kit.build_plugins(recorder))
    init_webhook(app, router=router, config=WebhookConfig(user=kit.USER, secret=kit.SECRET))
    ticket, response = _post(kit, app.test_client(), "05-TicketCreate-email-postmaster.json")
    assert response.get_json()["OTRS_TicketQueueSet"] == "IT"
    assert [call[:2] for call in recorder.calls] == [
        (int(ticket["TicketID"]), ticket["TicketNumber"])]


def test_znuny_resending_the_same_ticket_create_announces_it_once(
    kit: Any, client: Any, recorder: CreatedRecorder
) -> None:
    for _ in range(2):  # the daemon's retry after a timeout on Znuny's side
        _, response = _post(kit, client, "22-TicketCreate-retry-by-daemon.json")
        assert response.headers["X-Radiant-Webhook"].startswith("routed")
    assert len(recorder.calls) == 1


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                            marks=pytest.mark.postgres)])
def test_the_same_event_delivered_to_two_hosts_is_announced_once(
    backend: str, kit: Any, recorder: CreatedRecorder, tmp_path: Path
) -> None:
    """Two portal hosts share the store's database: Znuny's retry of a ``TicketCreate`` that
    reaches the other host routes the ticket again, but the plugins hear of it once."""
    from flask import Flask

    from radiant_ext.config import Settings
    from tests._store_fixtures import store_engine

    with store_engine(backend, tmp_path, suite="webhook", schema_in_url=True) as engine:
        settings = Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(
            hide_password=False))
        services = []
        reasons = []
        for name in ("host-a", "host-b"):
            app = Flask(name)
            services.append(init_webhook(
                app, router=TicketRouter(kit.build_plugins(recorder)), settings=settings,
                config=WebhookConfig(user=kit.USER, secret=kit.SECRET)))
            _, response = _post(kit, app.test_client(), "22-TicketCreate-retry-by-daemon.json")
            reasons.append(response.headers["X-Radiant-Webhook"])
        assert all(reason.startswith("routed") for reason in reasons)
        assert reasons[1].endswith("the plugins were told before")
        assert not reasons[0].endswith("the plugins were told before")
        for service in services:
            service.close()
        assert len(recorder.calls) == 1
