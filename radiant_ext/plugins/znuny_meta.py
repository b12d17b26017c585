"""Check catalog names against Znuny's metadata tables (read-only SQLAlchemy reader).

Stock GenericInterface cannot list queues, services or SLAs and does not reject unknown names
in a search, so names are read from Znuny's database (``RADIANT_ZNUNY_DB_URL``): the tables
``queue``, ``service``, ``sla``, ``service_sla``, ``ticket_type``, ``ticket_priority`` and
``dynamic_field``; only rows with ``valid_id = 1`` count (``shared/contract/znuny-db/``).
``customer_company`` gives the store directory the names of stores it lists without one.
The sandbox keeps the same tables, so one reader serves both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.errors import ZnunyMetadataError
from radiant_ext.plugins.models import priority_name

__all__ = [
    "RADIANT_DYNAMIC_FIELDS",
    "ZnunyNames",
    "check_items",
    "read_company_names",
    "read_znuny_names",
]

RADIANT_DYNAMIC_FIELDS = ("RadiantRequestID", "RadiantCategory", "RadiantStore", "RadiantDeadline")
"""Ticket dynamic fields every installation needs."""


@dataclass(frozen=True)
class ZnunyNames:
    """The valid names Znuny knows."""

    queues: frozenset[str]
    services: frozenset[str]
    slas: frozenset[str]
    service_slas: frozenset[tuple[str, str]]
    types: frozenset[str]
    priorities: frozenset[str]
    dynamic_fields: frozenset[str]
    sla_solution_minutes: Mapping[str, int] = field(default_factory=dict)
    """Each valid SLA's solution time in Znuny, in minutes (0: Znuny escalates none)."""


_QUERIES = {
    "queues": "SELECT name FROM queue WHERE valid_id = 1",
    "services": "SELECT name FROM service WHERE valid_id = 1",
    "slas": "SELECT name FROM sla WHERE valid_id = 1",
    "types": "SELECT name FROM ticket_type WHERE valid_id = 1",
    "priorities": "SELECT name FROM ticket_priority WHERE valid_id = 1",
    "dynamic_fields": "SELECT name FROM dynamic_field WHERE valid_id = 1 "
                      "AND object_type = 'Ticket'",
}
_SLA_TIMES = "SELECT name, solution_time FROM sla WHERE valid_id = 1"
_LINKS = (
    "SELECT s.name, l.name FROM service_sla x JOIN service s ON s.id = x.service_id "
    "JOIN sla l ON l.id = x.sla_id WHERE s.valid_id = 1 AND l.valid_id = 1"
)


def _normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _engine(url: str) -> Engine:
    try:
        return create_engine(_normalise(url))
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise ZnunyMetadataError(f"invalid Znuny database URL: {exc}") from exc


def _unreadable(exc: SQLAlchemyError) -> ZnunyMetadataError:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return ZnunyMetadataError(f"cannot read Znuny's metadata tables: {reason}")


def read_znuny_names(url: str) -> ZnunyNames:
    """Read the valid names from the Znuny database at ``url``.

    :raises ZnunyMetadataError: the database cannot be reached or lacks the tables.
    """
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            found = {key: frozenset(str(r[0]) for r in conn.execute(text(sql)))
                     for key, sql in _QUERIES.items()}
            links = frozenset((str(a), str(b)) for a, b in conn.execute(text(_LINKS)))
            times = {str(n): int(t or 0) for n, t in conn.execute(text(_SLA_TIMES))}
    except SQLAlchemyError as exc:
        raise _unreadable(exc) from exc
    finally:
        engine.dispose()
    return ZnunyNames(service_slas=links, sla_solution_minutes=times, **found)


def read_company_names(url: str) -> dict[str, str]:
    """Read customer company id → name of Znuny's valid customer companies.

    :raises ZnunyMetadataError: the database cannot be reached or lacks the table.
    """
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT customer_id, name FROM customer_company WHERE valid_id = 1"))
            return {str(cid): str(name) for cid, name in rows if name}
    except SQLAlchemyError as exc:
        raise _unreadable(exc) from exc
    finally:
        engine.dispose()


def _levels(item: CatalogItem) -> set[int]:
    """Priority levels the item's rules can produce."""
    base = item.routing.priority
    up = sum(max(0, r.raise_by) for r in item.rules)
    down = sum(min(0, r.raise_by) for r in item.rules)
    levels = set(range(max(1, base + down), min(5, base + up) + 1))
    levels |= {r.set for r in item.rules if r.set} | {r.at_least for r in item.rules if r.at_least}
    return levels


def _item_problems(item: CatalogItem, names: ZnunyNames) -> list[str]:
    r = item.routing
    problems = []
    if r.type not in names.types:
        problems.append(f"type {r.type!r} not in Znuny")
    if r.queue not in names.queues:
        problems.append(f"queue {r.queue!r} not in Znuny")
    if r.service and r.service not in names.services:
        problems.append(f"service {r.service!r} not in Znuny")
    if r.sla and r.sla not in names.slas:
        problems.append(f"SLA {r.sla!r} not in Znuny")
    elif r.sla and r.service and (r.service, r.sla) not in names.service_slas:
        problems.append(f"SLA {r.sla!r} is not linked to service {r.service!r}")
    for level in sorted(_levels(item)):
        if priority_name(level) not in names.priorities:
            problems.append(f"priority {priority_name(level)!r} not in Znuny")
    for spec in item.fields:
        if spec.dynamic_field and spec.dynamic_field not in names.dynamic_fields:
            problems.append(f"dynamic field {spec.dynamic_field!r} (field {spec.id}) not in Znuny")
    return [f"{item.id}: {p}" for p in problems]


def promise_warnings(items: Iterable[CatalogItem], names: ZnunyNames) -> list[str]:
    """One line per item whose SLA in Znuny escalates at another time than the catalog
    promises.

    Znuny escalates a ticket by its SLA's solution time, in Znuny's working hours; the
    customer is promised the catalog's deadline, in the item's (or the store's) hours. Only
    the item's base deadline is compared: rules may shorten it for one request. Znuny's
    calendars live in its system configuration, which this reader cannot see: the hours are
    named, for the admin to compare with ``TimeWorkingHours``.
    """
    lines = []
    for item in items:
        sla = item.routing.sla
        if not sla or sla not in names.sla_solution_minutes:
            continue
        minutes = names.sla_solution_minutes[sla]
        promised = round(item.deadline.business_hours * 60)
        if minutes == promised:
            continue
        znuny = f"{minutes} minutes" if minutes else "no solution time"
        store = ", or the store's trading hours" if item.deadline.store_hours else ""
        lines.append(
            f"{item.id}: SLA {sla!r} has {znuny} in Znuny, the catalog promises "
            f"{item.deadline.business_hours:g} business hours ({promised} minutes) of calendar "
            f"{item.deadline.calendar.id!r}{store}: Znuny escalates at another time than the "
            f"customer is told — give the item an SLA whose solution time is {promised} "
            "minutes, or change the item's deadline")
    return lines


def check_items(items: Iterable[CatalogItem], names: ZnunyNames) -> list[str]:
    """Return one line per name an item uses that Znuny lacks (empty: all present)."""
    problems = [f"dynamic field {n!r} not in Znuny" for n in RADIANT_DYNAMIC_FIELDS
                if n not in names.dynamic_fields]
    for item in items:
        problems.extend(_item_problems(item, names))
    return problems
