"""``radiant-ext`` commands for the sandbox area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
