"""``radiant-ext`` commands for the report area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
