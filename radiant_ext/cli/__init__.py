"""The ``radiant-ext`` command line.

Each area of the product contributes its commands from its own module in this package
(``radiant_ext.cli.<area>``), which exposes ``commands: list[click.Command]``.
:data:`COMMANDS` names every top-level command, the module that defines it and its one-line
help, so that ``radiant-ext --help`` and ``radiant-ext sandbox`` import only what they use: a
command's module (and with it the store, the scheduler, Flask…) is imported when that command
runs. ``tests/test_package.py`` checks that the table matches the modules.

Before a command runs, :func:`main` loads the settings once (:func:`radiant_ext.config.
load_settings`), so that a broken ``radiant.toml`` or an invalid ``RADIANT_*`` value stops every
command — the demo included — with one line naming the setting, and exit status 1, instead of a
traceback or a failure later. ``--help``, ``--version`` and the commands that read no settings
(:data:`NO_SETTINGS`) are not held up by them.
"""

from __future__ import annotations

import importlib
import sys

import click

from radiant_ext import __version__
from radiant_ext.errors import ConfigError, RadiantError

#: command name → (module, one-line help shown by ``radiant-ext --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("radiant_ext.cli.plugins", "Validate catalogs, plugins and the Znuny setup."),
    "db": ("radiant_ext.cli.store", "Create or upgrade the local store's database."),
    "demo": ("radiant_ext.cli.portal", "Sandbox Znuny, portal and scheduler in one command."),
    "plugins": ("radiant_ext.cli.plugins", "List department plugins; enable or disable them."),
    "report": ("radiant_ext.cli.report", "Export a manager report as CSV, XLSX or JSON."),
    "sandbox": ("radiant_ext.cli.sandbox", "Serve or seed the Znuny-compatible sandbox."),
    "serve": ("radiant_ext.cli.portal", "Run the customer portal against a configured Znuny."),
    "simulate": ("radiant_ext.cli.plugins", "Show how a request would be routed, without Znuny."),
    "sync": ("radiant_ext.cli.sync", "Run the sync scheduler, one job, or show its status."),
    "webhook": ("radiant_ext.cli.webhook", "Try the Znuny webhook's routing answer."),
}

#: the modules that contribute commands, in a stable order
COMMAND_MODULES = tuple(sorted({module for module, _ in COMMANDS.values()}))

#: commands that read no settings: not checked before they run
NO_SETTINGS = frozenset({"sandbox"})

__all__ = ["COMMANDS", "COMMAND_MODULES", "NO_SETTINGS", "LazyGroup", "build_cli",
           "check_settings", "main"]


class LazyGroup(click.Group):
    """A group whose subcommands are imported from their module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        commands: list[click.Command] = getattr(module, "commands", [])
        for command in commands:
            if command.name == cmd_name:
                self.add_command(command)
                return command
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def build_cli() -> click.Group:
    """Return the ``radiant-ext`` group; its commands load lazily from :data:`COMMANDS`."""

    @click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="radiant-ext")
    def cli() -> None:
        """radiant_ext — customer portal, catalogs and sync for Znuny."""

    return cli


def _command_name(args: list[str]) -> str | None:
    """The command ``args`` run, or ``None`` for none, ``--help`` and ``--version``."""
    if any(a in ("-h", "--help", "--version") for a in args):
        return None
    for arg in args:
        if not arg.startswith("-"):
            return arg
    return None


def check_settings(args: list[str]) -> None:
    """Load and validate the settings unless the command ``args`` names reads none.

    :raises ConfigError: one line naming every setting that cannot be used.
    """
    command = _command_name(args)
    if command is None or command in NO_SETTINGS or command not in COMMANDS:
        return
    from radiant_ext.config import load_settings

    load_settings()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; expected errors become one readable line and a non-zero exit."""
    cli = build_cli()
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        check_settings(args)
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    try:
        rv = cli.main(args=args, prog_name="radiant-ext", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RadiantError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        line = _database_problem(exc)
        if line is None:
            raise
        click.echo(f"Error: {line}", err=True)
        sys.exit(1)
    if isinstance(rv, int) and rv:
        sys.exit(rv)


def _database_problem(exc: Exception) -> str | None:
    """One line for a database that cannot be reached or used (a PostgreSQL that is down, a
    wrong password, a locked SQLite file), whichever command met it first; ``None`` for
    anything else. The reason is the driver's first line (it names no password)."""
    errors = sys.modules.get("sqlalchemy.exc")
    if errors is None or not isinstance(exc, errors.OperationalError | errors.InterfaceError):
        return None
    reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
    return f"cannot use the database: {reason}"
