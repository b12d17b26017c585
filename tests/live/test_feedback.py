"""Guest feedback against a real Znuny: the issue's walk, end to end.

The customer service admin (``cs-agent``, a Znuny agent) switches store 012's feedback page on
in the admin area and opens its poster; a shopper opens the address the poster's QR code
holds, sends feedback with a photo and an e-mail address, without an account, and keeps the
reference. Customer Service then has the ticket: its queue, the store, the shopper's e-mail
address as the customer (so Znuny's answers go to them), a customer-visible plain-text article
with the photo; the shopper's reply by e-mail follows the same ticket up. Needs a server of
``scripts/znuny-server`` (``ZNUNY_AGENT_PASSWORD``).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from radiant_ext.client import ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.portal import create_app
from radiant_ext.store import Outbox, OutboxState, make_engine, session_scope, upgrade_database
from tests._live import LiveServer, live_settings, need_env
from tests.live._mail import mail
from tests.live._portal import csrf_token, wait_for

pytestmark = pytest.mark.live

PUBLIC_URL = "https://help.example.com"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def feedback_settings(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data: Path = tmp_path_factory.mktemp("live-feedback")
    settings = live_settings(data, admin={"department_admins": {"customer-service": ["cs-agent"]}},
                             public_url=PUBLIC_URL)
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    return settings


@pytest.fixture(scope="module")
def feedback_portal(feedback_settings: Settings) -> Iterator[Flask]:
    app = create_app({"RADIANT_SETTINGS": feedback_settings, "TESTING": True,
                      "SECRET_KEY": "live-feedback", "PORTAL_SESSION_CHECK_SECONDS": 0})
    yield app
    app.extensions["radiant_portal"]["services"].close()


@pytest.fixture(scope="module")
def znuny_agent(feedback_settings: Settings) -> Iterator[ZnunyClient]:
    client = ZnunyClient.from_settings(feedback_settings)
    yield client
    client.close()


def _row(settings: Settings, reference: str) -> Outbox | None:
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            row = s.scalars(select(Outbox).where(Outbox.request_id == reference)).one()
            s.expunge(row)
            return row if row.state != OutboxState.SENDING else None
    finally:
        engine.dispose()


def test_a_shopper_at_store_012_files_feedback_that_customer_service_sees(
    server: LiveServer, feedback_portal: Flask, feedback_settings: Settings,
    znuny_agent: ZnunyClient, run_marker: str,
) -> None:
    password = need_env("ZNUNY_AGENT_PASSWORD")["ZNUNY_AGENT_PASSWORD"]
    admin = feedback_portal.test_client()
    html = admin.get("/admin/login").get_data(as_text=True)
    logged_in = admin.post("/admin/login", data={
        "csrf_token": csrf_token(html), "login": "cs-agent", "password": password,
        "next": "/admin/feedback"})
    assert logged_in.status_code == 302, logged_in.get_data(as_text=True)[-1000:]
    html = admin.get("/admin/feedback").get_data(as_text=True)
    assert "Store 012 Ufa Lenina" in html
    switched = admin.post("/admin/feedback", data={"csrf_token": csrf_token(html),
                                                   "store": "store-012", "enabled": "y"})
    assert switched.status_code == 302
    svg = admin.get("/feedback/store-012/poster.svg").get_data(as_text=True)
    scanned = re.search(r"https://help\.example\.com(/feedback/store-012)<", svg)
    assert scanned, "the poster shows the page's public address"

    shopper = feedback_portal.test_client()  # no login, another browser
    page = shopper.get(scanned.group(1))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    reference = re.search(r'name="reference" type="hidden" value="([^"]+)"', html)
    assert reference
    email = f"shopper.{run_marker}@example.com"
    sent = shopper.post(scanned.group(1), content_type="multipart/form-data", data={
        "csrf_token": csrf_token(html), "reference": reference.group(1), "contact": "email",
        "topic": "staff", "email": email, "order": "A-1042",
        "message": f"The milk shelf was empty at 9 am and nobody helped [{run_marker}].",
        "photo": (BytesIO(_png()), "shelf.png")})
    assert sent.status_code == 302, sent.get_data(as_text=True)[-1500:]
    thanks = shopper.get(sent.headers["Location"]).get_data(as_text=True)
    assert f"Your reference: {reference.group(1)}" in thanks

    row = wait_for("Znuny's answer to the feedback",
                   lambda: _row(feedback_settings, reference.group(1)), 60)
    assert row.state == OutboxState.SENT, row.last_error
    ticket = znuny_agent.ticket_get(row.ticket_id or 0, dynamic_fields=True, all_articles=True,
                                    attachments=True)
    assert ticket.queue == "Customer Service"
    assert ticket.type == "Feedback" and ticket.service == "Customer Service::Feedback"
    assert ticket.customer_user_id == email
    assert ticket.dynamic_fields.get("RadiantStore") == "store-012"
    assert ticket.dynamic_fields.get("RadiantCategory") == "customer-service.shopper-feedback"
    assert ticket.dynamic_fields.get("RadiantRequestID") == reference.group(1)
    article = ticket.articles[0]
    assert article.is_visible_for_customer and article.sender_type == "customer"
    assert article.content_type.startswith("text/plain")
    assert email in article.from_  # an agent's reply by e-mail goes to the shopper
    assert run_marker in article.body and "A-1042" in article.body
    assert "Topic: Staff" in article.body
    assert row.form_values is not None and row.form_values["topic"] == "staff"
    assert "shelf.png" in [a.filename for a in article.attachments]
    # nothing of it is readable without a login
    assert shopper.get(f"/requests/{ticket.ticket_id}").status_code == 302

    # the shopper's later reply by e-mail follows the ticket up in Znuny (no new ticket)
    server.postmaster(mail(email, f"Re: [Ticket#{ticket.ticket_number}] {ticket.title}",
                           f"Also the fridge door was open [{run_marker}-reply].",
                           f"{run_marker}-feedback-reply"))

    def replied() -> bool:
        articles = znuny_agent.ticket_get(ticket.ticket_id, all_articles=True).articles
        return any(f"{run_marker}-reply" in a.body and email in a.from_ for a in articles)

    wait_for("the shopper's e-mail on the ticket", replied, 60)
    assert znuny_agent.ticket_search(customer_user_login=email) == [ticket.ticket_id]
