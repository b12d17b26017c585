"""A year of retail-chain history for the demo, ending at a given ``now``.

:func:`generate_year` plans a year of requests filed through the portal — Monday peaks, quiet
weekends and holidays, a price-tag printer model that breaks far more often than the others,
flagship stores with tighter deadlines, deadlines missed (solved late, or still open past
them), solve times in business hours, several owners, every department — and writes them into
the retail sandbox in bulk. The same ``seed`` and ``now`` give the same year. It runs once per
sandbox: a second call finds the ``history`` setting and adds nothing (:func:`skip_year`
sets it for a sandbox that is to stay without a year).

The requests carry what the portal would have kept beside them (form values, the requesters'
ratings); :class:`YearTicket` hands them to whoever plays the portal (``radiant-ext demo``).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import make_engine, read_settings, write_setting
from radiant_ext_sandbox.errors import SandboxError
from radiant_ext_sandbox.generator import _bulk, _ids, _store_counters
from radiant_ext_sandbox.seeds import year as y
from radiant_ext_sandbox.seeds.retail import demo_stores, sla_for
from radiant_ext_sandbox.timeutil import Calendar, epoch_of, ticket_number

__all__ = ["HISTORY_SETTING", "YearRating", "YearTicket", "generate_year", "has_tickets",
           "history_of", "skip_year"]

HISTORY_SETTING = "history"
"""The sandbox setting that records the generated year (and keeps it from being added twice)."""
ZONE = "Europe/Moscow"
MOSCOW = dt.timedelta(hours=3)  # Europe/Moscow is UTC+3 all year
STUCK_SHARE = 0.03
STUCK_DAYS = 120
"""Of the requests of the last ``STUCK_DAYS``, the share forgotten by their owner: still
open, past the deadline."""
HEAD_OFFICE_SHARE = 0.1
WEB_SHOP_SHARE = 0.15


@dataclass(frozen=True)
class YearRating:
    """A requester's rating of a solved request."""

    rating: int
    comment: str
    rated_at: dt.datetime


@dataclass
class YearTicket:
    """One generated request (times naive UTC, like Znuny's database)."""

    id: int
    number: str
    item: y.YearItem
    store: str | None
    company: str
    user: str
    owner: str
    created: dt.datetime
    deadline: dt.datetime
    first_response: dt.datetime | None
    solved: dt.datetime | None
    state: str
    form: dict[str, Any] = field(default_factory=dict)
    rating: YearRating | None = None

    @property
    def request_id(self) -> str:
        """The ``RadiantRequestID`` of the request."""
        return f"demo-{self.id}"

    @property
    def title(self) -> str:
        """The ticket's title."""
        return f"{self.item.title} ({self.store or self.company})"

    @property
    def late(self) -> bool:
        """Whether the promised deadline was missed, as of the end of the year."""
        return self.solved is None or self.solved > self.deadline


def _local(when: dt.datetime) -> dt.datetime:
    return when + MOSCOW


class _Plan:
    """Picks the year's requests (no database writes)."""

    def __init__(self, conn: Connection, rng: random.Random, now: dt.datetime) -> None:
        self.rng, self.now = rng, now
        self.slas = {r.name: r for r in conn.execute(select(s.sla))}
        self.staff = _staff(conn)
        self.stores = demo_stores()
        self.flagships = {st.id for st in self.stores if st.tier == "flagship"}
        self.calendars = {k: Calendar(ZONE, a, b, days) for k, (a, b, days) in y.CALENDARS.items()}
        self.models = self._models()
        self.store_weights = {item.id: self._store_weights(item) for item in y.ITEMS}
        self.next_id = (conn.execute(select(func.max(s.ticket.c.id))).scalar() or 0) + 1
        self.system_id = str(read_settings(conn)["system_id"])
        t = s.ticket_number_counter
        self.used = dict(conn.execute(select(t.c.counter_uid, t.c.counter)).all())
        self.counters: Counter[str] = Counter()

    def _models(self) -> dict[str, str]:
        """Each store's price-tag printer model: the bad one in a few stores (store-007 too)."""
        ids = [st.id for st in self.stores]
        others = [i for i in ids if i != "store-007"]
        bad = {"store-007", *self.rng.sample(others, y.BAD_MODEL_STORES - 1)}
        good = y.PRICE_TAG_MODELS[1:]
        rest = [i for i in ids if i not in bad]
        return {i: y.BAD_MODEL for i in bad} | {i: good[n % len(good)] for n, i in enumerate(rest)}

    def _store_weights(self, item: y.YearItem) -> list[float]:
        weights = []
        for st in self.stores:
            weight = 2.5 if st.id in self.flagships else 1.0
            if item.id == "it.price-tag-printer" and self.models[st.id] == y.BAD_MODEL:
                weight *= y.BAD_MODEL_RATE
            if item.id == "it.receipt-printer" and st.id == y.RECEIPT_PRINTER_STORE:
                weight *= 6
            weights.append(weight)
        return weights

    def days(self, count: int) -> list[dt.date]:
        """``count`` creation days over the year before ``now``, by the day weights."""
        last = self.now.date()
        days = [last - dt.timedelta(days=n) for n in range(365)]
        return self.rng.choices(days, weights=[_day_weight(d) for d in days], k=count)

    def moment(self, day: dt.date) -> dt.datetime:
        """A creation moment on ``day`` (naive UTC), never after ``now``."""
        for _ in range(50):
            hour = self.rng.choices(range(24), weights=y.HOUR_WEIGHTS)[0]
            local = dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60),
                                                     self.rng.randrange(60)))
            if local - MOSCOW <= self.now - dt.timedelta(minutes=5):
                return local - MOSCOW
        return self.now - dt.timedelta(minutes=5 + self.rng.randrange(120))

    def item(self, month: int) -> y.YearItem:
        """A catalog item, by the item weights of ``month``."""
        summer = month in (6, 7, 8)
        weights = [i.weight * (i.summer if summer else 1.0) for i in y.ITEMS]
        return self.rng.choices(y.ITEMS, weights=weights)[0]

    def requester(self, item: y.YearItem) -> tuple[str | None, str, str]:
        """``(store, company, customer user)`` of a request for ``item``."""
        rng = self.rng
        store = rng.choices(self.stores, weights=self.store_weights[item.id])[0].id
        if item.who == "any" and rng.random() < HEAD_OFFICE_SHARE:
            return None, "head-office", "office-anna"
        if item.who == "public":
            return store, "public", "guest-customer"
        if item.who == "shoppers":
            store = "web" if rng.random() < WEB_SHOP_SHARE else store
            return store, "shoppers", "feedback-guest@retail.example"
        return store, store, rng.choice(self.staff.get(store) or ["demo-customer"])

    def ticket(self, day: dt.date) -> YearTicket:
        """Plan one request created on ``day``."""
        rng = self.rng
        created = self.moment(day)
        item = self.item(day.month)
        store, company, user = self.requester(item)
        form = self._form(item, store)
        deadline = self._deadline(item, store, created, form)
        slow = form.get("model") == y.BAD_MODEL or day.month == 12
        solved = self._solved(item, store, created, deadline, slow)
        first = self._first_response(item, created, solved)
        ticket = YearTicket(
            id=self.next_id, number="", item=item, store=store,
            company=company, user=user, owner=rng.choice(item.owners), created=created,
            deadline=deadline, first_response=first, solved=solved,
            state=self._state(solved, first), form=form)
        ticket.rating = self._rating(ticket)
        self.next_id += 1
        return ticket

    def waiting_for_test(self) -> YearTicket:
        """``demo-customer``'s software defect, fixed and waiting for the requester's test
        (``client testing``) for days: the deadline watch sends the step's reminder and
        escalation once the demo starts."""
        item = y.SOFTWARE_DEFECT
        filed, tested = (self.now - dt.timedelta(days=n) for n in y.WAITING_FOR_TEST_DAYS)
        return YearTicket(
            id=self.next_id, number="", item=item, store="store-007", company="store-007",
            user="demo-customer", owner=item.owners[0], created=filed,
            deadline=self.calendars[item.calendar].add_working_seconds(
                filed, int(item.hours * 3600)),
            first_response=tested, solved=None, state="client testing",
            form={**item.form, "description": item.body})

    def number(self, created: dt.datetime) -> str:
        """The next ticket number of ``created``'s day."""
        key = f"{created:%Y%m%d}"
        self.counters[key] += 1
        used = int(self.used.get(key) or 0) + self.counters[key]
        return ticket_number(created.date(), self.system_id, used)

    def _form(self, item: y.YearItem, store: str | None) -> dict[str, Any]:
        rng = self.rng
        form: dict[str, Any] = {**item.form, "description": item.body}
        if item.id == "it.pos-down":
            register = rng.randint(1, 6)
            impact = rng.choices(["one-register", "several-registers", "whole-store"],
                                 weights=[80, 15, 5])[0]
            form.update(register=register, impact=impact,
                        serial=f"POS-{(store or 'x')[-3:]}-{register:02d}")
        elif item.id == "it.price-tag-printer" and store:
            model = self.models[store]
            form.update(model=model, serial=f"{model.split()[-1]}-{store[-3:]}")
        elif item.id == "it.receipt-printer":
            form.update(register=rng.randint(1, 6))
        elif item.id == "customer-service.shopper-feedback":
            topics, weights = zip(*y.FEEDBACK_TOPICS, strict=True)
            form.update(topic=rng.choices(topics, weights=weights)[0], message=item.body)
        if store and item.who != "store":
            form.setdefault("store", store)
        return form

    def _deadline(self, item: y.YearItem, store: str | None, created: dt.datetime,
                  form: dict[str, Any]) -> dt.datetime:
        hours = item.hours
        if store in self.flagships and item.id in y.FLAGSHIP_RULE_ITEMS:
            hours *= y.FLAGSHIP_HOURS
        if form.get("impact") == "whole-store":
            hours = min(hours, 2)
        return self.calendars[item.calendar].add_working_seconds(created, int(hours * 3600))

    def _solved(self, item: y.YearItem, store: str | None, created: dt.datetime,
                deadline: dt.datetime, slow: bool) -> dt.datetime | None:
        """When the request was solved; ``None`` for the few forgotten ones."""
        rng = self.rng
        recent = created >= self.now - dt.timedelta(days=STUCK_DAYS)
        if recent and rng.random() < STUCK_SHARE:
            return None
        median = 0.4
        if store in self.flagships and item.id in y.FLAGSHIP_RULE_ITEMS:
            median = 0.75  # the same team, half the time
        if slow:
            median *= 1.25  # spare parts for the bad model wait; the New Year rush
        calendar = self.calendars[item.calendar]
        allowed = calendar.working_seconds(created, deadline) or int(item.hours * 3600)
        ratio = rng.lognormvariate(math.log(median), 0.8)
        return calendar.add_working_seconds(created, max(600, int(ratio * allowed)))

    def _first_response(self, item: y.YearItem, created: dt.datetime,
                        solved: dt.datetime | None) -> dt.datetime | None:
        sla_name = sla_for(item.service)
        sla = self.slas.get(sla_name) if sla_name else None
        minutes = sla.first_response_time if sla is not None else 60
        ratio = self.rng.lognormvariate(math.log(0.35), 0.9)
        first = self.calendars["office"].add_working_seconds(
            created, max(120, int(ratio * minutes * 60)))
        if solved is not None and first >= solved:
            first = created + (solved - created) / 3
        first = first.replace(microsecond=0)
        return first if first <= self.now else None

    def _state(self, solved: dt.datetime | None, first: dt.datetime | None) -> str:
        rng = self.rng
        if solved is not None and solved <= self.now:
            return "closed successful" if rng.random() < 0.96 else "closed unsuccessful"
        if first is None:
            return "new"
        return rng.choices(["open", "pending reminder"], weights=[4, 1])[0]

    def _rating(self, t: YearTicket) -> YearRating | None:
        rng = self.rng
        if (t.solved is None or not t.state.startswith("closed") or t.item.who
                not in ("store", "any") or rng.random() >= y.RATED_SHARE):
            return None
        weights = y.RATINGS_LATE if t.late else y.RATINGS_ON_TIME
        rating = rng.choices(range(1, 6), weights=weights)[0]
        comment = rng.choice(y.POOR_COMMENTS if rating <= 2 else y.GOOD_COMMENTS)
        rated_at = min(self.now, t.solved + dt.timedelta(minutes=rng.randrange(30, 48 * 60)))
        return YearRating(rating, comment, rated_at)


def _day_weight(day: dt.date) -> float:
    if y.is_holiday(day):
        return y.HOLIDAY_WEIGHT
    weight = y.WEEKDAY_WEIGHTS[day.weekday()]
    before = [day - dt.timedelta(days=n) for n in (1, 2, 3)]
    if weight >= 1 and all(d.weekday() >= 5 or y.is_holiday(d) for d in before):
        weight = max(weight, y.AFTER_HOLIDAYS_WEIGHT)
    return weight


def _staff(conn: Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    rows = conn.execute(select(s.customer_user.c.login, s.customer_user.c.customer_id)
                        .order_by(s.customer_user.c.login))
    for login, company in rows:
        out.setdefault(company, []).append(login)
    return out


def plan_year(conn: Connection, now: dt.datetime, count: int,
              seed: int) -> tuple[list[YearTicket], Counter[str]]:
    """The year's requests, oldest first, numbered after the tickets already stored; and how
    many ticket numbers each day used (Znuny's daily counters)."""
    plan = _Plan(conn, random.Random(seed), now)
    waiting = [plan.waiting_for_test()] if count > 1 else []
    tickets = [plan.ticket(day) for day in sorted(plan.days(count - len(waiting)))]
    tickets = sorted([*tickets, *waiting], key=lambda t: t.created)
    first = min((t.id for t in tickets), default=0)
    for n, t in enumerate(tickets):  # ids and daily numbers in order of creation
        t.id, t.number = first + n, plan.number(t.created)
    return tickets, plan.counters


def skip_year(data_dir: Path | str) -> None:
    """Record that the sandbox in ``data_dir`` gets no year (``radiant-ext demo --empty``, or
    tickets made before): :func:`generate_year` adds nothing to it later."""
    engine = make_engine(Path(data_dir))
    try:
        with engine.begin() as conn:
            if read_settings(conn).get(HISTORY_SETTING) is None:
                write_setting(conn, HISTORY_SETTING, {"tickets": 0})
    finally:
        engine.dispose()


def has_tickets(data_dir: Path | str) -> bool:
    """Whether the sandbox in ``data_dir`` holds any ticket."""
    engine = make_engine(Path(data_dir))
    try:
        with engine.connect() as conn:
            return conn.execute(select(s.ticket.c.id).limit(1)).first() is not None
    finally:
        engine.dispose()


def history_of(data_dir: Path | str) -> dict[str, Any] | None:
    """The recorded year of a sandbox (``tickets``, ``seed``, ``now``), or ``None``."""
    engine = make_engine(Path(data_dir))
    try:
        with engine.connect() as conn:
            value = read_settings(conn).get(HISTORY_SETTING)
    finally:
        engine.dispose()
    return value if isinstance(value, dict) else None


def generate_year(data_dir: Path | str, now: dt.datetime, *, tickets: int = 4000,
                  seed: int = 2026) -> list[YearTicket] | None:
    """Write a year of requests ending at ``now`` into the retail sandbox in ``data_dir``.

    :param now: the end of the year (aware, or naive UTC); usually the sandbox's clock.
    :returns: the requests written, oldest first; ``None`` when the sandbox has its year
        already (nothing is added).
    :raises SandboxError: when the sandbox holds another seed than ``retail``.
    """
    from radiant_ext_sandbox.app import create_app

    if now.tzinfo is not None:
        now = now.astimezone(dt.UTC).replace(tzinfo=None)
    now = now.replace(microsecond=0)
    create_app(data_dir)  # seeds ``retail`` on an empty folder
    engine = make_engine(Path(data_dir))
    try:
        with engine.begin() as conn:
            settings = read_settings(conn)
            if settings.get("seed") != "retail":
                raise SandboxError("a year of history needs the retail seed")
            if settings.get(HISTORY_SETTING) is not None:
                return None
            planned, counters = plan_year(conn, now, tickets, seed)
            _Writer(conn).write(planned)
            _store_counters(conn, counters)
            write_setting(conn, HISTORY_SETTING, {
                "tickets": len(planned), "seed": seed, "now": now.isoformat(" ")})
    finally:
        engine.dispose()
    return planned


class _Writer:
    """Turns planned requests into the rows of Znuny's tables."""

    TABLES = ("ticket", "article", "article_data_mime", "ticket_history", "dynamic_field_value")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.services, self.types = _ids(conn, s.service), _ids(conn, s.ticket_type)
        self.queues, self.states = _ids(conn, s.queue), _ids(conn, s.ticket_state)
        self.fields, self.agents = _ids(conn, s.dynamic_field), _ids(conn, s.users, "login")
        self.slas = _ids(conn, s.sla)
        self.next_article = (conn.execute(select(func.max(s.article.c.id))).scalar() or 0) + 1

    def write(self, tickets: list[YearTicket], batch: int = 2000) -> None:
        """Insert ``tickets`` with their articles, history and dynamic fields."""
        for start in range(0, len(tickets), batch):
            rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.TABLES}
            for t in tickets[start:start + batch]:
                rows["ticket"].append(self._ticket(t))
                self._articles(rows, t)
                rows["dynamic_field_value"].extend(self._fields(t))
            for name in self.TABLES:
                _bulk(self.conn, name, rows[name])

    def _ticket(self, t: YearTicket) -> dict[str, Any]:
        sla = sla_for(t.item.service)
        open_ = not t.state.startswith("closed")
        running = epoch_of(t.deadline) if open_ and sla else 0
        changed = t.solved if not open_ and t.solved else (t.first_response or t.created)
        return {
            "id": t.id, "tn": t.number, "title": t.title,
            "queue_id": self.queues[t.item.queue], "ticket_lock_id": 1,
            "type_id": self.types[t.item.kind], "service_id": self.services[t.item.service],
            "sla_id": self.slas.get(sla) if sla else None,
            "user_id": self.agents.get(t.owner, 1), "responsible_user_id": 1,
            "ticket_priority_id": t.item.priority, "ticket_state_id": self.states[t.state],
            "customer_id": t.company, "customer_user_id": t.user, "timeout": 0,
            "until_time": 0, "escalation_time": running, "escalation_update_time": 0,
            "escalation_response_time": 0, "escalation_solution_time": running,
            "archive_flag": 0, "create_time": t.created, "create_by": 1,
            "change_time": changed, "change_by": self.agents.get(t.owner, 1),
        }

    def _articles(self, rows: dict[str, list[dict[str, Any]]], t: YearTicket) -> None:
        """The request, the owner's first answer and, when solved, the solution."""
        items = [(t.created, 3, f"{t.user}@retail.example", t.item.body, 1, "new")]
        open_state = "open" if t.state.startswith("closed") else t.state
        if t.first_response is not None:
            answer = ("Fixed on the test system: please check it and tell us whether it works."
                      if t.item.id == y.SOFTWARE_DEFECT.id else "We are on it.")
            items.append((t.first_response, 1, "Service desk", answer, 15, open_state))
        if t.state.startswith("closed") and t.solved is not None:
            items.append((t.solved, 1, "Service desk", "Solved, please check.", 27, t.state))
        for when, sender, frm, text, history_type, state in items:
            aid = self.next_article
            self.next_article += 1
            audit = {"create_time": when, "create_by": 1, "change_time": when, "change_by": 1}
            rows["article"].append({
                "id": aid, "ticket_id": t.id, "article_sender_type_id": sender,
                "communication_channel_id": 3, "is_visible_for_customer": 1,
                "search_index_needs_rebuild": 0, **audit})
            rows["article_data_mime"].append({
                "article_id": aid, "a_from": frm, "a_to": t.item.queue, "a_cc": "", "a_bcc": "",
                "a_reply_to": "", "a_subject": t.title[:80], "a_message_id": "",
                "a_in_reply_to": "", "a_references": "",
                "a_content_type": "text/plain; charset=utf-8", "a_body": text,
                "incoming_time": epoch_of(when), **audit})
            rows["ticket_history"].append({
                "name": "%%Portal request" if sender == 3 else "%%Answer",
                "history_type_id": history_type, "ticket_id": t.id, "article_id": aid,
                "type_id": self.types[t.item.kind], "queue_id": self.queues[t.item.queue],
                "owner_id": self.agents.get(t.owner, 1), "priority_id": t.item.priority,
                "state_id": self.states[state], **audit})

    def _fields(self, t: YearTicket) -> list[dict[str, Any]]:
        values: list[tuple[str, Any]] = [("RadiantCategory", t.item.id),
                                         ("RadiantRequestID", t.request_id),
                                         ("RadiantDeadline", t.deadline)]
        if t.store:
            values.append(("RadiantStore", t.store))
        out = []
        for name, value in values:
            is_date = isinstance(value, dt.datetime)
            out.append({"field_id": self.fields[name], "object_id": t.id, "value_int": None,
                        "value_text": None if is_date else value,
                        "value_date": value if is_date else None})
        return out
