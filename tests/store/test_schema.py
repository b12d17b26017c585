"""Migrations: the packaged Alembic scripts build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from radiant_ext.store import (
    Base,
    MigrationError,
    check_schema,
    current_revision,
    downgrade_database,
    head_revision,
    upgrade_database,
)


def test_upgrade_reaches_head_and_creates_every_table(db_engine: Engine) -> None:
    assert current_revision(db_engine) is None
    assert upgrade_database(db_engine) == head_revision()
    tables = set(inspect(db_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migration_head_matches_the_models(db_engine: Engine) -> None:
    upgrade_database(db_engine)
    dialect = db_engine.dialect.name

    def on_this_database(obj: Any, *_: Any) -> bool:
        """An index made for one database only (``ddl_if``) is compared on that one."""
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect in (None, dialect)

    with db_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_object": on_this_database})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ; add a revision: {diff}"


def test_check_schema_tells_the_admin_to_upgrade(db_engine: Engine) -> None:
    with pytest.raises(MigrationError, match="radiant-ext db upgrade"):
        check_schema(db_engine)
    upgrade_database(db_engine)
    check_schema(db_engine)


def test_downgrade_to_base_removes_the_tables(db_engine: Engine) -> None:
    upgrade_database(db_engine)
    assert downgrade_database(db_engine, "base") is None
    assert "outbox" not in inspect(db_engine).get_table_names()


def test_upgrade_twice_is_harmless(db_engine: Engine) -> None:
    upgrade_database(db_engine)
    assert upgrade_database(db_engine) == head_revision()
