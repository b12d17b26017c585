"""Satisfaction after a solved request: the rating, its article in Znuny, the rating link.

* :func:`rate` stores the requester's rating first (one per ticket, the store refuses a
  second), then tries to write its article — ``Customer rating 2/5: …``, for agents only —
  and, for a poor rating, the follow-up the item's catalog declares (``satisfaction:``:
  reopen the request, or alert the owner's team with an internal note and one step more
  priority). When Znuny cannot be reached the rating stays stored with ``recorded_at``
  empty; the ``satisfaction-record`` job (:func:`record_ratings`) writes it later. Each
  rating's article is written once: ``recorded_at`` is set in the same transaction that
  follows a successful write.
* :func:`invite_solved` (the ``satisfaction-invite`` job) adds one customer-visible article
  with a rating link to every ticket that became solved or closed — once per ticket
  (``satisfaction_invite``); Znuny's customer notification for new articles mails it.
* A link is a signed token (:func:`make_token`) bound to the ticket, its customer user and
  the invite's nonce; it expires after ``satisfaction_link_days`` and is used once.

See docs/satisfaction.md.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, Literal

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import NewArticle, Ticket, TicketChanges
from radiant_ext.plugins.catalog import CatalogItem, SatisfactionPolicy
from radiant_ext.plugins.fields import CATEGORY_FIELD, REQUEST_ID_FIELD, STORE_FIELD
from radiant_ext.plugins.models import PRIORITY_NAMES, priority_name
from radiant_ext.store import TicketCache, utcnow
from radiant_ext.store.satisfaction import (
    AlreadyRated,
    NewRating,
    SatisfactionInvite,
    SatisfactionRating,
    add_rating,
    pending_ratings,
    rating_of,
)
from radiant_ext.sync.ports import HelpDesk
from radiant_ext.sync.tickets import dynamic_field

if TYPE_CHECKING:
    from radiant_ext.sync.context import JobContext

__all__ = [
    "AlreadyRated",
    "LinkProblem",
    "LinkTicket",
    "NotRateable",
    "RATING_SALT",
    "invite_solved",
    "is_solved",
    "make_token",
    "policy_of",
    "rate",
    "rating_article",
    "read_token",
    "record_ratings",
    "record_rating",
]

log = logging.getLogger(__name__)

RATING_SALT = "radiant-satisfaction-link"
REOPEN_STATE = "open"
SOLVED_STATES = frozenset({"pending auto close+"})
"""States the portal shows as solved that are not of the closed type yet."""
DEFAULT_POLICY = SatisfactionPolicy()


class NotRateable(Exception):  # noqa: N818 - an outcome the pages explain
    """The request cannot be rated (not the requester's, not solved, not asked for)."""


def is_solved(state: str, state_type: str) -> bool:
    """Whether a request in this state is solved or closed (and so may be rated)."""
    return state_type == "closed" or state in SOLVED_STATES


def policy_of(items: Mapping[str, CatalogItem], item: str | None) -> SatisfactionPolicy:
    """The item's ``satisfaction:`` policy (the default for unknown items)."""
    found = items.get(item or "")
    return found.satisfaction if found is not None else DEFAULT_POLICY


def _department(items: Mapping[str, CatalogItem], item: str | None) -> str | None:
    if not item:
        return None
    found = items.get(item)
    return found.department if found is not None else item.split(".", 1)[0]


def rate(
    sessions: sessionmaker[Session], client: HelpDesk, items: Mapping[str, CatalogItem],
    ticket: Ticket, *, rating: int, comment: str, rated_by: str,
    via: Literal["portal", "link"] = "portal", now: datetime | None = None,
) -> SatisfactionRating:
    """Store ``rated_by``'s rating of ``ticket`` (as Znuny has it now), then record it.

    :raises NotRateable: ``rated_by`` is not the ticket's customer user, the ticket is not
        solved or closed, its item asks for no rating, or the rating is not 1-5.
    :raises AlreadyRated: the ticket has a rating.
    """
    if not 1 <= rating <= 5:
        raise NotRateable("a rating is 1 to 5")
    if not ticket.customer_user_id or ticket.customer_user_id != rated_by:
        raise NotRateable("only the requester rates a request")
    if not is_solved(ticket.state or "", ticket.state_type or ""):
        raise NotRateable("the request is not solved")
    item = dynamic_field(ticket, CATEGORY_FIELD)
    policy = policy_of(items, item)
    if not policy.ask:
        raise NotRateable("this item asks for no rating")
    follow_up = policy.on_poor if rating <= policy.poor_at_most else ""
    new = NewRating(
        ticket_id=int(ticket.ticket_id), ticket_number=str(ticket.ticket_number),
        request_id=dynamic_field(ticket, REQUEST_ID_FIELD), item=item,
        store=dynamic_field(ticket, STORE_FIELD) or ticket.customer_id or None,
        department=_department(items, item), owner=ticket.owner or None,
        rating=rating, comment=comment.strip()[:5000], rated_by=rated_by,
        rated_at=now or utcnow(), via=via,
        follow_up="" if follow_up == "nothing" else follow_up)
    with sessions.begin() as session:
        row_id = add_rating(session, new).id
    try:
        record_rating(sessions, client, row_id, now=now)
    except Exception as exc:  # noqa: BLE001 - kept; the satisfaction-record job retries
        log.warning("rating of ticket %s stored; its article waits for Znuny: %s",
                    new.ticket_id, type(exc).__name__)
    with sessions() as session:
        row = session.get(SatisfactionRating, row_id)
        assert row is not None
        session.expunge(row)
        return row


def rating_article(row: SatisfactionRating) -> NewArticle:
    """The article agents read: ``Customer rating 2/5: the comment`` (never shown to the
    customer)."""
    body = f"Customer rating {row.rating}/5"
    body += f": {row.comment}" if row.comment else " (no comment)"
    body += f"\n\nRated by {row.rated_by} ({'rating link' if row.via == 'link' else 'portal'})."
    if row.follow_up == "reopen":
        body += "\nA poor rating: the request is opened again."
    elif row.follow_up == "alert":
        body += "\nA poor rating: the owner's team is alerted and the priority raised."
    return NewArticle(
        subject=f"Customer rating {row.rating}/5", body=body,
        content_type="text/plain; charset=utf-8", communication_channel="Internal",
        sender_type="system", is_visible_for_customer=False)


def _raised(priority: str | None) -> str | None:
    levels = {name: level for level, name in PRIORITY_NAMES.items()}
    level = levels.get(priority or "")
    if level is None or level >= 5:
        return None
    return priority_name(level + 1)


def record_rating(sessions: sessionmaker[Session], client: HelpDesk, rating_id: int,
                  now: datetime | None = None) -> bool:
    """Write the rating's article (and its follow-up) to Znuny, once.

    :returns: ``True`` when written now, ``False`` when it was written before.
    :raises Exception: whatever the client raises; the rating stays pending, its attempt
        counted.
    """
    with sessions.begin() as session:
        row = session.get(SatisfactionRating, rating_id)
        if row is None or row.recorded_at is not None:
            return False
        session.expunge(row)
    changes: TicketChanges | None = None
    try:
        if row.follow_up == "reopen":
            changes = TicketChanges(state=REOPEN_STATE)
        elif row.follow_up == "alert":
            current = client.ticket_get(row.ticket_id)
            raised = _raised(current.priority)
            changes = TicketChanges(priority=raised) if raised else None
        client.ticket_update(row.ticket_id, ticket=changes, article=rating_article(row))
    except Exception as exc:
        with sessions.begin() as session:
            failed = session.get(SatisfactionRating, rating_id)
            if failed is not None:
                failed.attempts += 1
                failed.last_error = f"{type(exc).__name__}: {exc}"[:500]
        raise
    with sessions.begin() as session:
        done = session.get(SatisfactionRating, rating_id)
        if done is not None:
            done.recorded_at = now or utcnow()
            done.attempts += 1
            done.last_error = ""
    return True


def record_ratings(ctx: JobContext) -> dict[str, int]:
    """The ``satisfaction-record`` job: write the articles of ratings Znuny missed."""
    with ctx.sessions() as session:
        ids = [row.id for row in pending_ratings(session)]
    counts = {"recorded": 0, "failed": 0}
    for rating_id in ids:
        try:
            if record_rating(ctx.sessions, ctx.client, rating_id, now=ctx.now()):
                counts["recorded"] += 1
        except Exception as exc:  # noqa: BLE001 - counted; tried again on the next run
            counts["failed"] += 1
            log.warning("rating %s not recorded in Znuny yet: %s", rating_id,
                        type(exc).__name__)
    return counts


# -- the rating link ---------------------------------------------------------------------------


class _ClockSigner(TimestampSigner):
    clock: Callable[[], datetime] = staticmethod(utcnow)

    def get_timestamp(self) -> int:
        return int(self.clock().timestamp())


def _serializer(secret: str, clock: Callable[[], datetime]) -> URLSafeTimedSerializer:
    signer = type("_Signer", (_ClockSigner,), {"clock": staticmethod(clock)})
    return URLSafeTimedSerializer(secret, salt=RATING_SALT, signer=signer)


def make_token(secret: str, ticket_id: int, customer_user: str, nonce: str,
               now: Callable[[], datetime] = utcnow) -> str:
    """A signed link token for ``ticket_id``'s requester ``customer_user`` (issued ``now``)."""
    return _serializer(secret, now).dumps({"t": ticket_id, "u": customer_user, "n": nonce})


LinkProblem = Literal["invalid", "expired"]


@dataclass(frozen=True)
class LinkTicket:
    """What a valid token names."""

    ticket_id: int
    customer_user: str
    nonce: str


def read_token(secret: str, token: str, max_age: timedelta,
               now: Callable[[], datetime] = utcnow) -> LinkTicket | LinkProblem:
    """The ticket a token names, or why it cannot be used (``invalid`` or ``expired``)."""
    try:
        data: Any = _serializer(secret, now).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        return "expired"
    except BadSignature:
        return "invalid"
    try:
        return LinkTicket(int(data["t"]), str(data["u"]), str(data["n"]))
    except (KeyError, TypeError, ValueError):
        return "invalid"


_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def link_article(url: str, days: int, to: str | None = None) -> NewArticle:
    """The customer-visible article with the rating link (English and Russian).

    With ``to`` (the requester's e-mail address) it is an e-mail article Znuny sends
    (``ArticleSend``; Znuny 6.1 and later): the link reaches the requester whatever Znuny's
    notifications say. Without, it is a note for the customer that Znuny's customer
    notifications may mail.
    """
    body = (
        "Your request is solved. How did we do? Rate it from 1 to 5 — it takes a moment:\n"
        f"{url}\n"
        f"The link works once and for {days} days.\n\n"
        "Ваш запрос решён. Оцените, пожалуйста, нашу работу от 1 до 5:\n"
        f"{url}\n"
        f"Ссылка действует один раз, {days} дн.\n")
    mail = {"communication_channel": "Email", "article_send": True, "to": to} if to else {
        "communication_channel": "Internal"}
    return NewArticle(
        subject="How did we do? / Оцените нашу работу", body=body,
        content_type="text/plain; charset=utf-8", sender_type="agent",
        is_visible_for_customer=True, **mail)


def requester_address(client: HelpDesk, ticket_id: int, customer_user: str) -> str | None:
    """The requester's e-mail address: the customer user when it is one (a shopper), else the
    sender of the ticket's first customer article (the portal writes the customer's address
    there); ``None`` when neither has one."""
    if _ADDRESS.match(customer_user):
        return customer_user
    ticket = client.ticket_get(ticket_id, all_articles=True)
    for article in ticket.articles:
        if article.sender_type == "customer":
            address = parseaddr(article.from_ or "")[1]
            return address if _ADDRESS.match(address) else None
    return None


def invite_solved(ctx: JobContext, limit: int = 100) -> dict[str, int]:
    """The ``satisfaction-invite`` job: a rating link on each newly solved ticket, once.

    Needs ``public_url`` (where ``/rate/<token>`` is served) and ``secret_key``; without
    them nothing is sent. Tickets solved longer ago than the link lives are left alone.
    """
    settings = ctx.settings
    secret = settings.secret_key.get_secret_value()
    base = (settings.public_url or "").rstrip("/")
    counts = {"invited": 0, "failed": 0}
    if not secret or not base:
        return counts
    now = ctx.now()
    days = settings.satisfaction_link_days
    items = {i.id: i for i in ctx.plugins.catalog_items(include_disabled=True)}
    t = TicketCache
    with ctx.sessions() as session:
        rows = session.execute(
            select(t.ticket_id, t.customer_user_id, t.category)
            .where(or_(t.state_type == "closed", t.state.in_(sorted(SOLVED_STATES))),
                   t.customer_user_id.is_not(None),
                   or_(t.closed.is_(None), t.closed >= now - timedelta(days=days)),
                   t.changed >= now - timedelta(days=days),
                   ~select(SatisfactionInvite.ticket_id).where(
                       SatisfactionInvite.ticket_id == t.ticket_id).exists(),
                   ~select(SatisfactionRating.ticket_id).where(
                       SatisfactionRating.ticket_id == t.ticket_id).exists())
            .order_by(t.ticket_id).limit(limit)).all()
    for ticket_id, customer_user, category in rows:
        if not policy_of(items, category).ask:
            continue
        try:
            if _invite(ctx, int(ticket_id), str(customer_user), base, secret, days, now):
                counts["invited"] += 1
        except Exception as exc:  # noqa: BLE001 - the claim is dropped; tried on the next run
            counts["failed"] += 1
            log.warning("rating link for ticket %s not sent: %s", ticket_id,
                        type(exc).__name__)
    return counts


def _invite(ctx: JobContext, ticket_id: int, customer_user: str, base: str, secret: str,
            days: int, now: datetime) -> bool:
    nonce = secrets.token_urlsafe(12)
    with ctx.sessions.begin() as session:  # the claim: one link per ticket, on any host
        if session.get(SatisfactionInvite, ticket_id) is not None or rating_of(
                session, ticket_id) is not None:
            return False
        session.add(SatisfactionInvite(ticket_id=ticket_id, customer_user=customer_user,
                                       nonce=nonce))
    token = make_token(secret, ticket_id, customer_user, nonce, lambda: now)
    try:
        to = requester_address(ctx.client, ticket_id, customer_user)
        ctx.client.ticket_update(ticket_id,
                                 article=link_article(f"{base}/rate/{token}", days, to))
    except Exception:
        with ctx.sessions.begin() as session:
            claim = session.get(SatisfactionInvite, ticket_id)
            if claim is not None and claim.sent_at is None:
                session.delete(claim)
        raise
    with ctx.sessions.begin() as session:
        claim = session.get(SatisfactionInvite, ticket_id)
        if claim is not None:
            claim.sent_at = now
    return True

