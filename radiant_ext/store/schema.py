"""Schema migrations: upgrade a database to the head revision and check it is there.

The Alembic scripts ship inside the package (``radiant_ext/store/migrations``), so
``radiant-ext db upgrade`` works from an installed wheel without an ``alembic.ini``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from radiant_ext.store.errors import MigrationError

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "check_schema",
    "current_revision",
    "downgrade_database",
    "head_revision",
    "upgrade_database",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """Return an Alembic config pointing at the packaged scripts (and ``engine``'s URL)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_path_separator", "os")
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision() -> str:
    """Return the newest revision the packaged scripts know."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise MigrationError("no migration scripts found")
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the revision ``engine``'s database is at, or ``None`` when never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_database(engine: Engine, revision: str = "head") -> str | None:
    """Migrate ``engine``'s database up to ``revision``; return the revision it ends at."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return current_revision(engine)


def downgrade_database(engine: Engine, revision: str) -> str | None:
    """Migrate ``engine``'s database down to ``revision`` (``base`` empties it)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    return current_revision(engine)


def check_schema(engine: Engine) -> None:
    """Raise :class:`MigrationError` unless the database is at the head revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise MigrationError(
            f"database schema is at {current or 'nothing'}, this version needs {head}: "
            "run `radiant-ext db upgrade`"
        )
