"""The reports' roll-ups: ticket figures summed per period cell, kept current ticket by ticket.

* ``report_cell`` holds the sums of the settled tickets (closed, with figures that no longer
  change) per *cube* (``n``: all; ``wh``: local weekday and hour; ``item``; ``store``;
  ``owner``, ``rowner``; ``pair``: store × item), per *block* of local days (``level`` 0:
  one day, 1: two, 2: four, 3: eight days aligned on the day of the month, 4: the whole
  month) and per key.
* ``report_pair_total`` holds the ``pair`` cube's running totals per 8-day block, every
  pair's in one row (``report_pair_keys`` names them), so ``recurring`` reads two rows for
  a period.
* ``report_contribution`` remembers what each settled ticket added, so a change takes
  exactly that back out (:mod:`radiant_ext.reports.rollups`).
* ``report_live`` lists the tickets whose figures still depend on the clock (open ones):
  reports read those from ``ticket_cache`` itself.
* ``report_key`` lists the item and store keys that have month cells, so a page's choices
  need not read the cells for them.
* ``report_dirty`` is filled by database triggers on ``ticket_cache`` (insert, delete, and an
  update of a column the roll-ups read) and on ``satisfaction_rating`` (a rating given,
  changed or removed), whoever writes: the pull's bulk insert, the webhook, the outbox, the
  deadline watcher, the portal's rating form, plain SQL.
* ``report_rollup_state`` records the time zone the cells were cut in and the time the
  settled tickets were judged at; a zone change leaves the roll-ups unused until rebuilt.

See ``docs/reports.md``, "Roll-ups".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.schema import Table

from radiant_ext.store.models import Base, TicketCache

__all__ = [
    "GROUP_COLUMNS",
    "HIST_BUCKETS",
    "HIST_COLUMNS",
    "HIST_GROUP",
    "LIVE_COPIED",
    "RATING_WATCHED_COLUMNS",
    "ReportCell",
    "ReportContribution",
    "ReportDirty",
    "ReportKey",
    "ReportLive",
    "ReportPairKeys",
    "ReportPairTotal",
    "ReportRollupState",
    "WATCHED_COLUMNS",
    "drop_rating_trigger_statements",
    "dirty_triggers",
    "drop_dirty_triggers",
    "drop_trigger_statements",
    "rating_trigger_statements",
    "trigger_statements",
    "watch_statements",
]

HIST_BUCKETS = (0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 75, 90, 110, 135, 165, 200,
                240, 300, 360, 450, 540, 660, 800, 960, 1200, 1440, 1800, 2160, 2700, 3240,
                4000, 4800, 6000, 7200, 9000, 10800, 13500, 16200, 20160, 25200, 30240, 37800,
                43200, 50400, 60480)
"""Lower edges (minutes) of the response and solution time histograms kept per cell: 5-minute
steps below an hour, then steps of at most a quarter of the edge (a percentile is shown as
its bucket's lower edge: exact to 5 minutes below an hour, at most 20 % low above)."""

WATCHED_COLUMNS = ("ticket_id", "state_type", "store", "customer_id", "category", "owner",
                   "created", "closed", "first_response_at", "first_response_minutes",
                   "solution_minutes", "first_response_deadline", "solution_deadline",
                   "promised_deadline", "state", "state_since")
"""The ``ticket_cache`` columns the roll-ups read: an update of another one is not a change."""

LIVE_COPIED = {name: "ticket_store" if name == "store" else name
               for name in WATCHED_COLUMNS if name != "ticket_id"}
"""The ``ticket_cache`` columns ``report_live`` copies (the watched ones), and the column
holding each copy."""

RATING_WATCHED_COLUMNS = ("ticket_id", "rating", "owner")
"""The ``satisfaction_rating`` columns the roll-ups read (the rating and the owner rated)."""


class ReportCell(Base):
    """The summed figures of the settled tickets of one cube, block of days and key."""

    __tablename__ = "report_cell"

    cube: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(401), primary_key=True)
    """The cube's key; a store × item pair is both ids (200 characters each) and a separator."""
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    r_met: Mapped[int] = mapped_column(Integer, default=0)
    r_missed: Mapped[int] = mapped_column(Integer, default=0)
    s_met: Mapped[int] = mapped_column(Integer, default=0)
    s_missed: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Settled tickets with a satisfaction rating, their ratings' sum and the poor ones
    (rated 2 or less)."""
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    poor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


HIST_COLUMNS = tuple(f"{m}_h{i:02d}" for m in ("r", "s") for i in range(len(HIST_BUCKETS)))
"""``r_h00`` … ``s_h47``: how many response (``r``) and solution (``s``) times fell in each
bucket of :data:`HIST_BUCKETS` (table columns, read through ``ReportCell.__table__.c``)."""

HIST_GROUP = 6
"""Histogram buckets per group column."""
GROUP_COLUMNS = tuple(f"{m}_g{i}" for m in ("r", "s")
                      for i in range(len(HIST_BUCKETS) // HIST_GROUP))
"""``r_g0`` … ``s_g7``: the histogram buckets summed :data:`HIST_GROUP` at a time (``r_g1`` =
``r_h06`` … ``r_h11``), so a page finds the group holding a percentile from 16 columns and
then sums only that group's buckets, instead of all 96 for every key."""

_cells: Table = ReportCell.__table__  # type: ignore[assignment]
for _name in (*HIST_COLUMNS, *GROUP_COLUMNS):
    _cells.append_column(Column(_name, Integer, nullable=False, default=0, server_default="0"))
Index("ix_report_cell_pair", _cells.c.level, _cells.c.start, _cells.c.key, _cells.c.tickets,
      postgresql_where=text("cube = 'pair'")).ddl_if(dialect="postgresql")
"""``recurring`` reads the ``pair`` cells of a period's edge days (some 800 a day at a million
tickets) from this index alone on PostgreSQL, where each wide cell row read through the
primary key was a page of its own (9 ms against 1.4 for the day of the benchmark's default
period); SQLite reads them as fast through its primary key, so it has no such index."""


class ReportPairTotal(Base):
    """The running totals of the ``pair`` cube up to the end of one 8-day block of local days
    (level 3): the settled tickets of every store × item pair from its first block, packed
    as 32-bit little-endian integers in the order of ``report_pair_keys`` (a pair added later
    reads as 0 where the row is shorter). A row for every block from the first block of any
    pair to the newest."""

    __tablename__ = "report_pair_total"

    start: Mapped[date] = mapped_column(Date, primary_key=True)
    """The block's first day (the 1st, 9th, 17th or 25th of a month)."""
    tickets: Mapped[bytes] = mapped_column(LargeBinary)


class ReportPairKeys(Base):
    """The store × item pair keys of ``report_pair_total``, in its order, in one row (``id``
    1): a new pair is appended, so a position never changes until a rebuild."""

    __tablename__ = "report_pair_keys"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    keys: Mapped[str] = mapped_column(Text)
    """The keys joined by the record separator (``\\x1e``, in no store or item id)."""


class ReportContribution(Base):
    """What one settled ticket added to the cells (its keys and figures)."""

    __tablename__ = "report_contribution"

    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date)
    """The local day of creation in the report zone."""
    b1: Mapped[date] = mapped_column(Date)
    b2: Mapped[date] = mapped_column(Date)
    b3: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    """The first days of the ticket's 2-, 4- and 8-day blocks and of its month."""
    weekday_hour: Mapped[str] = mapped_column(String(8))
    store: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))
    r_met: Mapped[int] = mapped_column(SmallInteger)
    r_missed: Mapped[int] = mapped_column(SmallInteger)
    s_met: Mapped[int] = mapped_column(SmallInteger)
    s_missed: Mapped[int] = mapped_column(SmallInteger)
    r_bucket: Mapped[int | None] = mapped_column(SmallInteger)
    s_bucket: Mapped[int | None] = mapped_column(SmallInteger)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    """The ticket's satisfaction rating, if it has one."""
    rating_owner: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """The owner the rating was given for, else the current owner (``satisfaction-owners``)."""


class ReportLive(Base):
    """A ticket whose figures depend on the clock, with a copy of the cache columns its
    figures are made of (``LIVE_COPIED``): every report adds the live tickets to its cells
    reading these rows, not the million-row cache.

    The copy is exact whenever the roll-ups answer a page: each copied column is watched by
    the ``report_dirty`` triggers, and a page reads the live tickets only after taking in
    every recorded change (``rollup_read``)."""

    __tablename__ = "report_live"

    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    item: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Its catalog item and store when it was taken in: the report choices' keys, read
    without a join to the cache."""
    store: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ticket_store: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The cache's ``store`` (``store`` above is the key: the store, else the company)."""
    state_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    customer_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created: Mapped[datetime | None]
    closed: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    first_response_minutes: Mapped[int | None]
    solution_minutes: Mapped[int | None]
    first_response_deadline: Mapped[datetime | None]
    promised_deadline: Mapped[datetime | None]
    solution_deadline: Mapped[datetime | None]
    state: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state_since: Mapped[datetime | None]
    """The state and when the ticket entered it: the pages of open tickets (every open ticket
    is live) group them by workflow step and time in the step."""


class ReportKey(Base):
    """A key of the ``item`` or ``store`` cube that has a month cell: the keys of the settled
    tickets, kept with the cells (a key goes when its last month cell does)."""

    __tablename__ = "report_key"

    cube: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(401), primary_key=True)


class ReportDirty(Base):
    """A change of a ticket the roll-ups have not taken in yet (written by triggers)."""

    __tablename__ = "report_dirty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger)


class ReportRollupState(Base):
    """How the roll-ups were built: one row, locked by whoever changes them."""

    __tablename__ = "report_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time_zone: Mapped[str | None] = mapped_column(String(100))
    """The report zone the days were cut in; ``None``: never built."""
    as_of: Mapped[datetime | None]
    """Tickets were judged settled at this time: reports for an earlier ``now`` skip the
    roll-ups."""
    built_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=0)


def dirty_triggers(dialect: str, dirty: str, watched: Sequence[str]) -> list[str]:
    """The DDL of the triggers that record in table ``dirty`` every insert and delete of a
    ``ticket_cache`` row and every update of one of its ``watched`` columns (SQLite or
    PostgreSQL; other databases get none). Triggers ``<dirty>_insert``, ``_update``,
    ``_delete`` (PostgreSQL: the first covers deletes too, through ``<dirty>_mark()``)."""
    insert = f"INSERT INTO {dirty} (ticket_id) VALUES"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {dirty}_insert AFTER INSERT ON ticket_cache BEGIN "
            f"{insert} (NEW.ticket_id); END",
            *_update_trigger(dialect, dirty, watched),
            f"CREATE TRIGGER {dirty}_delete AFTER DELETE ON ticket_cache BEGIN "
            f"{insert} (OLD.ticket_id); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE FUNCTION {dirty}_mark() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP <> 'INSERT' THEN {insert} (OLD.ticket_id); END IF; "
            f"IF TG_OP <> 'DELETE' THEN {insert} (NEW.ticket_id); END IF; RETURN NULL; END $$",
            f"CREATE TRIGGER {dirty}_insert AFTER INSERT OR DELETE ON ticket_cache "
            f"FOR EACH ROW EXECUTE FUNCTION {dirty}_mark()",
            *_update_trigger(dialect, dirty, watched),
        ]
    return []


def _update_trigger(dialect: str, dirty: str, watched: Sequence[str]) -> list[str]:
    insert = f"INSERT INTO {dirty} (ticket_id) VALUES"
    if dialect == "sqlite":
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watched)
        return [f"CREATE TRIGGER {dirty}_update AFTER UPDATE ON ticket_cache "
                f"WHEN {changed} BEGIN {insert} (OLD.ticket_id); {insert} (NEW.ticket_id); END"]
    if dialect == "postgresql":
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in watched)
        return [f"CREATE TRIGGER {dirty}_update AFTER UPDATE ON ticket_cache FOR EACH ROW "
                f"WHEN ({changed}) EXECUTE FUNCTION {dirty}_mark()"]
    return []


def watch_statements(dialect: str, dirty: str, watched: Sequence[str]) -> list[str]:
    """The DDL that makes the update trigger of :func:`dirty_triggers` for table ``dirty``
    watch ``watched`` instead (a migration that changes the watched columns)."""
    if dialect not in ("sqlite", "postgresql"):
        return []
    table = " ON ticket_cache" if dialect == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {dirty}_update{table}",
            *_update_trigger(dialect, dirty, watched)]


def drop_dirty_triggers(dialect: str, dirty: str) -> list[str]:
    """The DDL that removes what :func:`dirty_triggers` made for table ``dirty``."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {dirty}_{op}" for op in ("insert", "update", "delete")]
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {dirty}_insert ON ticket_cache",
                f"DROP TRIGGER IF EXISTS {dirty}_update ON ticket_cache",
                f"DROP FUNCTION IF EXISTS {dirty}_mark()"]
    return []


def trigger_statements(dialect: str, watched: Sequence[str] = WATCHED_COLUMNS) -> list[str]:
    """The DDL of the triggers that record every change of ``ticket_cache`` the roll-ups
    read in ``report_dirty`` (:func:`dirty_triggers`; a migration names the columns it
    watched)."""
    return dirty_triggers(dialect, "report_dirty", watched)


def drop_trigger_statements(dialect: str) -> list[str]:
    """The DDL that removes what :func:`trigger_statements` made."""
    return drop_dirty_triggers(dialect, "report_dirty")


def rating_trigger_statements(dialect: str) -> list[str]:
    """The DDL of the triggers that record a rating given, changed (its value, owner or
    ticket) or removed in ``report_dirty``; PostgreSQL reuses :func:`trigger_statements`'
    function, so these come after those."""
    insert = "INSERT INTO report_dirty (ticket_id) VALUES"
    if dialect == "sqlite":
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in RATING_WATCHED_COLUMNS)
        return [
            f"CREATE TRIGGER report_dirty_rating_insert AFTER INSERT ON satisfaction_rating "
            f"BEGIN {insert} (NEW.ticket_id); END",
            f"CREATE TRIGGER report_dirty_rating_update AFTER UPDATE ON satisfaction_rating "
            f"WHEN {changed} BEGIN {insert} (OLD.ticket_id); {insert} (NEW.ticket_id); END",
            f"CREATE TRIGGER report_dirty_rating_delete AFTER DELETE ON satisfaction_rating "
            f"BEGIN {insert} (OLD.ticket_id); END",
        ]
    if dialect == "postgresql":
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}"
                              for c in RATING_WATCHED_COLUMNS)
        return [
            "CREATE TRIGGER report_dirty_rating_insert AFTER INSERT OR DELETE "
            "ON satisfaction_rating FOR EACH ROW EXECUTE FUNCTION report_dirty_mark()",
            f"CREATE TRIGGER report_dirty_rating_update AFTER UPDATE ON satisfaction_rating "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION report_dirty_mark()",
        ]
    return []


def drop_rating_trigger_statements(dialect: str) -> list[str]:
    """The DDL that removes what :func:`rating_trigger_statements` made."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS report_dirty_rating_{op}"
                for op in ("insert", "update", "delete")]
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS report_dirty_rating_{op} ON satisfaction_rating"
                for op in ("insert", "update")]
    return []


@event.listens_for(Base.metadata, "after_create")
def _create_triggers(target: object, connection: Connection, **kw: Any) -> None:
    """``metadata.create_all`` (tests, the sandbox) gets the triggers as migrations do."""
    made = {t.name for t in kw.get("tables") or ()}
    if {ReportDirty.__tablename__, TicketCache.__tablename__} <= made:
        for statement in trigger_statements(connection.dialect.name):
            connection.execute(text(statement))
        if "satisfaction_rating" in made:
            for statement in rating_trigger_statements(connection.dialect.name):
                connection.execute(text(statement))
