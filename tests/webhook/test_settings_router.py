"""init_webhook without a router: plugins, department switches and disabled items from settings."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from radiant_ext.config import Settings
from radiant_ext.store import make_engine, session_scope
from radiant_ext.store.departments import set_catalog_item_state, set_department_enabled
from radiant_ext.store.schema import upgrade_database
from radiant_ext.webhook import TicketRouter, init_webhook, validate_payload


def _cash_register_mail(kit: Any) -> dict[str, Any]:
    body = copy.deepcopy(kit.load_recording("05-TicketCreate-email-postmaster.json")["request"])
    ticket = body["body"]["Ticket"]
    ticket.update(Title="Cash register does not work", CustomerID="store-012",
                  CustomerUserID="clerk-012-1")
    data: dict[str, Any] = body["body"]
    return data


def _settings(tmp_path: Path, kit: Any) -> Settings:
    return Settings(data_dir=tmp_path, webhook_user=kit.USER, webhook_secret=kit.SECRET)


def _post(app: Flask, kit: Any, body: dict[str, Any]) -> Any:
    return app.test_client().post("/-/znuny/webhook/ticket-create", json=body,
                                  headers=kit.basic())


def test_without_a_local_store_the_installed_plugins_route(tmp_path: Path, kit: Any) -> None:
    app = Flask("settings-router")
    init_webhook(app, settings=_settings(tmp_path, kit))
    response = _post(app, kit, _cash_register_mail(kit))
    assert response.status_code == 200
    assert response.get_json()["otrs_TicketDynamicFieldSet_RadiantCategory"] == "it.pos-down"


@pytest.fixture
def migrated(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'radiant.sqlite3'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()


def test_items_the_catalog_check_disabled_are_not_routed(
    tmp_path: Path, kit: Any, migrated: Any
) -> None:
    with session_scope(migrated) as session:
        set_catalog_item_state(session, "it.pos-down", False, "queue IT::Stores is missing")
    app = Flask("settings-router")
    init_webhook(app, settings=_settings(tmp_path, kit))
    response = _post(app, kit, _cash_register_mail(kit))
    assert response.status_code == 200
    assert response.get_json() == {}  # never routed to a queue Znuny lacks
    assert response.headers["X-Radiant-Webhook"].startswith("ignored")


def test_the_router_skips_disabled_items_whatever_the_plugins_suggest(kit: Any) -> None:
    router = TicketRouter(kit.build_plugins(), disabled_items=lambda: {"testdesk.printer"})
    body = kit.load_recording("01-TicketCreate-agent-gi.json")["request"]["body"]
    result = router.handle(validate_payload(body))
    assert result.answer == {}
    assert result.reason == "catalog item testdesk.printer is disabled by the catalog check"


def test_a_switched_off_department_is_not_routed(tmp_path: Path, kit: Any, migrated: Any) -> None:
    with session_scope(migrated) as session:
        set_department_enabled(session, "it", False, "admin")
    app = Flask("settings-router")
    init_webhook(app, settings=_settings(tmp_path, kit))
    assert _post(app, kit, _cash_register_mail(kit)).get_json() == {}


def test_an_unmigrated_local_store_answers_503(tmp_path: Path, kit: Any) -> None:
    (tmp_path / "radiant.sqlite3").write_bytes(b"")
    app = Flask("settings-router")
    init_webhook(app, settings=_settings(tmp_path, kit))
    response = _post(app, kit, _cash_register_mail(kit))
    assert response.status_code == 503
    assert "db upgrade" in response.get_json()["error"]


def test_an_unreadable_disabled_list_still_routes(kit: Any) -> None:
    from sqlalchemy.exc import OperationalError

    from radiant_ext.webhook.factory import disabled_items_of

    class Broken:
        def disabled_items(self) -> dict[str, str]:
            raise OperationalError("SELECT", {}, Exception("database is locked"))

    router = TicketRouter(kit.build_plugins(), disabled_items=disabled_items_of(Broken()))
    body = kit.load_recording("01-TicketCreate-agent-gi.json")["request"]["body"]
    assert router.handle(validate_payload(body)).outcome == "routed"
    assert disabled_items_of(object()) is None


def test_repeat_incidents_at_the_store_raise_the_priority(
    tmp_path: Path, kit: Any, migrated: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from radiant_ext.store import TicketCache

    body = _cash_register_mail(kit)
    body["Ticket"]["CustomerID"] = "store-007"
    app = Flask("settings-router")
    init_webhook(app, settings=_settings(tmp_path, kit))
    before = _post(app, kit, body).get_json()
    assert before["OTRS_TicketPrioritySet"] == "4 high"
    recently = datetime.now(UTC) - timedelta(days=2)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with session_scope(migrated) as session:
        for number, created in enumerate([recently, recently, long_ago]):
            session.add(TicketCache(ticket_id=900 + number, ticket_number=f"90{number}",
                                    store="store-007", category="it.pos-down", created=created))
    after = _post(app, kit, body).get_json()
    assert after["OTRS_TicketPrioritySet"] == "5 very high"
    assert "repeat-incident: 2 earlier requests" in after["OTRS_TicketArticleAdd"]["Body"]
