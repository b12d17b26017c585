"""The ``radiant-ext`` command line.

Each area of the product contributes its commands from its own module in this package
(``radiant_ext.cli.<area>``), listed in :data:`COMMAND_MODULES`; a module exposes
``commands: list[click.Command]``. Modules are imported when the group is built, never at
package import time.
"""

from __future__ import annotations

import importlib
import sys

import click

from radiant_ext import __version__
from radiant_ext.errors import RadiantError

COMMAND_MODULES = (
    "radiant_ext.cli.sandbox",
    "radiant_ext.cli.plugins",
    "radiant_ext.cli.store",
    "radiant_ext.cli.sync",
    "radiant_ext.cli.portal",
    "radiant_ext.cli.report",
)

__all__ = ["COMMAND_MODULES", "build_cli", "main"]


def build_cli() -> click.Group:
    """Return the ``radiant-ext`` group with every area's commands attached."""

    @click.group(context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="radiant-ext")
    def cli() -> None:
        """radiant_ext — customer portal, catalogs and sync for Znuny."""

    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        for command in getattr(module, "commands", []):
            cli.add_command(command)
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
