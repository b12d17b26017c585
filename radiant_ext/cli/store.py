"""``radiant-ext`` commands for the store area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
