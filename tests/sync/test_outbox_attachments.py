"""Attachment bodies stay in the outbox until the ticket is filed, and not a moment longer."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, select, text

from radiant_ext.client.models import NewArticle, NewAttachment, NewTicket
from radiant_ext.store import Outbox, session_scope, upgrade_database
from radiant_ext.store.schema import downgrade_database
from radiant_ext.sync import JobContext, RetryPolicy, drain_outbox, requeue_parked, submit_request

PHOTO = bytes(range(256)) * 4096  # 1 MiB: a photo of the broken till


class RecordingZnuny:
    """The fake Znuny, keeping the attachment bytes each ``TicketCreate`` carried."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.received: list[list[bytes]] = []

    def ticket_create(self, *args: Any, **kwargs: Any) -> Any:
        self.inner.calls.append("TicketCreate")
        if self.inner.mode == "up":
            self.received.append([a.content for a in kwargs.get("attachments") or ()])
        self.inner.calls.pop()
        return self.inner.ticket_create(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _submit(engine: Engine, client: Any, request_id: str) -> Any:
    return submit_request(
        engine, client, request_id=request_id,
        ticket=NewTicket(title="Till 2 down", queue="IT::Stores", state="new",
                         priority="4 high", customer_user="demo-customer"),
        article=NewArticle(subject="Till 2 down", body="See the photo",
                           content_type="text/plain; charset=utf-8"),
        attachments=[NewAttachment.from_bytes(PHOTO, "till.jpg", "image/jpeg")],
        retry=RetryPolicy.backing_off(0.01, 0.05))


def _attachments(engine: Engine, request_id: str) -> list[dict[str, Any]]:
    with session_scope(engine) as s:
        row = s.scalar(select(Outbox).where(Outbox.request_id == request_id))
        assert row is not None
        return list(row.payload["attachments"])


def _row_bytes(engine: Engine, request_id: str) -> int:
    with engine.connect() as conn:
        payload = conn.execute(text("SELECT payload FROM outbox WHERE request_id = :r"),
                               {"r": request_id}).scalar_one()
    return len(payload if isinstance(payload, str) else json.dumps(payload))


def test_a_filed_request_keeps_the_attachments_name_type_and_size_not_the_bytes(
        engine: Engine, znuny: Any) -> None:
    client = RecordingZnuny(znuny)
    assert _submit(engine, client, "RQ-PHOTO").state == "sent"
    assert client.received == [[PHOTO]]
    assert _attachments(engine, "RQ-PHOTO") == [
        {"Filename": "till.jpg", "ContentType": "image/jpeg", "Size": len(PHOTO)}]
    assert _row_bytes(engine, "RQ-PHOTO") < 2_000  # was 1.4 MB of base64


def test_the_bytes_stay_until_a_retry_has_filed_the_request(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    client = RecordingZnuny(znuny)
    znuny.mode = "down"
    assert _submit(engine, client, "RQ-RETRY").state == "pending"
    kept = _attachments(engine, "RQ-RETRY")
    assert base64.b64decode(kept[0]["Content"]) == PHOTO  # the retry needs them
    znuny.mode = "up"
    time.sleep(0.06)
    counts = drain_outbox(make_ctx(client_factory=lambda: client))
    assert counts["sent"] == 1
    assert client.received == [[PHOTO]]  # the retry sent the whole photo
    assert _attachments(engine, "RQ-RETRY") == [
        {"Filename": "till.jpg", "ContentType": "image/jpeg", "Size": len(PHOTO)}]


def test_a_parked_request_keeps_its_bytes_for_the_admins_resend(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    client = RecordingZnuny(znuny)
    znuny.mode = "reject"
    assert _submit(engine, client, "RQ-PARK").state == "parked"
    assert base64.b64decode(_attachments(engine, "RQ-PARK")[0]["Content"]) == PHOTO
    znuny.mode = "up"
    with session_scope(engine) as s:
        requeue_parked(s, "RQ-PARK", actor="admin")
    time.sleep(0.06)
    assert drain_outbox(make_ctx(client_factory=lambda: client))["sent"] == 1
    assert client.received == [[PHOTO]]
    assert "Content" not in _attachments(engine, "RQ-PARK")[0]


def test_upgrading_the_store_drops_the_bytes_of_requests_filed_before(
        engine: Engine, znuny: Any) -> None:
    content = base64.b64encode(PHOTO).decode()
    downgrade_database(engine, "0004")
    outbox = sa.table("outbox", *(sa.column(name) for name in (
        "request_id", "state", "customer_user", "title", "attempts", "maybe_sent")),
        sa.column("payload", sa.JSON()), sa.column("next_attempt_at", sa.DateTime()),
        sa.column("created_at", sa.DateTime()))
    when = datetime(2026, 12, 1, 9, 0)
    with engine.begin() as conn:
        for rid, state in (("RQ-OLD-SENT", "sent"), ("RQ-OLD-PENDING", "pending")):
            conn.execute(sa.insert(outbox).values(
                request_id=rid, state=state, customer_user="demo-customer", title="t",
                attempts=1, maybe_sent=False, next_attempt_at=when, created_at=when,
                payload={"ticket": {}, "attachments": [
                    {"Filename": "till.jpg", "ContentType": "image/jpeg", "Content": content}]}))
    upgrade_database(engine)
    assert _attachments(engine, "RQ-OLD-SENT") == [
        {"Filename": "till.jpg", "ContentType": "image/jpeg", "Size": len(PHOTO)}]
    assert _attachments(engine, "RQ-OLD-PENDING")[0]["Content"] == content
