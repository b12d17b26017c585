"""The local store's tables (SQLAlchemy 2.0 typed declarative).

Znuny stays the system of record; these tables hold only what the companion needs to be fast
and safe: the outbox of requests not yet confirmed by Znuny, a cache of tickets for lists and
reports, sync cursors, job runs, department enablement, catalog item states, deadline alerts,
the audit log and the scheduler lease.

Every timestamp is stored as naive UTC and read back as an aware UTC ``datetime``
(:class:`UTCDateTime`), so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    Dialect,
    Enum,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApprovalRequest",
    "AuditEntry",
    "Base",
    "CatalogItemState",
    "CustomerLanguage",
    "DepartmentState",
    "FeedbackHit",
    "FeedbackStore",
    "JobRun",
    "JobRunStatus",
    "LoginFailure",
    "Outbox",
    "OutboxState",
    "PortalSessionRow",
    "SchedulerLease",
    "SyncCursor",
    "TicketAlert",
    "TicketAnnouncement",
    "TicketCache",
    "UTCDateTime",
    "WorkflowEvent",
    "utcnow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC ``datetime``."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A ``DateTime`` column that stores naive UTC and returns aware UTC values."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware value to naive UTC; naive values are taken as UTC already."""
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to the naive value read from the database."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every store table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class OutboxState(enum.StrEnum):
    """Where a request is on its way into Znuny."""

    PENDING = "pending"
    """Waiting to be sent (first try failed or not yet made)."""
    SENDING = "sending"
    """Claimed by one sender right now."""
    SENT = "sent"
    """Confirmed by Znuny; ``ticket_id``/``ticket_number`` are set."""
    PARKED = "parked"
    """Rejected by Znuny for good; kept with the reason for an admin."""


class JobRunStatus(enum.StrEnum):
    """Outcome of one job run."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=16,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Outbox(Base):
    """A request the portal accepted; kept until Znuny confirms it, never deleted."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next", "state", "next_attempt_at"),
        # the lists' waiting requests without reading the years of confirmed ones (the outbox
        # keeps a row for every request): a login's or a company's unconfirmed ones and those
        # confirmed lately, a seek per state (the login's also serves every look-up by login)
        Index("ix_outbox_login_state", "customer_user", "state", "created_at"),
        Index("ix_outbox_company_state", "customer_id", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    """Idempotency key, also stored in the ticket's ``RadiantRequestID`` dynamic field."""
    state: Mapped[OutboxState] = mapped_column(
        _enum(OutboxState, "outbox_state"), default=OutboxState.PENDING
    )
    payload: Mapped[dict[str, Any]]
    """``{"ticket": …, "article": …, "dynamic_fields": …, "attachments": […]}`` as JSON."""
    customer_user: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(200))
    """The customer company the request was filed for (the payload's ``CustomerID``)."""
    title: Mapped[str] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(200))
    form_values: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    """The request form's values by field id (``serial``, ``register``, …), as submitted."""
    promised_deadline: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    maybe_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    """An earlier attempt may have reached Znuny (timeout after send): look up before resending."""
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    """Refreshed every few seconds by the sender while the row is ``sending``: a row whose
    heartbeat stopped was left by a crashed process (the drain takes it over)."""
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    ticket_number: Mapped[str | None] = mapped_column(String(64))
    ticket_id_floor: Mapped[int | None] = mapped_column(BigInteger)
    """The highest Znuny ticket id the store knew when the row was stored: any ticket this
    request made has a larger one (the duplicate check needs no clock)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    parked_at: Mapped[datetime | None]


_CLOSED_SQL = "'closed', 'removed', 'merged'"

LIST_INDEXES: dict[str, tuple[str, ...]] = {
    "created": ("list_created", "ticket_id", "title", "ticket_number"),
    "category": ("category", "list_created", "ticket_id"),
    "store": ("list_store", "list_created", "ticket_id"),
    "deadline": ("promised_deadline", "ticket_id"),
    "state": ("state", "ticket_id"),
    "number": ("ticket_number", "ticket_id"),
}
"""The request lists' indexes after (login or company, open): one per sort, and for the
default sort (created) one per filter, so that a list page reads an index range in order.
The default sort's carries the title and number too: a text search reads only the index."""


class TicketCache(Base):
    """One Znuny ticket as the portal lists and the reports need it (a cache, not the record)."""

    __tablename__ = "ticket_cache"
    __table_args__ = tuple(
        Index(f"ix_ticket_cache_list_{who}_{name}", scope, "list_open", *columns)
        for who, scope in (("login", "list_login"), ("company", "customer_id"))
        for name, columns in LIST_INDEXES.items()
    )

    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ticket_number: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(200), default="")
    state_type: Mapped[str] = mapped_column(String(200), default="", index=True)
    queue: Mapped[str] = mapped_column(String(200), default="", index=True)
    service: Mapped[str | None] = mapped_column(String(200))
    sla: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(200), default="")
    priority_id: Mapped[int | None]
    customer_user_id: Mapped[str | None] = mapped_column(String(200))
    """(Lists find a customer's tickets by ``list_login``; its index replaced this one's.)"""
    customer_id: Mapped[str | None] = mapped_column(String(200))
    """(The lists' company indexes start with it, so it needs no index of its own.)"""
    store: Mapped[str | None] = mapped_column(String(200), index=True)
    """``RadiantStore`` dynamic field."""
    category: Mapped[str | None] = mapped_column(String(200), index=True)
    """``RadiantCategory`` dynamic field (catalog item id)."""
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """``RadiantRequestID`` dynamic field."""
    owner: Mapped[str | None] = mapped_column(String(200))
    responsible: Mapped[str | None] = mapped_column(String(200))
    created: Mapped[datetime | None] = mapped_column(index=True)
    changed: Mapped[datetime | None] = mapped_column(index=True)
    closed: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    """When the first agent answer went out (from the ticket's articles), if known."""
    first_response_minutes: Mapped[int | None]
    """Minutes from creation to the first agent answer (wall clock)."""
    solution_minutes: Mapped[int | None]
    """Minutes from creation to close (wall clock)."""
    first_response_deadline: Mapped[datetime | None]
    """Last known first-response deadline: kept when Znuny clears it after the first answer."""
    update_deadline: Mapped[datetime | None]
    solution_deadline: Mapped[datetime | None]
    """Last known solution deadline: kept when Znuny clears it (on close)."""
    znuny_first_response_deadline: Mapped[datetime | None]
    """Znuny's current first-response escalation time (``None`` once answered)."""
    znuny_solution_deadline: Mapped[datetime | None]
    """Znuny's current solution escalation time (``None`` once closed or suspended)."""
    escalation_deadline: Mapped[datetime | None]
    promised_deadline: Mapped[datetime | None] = mapped_column(index=True)
    """``RadiantDeadline`` dynamic field: the deadline the requester was promised."""
    form_values: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    """The portal form's values (from the outbox row with the same request id), else ``None``."""
    state_since: Mapped[datetime | None]
    """When the ticket entered its current state (first seen in it if history is unknown)."""
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The request lists' keys, computed by the database from the columns above, so that
    # every writer (the sync pull's bulk insert, the outbox, tests) fills them without
    # knowing of them: lists walk composite indexes that start with them (LIST_INDEXES).
    list_login: Mapped[str | None] = mapped_column(
        String(200), Computed("lower(customer_user_id)", persisted=True))
    """The customer user's login in lower case (logins compare case-insensitively)."""
    list_store: Mapped[str | None] = mapped_column(
        String(200), Computed("coalesce(nullif(store, ''), customer_id)", persisted=True))
    """The store a list shows and filters by: ``store``, else the customer company."""
    list_open: Mapped[bool | None] = mapped_column(
        Boolean, Computed(f"state_type NOT IN ({_CLOSED_SQL})", persisted=True))
    """Whether the ticket is open (its state type is not closed, removed or merged)."""
    list_created: Mapped[datetime | None] = mapped_column(
        Computed("coalesce(created, '1970-01-01 00:00:00.000000')", persisted=True))
    """``created``, never empty (1970 when unknown, as the lists show it): the default
    sort's key, so that it needs no second walk for tickets without one. (The constant is
    written as SQLite stores times, with microseconds, so it compares equal to a bound 1970.)"""


class SyncCursor(Base):
    """A named high-water mark (e.g. the last ticket change time pulled)."""

    __tablename__ = "sync_cursor"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class JobRun(Base):
    """One run of one job: when, how it ended, what it counted."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_started", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[JobRunStatus] = mapped_column(
        _enum(JobRunStatus, "job_run_status"), default=JobRunStatus.RUNNING
    )
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(100))
    """``connection`` / ``znuny`` / ``config`` / ``bug`` — how the wrapper classified the error."""
    host: Mapped[str | None] = mapped_column(String(200))


class DepartmentState(Base):
    """Whether an admin enabled a department's catalog (absent row: the plugin default)."""

    __tablename__ = "department_state"

    department: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For whom the enabled catalog is: {"tiers": [...], "companies": [...], "head_office":
    # bool}; NULL or nothing set: everyone (radiant_ext.store.departments.DepartmentScope).
    scope: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class CatalogItemState(Base):
    """A catalog item the catalog check disabled because Znuny lacks what it routes to."""

    __tablename__ = "catalog_item_state"

    item_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketAlert(Base):
    """A deadline warning, escalation or languish flag raised once for a ticket."""

    __tablename__ = "ticket_alert"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    """``warn`` / ``escalate`` / ``languish``."""
    key: Mapped[str] = mapped_column(String(100))
    """What the alert was about (the deadline or the state), so it is raised only once."""
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what, when (admin actions and automatic decisions)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(255), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SchedulerLease(Base):
    """The leader lease: one ``radiant-ext sync`` process runs jobs, others stand by."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class PortalSessionRow(Base):
    """A logged-in customer's or reports agent's session, shared by every portal host.

    The browser's cookie holds only :attr:`key`; the Znuny session id stays here. Times are
    epoch seconds (the portal's session clock).
    """

    __tablename__ = "portal_session"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="customer")
    gi_session_id: Mapped[str] = mapped_column(String(255))
    customer: Mapped[dict[str, Any]] = mapped_column(JSON)
    created: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float, index=True)
    last_checked: Mapped[float] = mapped_column(Float)


class LoginFailure(Base):
    """One failed login, counted by every portal host (``key``: what it counts against)."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[float] = mapped_column(Float, index=True)


class TicketAnnouncement(Base):
    """A ticket the plugins were told about (``radiant_ticket_created``) by the webhook:
    a second delivery of the same event, to any host, tells them nothing again."""

    __tablename__ = "ticket_announcement"

    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class FeedbackStore(Base):
    """Whether a store's public feedback page takes guest feedback (absent row: off)."""

    __tablename__ = "feedback_store"

    store: Mapped[str] = mapped_column(String(100), primary_key=True)
    """The store's id (``012``) or ``web`` for the web shop."""
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackHit(Base):
    """One accepted guest feedback, counted against a key (a client address, a store) so
    every portal host enforces the same rate limits (``at``: epoch seconds)."""

    __tablename__ = "feedback_hit"
    __table_args__ = (Index("ix_feedback_hit_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[float] = mapped_column(Float, index=True)


class WorkflowEvent(Base):
    """Something the workflow guard or the step watch did for a ticket, once.

    ``kind`` is ``refused`` (a move outside the workflow, put back), ``remind`` / ``escalate``
    (a step's limit reached) or ``customer-move`` (a move the portal makes for the
    requester, recorded before it is sent so that the guard lets it through). ``key`` makes
    each one unique per ticket: the move and when it was seen, or the step and when the ticket
    entered it. ``done_at`` is when Znuny took it (``None``: still to be sent).
    """

    __tablename__ = "workflow_event"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "key"),
                      Index("ix_workflow_event_pending", "kind", "done_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(500))
    item: Mapped[str | None] = mapped_column(String(200))
    from_state: Mapped[str | None] = mapped_column(String(200))
    to_state: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200), default="")
    since: Mapped[datetime | None]
    """Since when the ticket was in ``from_state`` (a refused move does not restart it)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


class CustomerLanguage(Base):
    """The language a customer user last used the portal in (``en`` / ``ru``), for texts the
    companion sends them through Znuny."""

    __tablename__ = "customer_language"

    customer_user: Mapped[str] = mapped_column(String(200), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalRequest(Base):
    """A request that waits for an approver's decision before work on it starts.

    Recorded by the portal when the request is filed (``request_id``: the outbox reference;
    ``ticket_id`` / ``ticket_number`` once Znuny has the ticket). ``approvers`` are the portal
    logins resolved then (the store's managers, the department's heads, a named person);
    ``role`` is what the requester is told (``store-manager``, ``department-head:hr``,
    ``person:anna``). ``decision`` is ``approved`` / ``declined`` once decided (``decided_by``,
    ``comment``, ``decided_at``), ``moved-on`` when the ticket left its waiting state in Znuny
    without a decision here (``comment``: the state it was found in); ``None``: waiting.
    ``reminded_at`` / ``escalated_at``: when the deadline watch sent the reminder and the
    escalation (each once).
    """

    __tablename__ = "approval_request"
    __table_args__ = (Index("ix_approval_request_waiting", "decision", "filed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    ticket_number: Mapped[str | None] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(200))
    requester: Mapped[str] = mapped_column(String(200))
    requester_name: Mapped[str] = mapped_column(String(400), default="")
    store: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(255), default="")
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    role: Mapped[str] = mapped_column(String(250))
    approvers: Mapped[list[str]] = mapped_column(JSON)
    approver_keys: Mapped[str] = mapped_column(String(4000))
    """``|login|login|`` of the approvers, case-folded: the approver's page filters on it."""
    waiting_state: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
