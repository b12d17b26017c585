"""Insert pre-existing tickets (fixtures, generated history) straight into the tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.timeutil import epoch_of


@dataclass
class FixtureArticle:
    """An article of a fixture ticket."""

    subject: str
    body: str
    sender: int = 3  # 1 agent, 3 customer
    visible: int = 1
    from_: str = ""
    minutes: int = 0  # after ticket creation


@dataclass
class FixtureTicket:
    """A ticket that exists before the first request."""

    title: str
    queue: str
    state: str
    priority: str
    customer_user: str
    customer_id: str
    created: dt.datetime
    tn: str
    type: str = "Unclassified"
    service: str | None = None
    owner_id: int = 1
    until: dt.datetime | None = None
    articles: list[FixtureArticle] = field(default_factory=list)


def _id(conn: Connection, table: Any, name: str | None) -> int | None:
    if name is None:
        return None
    return int(conn.execute(select(table.c.id).where(table.c.name == name)).scalar_one())


def insert_fixture(conn: Connection, fx: FixtureTicket) -> int:
    """Insert one fixture ticket with its articles and a NewTicket history row."""
    when = fx.created
    values = dict(
        tn=fx.tn,
        title=fx.title,
        queue_id=_id(conn, s.queue, fx.queue),
        ticket_lock_id=1,
        type_id=_id(conn, s.ticket_type, fx.type),
        service_id=_id(conn, s.service, fx.service),
        sla_id=None,
        user_id=fx.owner_id,
        responsible_user_id=1,
        ticket_priority_id=_id(conn, s.ticket_priority, fx.priority),
        ticket_state_id=_id(conn, s.ticket_state, fx.state),
        customer_id=fx.customer_id,
        customer_user_id=fx.customer_user,
        until_time=epoch_of(fx.until) if fx.until else 0,
        create_time=when,
        create_by=1,
        change_time=when,
        change_by=1,
    )
    ticket_id = int(conn.execute(s.ticket.insert().values(**values)).lastrowid)
    conn.execute(
        s.ticket_history.insert().values(
            name=f"%%{fx.tn}%%{fx.queue}%%{fx.priority}%%{fx.state}%%{ticket_id}",
            history_type_id=1,
            ticket_id=ticket_id,
            article_id=0,
            type_id=values["type_id"],
            queue_id=values["queue_id"],
            owner_id=fx.owner_id,
            priority_id=values["ticket_priority_id"],
            state_id=values["ticket_state_id"],
            create_time=when,
            create_by=1,
            change_time=when,
            change_by=1,
        )
    )
    for art in fx.articles:
        at = when + dt.timedelta(minutes=art.minutes)
        aid = int(
            conn.execute(
                s.article.insert().values(
                    ticket_id=ticket_id,
                    article_sender_type_id=art.sender,
                    communication_channel_id=3,
                    is_visible_for_customer=art.visible,
                    create_time=at,
                    create_by=1,
                    change_time=at,
                    change_by=1,
                )
            ).lastrowid
        )
        conn.execute(
            s.article_data_mime.insert().values(
                article_id=aid,
                a_from=art.from_,
                a_to=fx.queue,
                a_cc="",
                a_bcc="",
                a_reply_to="",
                a_subject=art.subject,
                a_message_id="",
                a_in_reply_to="",
                a_references="",
                a_content_type="text/plain; charset=utf-8",
                a_body=art.body,
                incoming_time=epoch_of(at),
                create_time=at,
                create_by=1,
                change_time=at,
                change_by=1,
            )
        )
    return ticket_id
