"""What automation would decide for a request, without touching Znuny.

One function, :func:`simulate_routing`, serves ``radiant-ext simulate`` and the admin area's
routing form: the item, the store, the form values given (checked as the portal checks
them; required fields left out are only listed), the time of filing and the number of
earlier requests repeat rules should see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.errors import PluginError
from radiant_ext.plugins.models import FieldError, RequestContext, RoutingDecision
from radiant_ext.plugins.wrapper import Plugins

__all__ = ["InvalidFieldError", "Simulation", "UnknownFieldError", "simulate_routing",
           "simulation_zone"]


class UnknownFieldError(PluginError):
    """A value was given for a field the item does not have."""

    def __init__(self, item: CatalogItem, field_id: str) -> None:
        known = sorted(f.id for f in item.fields)
        super().__init__(f"{item.id} has no field {field_id!r} "
                         f"(fields: {', '.join(known) or 'none'})")
        self.field = field_id
        self.known = known


class InvalidFieldError(PluginError):
    """A given value the portal would refuse; :attr:`error` says why, in both languages."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(f"{error.field}: {error.message}")
        self.error = error


@dataclass(frozen=True)
class Simulation:
    """The decision for a simulated request, the zone its time was read in, and the
    required fields that were not given."""

    item: CatalogItem
    decision: RoutingDecision
    zone: str
    submitted_at: datetime
    missing: list[str] = field(default_factory=list)

    @property
    def local_deadline(self) -> datetime:
        """The deadline in :attr:`zone`."""
        return self.decision.deadline.astimezone(ZoneInfo(self.zone))


def simulation_zone(plugins: Plugins, item: CatalogItem, store: str | None) -> str:
    """The zone a time without an offset is read in: the store's (the default zone for a
    store the directory does not know), else the item's calendar's."""
    info = plugins.store(store) if store else None
    if info is not None:
        return str(info.time_zone)
    if store:
        return str(plugins.store_defaults.time_zone)
    return str(item.deadline.calendar.time_zone)


def _check_given_fields(plugins: Plugins, item: CatalogItem, fields: Mapping[str, str],
                        store: str | None) -> list[str]:
    known = {f.id for f in item.fields}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise UnknownFieldError(item, unknown[0])
    errors = plugins.validate(item, fields, store_id=store)
    bad = [e for e in errors if e.code != "required" and e.field in fields]
    if bad:
        raise InvalidFieldError(bad[0])
    return [e.field for e in errors if e.code == "required"]


def simulate_routing(
    plugins: Plugins, item_id: str, *, store: str | None = None,
    fields: Mapping[str, str] | None = None, at: datetime | None = None,
    company: str | None = None, recent: int = 0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC), request_id: str | None = None,
) -> Simulation:
    """Route a request on ``item_id`` as the portal would, without filing it.

    :param at: when the request is filed; without an offset it is local time of
        :func:`simulation_zone`; ``None``: ``clock()``.
    :param company: the requester's customer company (default: the store).
    :param recent: earlier requests for the item at the store that repeat rules see.
    :param request_id: the request's reference, which picks the owner from an owner pool
        (``None``: the store and the time pick it, as for a request without a reference).
    :raises UnknownItemError, DepartmentDisabledError, ItemDisabledError: from
        :meth:`Plugins.item`.
    :raises UnknownFieldError, InvalidFieldError: a given value the portal would refuse.
    """
    item = plugins.item(item_id)
    given = dict(fields or {})
    zone = simulation_zone(plugins, item, store)
    missing = _check_given_fields(plugins, item, given, store)
    when = at if at is not None else clock()
    if when.utcoffset() is None:
        when = when.replace(tzinfo=ZoneInfo(zone))
    request = RequestContext(
        store_id=store, fields=given, submitted_at=when, customer_company=company or store,
        recent_incidents=(lambda _s, _i, _d: recent) if recent else None,
        request_id=request_id)
    return Simulation(item, plugins.route(item, request), zone, when, missing)
