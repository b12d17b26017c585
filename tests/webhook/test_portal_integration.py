"""The endpoint inside the real portal app (CSRF on, security headers, portal size limit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from radiant_ext.config import Settings
from radiant_ext.portal import create_app
from radiant_ext.store import make_engine
from radiant_ext.store.schema import upgrade_database
from radiant_ext.webhook import init_webhook


def test_the_portal_serves_the_webhook_with_one_line(tmp_path: Path, kit: Any) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40, znuny_user="radiant",
                        znuny_password="radiant-demo", webhook_user=kit.USER,
                        webhook_secret=kit.SECRET)
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    app = create_app(settings)  # registers the webhook itself, with the installed plugins
    client = app.test_client()
    mail = kit.load_recording("05-TicketCreate-email-postmaster.json")["request"]["body"]
    mail = {**mail, "Ticket": {**mail["Ticket"], "Title": "Cash register does not work",
                               "CustomerID": "store-012"}}
    routed = client.post("/-/znuny/webhook/ticket-create", json=mail, headers=kit.basic())
    assert routed.get_json()["otrs_TicketDynamicFieldSet_RadiantCategory"] == "it.pos-down"
    # Registering again replaces the router and keeps the one endpoint.
    init_webhook(app, settings=settings, router=kit.TicketRouter(kit.build_plugins()))
    assert app.config["WTF_CSRF_ENABLED"]
    body = kit.load_recording("05-TicketCreate-email-postmaster.json")["request"]["body"]
    response = client.post("/-/znuny/webhook/ticket-create", json=body, headers=kit.basic())
    assert response.status_code == 200
    assert response.get_json()["otrs_TicketDynamicFieldSet_RadiantCategory"] == "testdesk.scanner"
    refused = client.post("/-/znuny/webhook/ticket-create", json=body)
    assert refused.status_code == 401 and refused.is_json
    app.config["MAX_CONTENT_LENGTH"] = 100  # the portal's own limit is lower than ours
    too_big = client.post("/-/znuny/webhook/ticket-create", json=body, headers=kit.basic())
    assert too_big.status_code == 413 and "application's limit" in too_big.get_json()["error"]
