"""The demo loop: an e-mail to the retail sandbox becomes a routed ticket through the portal's
webhook endpoint, within the PostMaster run itself — no sync job is running."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from werkzeug.serving import make_server

from radiant_ext.client import AgentCredentials, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.portal import create_app as portal_app
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext_sandbox import InvokerConfig, SandboxServer, create_app, serve_in_thread

SECRET = "demo-hook-secret"


@pytest.fixture
def retail(tmp_path: Path) -> Iterator[SandboxServer]:
    srv = serve_in_thread(create_app(tmp_path / "sandbox", seed="retail", test_controls=True))
    yield srv
    srv.stop()


@pytest.fixture
def portal_url(tmp_path: Path, retail: SandboxServer) -> Iterator[str]:
    """The portal app (with its webhook endpoint) on 127.0.0.1, as the demo builds it."""
    settings = Settings(
        catalog_dirs=[tmp_path / "sandbox" / "stores"],  # the retail world's store directory
        data_dir=tmp_path / "portal",
        database_url="",
        secret_key="k" * 40,
        znuny_url=retail.url,
        znuny_user="radiant",
        znuny_password="radiant-demo",
        webhook_user="znuny",
        webhook_secret=SECRET,
    )
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    app = portal_app({"RADIANT_SETTINGS": settings, "PORTAL_DEMO": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["radiant_portal"]["services"].close()


def test_a_cash_register_mail_is_routed_within_a_second(
    retail: SandboxServer, portal_url: str
) -> None:
    retail.app.set_invoker(
        InvokerConfig(
            url=f"{portal_url}/-/znuny/webhook/ticket-create",
            user="znuny",
            password=SECRET,
            timeout=5,
            events=frozenset({"TicketCreate", "ArticleCreate", "TicketStateUpdate"}),
        )
    )
    # Friday 16:00 in Moscow: 2 business hours left this week
    requests.post(retail.url + "/__sandbox__/clock", json={"Now": "2026-11-27 13:00:00"})
    # an earlier mail warms both sides up (the portal builds its router on the first call)
    requests.post(
        retail.url + "/__sandbox__/mail",
        json={
            "From": "office-anna@retail.example",
            "Subject": "Hello",
            "Body": "Just saying hello.",
        },
    )
    requests.delete(retail.url + "/__sandbox__/invoker")  # forget its calls
    started = time.perf_counter()
    created = requests.post(
        retail.url + "/__sandbox__/mail",
        json={
            "From": "Fyodor Flagmanov <flagship-clerk@retail.example>",
            "Subject": "Cash register in store 001 does not work",
            "Body": "The cash register in store 001 does not work since the morning.",
        },
    ).json()
    elapsed = time.perf_counter() - started
    print(f"mail to routed ticket: {elapsed:.3f} s")
    assert elapsed < 1.0, elapsed

    client = ZnunyClient(retail.url, credentials=AgentCredentials("radiant", "radiant-demo"))
    try:
        ticket = client.ticket_get(created["TicketID"], all_articles=True, dynamic_fields=True)
    finally:
        client.close()
    assert ticket.dynamic_fields["RadiantCategory"] == "it.pos-down"
    assert ticket.dynamic_fields["RadiantStore"] == "store-001"
    assert (ticket.queue, ticket.type, ticket.service, ticket.sla) == (
        "IT::Stores",
        "Incident",
        "IT::Cash register",
        "POS critical",
    )
    assert ticket.priority == "5 very high"  # 4 high, raised for a flagship store
    assert ticket.owner in ("it-agent", "demo-agent")
    deadline = datetime.strptime(
        str(ticket.dynamic_fields["RadiantDeadline"]), "%Y-%m-%d %H:%M:%S"
    ).replace(tzinfo=UTC)
    # 4 business hours from Friday 16:00 Moscow time in the flagship's trading hours (every
    # day until 22:00): Friday 20:00 (the fake clock runs on from 13:00:00 UTC, so allow the
    # seconds it ran)
    moscow = ZoneInfo("Europe/Moscow")
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=moscow)
    assert ticket.created is not None and friday <= ticket.created < friday + timedelta(minutes=1)
    assert deadline == datetime(2026, 11, 27, 20, 0, tzinfo=moscow) + (ticket.created - friday)
    assert ticket.escalation_solution_time is not None  # the SLA's escalation runs
    note = ticket.articles[-1]
    assert note.subject == "Routed by Radiant: it.pos-down" and not note.is_visible_for_customer

    calls = requests.get(retail.url + "/__sandbox__/invoker").json()["Calls"]
    events = [(c["Event"], c["Depth"], bool(c["Applied"])) for c in calls]
    # the note's ArticleCreate (nested) and the mail's ArticleCreate get empty answers: no loop
    assert events == [
        ("TicketCreate", 1, True),
        ("ArticleCreate", 2, False),
        ("ArticleCreate", 1, False),
    ]
    assert all(c["Status"] == 200 and c["Failed"] is None for c in calls)


def test_a_wrong_secret_leaves_the_ticket_unrouted_but_created(
    retail: SandboxServer, portal_url: str
) -> None:
    retail.app.set_invoker(
        InvokerConfig(
            url=f"{portal_url}/-/znuny/webhook/ticket-create",
            user="znuny",
            password="wrong",
            timeout=5,
        )
    )
    created: dict[str, Any] = requests.post(
        retail.url + "/__sandbox__/mail",
        json={"From": "flagship-clerk@retail.example", "Subject": "Till is down", "Body": "Till 3"},
    ).json()
    calls = requests.get(retail.url + "/__sandbox__/invoker").json()["Calls"]
    assert calls[-1]["Status"] == 401 and calls[-1]["Error"] == "Response code '401'."
    client = ZnunyClient(retail.url, credentials=AgentCredentials("radiant", "radiant-demo"))
    try:
        ticket = client.ticket_get(created["TicketID"], dynamic_fields=True)
    finally:
        client.close()
    assert ticket.queue == "Postmaster" and not ticket.dynamic_fields["RadiantCategory"]
