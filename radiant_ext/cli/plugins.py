"""``radiant-ext`` commands for the plugins area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
