"""What a bundle request needs from the companion (:class:`BundlePort`) and what it shows.

A bundle item ("New employee") is filed as one parent ticket; its parts are recorded with
it and filed by the sync job, each in its own department's queue (docs/portal.md,
"Bundles"). The adapter is :mod:`radiant_ext.portal.adapters.bundles`.

In the request lists a bundle is one request: its row shows its parts and how many are done
(at most :data:`MAX_LISTED_PARTS` of them), and the parts are not listed as requests of
their own; a part's page links back to its parent. A viewer is shown only the parts they may
see (:func:`~radiant_ext.portal.scoping.ticket_visible`), and counted only those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from radiant_ext.portal.ports import Customer, PortalError, RequestDraft

__all__ = ["MAX_LISTED_PARTS", "BundlePort", "BundleProgress", "ListedBundles", "ParentLink",
           "PartUnavailable", "PartView"]

MAX_LISTED_PARTS = 6
"""The most parts a list row names under its bundle request; the others are counted ("and 2
more parts") and listed on the request's page. A bundle has at most 12 parts; the shipped
ones have four and five."""


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


@dataclass(frozen=True)
class BundleProgress:
    """A bundle request's parts as its row in a request list shows them."""

    parts: tuple[PartView, ...]
    """The parts the viewer may see, in order."""

    @property
    def done(self) -> int:
        """How many of them are done (their ticket closed)."""
        return sum(1 for part in self.parts if part.closed)

    @property
    def listed(self) -> tuple[PartView, ...]:
        """The parts the row names (the first :data:`MAX_LISTED_PARTS`)."""
        return self.parts[:MAX_LISTED_PARTS]

    @property
    def unlisted(self) -> int:
        """How many parts the row does not name (its page lists them)."""
        return max(0, len(self.parts) - MAX_LISTED_PARTS)


@dataclass(frozen=True)
class ParentLink:
    """The bundle request a part belongs to (its page links back to it)."""

    ticket_id: int
    ticket_number: str
    title: str


@dataclass(frozen=True)
class ListedBundles:
    """What the bundles among a list's rows add to them."""

    progress: Mapping[int, BundleProgress] = field(default_factory=dict)
    """Parent ticket id → its parts (rows of bundle requests)."""
    parents: Mapping[int, ParentLink] = field(default_factory=dict)
    """Part ticket id → its parent, where the viewer may see it (rows of parts)."""


class BundlePort(Protocol):
    """Bundles in the local store."""

    def file(self, draft: RequestDraft) -> bool:
        """Record the bundle and its parts when ``draft``'s item is a bundle (``False``: it
        is none, nothing recorded); raise :class:`PartUnavailable` when a part cannot be
        filed now."""

    def parts(self, ticket_id: int, language: str,
              customer: Customer | None = None) -> Sequence[PartView] | None:
        """The parts of the bundle whose parent is ``ticket_id`` (already checked visible to
        the viewer), ``None`` when it is no bundle; with ``customer``, only the parts they
        may see."""

    def listed(self, customer: Customer, ticket_ids: Sequence[int],
               language: str) -> ListedBundles:
        """For the rows ``ticket_ids`` of a list ``customer`` sees: the parts of those that
        are bundle requests, and the parent of those that are parts."""
