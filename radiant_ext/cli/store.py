"""``radiant-ext db …``: create and upgrade the local store's schema."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click
from alembic.util.exc import CommandError as AlembicCommandError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from radiant_ext.cli import runnable
from radiant_ext.config import Settings, load_settings
from radiant_ext.errors import RadiantError
from radiant_ext.store import (
    current_revision,
    head_revision,
    make_engine,
    normalise_url,
    upgrade_database,
)
from radiant_ext.store.engine import sqlite_file

__all__ = ["commands", "database_errors", "db", "existing_store", "open_engine"]

P = ParamSpec("P")
R = TypeVar("R")


def database_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn "cannot reach the database" and typed errors into one readable CLI error line."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise click.ClickException(f"cannot use the database: {reason}") from exc
        except RadiantError as exc:
            raise click.ClickException(str(exc)) from exc
        except AlembicCommandError as exc:  # db upgrade --revision that does not exist
            reason = (str(exc).strip().splitlines() or ["?"])[0]
            raise click.ClickException(f"{reason} (revisions: {', '.join(_revisions())}, "
                                       "or head)") from exc

    return wrapper


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from radiant_ext.store.schema import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return sorted(rev.revision for rev in script.walk_revisions())


def existing_store(settings: Settings, database_url: str | None = None) -> str:
    """The store URL a command that reads the store uses, once an SQLite store's file exists:
    reading never creates a database (an empty one would hide where the data is).

    :raises click.ClickException: one line naming the file and the setting or flag to change.
    """
    url = database_url or settings.effective_database_url
    path = sqlite_file(url)
    if path is None or path.exists():
        return url
    if database_url:
        given = "--database-url names it"
    elif settings.database_url:
        given = "RADIANT_DATABASE_URL (database_url) names it"
    else:
        given = f"RADIANT_DATA_DIR (data_dir) is {str(settings.data_dir)!r}"
    raise click.ClickException(
        f"no local store at {path} ({given}): point data_dir or --database-url at an existing "
        "store (the demo's is radiant-demo/, whose radiant.toml the commands read when run "
        "from the folder that holds it), or run `radiant-ext db upgrade` to create a new one")


def open_engine(database_url: str | None = None) -> Engine:
    """Return an engine for ``database_url`` or the configured store."""
    url = database_url or load_settings().effective_database_url
    return make_engine(url)


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


database_option = click.option(
    "--database-url",
    envvar="RADIANT_DATABASE_URL",
    default=None,
    help="SQLAlchemy URL; default: the configured store (SQLite in the data dir).",
)


@click.group()
def db() -> None:
    """Manage the local store's database schema."""


@db.command()
@database_option
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@database_errors
def upgrade(database_url: str | None, revision: str) -> None:
    """Create or migrate the store schema to the newest version."""
    engine = open_engine(database_url)
    before = current_revision(engine)
    after = upgrade_database(engine, revision)
    engine.dispose()
    if before == after:
        click.echo(f"{_safe_url(engine)}: already at {after}")
    else:
        click.echo(f"{_safe_url(engine)}: upgraded {before or 'empty'} -> {after}")


@db.command()
@database_option
@database_errors
def current(database_url: str | None) -> None:
    """Show the schema revision of the store and whether it is up to date."""
    url = database_url or load_settings().effective_database_url
    missing = sqlite_file(url)
    if missing is not None and not missing.exists():  # asked, not created
        click.echo(runnable(f"{missing}: no such file (head {head_revision()}, needs "
                            "`radiant-ext db upgrade`)"))
        raise SystemExit(1)
    engine = make_engine(url)
    rev, head = current_revision(engine), head_revision()
    engine.dispose()
    status = "up to date" if rev == head else "needs `radiant-ext db upgrade`"
    click.echo(runnable(f"{_safe_url(engine)}: {rev or 'empty'} (head {head}, {status})"))
    if rev != head:
        raise SystemExit(1)


@db.command()
@database_option
def url(database_url: str | None) -> None:
    """Print the database URL in use (password hidden)."""
    click.echo(make_engine(normalise_url(database_url or load_settings().effective_database_url))
               .url.render_as_string(hide_password=True))


commands: list[click.Command] = [db]
