"""E-mail intake like Znuny's PostMaster (``Maint::PostMaster::Read``; webhook file 05).

A new ticket in the ``Postmaster`` queue (or the one asked for): title = subject, state
``new``, priority ``3 normal``, type ``Unclassified``, owner and creator user 1; the customer
user found by the sender's address (its CustomerID set), else the address itself as customer
user and CustomerID (``AutoAssignCustomerIDForUnknownCustomers``); one article on the Email
channel, SenderType ``customer``, visible to the customer, with the mail's From, To, Subject
and Message-ID; history rows NewTicket, CustomerUpdate, EmailCustomer ``%%``. No category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from sqlalchemy import func, select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox import tickets
from radiant_ext_sandbox.db import Ctx, lookup_id
from radiant_ext_sandbox.errors import SandboxError
from radiant_ext_sandbox.escalation import rebuild_index

__all__ = ["DEFAULT_QUEUE", "Mail", "compose_mail", "deliver", "parse_mail"]

DEFAULT_QUEUE = "Postmaster"
SYSTEM_ADDRESS = "znuny@localhost"


@dataclass(frozen=True)
class Mail:
    """The parts of an incoming message the PostMaster uses."""

    from_: str
    to: str
    subject: str
    body: str
    content_type: str = "text/plain; charset=utf-8"
    message_id: str = ""

    @property
    def sender_address(self) -> str:
        """The bare address of From."""
        return parseaddr(self.from_)[1]


def compose_mail(sender: str, subject: str, body: str, to: str = SYSTEM_ADDRESS) -> bytes:
    """An RFC 822 message as a mail client would send it (for the CLI and test control)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = make_msgid(domain="sandbox.radiant")
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg.set_content(body)
    return bytes(msg)


def _header(data: bytes, name: str, msg: EmailMessage) -> str:
    """A header as written (Znuny keeps ``"Name" <address>``), decoded if it is encoded."""
    raw = BytesHeaderParser(policy=policy.compat32).parsebytes(data).get(name)
    if raw is None:
        return ""
    text = " ".join(str(raw).split())
    return str(msg.get(name)) if "=?" in text else text


def parse_mail(raw: bytes | str) -> Mail:
    """Parse a message; raise :class:`SandboxError` without a sender address."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    msg = BytesParser(policy=policy.default).parsebytes(data)
    sender = _header(data, "From", msg)
    if "@" not in parseaddr(sender)[1]:
        raise SandboxError("the mail has no sender address (From:)")
    part = msg.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    mime = part.get_content_type() if part is not None else "text/plain"
    return Mail(
        from_=sender,
        to=_header(data, "To", msg) or SYSTEM_ADDRESS,
        subject=str(msg.get("Subject") or ""),
        body=str(body),
        content_type=f"{mime}; charset=utf-8",
        message_id=str(msg.get("Message-ID") or ""),
    )


def _customer(ctx: Ctx, address: str) -> tuple[str, str]:
    t = s.customer_user
    row = ctx.one(
        select(t.c.login, t.c.customer_id).where(
            func.lower(t.c.email) == address.lower(), t.c.valid_id == 1
        )
    )
    return (str(row.login), str(row.customer_id)) if row is not None else (address, address)


def deliver(ctx: Ctx, mail: Mail, queue: str | None = None) -> dict[str, Any]:
    """Create the ticket for ``mail`` (``ctx`` acts as user 1); return its ids."""
    queue_name = queue or DEFAULT_QUEUE
    queue_id = lookup_id(ctx, s.queue, queue_name)
    if queue_id is None:
        raise SandboxError(f"no valid queue {queue_name!r} for incoming mail")
    login, customer_id = _customer(ctx, mail.sender_address)
    values = {
        "title": mail.subject.strip() or "(no subject)",
        "queue_id": queue_id,
        "state_id": lookup_id(ctx, s.ticket_state, "new"),
        "priority_id": lookup_id(ctx, s.ticket_priority, "3 normal"),
        "customer_user": login,
        "customer_id": customer_id,
    }
    ticket_id, tn = tickets.create_ticket(ctx, values)
    article = tickets.NewArticle(
        subject=mail.subject,
        body=mail.body,
        content_type=mail.content_type,
        sender_type="customer",
        channel_id=tickets.CHANNELS["Email"],
        visible=1,
        from_=mail.from_,
        to=mail.to,
        history_type="EmailCustomer",
        history_comment="%%",
        message_id=mail.message_id,
    )
    article_id = tickets.create_article(ctx, ticket_id, article)
    rebuild_index(ctx, ticket_id)
    return {
        "TicketID": ticket_id,
        "TicketNumber": tn,
        "ArticleID": article_id,
        "Queue": queue_name,
        "CustomerUser": login,
        "CustomerID": customer_id,
    }
