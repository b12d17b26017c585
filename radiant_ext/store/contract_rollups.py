"""The contract roll-ups: penalty and outage figures of settled tickets, kept ticket by ticket.

* ``contract_cell`` sums per *family* (``p``: penalties, ``o``: outages), block of local
  creation days (``level`` 0–4 as in ``report_cell``: a day, 2, 4, 8 days, the month) and two
  keys: for ``p`` the rule id and the local month of the solution deadline (``YYYY-MM``), for
  ``o`` the store and the catalog item. ``tickets`` counts the deadlines due (``p``) or the
  outages (``o``); ``missed`` and ``late_hours`` are a rule's misses beyond its grace and their
  started hours late; ``seconds`` the outage seconds that count (trading hours), whole
  seconds so that sums in any order are exact.
* ``contract_contribution`` remembers what each settled ticket added (one row per rule that
  covers it and one for its outage), so a change takes exactly that back out.
* ``contract_live`` lists the tickets whose figures still grow with the clock (open past a
  deadline, an outage not yet over) with the cache columns the contract figures read, kept
  with them (a change of any of those columns is recorded and taken in like any other):
  reports read the live tickets from it, not from ``ticket_cache``.
* ``contract_dirty`` is filled by triggers of its own on ``ticket_cache``, like
  ``report_dirty``, so the two families are refreshed independently.
* ``contract_rollup_state`` records the zone, the clock and the *fingerprint* of the settings
  the figures depend on (penalty scopes and grace, item calendars, store trading hours).
* ``contract_month_version`` counts the changes of each local month's outage cells (a
  refresh that changes one adds one; never reset), and ``contract_price_memo`` keeps what the
  downtime pages priced from one month's settled outage cells, with the version it was read
  at: valid while the month's version, the rates and tiers, and the build stay the same.
  ``contract_month_change`` names the store × item keys each version changed (of the newest
  versions of each month), so a page brings a kept month up to date by pricing those alone.

See ``docs/reports.md``, "Contract roll-ups".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, SmallInteger, String, Text, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from radiant_ext.store.models import Base, TicketCache, UTCDateTime
from radiant_ext.store.rollups import dirty_triggers, drop_dirty_triggers

__all__ = [
    "CONTRACT_WATCHED_COLUMNS",
    "ContractCell",
    "ContractContribution",
    "ContractDirty",
    "ContractLive",
    "ContractMonthChange",
    "ContractMonthVersion",
    "ContractPriceMemo",
    "ContractRollupState",
    "contract_drop_trigger_statements",
    "contract_trigger_statements",
]

CONTRACT_WATCHED_COLUMNS = ("ticket_id", "state_type", "store", "customer_id", "category",
                            "sla", "created", "changed", "closed", "solution_deadline",
                            "promised_deadline")
"""The ``ticket_cache`` columns the contract figures read (``changed``: the end of an outage
closed without a close time)."""


class ContractCell(Base):
    """The summed contract figures of one family, block of creation days and pair of keys."""

    __tablename__ = "contract_cell"

    family: Mapped[str] = mapped_column(String(1), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    k1: Mapped[str] = mapped_column(String(200), primary_key=True)
    k2: Mapped[str] = mapped_column(String(200), primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)
    late_hours: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)


class ContractContribution(Base):
    """What one settled ticket added to one family and first key."""

    __tablename__ = "contract_contribution"

    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    family: Mapped[str] = mapped_column(String(1), primary_key=True)
    k1: Mapped[str] = mapped_column(String(200), primary_key=True)
    k2: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    """The local day of creation in the report zone."""
    tickets: Mapped[int] = mapped_column(SmallInteger)
    missed: Mapped[int] = mapped_column(SmallInteger)
    late_hours: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[int] = mapped_column(BigInteger)


class ContractLive(Base):
    """A ticket whose contract figures depend on the clock, with the cache columns they read
    (as of the last refresh: a page refreshes before it reads)."""

    __tablename__ = "contract_live"

    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    item: Mapped[str | None] = mapped_column(String(200))
    """The ticket's catalog item (``category``)."""
    store: Mapped[str | None] = mapped_column(String(200))
    """``store``, else the customer company."""
    sla: Mapped[str | None] = mapped_column(String(200))
    state_type: Mapped[str | None] = mapped_column(String(200))
    created: Mapped[datetime | None]
    changed: Mapped[datetime | None]
    closed: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    """The solution deadline: the promised one, else Znuny's solution escalation."""


class ContractDirty(Base):
    """A change of a ticket the contract roll-ups have not taken in yet (written by triggers)."""

    __tablename__ = "contract_dirty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger)


class ContractRollupState(Base):
    """How the contract roll-ups were built: one row, locked by whoever changes them."""

    __tablename__ = "contract_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    """Hash of the zone and the settings the figures depend on; ``None``: never built."""
    as_of: Mapped[datetime | None]
    built_at: Mapped[datetime | None]


class ContractMonthVersion(Base):
    """How often the outage cells of one local month of creation changed since the table began
    (a refresh that changes any adds one; a rebuild leaves it, so a number never comes back)."""

    __tablename__ = "contract_month_version"

    month: Mapped[date] = mapped_column(Date, primary_key=True, autoincrement=False)
    """The month's first day."""
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class ContractMonthChange(Base):
    """A store × item key whose outage cells one version of a month changed (the refresh
    writes them with the version; only the newest versions of each month are kept)."""

    __tablename__ = "contract_month_change"

    month: Mapped[date] = mapped_column(Date, primary_key=True, autoincrement=False)
    """The month's first day."""
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    """The month's :class:`ContractMonthVersion` the change made."""
    k1: Mapped[str] = mapped_column(String(200), primary_key=True)
    """The store (``""``: none)."""
    k2: Mapped[str] = mapped_column(String(200), primary_key=True)
    """The catalog item."""


class ContractPriceMemo(Base):
    """What a downtime page priced from the settled outage cells of one month's days."""

    __tablename__ = "contract_price_memo"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Hash of the rates and tiers, the build, the page's figure and the days."""
    month: Mapped[date] = mapped_column(Date, index=True)
    version: Mapped[int] = mapped_column(BigInteger)
    """The month's :class:`ContractMonthVersion` when its cells were read."""
    figures: Mapped[str] = mapped_column(Text)
    """JSON."""
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)


def contract_trigger_statements(dialect: str) -> list[str]:
    """The DDL of the triggers that record every change of ``ticket_cache`` the contract
    figures read in ``contract_dirty`` (:func:`~radiant_ext.store.rollups.dirty_triggers`)."""
    return dirty_triggers(dialect, "contract_dirty", CONTRACT_WATCHED_COLUMNS)


def contract_drop_trigger_statements(dialect: str) -> list[str]:
    """The DDL that removes what :func:`contract_trigger_statements` made."""
    return drop_dirty_triggers(dialect, "contract_dirty")


@event.listens_for(Base.metadata, "after_create")
def _create_triggers(target: object, connection: Connection, **kw: Any) -> None:
    """``metadata.create_all`` (tests, the sandbox) gets the triggers as migrations do."""
    made = {t.name for t in kw.get("tables") or ()}
    if {ContractDirty.__tablename__, TicketCache.__tablename__} <= made:
        for statement in contract_trigger_statements(connection.dialect.name):
            connection.execute(text(statement))
