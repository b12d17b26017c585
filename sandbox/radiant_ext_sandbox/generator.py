"""``radiant-ext sandbox seed --tickets N``: realistic historical tickets, inserted in bulk.

The distribution is fixed by the random seed and recorded in a JSON summary
(``<data>/generated-summary.json``) so report tests can compare against known counts.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import make_engine, read_settings
from radiant_ext_sandbox.seeds.history import (
    CATEGORIES,
    HOUR_WEIGHTS,
    PRINTER_STORE,
    WEEKDAY_WEIGHTS,
)
from radiant_ext_sandbox.seeds.retail import STORE_COUNT, sla_for, store_id
from radiant_ext_sandbox.timeutil import Calendar, Clock, epoch_of, ticket_number

SUMMARY_FILE = "generated-summary.json"


@dataclass
class _Draft:
    """What was picked for one generated ticket."""

    id: int
    store: str
    category: str
    service: str
    kind: str
    title: str
    body: str
    local: dt.datetime
    created: dt.datetime
    queue: str
    sla_id: int | None
    solved_at: dt.datetime
    closed: bool
    state: str
    user: str
    agent: int
    deadline: dt.datetime | None


def _ids(conn: Connection, table: Any, column: str = "name") -> dict[str, int]:
    return {r[0]: r[1] for r in conn.execute(select(table.c[column], table.c.id))}


class _Gen:
    """One generation run (keeps counters and rows between batches)."""

    def __init__(self, conn: Connection, count: int, rng: random.Random, now: dt.datetime) -> None:
        self.conn, self.count, self.rng, self.now = conn, count, rng, now
        self.services, self.types = _ids(conn, s.service), _ids(conn, s.ticket_type)
        self.queues, self.slas = (
            _ids(conn, s.queue),
            {r.name: r for r in conn.execute(select(s.sla))},
        )
        self.states, self.fields = _ids(conn, s.ticket_state), _ids(conn, s.dynamic_field)
        self.agents = _ids(conn, s.users, "login")
        settings = read_settings(conn)
        c = settings["calendar"]
        self.calendar = Calendar(c["tz"], c["start"], c["end"], tuple(c["days"]))
        self.system_id = str(settings["system_id"])
        self.staff = self._staff()
        self.counters: Counter[str] = Counter()
        self.summary: dict[str, Counter[str]] = {
            k: Counter()
            for k in ("category", "service", "store", "weekday", "hour", "state", "sla")
        }
        self.next_ticket = (conn.execute(select(func.max(s.ticket.c.id))).scalar() or 0) + 1
        self.next_article = (conn.execute(select(func.max(s.article.c.id))).scalar() or 0) + 1
        self.printer_failures = 0

    def _staff(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for login, cid in self.conn.execute(
            select(s.customer_user.c.login, s.customer_user.c.customer_id)
        ):
            out.setdefault(cid, []).append(login)
        return out

    def _when(self) -> dt.datetime:
        while True:
            day = self.now.date() - dt.timedelta(days=self.rng.randrange(1, 366))
            if self.rng.random() * 2.0 < WEEKDAY_WEIGHTS[day.weekday()]:
                break
        hour = self.rng.choices(list(HOUR_WEIGHTS), weights=list(HOUR_WEIGHTS.values()))[0]
        return dt.datetime.combine(
            day, dt.time(hour, self.rng.randrange(60), self.rng.randrange(60))
        )

    def _category(self, store: str) -> tuple[Any, ...]:
        if store == PRINTER_STORE and self.rng.random() < 0.3:
            self.printer_failures += 1
            return CATEGORIES[1]
        return self.rng.choices(CATEGORIES, weights=[c[5] for c in CATEGORIES])[0]

    def ticket(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """Build the rows of one ticket (ticket, articles, history, dynamic fields)."""
        d = self._draft()
        rows["ticket"].append(self._ticket_row(d))
        self._articles(rows, d)
        values: list[tuple[str, Any]] = [
            ("RadiantCategory", d.category),
            ("RadiantStore", d.store),
            ("RadiantRequestID", f"gen-{d.id}"),
        ]
        if d.deadline:
            values.append(("RadiantDeadline", d.deadline))
        for name, value in values:
            is_date = isinstance(value, dt.datetime)
            rows["dynamic_field_value"].append(
                {
                    "field_id": self.fields[name],
                    "object_id": d.id,
                    "value_int": None,
                    "value_text": None if is_date else value,
                    "value_date": value if is_date else None,
                }
            )
        self._count(d)

    def _draft(self) -> _Draft:
        """Pick store, category, times, state and people for the next ticket."""
        rng = self.rng
        weights = [3 if n <= 3 else 1 for n in range(1, STORE_COUNT + 1)]
        store = store_id(rng.choices(range(1, STORE_COUNT + 1), weights=weights)[0])
        category, service, kind, title, body, _ = self._category(store)
        local = self._when()
        created = local - dt.timedelta(hours=3)  # Europe/Moscow is UTC+3 all year
        queue = "IT::Stores" if service.startswith("IT::") else service.split("::")[0]
        sla_name = sla_for(service)
        sla = self.slas.get(sla_name) if sla_name else None
        solved_at = created + dt.timedelta(minutes=rng.randrange(20, 3 * 24 * 60))
        old = created < self.now - dt.timedelta(days=3)
        closed = solved_at <= self.now and (old or rng.random() < 0.5)
        deadline = None
        if sla:
            deadline = self.calendar.add_working_seconds(created, sla.solution_time * 60)
        d = _Draft(
            id=self.next_ticket,
            store=store,
            category=category,
            service=service,
            kind=kind,
            title=f"{title} ({store})",
            body=body,
            local=local,
            created=created,
            queue=queue,
            sla_id=sla.id if sla else None,
            solved_at=solved_at,
            closed=closed,
            state="closed successful" if closed else rng.choice(["new", "open"]),
            user=rng.choice(self.staff.get(store) or ["guest-customer"]),
            agent=self.agents.get(_agent_of(queue), 1),
            deadline=deadline,
        )
        self.next_ticket += 1
        return d

    def _ticket_row(self, d: _Draft) -> dict[str, Any]:
        day = f"{d.created:%Y%m%d}"
        self.counters[day] += 1
        running = 0 if d.closed or not d.deadline else epoch_of(d.deadline)
        return {
            "id": d.id,
            "tn": ticket_number(d.created.date(), self.system_id, self.counters[day]),
            "title": d.title,
            "queue_id": self.queues[d.queue],
            "ticket_lock_id": 1,
            "type_id": self.types[d.kind],
            "service_id": self.services[d.service],
            "sla_id": d.sla_id,
            "user_id": d.agent,
            "responsible_user_id": 1,
            "ticket_priority_id": 5 if d.category == "it.pos-down" else 3,
            "ticket_state_id": self.states[d.state],
            "customer_id": d.store,
            "customer_user_id": d.user,
            "timeout": 0,
            "until_time": 0,
            "escalation_time": running,
            "escalation_update_time": 0,
            "escalation_response_time": 0,
            "escalation_solution_time": running,
            "archive_flag": 0,
            "create_time": d.created,
            "create_by": 1,
            "change_time": d.solved_at if d.closed else d.created,
            "change_by": d.agent,
        }

    def _articles(self, rows: dict[str, list[dict[str, Any]]], d: _Draft) -> None:
        """The customer's request and, when solved, the agent's answer (with history rows)."""
        items = [(d.created, 3, f"{d.user}@retail.example", d.body, 1, "%%Portal request", "new")]
        if d.closed:
            answer = "Solved, please check."
            items.append((d.solved_at, 1, "Service desk", answer, 15, "%%Solved", d.state))
        for when, sender, frm, text, history_type, comment, state in items:
            aid = self.next_article
            self.next_article += 1
            audit = {"create_time": when, "create_by": 1, "change_time": when, "change_by": 1}
            rows["article"].append(
                {
                    "id": aid,
                    "ticket_id": d.id,
                    "article_sender_type_id": sender,
                    "communication_channel_id": 3,
                    "is_visible_for_customer": 1,
                    "search_index_needs_rebuild": 0,
                    **audit,
                }
            )
            rows["article_data_mime"].append(
                {
                    "article_id": aid,
                    "a_from": frm,
                    "a_to": d.queue,
                    "a_cc": "",
                    "a_bcc": "",
                    "a_reply_to": "",
                    "a_subject": text[:40],
                    "a_message_id": "",
                    "a_in_reply_to": "",
                    "a_references": "",
                    "a_content_type": "text/plain; charset=utf-8",
                    "a_body": text,
                    "incoming_time": epoch_of(when),
                    **audit,
                }
            )
            rows["ticket_history"].append(
                {
                    "name": comment,
                    "history_type_id": history_type,
                    "ticket_id": d.id,
                    "article_id": aid,
                    "type_id": self.types[d.kind],
                    "queue_id": self.queues[d.queue],
                    "owner_id": d.agent,
                    "priority_id": 5 if d.category == "it.pos-down" else 3,
                    "state_id": self.states[state],
                    **audit,
                }
            )

    def _count(self, d: _Draft) -> None:
        sm = self.summary
        sm["category"][d.category] += 1
        sm["service"][d.service] += 1
        sm["store"][d.store] += 1
        sm["weekday"][d.local.strftime("%A")] += 1
        sm["hour"][f"{d.local.hour:02d}"] += 1
        sm["state"][d.state] += 1
        if d.closed and d.deadline:
            sm["sla"]["met" if d.solved_at <= d.deadline else "missed"] += 1


def _agent_of(queue: str) -> str:
    return {
        "IT": "it-agent",
        "IT::Stores": "it-agent",
        "HR": "hr-agent",
        "Accounting": "acct-agent",
        "Legal": "legal-agent",
        "Maintenance": "maint-agent",
        "Customer Service": "cs-agent",
    }.get(queue, "radiant")


def generate_tickets(
    data_dir: Path | str, count: int, seed: int = 42, batch: int = 5000
) -> dict[str, Any]:
    """Insert ``count`` historical tickets into the retail sandbox; return the summary."""
    from radiant_ext_sandbox.app import SandboxError, create_app

    create_app(data_dir)  # seeds ``retail`` on an empty folder
    engine = make_engine(Path(data_dir))
    with engine.begin() as conn:
        settings = read_settings(conn)
        if settings.get("seed") != "retail":
            raise SandboxError("historical tickets need the retail seed")
        gen = _Gen(conn, count, random.Random(seed), Clock(float(settings["clock_offset"])).now())
        tables = ("ticket", "article", "article_data_mime", "ticket_history", "dynamic_field_value")
        for start in range(0, count, batch):
            rows: dict[str, list[dict[str, Any]]] = {t: [] for t in tables}
            for _ in range(min(batch, count - start)):
                gen.ticket(rows)
            for name in tables:
                _bulk(conn, name, rows[name])
        _store_counters(conn, gen.counters)
    summary: dict[str, Any] = {k: dict(sorted(v.items())) for k, v in gen.summary.items()}
    summary.update(
        tickets=count,
        seed=seed,
        printer_store=PRINTER_STORE,
        printer_failures_at_store=gen.printer_failures,
        articles=gen.next_article - 1,
    )
    Path(data_dir, SUMMARY_FILE).write_text(
        json.dumps(summary, indent=2, sort_keys=True), encoding="utf-8"
    )
    return summary


def _bulk(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """executemany straight on the driver: SQLAlchemy's per-row parameter processing would
    take most of the run. Timestamps are written in SQLAlchemy's SQLite format so that
    comparisons and sorting agree with rows the sandbox writes itself."""
    if not rows:
        return
    cols = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    conn.exec_driver_sql(sql, [tuple(_db(r[c]) for c in cols) for r in rows])


def _db(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        text = value.isoformat(" ")  # much faster than strftime
        return text if value.microsecond else text + ".000000"
    return value


def _store_counters(conn: Connection, counters: Counter[str]) -> None:
    t = s.ticket_number_counter
    existing = dict(conn.execute(select(t.c.counter_uid, t.c.counter)).all())
    for day, used in counters.items():
        if day in existing:
            conn.execute(
                t.update().where(t.c.counter_uid == day).values(counter=existing[day] + used)
            )
        else:
            conn.execute(t.insert().values(counter=used, counter_uid=day))
