"""Znuny's metadata (queues, services, SLAs, types, agents) for the catalog check.

The GenericInterface has no operation listing queues, services or SLAs, so the catalog check
reads them from Znuny's database through a read-only connection (``RADIANT_ZNUNY_DB_URL``),
using the tables and validity rules of ``shared/contract/znuny-db/README.md``: only rows with
``valid_id = 1`` count, services carry their hierarchy in the name (``IT::Printer``), and
``service_sla`` links SLAs to services.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from radiant_ext.store import make_engine

__all__ = ["ZnunyMetadata", "read_metadata", "read_metadata_url"]


@dataclass(frozen=True)
class ZnunyMetadata:
    """Valid names of what catalog items route to."""

    queues: frozenset[str]
    services: frozenset[str]
    slas: frozenset[str]
    types: frozenset[str]
    agents: frozenset[str]
    service_slas: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    """(service, SLA) pairs linked in ``service_sla``."""


def _names(engine: Engine, table: str, column: str = "name") -> frozenset[str]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {column} FROM {table} WHERE valid_id = 1"))
        return frozenset(str(r[0]) for r in rows)


def read_metadata(engine: Engine) -> ZnunyMetadata:
    """Read the valid queues, services, SLAs, types and agent logins from Znuny's database."""
    with engine.connect() as conn:
        links = conn.execute(text(
            "SELECT s.name, l.name FROM service_sla x JOIN service s ON s.id = x.service_id "
            "JOIN sla l ON l.id = x.sla_id WHERE s.valid_id = 1 AND l.valid_id = 1"))
        pairs = frozenset((str(a), str(b)) for a, b in links)
    return ZnunyMetadata(
        queues=_names(engine, "queue"), services=_names(engine, "service"),
        slas=_names(engine, "sla"), types=_names(engine, "ticket_type"),
        agents=_names(engine, "users", "login"), service_slas=pairs,
    )


def read_metadata_url(url: str) -> ZnunyMetadata:
    """Read the metadata from the database at ``url`` (then close the connection)."""
    engine = make_engine(url)
    try:
        return read_metadata(engine)
    finally:
        engine.dispose()
