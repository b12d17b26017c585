"""The ``radiant-ext`` command line.

Each area of the product contributes its commands from its own module in this package
(``radiant_ext.cli.<area>``), which exposes ``commands: list[click.Command]``.
:data:`COMMANDS` names every top-level command, the module that defines it and its one-line
help, so that ``radiant-ext --help`` and ``radiant-ext sandbox`` import only what they use: a
command's module (and with it the store, the scheduler, Flask…) is imported when that command
runs. ``tests/test_package.py`` checks that the table matches the modules.
"""

from __future__ import annotations

import importlib
import sys

import click

from radiant_ext import __version__
from radiant_ext.errors import RadiantError

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

__all__ = ["COMMANDS", "COMMAND_MODULES", "LazyGroup", "build_cli", "main"]


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


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; expected errors become one readable line and a non-zero exit."""
    cli = build_cli()
    try:
        rv = cli.main(args=argv, prog_name="radiant-ext", standalone_mode=False)
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
    if isinstance(rv, int) and rv:
        sys.exit(rv)
