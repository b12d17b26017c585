"""What a bundle request needs from the companion (:class:`BundlePort`) and what it shows.

A bundle item ("New employee") is filed as one parent ticket; its parts are recorded with
it and filed by the sync job, each in its own department's queue (docs/portal.md,
"Bundles"). The adapter is :mod:`radiant_ext.portal.adapters.bundles`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from radiant_ext.portal.ports import PortalError, RequestDraft

__all__ = ["BundlePort", "PartUnavailable", "PartView"]


class PartUnavailable(PortalError):
    """A part's item cannot take requests now (its department or the item is switched off,
    or its plugin is gone): nothing is filed. ``department`` names it for the form error."""

    def __init__(self, department: str) -> None:
        super().__init__(f"the {department} part cannot be filed now")
        self.department = department


@dataclass(frozen=True)
class PartView:
    """One part of a bundle request on its parent's page."""

    title: str
    department: str
    state: str
    """The step label of the part item's workflow for its state, else Znuny's state; empty
    while the part is not filed yet."""
    ticket_number: str | None
    closed: bool
    ticket_id: int | None = None
    """The part's ticket (its own request page: the requester's ticket too)."""


class BundlePort(Protocol):
    """Bundles in the local store."""

    def file(self, draft: RequestDraft) -> bool:
        """Record the bundle and its parts when ``draft``'s item is a bundle (``False``: it
        is none, nothing recorded); raise :class:`PartUnavailable` when a part cannot be
        filed now."""

    def parts(self, ticket_id: int, language: str) -> Sequence[PartView] | None:
        """The parts of the bundle whose parent is ``ticket_id`` (already checked visible to
        the viewer), ``None`` when it is no bundle."""
