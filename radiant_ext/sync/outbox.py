"""The outbox: a request is written to the store first, then sent; it is never lost.

:func:`submit_request` (called by the portal) stores the request with its idempotency key,
then tries ``TicketCreate`` once. :func:`drain_outbox` (the ``outbox-drain`` job) sends what
is still pending, with exponential backoff; before re-sending a request whose earlier attempt
may have reached Znuny it looks the key up (:mod:`radiant_ext.sync.lookup`), so a retry never
makes a duplicate. A request Znuny rejects for good is parked with the reason for an admin.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import (
    DynamicFieldValue,
    NewArticle,
    NewAttachment,
    NewTicket,
    RetryPolicy,
)
from radiant_ext.client.errors import (
    InvalidRequestError,
    NoResponseError,
    NotFoundError,
    OperationError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ZnunyConnectionError,
    ZnunyError,
    ZnunyTimeoutError,
)
from radiant_ext.store import (
    Outbox,
    OutboxState,
    StateSeen,
    TicketCache,
    follow_states,
    make_session_factory,
    record_audit,
    utcnow,
)
from radiant_ext.sync.errors import ReferenceTakenError
from radiant_ext.sync.lookup import REQUEST_ID_FIELD, LookupQuery, find_existing_tickets
from radiant_ext.sync.ports import HelpDesk

__all__ = [
    "HEARTBEAT_SECONDS",
    "DEFAULT_RETRY",
    "RetryPolicy",
    "SubmitResult",
    "build_payload",
    "heartbeat",
    "is_permanent",
    "may_have_reached_znuny",
    "new_request_id",
    "store_request",
    "submit_request",
    "without_attachment_bodies",
]

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
"""How often a sender refreshes ``heartbeat_at`` of the rows it is sending (the drain takes
over a row whose heartbeat is older than its stale limit, docs/sync.md)."""
HOLD_SECONDS = 900.0
"""Longest a stored request waits for its first attempt with its heartbeat kept fresh."""

PERMANENT_ERRORS: tuple[type[ZnunyError], ...] = (
    InvalidRequestError,
    PermissionDeniedError,
    NotFoundError,
    PayloadTooLargeError,
)
"""Znuny's answers that no retry can change: the request is parked for an admin."""


def new_request_id(now: datetime | None = None) -> str:
    """Return a fresh request reference such as ``RQ-20261123-7KQ2M9XA``."""
    day = (now or utcnow()).strftime("%Y%m%d")
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone
    return f"RQ-{day}-{''.join(secrets.choice(alphabet) for _ in range(8))}"


def may_have_reached_znuny(exc: BaseException) -> bool:
    """Whether a failed ``TicketCreate`` may still have created the ticket.

    Znuny answering with an operation error created nothing; a connection that never opened
    (the client marks it ``maybe_committed = False``) sent nothing. Anything else — a read
    timeout, a dropped connection, a 5xx, an unreadable answer — may have.
    """
    if isinstance(exc, OperationError):
        return False
    # Only the client's own verdict on this very error counts (set per instance by its
    # transport); when nobody knows, assume the worst and look the key up before resending.
    return bool(vars(exc).get("maybe_committed", True))


def is_permanent(exc: BaseException) -> bool:
    """Whether Znuny rejected the request for good (retrying cannot help)."""
    return isinstance(exc, PERMANENT_ERRORS)


DEFAULT_RETRY = RetryPolicy.backing_off(15.0, 1800.0)
"""Pauses between delivery attempts: 15 s, doubled up to 30 min (``RADIANT_OUTBOX_RETRY_*``)."""

_UNREACHABLE = (ZnunyConnectionError, NoResponseError, ZnunyTimeoutError)
"""Failures where Znuny gave no answer (recorded as ``"<class>: <message>"``); with the row
not ``maybe_sent`` they mean the request never reached Znuny."""


@dataclass(frozen=True)
class SubmitResult:
    """What the portal tells the requester: filed (with the number), pending, or parked."""

    request_id: str
    state: str
    ticket_id: int | None = None
    ticket_number: str | None = None
    error: str | None = None
    unreachable: bool = False
    """The attempt failed because Znuny could not be reached (no answer at all)."""

    @classmethod
    def of(cls, row: Outbox, unreachable: bool | None = None) -> SubmitResult:
        """Describe an outbox row (``unreachable``: by default, from its last error)."""
        if unreachable is None:
            unreachable = (row.state == OutboxState.PENDING and not row.maybe_sent
                           and (row.last_error or "").startswith(
                               tuple(f"{c.__name__}:" for c in _UNREACHABLE)))
        return cls(row.request_id, row.state.value, row.ticket_id, row.ticket_number,
                   row.last_error, unreachable)


class _Heartbeat:
    """One thread per process refreshes ``heartbeat_at`` of every row a sender holds.

    A row is held from the moment :func:`store_request` claims it until :func:`attempt` has
    recorded its outcome — also while it waits for a free sender thread — and while the drain
    sends it. The thread runs only while some row is held; a process that dies stops it, so
    the row's heartbeat ages and the drain takes the row over (:mod:`radiant_ext.sync.drain`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[int, tuple[sessionmaker[Session], int, datetime | None, float]] = {}
        self._held: dict[tuple[int, int], tuple[int, datetime | None]] = {}
        self._next = 0
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def _add(self, sessions: sessionmaker[Session], row_id: int, claimed_at: datetime | None,
             until: float) -> int:
        with self._lock:
            self._next += 1
            token = self._next
            self._rows[token] = (sessions, row_id, claimed_at, until)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="radiant-outbox-heartbeat",
                                                daemon=True)
                self._thread.start()
            return token

    def _remove(self, token: int) -> None:
        with self._lock:
            self._rows.pop(token, None)
            if not self._rows:
                self._wake.set()  # nothing left to beat for: the thread ends

    @contextmanager
    def beating(self, sessions: sessionmaker[Session], row_id: int,
                claimed_at: datetime | None) -> Iterator[None]:
        token = self._add(sessions, row_id, claimed_at, math.inf)
        try:
            yield
        finally:
            self._remove(token)

    def hold(self, sessions: sessionmaker[Session], row_id: int, claimed_at: datetime) -> None:
        """Beat for a row just claimed by :func:`store_request` until :meth:`release`
        (at most :data:`HOLD_SECONDS`: a row nobody attempts is left to the drain)."""
        token = self._add(sessions, row_id, claimed_at, time.monotonic() + HOLD_SECONDS)
        with self._lock:
            self._held[(id(sessions), row_id)] = (token, claimed_at)

    def release(self, sessions: sessionmaker[Session], row_id: int) -> tuple[bool, datetime | None]:
        """End the hold; return whether there was one and the claim it was made with."""
        with self._lock:
            held = self._held.pop((id(sessions), row_id), None)
        if held is None:
            return False, None
        self._remove(held[0])
        return True, held[1]

    def _run(self) -> None:
        while True:
            woke = self._wake.wait(HEARTBEAT_SECONDS)
            now = time.monotonic()
            with self._lock:
                if woke:
                    self._wake.clear()
                for token in [t for t, row in self._rows.items() if row[3] <= now]:
                    del self._rows[token]  # held too long: the drain may take the row over
                rows = list(self._rows.values())
                if not rows:
                    self._thread = None
                    return
                if woke:
                    continue  # a sender came back before the thread ended: beat on time
            for sessions, row_id, claimed_at, _until in rows:
                try:
                    _beat(sessions, row_id, claimed_at)
                except Exception as exc:  # noqa: BLE001 - the next beat tries again
                    log.warning("outbox heartbeat of row %s failed: %s", row_id, exc)


def _beat(sessions: sessionmaker[Session], row_id: int, claimed_at: datetime | None) -> None:
    conditions = [Outbox.id == row_id, Outbox.state == OutboxState.SENDING]
    if claimed_at is not None:
        conditions.append(Outbox.claimed_at == claimed_at)
    with sessions.begin() as s:
        s.execute(update(Outbox).where(*conditions).values(heartbeat_at=utcnow())
                  .execution_options(synchronize_session=False))


_HEARTBEAT = _Heartbeat()


def heartbeat(sessions: sessionmaker[Session], row_id: int,
              claimed_at: datetime | None = None) -> Any:
    """Context manager: keep the row's heartbeat fresh while the caller sends it."""
    return _HEARTBEAT.beating(sessions, row_id, claimed_at)


def without_attachment_bodies(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload with each attachment's ``Content`` replaced by its ``Size`` in bytes.

    Name, content type and disposition stay for the record; the bytes are Znuny's once the
    ticket is filed.
    """
    kept = []
    for item in payload.get("attachments") or ():
        if isinstance(item, Mapping) and "Content" in item:
            slim = {k: v for k, v in item.items() if k != "Content"}
            try:
                slim["Size"] = len(base64.b64decode(item["Content"] or ""))
            except (binascii.Error, TypeError, ValueError):
                slim["Size"] = None
            kept.append(slim)
        else:
            kept.append(item)
    return {**payload, "attachments": kept}


DynamicFields = Mapping[str, object] | Sequence[DynamicFieldValue]
"""Dynamic fields to set at creation: ``{name: value}`` or the client's field values."""


def build_payload(ticket: NewTicket, article: NewArticle | None = None,
                  dynamic_fields: DynamicFields = (),
                  attachments: Sequence[NewAttachment] = ()) -> dict[str, Any]:
    """Serialise the client's outbound models to the outbox's JSON payload."""
    if isinstance(dynamic_fields, Mapping):
        fields = dict(dynamic_fields)
    else:
        fields = {f.name: f.value for f in dynamic_fields}
    return {
        "ticket": ticket.to_znuny(),
        "article": article.to_znuny() if article is not None else None,
        "dynamic_fields": fields,
        "attachments": [a.to_znuny() for a in attachments],
    }


def _factory(source: Engine | sessionmaker[Session]) -> sessionmaker[Session]:
    return make_session_factory(source) if isinstance(source, Engine) else source


def submit_request(source: Engine | sessionmaker[Session], client: HelpDesk, *, request_id: str,
                   ticket: NewTicket, article: NewArticle | None = None,
                   dynamic_fields: DynamicFields = (),
                   attachments: Sequence[NewAttachment] = (), category: str | None = None,
                   promised_deadline: datetime | None = None,
                   retry: RetryPolicy | None = None,
                   form_values: Mapping[str, Any] | None = None) -> SubmitResult:
    """Store the request in the outbox, then try ``TicketCreate`` once.

    Submitting the same ``request_id`` again (a double click) returns the first request's
    state and sends nothing.

    :param source: the store (engine or session factory).
    :param client: a :class:`radiant_ext.client.ZnunyClient` with agent credentials.
    :param request_id: the idempotency key (:func:`new_request_id`); it is also written to
        the ``RadiantRequestID`` dynamic field.
    :param ticket: a :class:`radiant_ext.client.NewTicket`.
    :param article: the first article (:class:`radiant_ext.client.NewArticle`).
    :param dynamic_fields: ``{name: value}`` (``Radiant*`` fields from the routing decision).
    :param attachments: :class:`radiant_ext.client.NewAttachment` objects.
    :param category: catalog item id, shown in lists while the request is pending.
    :param promised_deadline: the deadline promised to the requester.
    :param form_values: the request form's values by field id (kept for the reports: the
        ticket pull copies them into the ticket cache).
    :returns: ``sent`` with the ticket number, ``pending`` (the sync job delivers it) or
        ``parked`` (Znuny rejected it; an admin sees why).
    """
    sessions = _factory(source)
    stored = store_request(sessions, request_id=request_id, ticket=ticket, article=article,
                           dynamic_fields=dynamic_fields, attachments=attachments,
                           category=category, promised_deadline=promised_deadline,
                           form_values=form_values)
    if isinstance(stored, SubmitResult):
        return stored
    return attempt(sessions, client, stored, retry or DEFAULT_RETRY, lookup_first=False)


def store_request(sessions: sessionmaker[Session], *, request_id: str, ticket: NewTicket,
                  article: NewArticle | None = None, dynamic_fields: DynamicFields = (),
                  attachments: Sequence[NewAttachment] = (), category: str | None = None,
                  promised_deadline: datetime | None = None,
                  form_values: Mapping[str, Any] | None = None) -> int | SubmitResult:
    """Write a new request to the outbox, claimed (``sending``) by the caller.

    :returns: the new row's id, for :func:`attempt`; or the :class:`SubmitResult` of the
        same customer's request already stored under ``request_id`` (nothing to send then).
    :raises radiant_ext.sync.errors.ReferenceTakenError: ``request_id`` belongs to another
        customer's request (nothing of it is told, nothing is stored).
    """
    payload = build_payload(ticket, article, dynamic_fields, attachments)
    payload["dynamic_fields"][REQUEST_ID_FIELD] = request_id
    now = utcnow()
    row = Outbox(request_id=request_id, state=OutboxState.SENDING, payload=payload,
                 customer_user=payload["ticket"]["CustomerUser"],
                 customer_id=payload["ticket"].get("CustomerID") or None,
                 title=payload["ticket"]["Title"][:255], category=category,
                 promised_deadline=promised_deadline, claimed_at=now, heartbeat_at=now,
                 form_values=dict(form_values) if form_values else None)
    try:
        with sessions.begin() as s:
            existing = s.scalar(select(Outbox).where(Outbox.request_id == request_id))
            if existing is not None:
                return _same_customer(existing, row.customer_user)
            row.ticket_id_floor = ticket_id_floor(s)
            s.add(row)
            s.flush()
            row_id = row.id
        # The caller's attempt may wait for a sender thread: the row is this process's until
        # then, so its heartbeat is kept fresh (attempt() ends the hold).
        _HEARTBEAT.hold(sessions, row_id, now)
        return row_id
    except IntegrityError:  # the same key submitted at the same moment by another worker
        with sessions() as s:
            return _same_customer(s.scalars(
                select(Outbox).where(Outbox.request_id == request_id)).one(), row.customer_user)


def _same_customer(existing: Outbox, customer_user: str) -> SubmitResult:
    if existing.customer_user.casefold() != customer_user.casefold():
        raise ReferenceTakenError("this request reference belongs to another request")
    return SubmitResult.of(existing)


def ticket_id_floor(session: Session) -> int:
    """The highest Znuny ticket id the store knows (0 when none).

    Every id in the store was read from Znuny after Znuny committed that ticket, and Znuny
    numbers tickets from one increasing sequence, so a ticket that a request not yet sent
    will make has a larger id: the duplicate check looks only above it.
    """
    filed = session.scalar(select(func.max(Outbox.ticket_id))) or 0
    cached = session.scalar(select(func.max(TicketCache.ticket_id))) or 0
    return int(max(filed, cached))


def _send(client: HelpDesk, payload: Mapping[str, Any]) -> tuple[int, str]:
    from radiant_ext.client.models import NewArticle, NewAttachment, NewTicket

    article = payload.get("article")
    created = client.ticket_create(
        NewTicket.model_validate(payload["ticket"]),
        NewArticle.model_validate(article) if article else None,
        dynamic_fields=dict(payload.get("dynamic_fields") or {}),
        attachments=[NewAttachment.model_validate(a) for a in payload.get("attachments") or ()],
    )
    return int(created.ticket_id), str(created.ticket_number)


def attempt(sessions: sessionmaker[Session], client: HelpDesk, row_id: int, retry: RetryPolicy,
            *, lookup_first: bool) -> SubmitResult:
    """Make one delivery attempt for a claimed (``sending``) outbox row and record the outcome.

    The outcome is recorded only while the row is still this sender's claim: a sender that
    took longer than the drain's stale limit finds the row taken over and reports
    ``sending`` (the one that took it over files it, announces it and records it).

    :param lookup_first: look the key up in Znuny before sending (an earlier attempt may have
        reached it).
    """
    held, stored_claim = _HEARTBEAT.release(sessions, row_id)
    with sessions() as s:
        row = s.get_one(Outbox, row_id)
        payload, query, claimed_at = row.payload, _query(row), row.claimed_at
        if held and (row.state != OutboxState.SENDING or claimed_at != stored_claim):
            # Stored by this process, then taken over by the drain before this first attempt
            # (it waited longer than HOLD_SECONDS): the drain files it, never both.
            return SubmitResult(row.request_id, OutboxState.SENDING.value,
                                error="taken over by another sender")
    try:
        with heartbeat(sessions, row_id, claimed_at):
            found = find_existing_tickets(client, [query]).get(row.request_id) \
                if lookup_first else None
            ticket_id, number = (found.ticket_id, found.ticket_number) if found else \
                _send(client, payload)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        return record_failure(sessions, row_id, exc, retry, claimed_at=claimed_at)
    return record_sent(sessions, row_id, ticket_id, number, found=found is not None,
                       claimed_at=claimed_at)


def _query(row: Outbox) -> LookupQuery:
    return LookupQuery(row.request_id, row.customer_user, row.ticket_id_floor or 0)


def _lost(row: Outbox, claimed_at: datetime | None) -> SubmitResult | None:
    """A ``sending`` result when ``claimed_at`` is given and the row is no longer that claim."""
    if claimed_at is None or (row.state == OutboxState.SENDING and row.claimed_at == claimed_at):
        return None
    return SubmitResult(row.request_id, OutboxState.SENDING.value,
                        error="taken over by another sender")


def record_sent(sessions: sessionmaker[Session], row_id: int, ticket_id: int, number: str,
                *, found: bool, claimed_at: datetime | None = None) -> SubmitResult:
    """Mark the row ``sent`` with its ticket (``found``: an earlier attempt had filed it).

    :param claimed_at: the sender's claim; when the row is no longer that claim nothing is
        recorded and the result's state is ``sending``.
    """
    now = utcnow()
    with sessions.begin() as s:
        row = s.get_one(Outbox, row_id)
        lost = _lost(row, claimed_at)
        if lost is not None:
            return lost
        row.state, row.ticket_id, row.ticket_number = OutboxState.SENT, ticket_id, number
        row.sent_at = now
        row.claimed_at = row.heartbeat_at = None
        row.maybe_sent = False
        if not found:
            row.attempts += 1
            row.last_attempt_at = now
        row.last_error = None if not found else "filed by an earlier attempt; found by its key"
        cache_filed(s, row, now)
        # Filed: Znuny has the files and no retry will ever send them again.
        row.payload = without_attachment_bodies(row.payload)
        return SubmitResult.of(row)


def cache_filed(session: Session, row: Outbox, now: datetime) -> None:
    """Put a just-filed request into the ticket cache at once, from what the outbox knows.

    Lists then show it with its store, state and deadline, and count it, before the
    ``ticket-pull`` job has read it from Znuny. The row is provisional (``changed`` is
    empty): the pull overwrites it with Znuny's values and reports no change for it.
    """
    if row.ticket_id is None or session.get(TicketCache, row.ticket_id) is not None:
        return
    ticket = row.payload.get("ticket") or {}
    fields = row.payload.get("dynamic_fields") or {}
    store = fields.get("RadiantStore") or ticket.get("CustomerID")
    session.add(TicketCache(
        ticket_id=row.ticket_id, ticket_number=row.ticket_number or row.request_id,
        title=row.title, state=str(ticket.get("State") or "new"), state_type="new",
        queue=str(ticket.get("Queue") or ""), service=ticket.get("Service"),
        sla=ticket.get("SLA"), type=ticket.get("Type"),
        priority=str(ticket.get("Priority") or ""), owner=ticket.get("Owner"),
        customer_user_id=row.customer_user, customer_id=ticket.get("CustomerID"),
        store=store, category=fields.get("RadiantCategory") or row.category,
        request_id=row.request_id, created=now, changed=None,
        promised_deadline=row.promised_deadline, form_values=row.form_values,
        state_since=now, synced_at=now,
    ))
    follow_states(session, [StateSeen(
        row.ticket_id, fields.get("RadiantCategory") or row.category,
        str(ticket.get("State") or "new"), "new", now)])


def record_failure(sessions: sessionmaker[Session], row_id: int, exc: Exception,
                   retry: RetryPolicy, *, claimed_at: datetime | None = None) -> SubmitResult:
    """Record a failed attempt: ``parked`` for a permanent rejection, else ``pending``."""
    now = utcnow()
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    with sessions.begin() as s:
        row = s.get_one(Outbox, row_id)
        lost = _lost(row, claimed_at)
        if lost is not None:
            return lost
        row.attempts += 1
        row.last_attempt_at = now
        row.last_error = reason
        row.claimed_at = row.heartbeat_at = None
        if is_permanent(exc):
            row.state = OutboxState.PARKED
            row.parked_at = now
            record_audit(s, actor="sync", action="outbox.park", subject=row.request_id,
                         details={"reason": reason})
        else:
            row.state = OutboxState.PENDING
            row.maybe_sent = row.maybe_sent or may_have_reached_znuny(exc)
            row.next_attempt_at = now + timedelta(seconds=retry.delay(row.attempts))
        return SubmitResult.of(row, unreachable=isinstance(exc, ZnunyConnectionError)
                               and not may_have_reached_znuny(exc))


def claim(sessions: sessionmaker[Session], row_id: int) -> datetime | None:
    """Move a pending row to ``sending``; return the claim's time, ``None`` when someone else
    took it first."""
    now = utcnow()
    with sessions.begin() as s:
        res = s.execute(
            update(Outbox).where(Outbox.id == row_id, Outbox.state == OutboxState.PENDING)
            .values(state=OutboxState.SENDING, claimed_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        return now if res.rowcount == 1 else None  # type: ignore[attr-defined]
