"""Guest feedback on a store's public page, with the real adapters against the sandbox Znuny.

A shopper without an account files feedback; Customer Service gets a ticket with the store and
the shopper's e-mail address as its customer, through the outbox (also while Znuny is down).
The abuse cases: per-address and per-store limits, the honeypot, photo size and type, HTML,
long text, missing CSRF token, and no way for a guest to read a ticket.
"""

from __future__ import annotations

import re
import struct
import time
import zlib
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from radiant_ext.client import AgentCredentials, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.portal import create_app
from radiant_ext.store import (
    Outbox,
    OutboxState,
    make_engine,
    recent_audit,
    session_scope,
    utcnow,
)
from radiant_ext.store.feedback import set_feedback_enabled
from radiant_ext.store.models import JobRunStatus
from radiant_ext.sync import JobContext, drain_outbox, run_job
from tests import _sandbox
from tests._sandbox import sandbox_settings

# the sandbox Znuny's fixtures (tests/_sandbox.py)
faults = _sandbox.faults
sandbox_dir = _sandbox.sandbox_dir
znuny = _sandbox.znuny

ADMIN = {"companion_admins": ["demo-agent"],
         "department_admins": {"customer-service": ["cs-agent"], "hr": ["hr-agent"]}}
PUBLIC_URL = "https://help.example.com"
GUEST = "feedback-guest@shop.example"


def png(extra: int = 0) -> bytes:
    """A real 1 × 1 PNG (``extra`` bytes of padding make it as large as a test needs)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    body = (chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + body + b"\x00" * extra


@pytest.fixture
def settings(znuny: str, sandbox_dir: Path, tmp_path: Path) -> Settings:
    return sandbox_settings(znuny, sandbox_dir, tmp_path, admin=ADMIN, public_url=PUBLIC_URL)


class Clock:
    """The limiter's clock (epoch seconds), moved by the tests."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_portal(settings: Settings, clock: Clock, **config: Any) -> Flask:
    return create_app({"RADIANT_SETTINGS": settings, "TESTING": True, "SECRET_KEY": "t",
                       "PORTAL_SESSION_CHECK_SECONDS": 0, "FEEDBACK_CLOCK": clock,
                       "PORTAL_FEEDBACK_GUEST_CUSTOMER": GUEST, **config})


@pytest.fixture
def portal(settings: Settings, clock: Clock) -> Iterator[Flask]:
    app = make_portal(settings, clock)
    yield app
    app.extensions["radiant_portal"]["services"].close()


@pytest.fixture
def agent(znuny: str) -> Iterator[ZnunyClient]:
    client = ZnunyClient(znuny, credentials=AgentCredentials("radiant", "radiant-demo"),
                         routes={"TicketSearchPOST": ("POST", "/Ticket/Search")})
    yield client
    client.close()


def enable(settings: Settings, *stores: str) -> None:
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        for store in stores:
            set_feedback_enabled(s, store, True, actor="test")
    engine.dispose()


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def form_of(client: FlaskClient, store: str) -> dict[str, str]:
    page = client.get(f"/feedback/{store}")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    ref = re.search(r'name="reference" type="hidden" value="([^"]+)"', html)
    assert ref
    return {"csrf_token": token(html), "reference": ref.group(1)}


def send(client: FlaskClient, store: str, *, photo: tuple[bytes, str] | None = None,
         **fields: str) -> Any:
    data: dict[str, Any] = {**form_of(client, store), "contact": "email", "topic": "staff",
                            "message": "The cashier was very kind and helped with my bags.",
                            "email": "olga.shopper@example.com", **fields}
    if photo is not None:
        data["photo"] = (BytesIO(photo[0]), photo[1])
    return client.post(f"/feedback/{store}", data=data, content_type="multipart/form-data")


def outbox_row(settings: Settings, reference: str, seconds: float = 20) -> Outbox:
    """The outbox row once its first attempt is over (sent, or back to pending)."""
    engine = make_engine(settings.effective_database_url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            with session_scope(engine) as s:
                row = s.scalars(select(Outbox).where(Outbox.request_id == reference)).one()
                s.expunge(row)
            if row.state != OutboxState.SENDING or time.monotonic() > deadline:
                return row
            time.sleep(0.05)
    finally:
        engine.dispose()


def reference_of(client: FlaskClient, response: Any) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    found = re.search(r"Your reference: (RQ-[A-Z0-9-]+)", page)
    assert found, page[-1500:]
    return found.group(1)


def outbox_count(settings: Settings) -> int:
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        count = len(s.scalars(select(Outbox.id)).all())
    engine.dispose()
    return count


# -- the walk of the issue ----------------------------------------------------------------------

def test_a_shopper_scans_the_poster_files_feedback_and_customer_service_has_the_ticket(
    portal: Flask, settings: Settings, agent: ZnunyClient,
) -> None:
    enable(settings, "store-012")
    guest = portal.test_client()

    poster = guest.get("/feedback/store-012/poster.svg")
    assert poster.status_code == 200 and poster.mimetype == "image/svg+xml"
    svg = poster.get_data(as_text=True)
    assert f"{PUBLIC_URL}/feedback/store-012" in svg and "Store 012 Ufa Lenina" in svg
    assert re.search(r'<path d="(M\d+ \d+h1v1h-1z){100,}"', svg), "a QR code is drawn"
    printable = guest.get("/feedback/store-012/poster").get_data(as_text=True)
    assert "/feedback/store-012/poster.svg" in printable and "RADIANT_PUBLIC_URL" not in printable

    response = send(guest, "store-012", photo=(png(), "shelf.png"), order="A-1042",
                    message="The shelf <b> with milk was empty at 9 am & nobody helped.")
    assert response.status_code == 400  # HTML is refused with a clear message
    assert "Please write plain text, without HTML." in response.get_data(as_text=True)

    response = send(guest, "store-012", photo=(png(), "shelf.png"), order="A-1042",
                    message="The shelf with milk was empty at 9 am & nobody helped. :-<")
    reference = reference_of(guest, response)
    confirmation = guest.get(response.headers["Location"]).get_data(as_text=True)
    assert "answers you by e-mail" in confirmation
    assert not re.search(r"has the number|/requests/\d+", confirmation)

    row = outbox_row(settings, reference)
    assert row.state == OutboxState.SENT, row.last_error
    ticket = agent.ticket_get(row.ticket_id or 0, dynamic_fields=True, all_articles=True,
                              attachments=True)
    assert ticket.queue == "Customer Service"
    assert ticket.type == "Feedback" and ticket.service == "Customer Service::Feedback"
    assert ticket.customer_user_id == "olga.shopper@example.com"
    assert ticket.customer_id == "shoppers"
    assert ticket.dynamic_fields["RadiantStore"] == "store-012"
    assert ticket.dynamic_fields["RadiantCategory"] == "customer-service.shopper-feedback"
    assert ticket.dynamic_fields["RadiantRequestID"] == reference
    article = ticket.articles[0]
    assert article.is_visible_for_customer and article.sender_type == "customer"
    assert article.content_type.startswith("text/plain")
    assert "nobody helped. :-<" in article.body and "A-1042" in article.body
    assert "Store 012 Ufa Lenina" in article.body
    assert "Topic: Staff" in article.body  # the chosen topic, as the shopper read it
    assert row.form_values is not None and row.form_values["topic"] == "staff"
    assert "olga.shopper@example.com" in article.from_
    assert [a.filename for a in article.attachments] == ["shelf.png"]

    # nothing of a ticket can be read without a login
    assert guest.get(f"/requests/{row.ticket_id}").status_code == 302
    assert guest.get("/requests").headers["Location"].startswith("/login")


def test_the_web_shop_has_its_page_and_its_tickets_carry_the_store_web(
    portal: Flask, settings: Settings, agent: ZnunyClient,
) -> None:
    enable(settings, "web")
    guest = portal.test_client()
    assert "Web shop" in guest.get("/feedback/web").get_data(as_text=True)
    reference = reference_of(guest, send(guest, "web", order="W-77310",
                                         message="My parcel came two days late, box torn."))
    row = outbox_row(settings, reference)
    ticket = agent.ticket_get(row.ticket_id or 0, dynamic_fields=True)
    assert ticket.dynamic_fields["RadiantStore"] == "web"
    assert ticket.queue == "Customer Service"


def test_anonymous_feedback_is_filed_for_the_configured_guest_customer(
    portal: Flask, settings: Settings, agent: ZnunyClient,
) -> None:
    enable(settings, "store-004")
    guest = portal.test_client()
    response = send(guest, "store-004", contact="none", email="",
                    message="Music in the store is far too loud.")
    row = outbox_row(settings, reference_of(guest, response))
    assert row.state == OutboxState.SENT, row.last_error
    ticket = agent.ticket_get(row.ticket_id or 0, all_articles=True)
    assert ticket.customer_user_id == GUEST
    assert "wants no answer" in ticket.articles[0].body

    response = send(guest, "store-004", contact="phone", email="", phone="+7 912 345-67-89",
                    message="Please call me about the broken kettle I bought.")
    row = outbox_row(settings, reference_of(guest, response))
    ticket = agent.ticket_get(row.ticket_id or 0, all_articles=True)
    assert ticket.customer_user_id == GUEST and "+7 912 345-67-89" in ticket.articles[0].body


def test_without_a_guest_customer_an_e_mail_address_is_required(
    settings: Settings, clock: Clock,
) -> None:
    enable(settings, "store-004")
    app = make_portal(settings, clock, PORTAL_FEEDBACK_GUEST_CUSTOMER=None)
    try:
        guest = app.test_client()
        html = guest.get("/feedback/store-004").get_data(as_text=True)
        assert "anonymous" not in html and 'name="phone"' not in html
        response = send(guest, "store-004", contact="none", email="")
        assert response.status_code == 400
        assert "Please give your e-mail address." in response.get_data(as_text=True)
        response = send(guest, "store-004", email="not-an-address")
        assert response.status_code == 400
        assert "Give your e-mail address" in response.get_data(as_text=True)
    finally:
        app.extensions["radiant_portal"]["services"].close()
    assert outbox_count(settings) == 0


# -- Znuny down ---------------------------------------------------------------------------------

def test_feedback_sent_while_znuny_is_down_waits_in_the_outbox_and_is_filed_once(
    portal: Flask, settings: Settings, agent: ZnunyClient, faults: Any,
) -> None:
    enable(settings, "store-012")
    guest = portal.test_client()
    data = form_of(guest, "store-012")
    faults("down")
    response = guest.post("/feedback/store-012", data={
        **data, "contact": "email", "topic": "store", "email": "late.shopper@example.com",
        "message": "Filed while the help desk is down: the door was locked at 10."})
    reference = reference_of(guest, response)
    row = outbox_row(settings, reference, seconds=30)
    assert row.state == OutboxState.PENDING and row.ticket_id is None
    faults("none")

    later = utcnow() + timedelta(hours=1)  # past the row's retry time
    context = JobContext.from_settings(settings, now=lambda: later)
    run = run_job(context, "outbox-drain", drain_outbox)
    assert run.status == JobRunStatus.OK, run.error
    found = agent.ticket_search(dynamic_fields={"RadiantRequestID": reference})
    assert len(found) == 1
    ticket = agent.ticket_get(found[0], dynamic_fields=True)
    assert ticket.customer_user_id == "late.shopper@example.com"
    assert ticket.dynamic_fields["RadiantStore"] == "store-012"
    again = run_job(context, "outbox-drain", drain_outbox)
    assert again.counts.get("sent", 0) == 0
    assert len(agent.ticket_search(dynamic_fields={"RadiantRequestID": reference})) == 1


# -- off unless enabled; the admin's switch ------------------------------------------------------

def test_a_store_whose_page_is_off_answers_404_with_a_plain_page(
    portal: Flask, settings: Settings,
) -> None:
    enable(settings, "store-004")
    guest = portal.test_client()
    data = form_of(guest, "store-004")
    for path in ("/feedback/store-012", "/feedback/store-012/poster.svg",
                 "/feedback/store-999", "/feedback/web"):
        response = guest.get(path)
        assert response.status_code == 404, path
        assert "does not take feedback" in response.get_data(as_text=True)
    assert guest.post("/feedback/store-012", data={**data, "message": "x"}).status_code == 404


def admin_client(portal: Flask, login: str) -> FlaskClient:
    client = portal.test_client()
    html = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={"login": login, "password": "demo",
                                                 "csrf_token": token(html),
                                                 "next": "/admin/feedback"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    return client


def test_the_customer_service_admin_switches_a_store_on_with_history(
    portal: Flask, settings: Settings,
) -> None:
    assert portal.test_client().get("/admin/feedback").headers["Location"].startswith(
        "/admin/login")
    hr = admin_client(portal, "hr-agent")
    refused = hr.get("/admin/feedback")
    assert refused.status_code == 403
    assert "not an admin of the department customer-service" in refused.get_data(as_text=True)

    cs = admin_client(portal, "cs-agent")
    html = cs.get("/admin/feedback").get_data(as_text=True)
    assert "Store 012 Ufa Lenina" in html and "Web shop" in html
    assert "Nobody has switched a feedback page yet" in html
    response = cs.post("/admin/feedback", data={"csrf_token": token(html),
                                                "store": "store-012", "enabled": "y"})
    assert response.status_code == 302
    assert portal.test_client().get("/feedback/store-012").status_code == 200
    html = cs.get("/admin/feedback").get_data(as_text=True)
    assert "cs-agent" in html and "Saved." in html
    # a forged switch of a store the directory does not know changes nothing
    cs.post("/admin/feedback", data={"csrf_token": token(html), "store": "store-999",
                                     "enabled": "y"})
    cs.post("/admin/feedback", data={"csrf_token": token(html), "store": "store-012"})
    assert portal.test_client().get("/feedback/store-012").status_code == 404
    assert cs.post("/admin/feedback", data={"store": "store-012", "enabled": "y"}
                   ).status_code == 400  # no CSRF token
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        actions = [(e.action, e.subject, e.actor) for e in recent_audit(s)
                   if e.action.startswith("feedback.")]
    engine.dispose()
    assert actions == [("feedback.disable", "store-012", "cs-agent"),
                       ("feedback.enable", "store-012", "cs-agent")]


# -- abuse --------------------------------------------------------------------------------------

def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_one_address_is_limited_and_told_so_until_the_window_has_passed(
    settings: Settings, clock: Clock,
) -> None:
    enable(settings, "store-012", "store-004")
    app = make_portal(settings, clock, PORTAL_FEEDBACK_PER_ADDRESS=2,
                      PORTAL_FEEDBACK_WINDOW_SECONDS=600)
    try:
        guest = app.test_client()
        for store in ("store-012", "store-004"):
            assert send(guest, store).status_code == 302
        refused = send(guest, "store-012")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "600"
        assert "You have sent a lot of feedback in a short time" in refused.get_data(
            as_text=True)
        other = client_at(app, "10.1.2.3")  # another shopper
        assert send(other, "store-012").status_code == 302
        clock.now += 601
        assert send(guest, "store-012").status_code == 302
    finally:
        app.extensions["radiant_portal"]["services"].close()


def test_one_store_is_limited_whatever_the_addresses(settings: Settings, clock: Clock) -> None:
    enable(settings, "store-012", "store-004")
    app = make_portal(settings, clock, PORTAL_FEEDBACK_PER_STORE=2)
    try:
        for number in range(2):
            guest = client_at(app, f"10.0.0.{number + 1}")
            assert send(guest, "store-012").status_code == 302
        guest = client_at(app, "10.0.0.9")
        refused = send(guest, "store-012")
        assert refused.status_code == 429
        assert "This page has received a lot of feedback" in refused.get_data(as_text=True)
        assert send(guest, "store-004").status_code == 302  # another store's page is open
    finally:
        app.extensions["radiant_portal"]["services"].close()


def test_the_honeypot_refuses_robots_and_files_nothing(portal: Flask, settings: Settings) -> None:
    enable(settings, "store-012")
    guest = portal.test_client()
    html = guest.get("/feedback/store-012").get_data(as_text=True)
    assert 'name="nickname"' in html and 'tabindex="-1"' in html
    response = send(guest, "store-012", nickname="Best casino bonus")
    assert response.status_code == 400
    assert "could not be accepted" in response.get_data(as_text=True)
    assert outbox_count(settings) == 0


@pytest.mark.parametrize(("photo", "message"), [
    ((png(extra=300_000), "big.png"), "The photo is larger than"),
    ((b"GIF89a" + b"\x00" * 40, "cat.gif"), "this type of file is not accepted"),
    ((b"<?php echo 1; ?>", "photo.jpg"), "is not a JPEG, PNG or WebP photo"),
    ((b"", "empty.png"), "is empty"),
])
def test_a_photo_too_large_or_of_another_type_is_refused(
    settings: Settings, clock: Clock, photo: tuple[bytes, str], message: str,
) -> None:
    enable(settings, "store-012")
    app = make_portal(settings, clock, PORTAL_FEEDBACK_PHOTO_BYTES=200_000)
    try:
        response = send(app.test_client(), "store-012", photo=photo)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    finally:
        app.extensions["radiant_portal"]["services"].close()
    assert outbox_count(settings) == 0


def test_text_too_long_too_short_or_without_csrf_is_refused(
    settings: Settings, clock: Clock,
) -> None:
    enable(settings, "store-012")
    app = make_portal(settings, clock, PORTAL_FEEDBACK_MAX_CHARS=100)
    try:
        guest = app.test_client()
        response = send(guest, "store-012", message="x" * 101)
        assert response.status_code == 400
        assert "Please keep it to 100 characters (now 101)." in response.get_data(
            as_text=True)
        response = send(guest, "store-012", message="bad")
        assert "at least 10 characters" in response.get_data(as_text=True)
        data = form_of(guest, "store-012")
        response = guest.post("/feedback/store-012", data={
            "reference": data["reference"], "contact": "email", "email": "a@example.com",
            "message": "No token in this form at all."})
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and "The form has expired. Please reload" in text
        assert "Feedback not accepted" in text  # the guest's own page, not the portal's
        # a reference this browser was never given is not accepted
        response = guest.post("/feedback/store-012", data={
            **form_of(guest, "store-012"), "reference": "RQ-20260101-FORGED01",
            "contact": "email", "topic": "other", "email": "a@example.com",
            "message": "A forged reference."})
        assert response.status_code == 400 and "This form has expired" in response.get_data(
            as_text=True)
    finally:
        app.extensions["radiant_portal"]["services"].close()
    assert outbox_count(settings) == 0


def test_an_upload_larger_than_the_portal_takes_is_refused_plainly(
    settings: Settings, clock: Clock,
) -> None:
    enable(settings, "store-012")
    app = make_portal(settings, clock, PORTAL_MAX_ATTACHMENT_BYTES=1000,
                      PORTAL_MAX_ATTACHMENTS=1)
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    try:
        response = send(app.test_client(), "store-012", photo=(png(extra=60_000), "big.png"))
        assert response.status_code == 413
        assert "The photo is too large" in response.get_data(as_text=True)
    finally:
        app.extensions["radiant_portal"]["services"].close()
    assert outbox_count(settings) == 0


def test_the_poster_points_at_the_public_address_with_its_path(
    settings: Settings, clock: Clock,
) -> None:
    enable(settings, "web")
    app = make_portal(settings.model_copy(update={"public_url": "https://shop.example/help/"}),
                      clock)
    try:
        svg = app.test_client().get("/feedback/web/poster.svg?download=1")
        assert "https://shop.example/help/feedback/web<" in svg.get_data(as_text=True)
        assert svg.headers["Content-Disposition"] == 'attachment; filename="poster-web.svg"'
    finally:
        app.extensions["radiant_portal"]["services"].close()


def test_the_page_speaks_russian(portal: Flask, settings: Settings) -> None:
    enable(settings, "store-012")
    guest = portal.test_client()
    html = guest.get("/feedback/store-012", headers={"Accept-Language": "ru"}).get_data(
        as_text=True)
    assert 'lang="ru"' in html and "Как мы справились?" in html and "Что случилось?" in html
    svg = guest.get("/feedback/store-012/poster.svg",
                    headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Как мы справились?" in svg


@pytest.mark.parametrize(("topic", "error"), [
    (None, "Choose what your feedback is about."),
    ("", "Choose what your feedback is about."),
    ("weather", "Choose one of the listed topics."),
])
def test_feedback_without_a_listed_topic_is_refused_and_files_nothing(
    portal: Flask, settings: Settings, topic: str | None, error: str,
) -> None:
    enable(settings, "store-012")
    guest = portal.test_client()
    data: dict[str, Any] = {**form_of(guest, "store-012"), "contact": "email",
                            "message": "The cashier was very kind and helped with my bags.",
                            "email": "olga.shopper@example.com"}
    if topic is not None:
        data["topic"] = topic
    response = guest.post("/feedback/store-012", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error in html and "Please correct the marked fields." in html
    assert "The cashier was very kind" in html  # what was written is kept
    assert outbox_count(settings) == 0


def test_each_topic_is_offered_in_the_shoppers_language_and_reaches_the_ticket_text(
    portal: Flask, settings: Settings, agent: ZnunyClient,
) -> None:
    enable(settings, "store-012")
    guest = portal.test_client()
    html = guest.get("/feedback/store-012").get_data(as_text=True)
    offered = re.findall(r'<option value="([a-z]*)"', html)
    assert offered == ["", "product", "staff", "store", "prices", "delivery", "praise", "other"]
    assert "Store (cleanliness, queues)" in html and "What is it about?" in html
    russian = guest.get("/feedback/store-012", headers={"Accept-Language": "ru"}).get_data(
        as_text=True)
    assert "О чём ваш отзыв?" in russian and "Цены и оплата" in russian

    response = send(guest, "store-012", topic="prices",
                    message="The price on the shelf was lower than at the checkout.")
    row = outbox_row(settings, reference_of(guest, response))
    assert row.state == OutboxState.SENT, row.last_error
    assert row.form_values is not None and row.form_values["topic"] == "prices"
    ticket = agent.ticket_get(row.ticket_id or 0, all_articles=True)
    assert "Topic: Prices and payment" in ticket.articles[0].body
