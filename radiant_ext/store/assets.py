"""The asset index: the serial numbers and asset models of each ticket, read once per change.

* ``report_asset`` holds one row per ticket and asset field: the catalog item, the field id,
  the value as typed (without surrounding spaces) and its case-folded key, the device (a
  digest of the three), the ticket's creation time, store (``RadiantStore``, else the customer
  company), customer company and whether it is open. Indexed so the ``assets`` report groups
  a period's rows by device from one index range (``created``, ``device``, ``open``), then
  reads the names of the devices it shows (``device`` first).
* ``report_asset_dirty`` is filled by database triggers on ``ticket_cache`` (insert, delete, and
  an update of a column the index reads), whoever writes: the pull, the webhook, the outbox,
  plain SQL.
* ``report_asset_state`` records which asset fields the index was extracted by (a fingerprint
  of the catalogs' asset fields): another set of fields leaves it unused until rebuilt.
* ``report_asset_total`` and ``report_asset_keys`` keep every device's tickets up to the end
  of each 8-day block of UTC days as one packed row per block (as ``report_pair_total`` does
  for the store × item pairs), so a period's counts per device are two rows and its edges.

Which fields count is a rule of the reports (:mod:`radiant_ext.reports.asset_index`); the store
only keeps the rows. See ``docs/reports.md``, "Assets".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
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

from radiant_ext.store.models import Base, TicketCache

__all__ = [
    "ASSET_VALUE_LIMIT",
    "ASSET_WATCHED_COLUMNS",
    "ReportAsset",
    "ReportAssetDirty",
    "ReportAssetKeys",
    "ReportAssetState",
    "ReportAssetTotal",
    "asset_drop_trigger_statements",
    "asset_trigger_statements",
]

ASSET_VALUE_LIMIT = 200
"""Characters of a typed value kept: a longer serial number counts by its first 200."""

ASSET_WATCHED_COLUMNS = ("ticket_id", "form_values", "category", "state_type", "created",
                         "store", "customer_id")
"""The ``ticket_cache`` columns the index reads: an update of another one is not a change."""


class ReportAsset(Base):
    """One asset value of one ticket: what the ``assets`` report groups and counts."""

    __tablename__ = "report_asset"
    __table_args__ = (
        Index("ix_report_asset_period", "created", "device", "open"),
        Index("ix_report_asset_device", "device", "created", "item", "field", "value"),
        Index("ix_report_asset_store", "store", "created"),
        Index("ix_report_asset_customer", "customer_id", "created"),
        Index("ix_report_asset_open", "open", "created", "device"),
    )

    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    field: Mapped[str] = mapped_column(String(100), primary_key=True)
    item: Mapped[str] = mapped_column(String(200))
    value_key: Mapped[str] = mapped_column(String(ASSET_VALUE_LIMIT))
    """The value without surrounding spaces, case-folded: what makes two tickets one device."""
    value: Mapped[str] = mapped_column(String(ASSET_VALUE_LIMIT))
    device: Mapped[int] = mapped_column(BigInteger)
    """A 64-bit digest of (item, field, value key): the device as one number, so a period's
    rows are grouped by an integer."""
    created: Mapped[datetime | None]
    store: Mapped[str | None] = mapped_column(String(200))
    """``RadiantStore``, else the customer company (the reports' store)."""
    customer_id: Mapped[str | None] = mapped_column(String(200))
    open: Mapped[int] = mapped_column(SmallInteger)


class ReportAssetDirty(Base):
    """A change of a ticket the asset index has not taken in yet (written by triggers)."""

    __tablename__ = "report_asset_dirty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger)


class ReportAssetState(Base):
    """How the asset index was built: one row, locked by whoever changes the index."""

    __tablename__ = "report_asset_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rule: Mapped[str | None] = mapped_column(String(64))
    """The fingerprint of the asset fields the values were extracted by; ``None``: never
    built."""
    built_at: Mapped[datetime | None]


class ReportAssetTotal(Base):
    """Every device's tickets (index rows) created up to the end of one 8-day block of UTC
    days (the 1st–8th, 9th–16th, 17th–24th, 25th to the month's end), packed as 32-bit
    little-endian integers in the order of ``report_asset_keys`` (a device added later reads
    as 0 where the row is shorter). A row for every block from the first to the newest."""

    __tablename__ = "report_asset_total"

    start: Mapped[date] = mapped_column(Date, primary_key=True)
    """The block's first day (UTC)."""
    tickets: Mapped[bytes] = mapped_column(LargeBinary)


class ReportAssetKeys(Base):
    """The devices of ``report_asset_total`` (decimal device numbers), in its order, in one
    row (``id`` 1): a new device is appended, so a position never changes until a rebuild."""

    __tablename__ = "report_asset_keys"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    keys: Mapped[str] = mapped_column(Text)
    """The device numbers joined by the record separator (``\\x1e``)."""


Index("ix_ticket_cache_category_created", TicketCache.category, TicketCache.created)
"""One catalog item's tickets of a period from one index range (the guest feedback page)."""


def asset_trigger_statements(dialect: str) -> list[str]:
    """The DDL of the triggers that record every change of ``ticket_cache`` the asset index
    reads in ``report_asset_dirty`` (SQLite or PostgreSQL; other databases get none).

    Tickets without form values before and after (e-mail tickets) have no asset values and
    are not recorded."""
    if dialect == "sqlite":
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in ASSET_WATCHED_COLUMNS)
        insert = "INSERT INTO report_asset_dirty (ticket_id) VALUES"
        return [
            f"CREATE TRIGGER report_asset_dirty_insert AFTER INSERT ON ticket_cache "
            f"WHEN NEW.form_values IS NOT NULL BEGIN {insert} (NEW.ticket_id); END",
            f"CREATE TRIGGER report_asset_dirty_update AFTER UPDATE ON ticket_cache "
            f"WHEN (OLD.form_values IS NOT NULL OR NEW.form_values IS NOT NULL) AND ({changed}) "
            f"BEGIN {insert} (OLD.ticket_id); {insert} (NEW.ticket_id); END",
            f"CREATE TRIGGER report_asset_dirty_delete AFTER DELETE ON ticket_cache "
            f"WHEN OLD.form_values IS NOT NULL BEGIN {insert} (OLD.ticket_id); END",
        ]
    if dialect == "postgresql":
        changed = " OR ".join(
            f"OLD.{c}::text IS DISTINCT FROM NEW.{c}::text" if c == "form_values"
            else f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ASSET_WATCHED_COLUMNS)
        return [
            "CREATE FUNCTION report_asset_dirty_mark() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF TG_OP <> 'INSERT' THEN INSERT INTO report_asset_dirty (ticket_id) "
            "VALUES (OLD.ticket_id); END IF; "
            "IF TG_OP <> 'DELETE' THEN INSERT INTO report_asset_dirty (ticket_id) "
            "VALUES (NEW.ticket_id); END IF; RETURN NULL; END $$",
            "CREATE TRIGGER report_asset_dirty_insert AFTER INSERT ON ticket_cache "
            "FOR EACH ROW WHEN (NEW.form_values IS NOT NULL) "
            "EXECUTE FUNCTION report_asset_dirty_mark()",
            "CREATE TRIGGER report_asset_dirty_delete AFTER DELETE ON ticket_cache "
            "FOR EACH ROW WHEN (OLD.form_values IS NOT NULL) "
            "EXECUTE FUNCTION report_asset_dirty_mark()",
            f"CREATE TRIGGER report_asset_dirty_update AFTER UPDATE ON ticket_cache "
            f"FOR EACH ROW WHEN ((OLD.form_values IS NOT NULL OR NEW.form_values IS NOT NULL) "
            f"AND ({changed})) EXECUTE FUNCTION report_asset_dirty_mark()",
        ]
    return []


def asset_drop_trigger_statements(dialect: str) -> list[str]:
    """The DDL that removes what :func:`asset_trigger_statements` made."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS report_asset_dirty_{op}"
                for op in ("insert", "update", "delete")]
    if dialect == "postgresql":
        return [*(f"DROP TRIGGER IF EXISTS report_asset_dirty_{op} ON ticket_cache"
                  for op in ("insert", "update", "delete")),
                "DROP FUNCTION IF EXISTS report_asset_dirty_mark()"]
    return []


@event.listens_for(Base.metadata, "after_create")
def _create_asset_triggers(target: object, connection: Connection, **kw: Any) -> None:
    """``metadata.create_all`` (tests, the sandbox) gets the triggers as migrations do."""
    made = {t.name for t in kw.get("tables") or ()}
    if {ReportAssetDirty.__tablename__, TicketCache.__tablename__} <= made:
        for statement in asset_trigger_statements(connection.dialect.name):
            connection.execute(text(statement))
