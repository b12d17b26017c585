"""Route sets: which HTTP method and path each GenericInterface operation has.

Znuny lets admins choose routes freely; three stock configurations are built in
(genericinterface.md §1.2, contract READMEs):

``otrs6``
    The OTRS CE 6 sample ``GenericTicketConnectorREST.yml`` under ``/otrs/``: search is
    ``GET /Ticket``, update ``PATCH /Ticket/:TicketID``, no SessionRemove.
``znuny``
    The sample shipped with Znuny 7.0.19 under ``/znuny/``: as ``otrs6`` but update is
    ``POST /TicketUpdate`` (TicketID in the body).
``znuny-r2a``
    Znuny 7.1's Ready2Adopt web service under ``/znuny/``: ``POST /Ticket/Search``,
    ``GET /Ticket/History/:TicketID``, ``DELETE /Session/:SessionID``, no ``/TicketList``.

Per-operation overrides replace or add single routes, e.g. the routes an admin added:
``{"TicketSearchPOST": ("POST", "/Ticket/Search"), "SessionRemove": "DELETE
/Session/:SessionID"}`` (a route is ``(method, path)`` or the text ``"METHOD /path"``).
``TicketSearchPOST`` is an optional second search route used only for searches that need a
JSON body (dynamic-field conditions) when ``TicketSearch`` is a GET.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from urllib.parse import quote

from radiant_ext.client.errors import RouteNotConfiguredError, UnknownRouteSetError

__all__ = [
    "OPERATIONS",
    "PACKAGE_ROUTES",
    "ROUTE_SETS",
    "Route",
    "RouteSet",
    "parse_route",
    "parse_route_overrides",
    "resolve_route_set",
]

#: Operations the client knows. ``TicketGetList`` and ``TicketSearchPOST`` are extra routes
#: of the ``Ticket::TicketGet`` / ``Ticket::TicketSearch`` types; ``RadiantMetaDescribe`` is
#: the operation of the companion's Znuny package (:data:`PACKAGE_ROUTES`).
OPERATIONS = (
    "SessionCreate",
    "SessionGet",
    "SessionRemove",
    "TicketCreate",
    "TicketGet",
    "TicketGetList",
    "TicketHistoryGet",
    "TicketSearch",
    "TicketSearchPOST",
    "TicketUpdate",
    "RadiantMetaDescribe",
)

_PARAM = re.compile(r":(\w+)")
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Route:
    """One operation's HTTP method and path template (``/Ticket/:TicketID``)."""

    method: str
    template: str

    def __post_init__(self) -> None:
        method = self.method.upper()
        if method not in _METHODS:
            raise ValueError(f"unsupported HTTP method {self.method!r}")
        if not self.template.startswith("/"):
            raise ValueError(f"route template must start with '/': {self.template!r}")
        object.__setattr__(self, "method", method)

    @property
    def params(self) -> tuple[str, ...]:
        """The ``:Name`` placeholders of the template, in order."""
        return tuple(_PARAM.findall(self.template))

    def render(self, values: Mapping[str, str]) -> str:
        """The path with every placeholder replaced by its URL-quoted value (commas kept).

        :raises KeyError: when a placeholder has no value.
        """
        return _PARAM.sub(lambda m: quote(str(values[m.group(1)]), safe=","), self.template)


@dataclass(frozen=True)
class RouteSet:
    """A named set of routes plus the default script path (``otrs/`` or ``znuny/``)."""

    name: str
    script_path: str
    routes: Mapping[str, Route] = field(default_factory=dict)

    def route(self, operation: str) -> Route:
        """The route of ``operation``.

        :raises RouteNotConfiguredError: when this route set has none.
        """
        try:
            return self.routes[operation]
        except KeyError:
            raise RouteNotConfiguredError(
                f"route set {self.name!r} has no route for {operation}; add one with "
                f"routes={{{operation!r}: (METHOD, '/path')}}"
            ) from None

    def has(self, operation: str) -> bool:
        """Whether the route set routes ``operation``."""
        return operation in self.routes

    def with_overrides(
        self, overrides: Mapping[str, Route | tuple[str, str] | str]
    ) -> RouteSet:
        """A copy with some operations' routes replaced or added.

        :raises RouteNotConfiguredError: naming the operation, for an unknown operation or
            a route that cannot be used.
        """
        routes = dict(self.routes)
        for operation, value in overrides.items():
            routes[operation] = parse_route(operation, value)
        return replace(self, routes=MappingProxyType(routes))


#: Routes the companion's Znuny package (``znuny-package/``) adds to whichever web service it
#: finds or creates, the same under every route set; a route set's own route (an override)
#: comes first.
PACKAGE_ROUTES: Mapping[str, Route] = MappingProxyType(
    {"RadiantMetaDescribe": Route("POST", "/Radiant/Meta")}
)


def parse_route(operation: str, value: Route | tuple[str, str] | str) -> Route:
    """The route an override gives ``operation``: a :class:`Route`, ``(method, path)`` or
    the text ``"METHOD /path"`` (as in the settings' ``znuny_routes``).

    :raises RouteNotConfiguredError: naming the operation, for an unknown operation or a
        route that cannot be used (unknown method, path not starting with ``/``).
    """
    if operation not in OPERATIONS:
        raise RouteNotConfiguredError(
            f"unknown operation {operation!r} in route overrides; known: "
            + ", ".join(OPERATIONS)
        )
    if isinstance(value, Route):
        return value
    parts = value.split() if isinstance(value, str) else list(value)
    try:
        if len(parts) != 2 or not all(isinstance(p, str) for p in parts):
            raise ValueError(f"expected 'METHOD /path', got {value!r}")
        return Route(parts[0], parts[1])
    except ValueError as exc:
        raise RouteNotConfiguredError(f"route for {operation}: {exc}") from None


def parse_route_overrides(
    overrides: Mapping[str, Route | tuple[str, str] | str],
) -> dict[str, Route]:
    """Every override parsed with :func:`parse_route` (first problem raised)."""
    return {operation: parse_route(operation, value) for operation, value in overrides.items()}


def _routes(**pairs: tuple[str, str]) -> Mapping[str, Route]:
    return MappingProxyType({op: Route(m, t) for op, (m, t) in pairs.items()})


_COMMON = {
    "SessionCreate": ("POST", "/Session"),
    "SessionGet": ("GET", "/Session/:SessionID"),
    "TicketCreate": ("POST", "/Ticket"),
    "TicketGet": ("GET", "/Ticket/:TicketID"),
}

ROUTE_SETS: Mapping[str, RouteSet] = MappingProxyType(
    {
        "otrs6": RouteSet(
            "otrs6",
            "otrs/",
            _routes(
                **_COMMON,
                TicketGetList=("GET", "/TicketList"),
                TicketHistoryGet=("GET", "/TicketHistory/:TicketID"),
                TicketSearch=("GET", "/Ticket"),
                TicketUpdate=("PATCH", "/Ticket/:TicketID"),
            ),
        ),
        "znuny": RouteSet(
            "znuny",
            "znuny/",
            _routes(
                **_COMMON,
                TicketGetList=("GET", "/TicketList"),
                TicketHistoryGet=("GET", "/TicketHistory/:TicketID"),
                TicketSearch=("GET", "/Ticket"),
                TicketUpdate=("POST", "/TicketUpdate"),
            ),
        ),
        "znuny-r2a": RouteSet(
            "znuny-r2a",
            "znuny/",
            _routes(
                **_COMMON,
                SessionRemove=("DELETE", "/Session/:SessionID"),
                TicketHistoryGet=("GET", "/Ticket/History/:TicketID"),
                TicketSearch=("POST", "/Ticket/Search"),
                TicketUpdate=("PATCH", "/Ticket/:TicketID"),
            ),
        ),
    }
)


def resolve_route_set(
    route_set: str | RouteSet,
    overrides: Mapping[str, Route | tuple[str, str] | str] | None = None,
) -> RouteSet:
    """Look up a route set by name (or take one as given) and apply overrides.

    :raises UnknownRouteSetError: for a name not in :data:`ROUTE_SETS`.
    """
    if isinstance(route_set, RouteSet):
        base = route_set
    else:
        try:
            base = ROUTE_SETS[route_set]
        except KeyError:
            raise UnknownRouteSetError(
                f"unknown route set {route_set!r}; choose one of: " + ", ".join(ROUTE_SETS)
            ) from None
    return base.with_overrides(overrides) if overrides else base
