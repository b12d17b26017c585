"""Test plugins that record the hooks they receive (portal and webhook tests)."""

from __future__ import annotations

from typing import Any

from radiant_ext.plugins import hookimpl


class CreatedRecorder:
    """A plugin that records every ``radiant_ticket_created`` call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str, str | None, str | None]] = []

    @hookimpl
    def radiant_ticket_created(
        self, ticket_id: int, ticket_number: str, item: Any, decision: Any
    ) -> None:
        self.calls.append((ticket_id, ticket_number, item.id if item else None,
                           decision.item_id if decision else None))
