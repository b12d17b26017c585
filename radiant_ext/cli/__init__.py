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

Which settings file a command reads is decided first (:mod:`radiant_ext.cli.settings_file`):
``RADIANT_CONFIG``, ``radiant.toml`` in the working folder, else the demo's
``radiant-demo/radiant.toml`` there — announced in one line on standard error — so that every
command run from the folder where ``radiant-ext demo`` ran works on the demo's data.
"""

from __future__ import annotations

import importlib
import logging
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    "report-rebuild": ("radiant_ext.cli.report_rollups",
                       "Rebuild the reports' roll-ups from the ticket cache."),
    "sandbox": ("radiant_ext.cli.sandbox", "Serve or seed the Znuny-compatible sandbox."),
    "serve": ("radiant_ext.cli.portal", "Run the customer portal against a configured Znuny."),
    "simulate": ("radiant_ext.cli.simulate", "Show how a request would be routed, without Znuny."),
    "sync": ("radiant_ext.cli.sync", "Run the sync scheduler, one job, or show its status."),
    "webhook": ("radiant_ext.cli.webhook", "Try the Znuny webhook's routing answer."),
}

#: the modules that contribute commands, in a stable order
COMMAND_MODULES = tuple(sorted({module for module, _ in COMMANDS.values()}))

#: commands that read no settings: not checked before they run
NO_SETTINGS = frozenset({"sandbox"})

__all__ = ["COMMANDS", "COMMAND_MODULES", "NO_SETTINGS", "LazyGroup", "OneLineWarnings",
           "build_cli", "check_settings", "choose_settings_file", "command_prefix", "error_line",
           "main", "runnable", "warnings_quiet"]


_HELP_ASKED: tuple[type[click.ClickException], ...] = tuple(
    t for t in [getattr(click.exceptions, "NoArgsIsHelpError", None)] if t is not None)
"""What click raises for a group given no command (since click 8.2): help, not an error."""


class LazyGroup(click.Group):
    """A group whose subcommands are imported from their module on first use, and whose
    errors are one line each (:func:`error_line`): no usage text, no traceback."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except (Exception, KeyboardInterrupt) as exc:
            if isinstance(exc, _HELP_ASKED):  # a group run bare: its help, as click shows it
                exc.show()
                sys.exit(exc.exit_code)
            found = error_line(exc)
            if found is None:
                raise
            code, line = found
            if line:
                click.echo(line, err=True)
            sys.exit(code)
        sys.exit(rv if isinstance(rv, int) else 0)

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
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        """radiant_ext — customer portal, catalogs and sync for Znuny."""
        logging.lastResort = OneLineWarnings()
        choose_settings_file(ctx.invoked_subcommand)
        ctx.call_on_close(forget_settings_file)

    return cli


@contextmanager
def warnings_quiet(logger: str) -> Iterator[None]:
    """Keep ``logger``'s warnings off the console while the block runs, when they would repeat
    what the command prints anyway — only while logging is not configured (Python would print
    them through its handler of last resort); a configured setup gets them as usual."""
    log = logging.getLogger(logger)
    if logging.getLogger().handlers or log.handlers:
        yield
        return
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


class OneLineWarnings(logging.StreamHandler):  # type: ignore[type-arg]
    """Python's handler of last resort (used while logging is not configured, as in most
    commands) writing each warning as one line: the message and, for an exception, its type
    and first line — no traceback on a user's terminal. ``sync`` and ``demo`` configure
    logging themselves and keep their own format."""

    def __init__(self) -> None:
        super().__init__()
        self.setLevel(logging.WARNING)

    @property
    def stream(self) -> Any:
        return sys.stderr  # the current one (click's test runner swaps it)

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass

    def format(self, record: logging.LogRecord) -> str:
        text = f"radiant-ext: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            first = (str(exc).strip().splitlines() or [""])[0]
            text += f" ({type(exc).__name__}: {first})" if first else f" ({type(exc).__name__})"
        return " ".join(text.split("\n"))


def _command_name(args: list[str]) -> str | None:
    """The command ``args`` run, or ``None`` for none, ``--help`` and ``--version``."""
    if any(a in ("-h", "--help", "--version") for a in args):
        return None
    for arg in args:
        if not arg.startswith("-"):
            return arg
    return None


def forget_settings_file() -> None:
    """Undo :func:`choose_settings_file` once a command has run."""
    from radiant_ext.cli.settings_file import forget_settings_file as forget

    forget()


def choose_settings_file(command: str | None) -> None:
    """Read the demo's settings file when no other is given (:func:`radiant_ext.cli.
    settings_file.use_settings_file`), saying so on standard error; not for ``demo``, which
    writes it, nor for the commands that read no settings."""
    if command is None or command == "demo" or command in NO_SETTINGS:
        return
    from radiant_ext.cli.settings_file import use_settings_file

    use_settings_file(lambda line: click.echo(line, err=True))


def check_settings(args: list[str]) -> None:
    """Load and validate the settings unless the command ``args`` names reads none.

    :raises ConfigError: one line naming every setting that cannot be used.
    """
    command = _command_name(args)
    if command is None or command in NO_SETTINGS or command not in COMMANDS:
        return
    choose_settings_file(command)
    from radiant_ext.config import load_settings

    load_settings()


def command_prefix(argv0: str | None = None, executable: str | None = None) -> str:
    """How to run ``radiant-ext`` again, as this process was run: ``radiant-ext`` when that
    name on the PATH is this very program, else its full path (``/…/.venv/bin/radiant-ext``
    after the README's first command, which puts nothing on the PATH), or
    ``<python> -m radiant_ext`` (shell-quoted) when run so, so that the commands the product
    prints run exactly as printed; ``radiant-ext`` inside another program (a test runner)."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    program = Path(argv0)
    if program.name.startswith("radiant-ext") and program.is_file():
        on_path = shutil.which("radiant-ext")
        if on_path and Path(on_path).resolve() == program.resolve():
            return "radiant-ext"
        return shlex.quote(str(program.absolute()))
    if program.name == "__main__.py" and program.parent.name == "radiant_ext":
        return f"{shlex.quote(executable or sys.executable)} -m radiant_ext"
    return "radiant-ext"


def runnable(text: str) -> str:
    """``text`` with every quoted ``radiant-ext …`` command it advises written as
    :func:`command_prefix` runs it."""
    prefix = command_prefix()
    return text if prefix == "radiant-ext" else text.replace("`radiant-ext ", f"`{prefix} ")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; expected errors become one readable line and a non-zero exit."""
    cli = build_cli()
    logging.lastResort = OneLineWarnings()
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        check_settings(args)
        cli.main(args=args, prog_name="radiant-ext")
    except ConfigError as exc:
        click.echo(runnable(f"Error: {exc}"), err=True)
        sys.exit(1)
    finally:
        forget_settings_file()


def error_line(exc: BaseException) -> tuple[int, str] | None:
    """The exit status and the one line (empty: none) for an error a user can meet — bad
    input, a refused setting, an unusable database, Ctrl-C; ``None`` for a bug."""
    if isinstance(exc, click.exceptions.Abort | KeyboardInterrupt):
        return 130, "Aborted." if isinstance(exc, click.exceptions.Abort) else ""
    if isinstance(exc, click.ClickException):
        return exc.exit_code, _one_line(f"Error: {exc.format_message()}")
    if isinstance(exc, RadiantError):
        return 1, _one_line(f"Error: {exc}")
    line = _database_problem(exc) if isinstance(exc, Exception) else None
    return None if line is None else (1, f"Error: {line}")


def _one_line(text: str) -> str:
    return runnable(" ".join(part.strip() for part in text.splitlines() if part.strip()))


def _database_problem(exc: Exception) -> str | None:
    """One line for a database that cannot be reached or used (a PostgreSQL that is down, a
    wrong password, a locked SQLite file), whichever command met it first; ``None`` for
    anything else. The reason is the driver's first line (it names no password)."""
    errors = sys.modules.get("sqlalchemy.exc")
    if errors is None or not isinstance(exc, errors.OperationalError | errors.InterfaceError):
        return None
    reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
    return f"cannot use the database: {reason}"
