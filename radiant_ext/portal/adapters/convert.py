"""Conversions from the client's ticket models to the portal's views."""

from __future__ import annotations

from datetime import UTC, datetime

from radiant_ext.client import Article, Ticket
from radiant_ext.plugins.fields import CATEGORY_FIELD, DEADLINE_FIELD, STORE_FIELD
from radiant_ext.portal.ports import ArticleView, AttachmentInfo, TicketSummary
from radiant_ext.portal.scoping import article_visible

__all__ = ["article_view", "parse_deadline", "summary_of"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_deadline(value: object) -> datetime | None:
    """``RadiantDeadline`` (``YYYY-MM-DD HH:MM:SS``, UTC) as an aware datetime, if valid."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.strptime(value.strip()[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value) if value else ""


def summary_of(ticket: Ticket) -> TicketSummary:
    """The list row of a ticket fetched with dynamic fields."""
    fields = ticket.dynamic_fields
    return TicketSummary(
        ticket_id=ticket.ticket_id,
        ticket_number=ticket.ticket_number,
        title=ticket.title,
        state=ticket.state,
        state_type=ticket.state_type,
        category=_text(fields.get(CATEGORY_FIELD)),
        store=_text(fields.get(STORE_FIELD)) or ticket.customer_id,
        customer_user=ticket.customer_user_id,
        created=ticket.created or _EPOCH,
        deadline=parse_deadline(fields.get(DEADLINE_FIELD)),
        priority=ticket.priority,
    )


def _from_name(article: Article) -> str:
    raw = article.from_.strip()
    if raw.startswith('"') and '"' in raw[1:]:
        return raw[1:raw.index('"', 1)]
    return raw.split("<", 1)[0].strip() or raw


def article_view(article: Article) -> ArticleView | None:
    """The view of a public article; ``None`` for internal ones (contract otrs-ce-6 114)."""
    if not article_visible(article.is_visible_for_customer):
        return None
    files = tuple(
        AttachmentInfo(int(a.file_id), a.filename, a.content_type,
                       a.filesize_raw if a.filesize_raw is not None else len(a.content))
        for a in article.attachments
        if a.file_id is not None and a.disposition != "inline"
    )
    return ArticleView(
        article_id=article.article_id,
        sender_type=article.sender_type,
        from_name=_from_name(article),
        subject=article.subject,
        body=article.body,
        content_type=article.content_type or article.mime_type or "text/plain",
        created=article.create_time or article.incoming_time or _EPOCH,
        attachments=files,
    )
