"""``radiant-ext`` commands for the sync area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
