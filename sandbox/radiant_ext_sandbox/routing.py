"""Web services, their route sets, and route matching as in Znuny's HTTP::REST transport."""

from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx

Route = tuple[str, str, str, tuple[str, ...]]  # operation name, type, route, methods

_COMMON: list[Route] = [
    ("SessionCreate", "Session::SessionCreate", "/Session", ("POST",)),
    ("SessionGet", "Session::SessionGet", "/Session/:SessionID", ("GET",)),
    ("TicketCreate", "Ticket::TicketCreate", "/Ticket", ("POST",)),
    ("TicketGet", "Ticket::TicketGet", "/Ticket/:TicketID", ("GET",)),
]

#: The route sets the sandbox can serve (``genericinterface.md`` §1.2, ``contract/znuny``).
ROUTE_SETS: dict[str, list[Route]] = {
    # OTRS 6 sample (also Znuny's development/webservices YAML without additions)
    "otrs6": _COMMON
    + [
        ("TicketGetList", "Ticket::TicketGet", "/TicketList", ("GET",)),
        ("TicketHistoryGet", "Ticket::TicketHistoryGet", "/TicketHistory/:TicketID", ("GET",)),
        ("TicketSearch", "Ticket::TicketSearch", "/Ticket", ("GET",)),
        ("TicketUpdate", "Ticket::TicketUpdate", "/Ticket/:TicketID", ("PATCH",)),
    ],
    # scripts/test/sample/Webservice/GenericTicketConnectorREST.yml of Znuny 7.0.19
    "znuny": _COMMON
    + [
        ("TicketGetList", "Ticket::TicketGet", "/TicketList", ("GET",)),
        ("TicketHistoryGet", "Ticket::TicketHistoryGet", "/TicketHistory/:TicketID", ("GET",)),
        ("TicketSearch", "Ticket::TicketSearch", "/Ticket", ("GET",)),
        ("TicketUpdate", "Ticket::TicketUpdate", "/TicketUpdate", ("POST",)),
    ],
    # the "Extra" web service of contract/znuny (7.2 development YAML + two added routes)
    "znuny-extra": _COMMON
    + [
        ("SessionRemove", "Session::SessionRemove", "/Session/:SessionID", ("DELETE",)),
        ("TicketGetList", "Ticket::TicketGet", "/TicketList", ("GET",)),
        ("TicketHistoryGet", "Ticket::TicketHistoryGet", "/TicketHistory/:TicketID", ("GET",)),
        ("TicketSearch", "Ticket::TicketSearch", "/Ticket", ("GET",)),
        ("TicketSearchPOST", "Ticket::TicketSearch", "/Ticket/Search", ("POST",)),
        ("TicketUpdate", "Ticket::TicketUpdate", "/Ticket/:TicketID", ("PATCH",)),
    ],
    # deploy/znuny/GenericTicketConnectorREST.znuny.yml, what docs/znuny-setup.md has admins
    # import on Znuny 6.5/7.x: every route set the companion's client knows works against it
    "radiant-znuny": _COMMON
    + [
        ("SessionRemove", "Session::SessionRemove", "/Session/:SessionID", ("DELETE",)),
        ("TicketGetList", "Ticket::TicketGet", "/TicketList", ("GET",)),
        ("TicketHistoryGet", "Ticket::TicketHistoryGet", "/Ticket/History/:TicketID", ("GET",)),
        (
            "TicketHistoryGetLegacy",
            "Ticket::TicketHistoryGet",
            "/TicketHistory/:TicketID",
            ("GET",),
        ),
        ("TicketSearch", "Ticket::TicketSearch", "/Ticket/Search", ("POST",)),
        ("TicketSearchGet", "Ticket::TicketSearch", "/Ticket", ("GET",)),
        ("TicketUpdate", "Ticket::TicketUpdate", "/Ticket/:TicketID", ("PATCH",)),
        ("TicketUpdatePOST", "Ticket::TicketUpdate", "/TicketUpdate", ("POST",)),
    ],
    # Znuny 7.1 Ready2Adopt var/webservices/examples/GenericTicketConnectorREST.yml
    "znuny-r2a": _COMMON
    + [
        ("SessionDelete", "Session::SessionRemove", "/Session/:SessionID", ("DELETE",)),
        ("TicketHistoryGet", "Ticket::TicketHistoryGet", "/Ticket/History/:TicketID", ("GET",)),
        ("TicketSearch", "Ticket::TicketSearch", "/Ticket/Search", ("POST",)),
        ("TicketUpdate", "Ticket::TicketUpdate", "/Ticket/:TicketID", ("PATCH",)),
    ],
}


def webservice_config(route_set: str) -> str:
    """Return the YAML a web service with ``route_set`` is stored as."""
    routes = ROUTE_SETS[route_set]
    config = {
        "Provider": {
            "Operation": {name: {"Type": typ} for name, typ, _, _ in routes},
            "Transport": {
                "Type": "HTTP::REST",
                "Config": {
                    "MaxLength": "100000000",
                    "KeepAlive": "1",
                    "RouteOperationMapping": {
                        name: {"Route": route, "RequestMethod": list(methods)}
                        for name, _, route, methods in routes
                    },
                },
            },
        },
        "RouteSet": route_set,
    }
    return str(yaml.safe_dump(config, sort_keys=True))


@dataclass(frozen=True)
class Match:
    """The operation a request resolved to, with the path parameters."""

    operation: str
    type: str
    params: dict[str, str]


def find_webservice(ctx: Ctx, by: str, key: str) -> dict[str, Any] | None:
    """Return a valid web service config by ``Webservice`` name or ``WebserviceID``."""
    t = s.gi_webservice_config
    stmt = select(t.c.config).where(t.c.valid_id == 1)
    if by == "WebserviceID":
        if not key.isdigit():
            return None
        stmt = stmt.where(t.c.id == int(key))
    else:
        stmt = stmt.where(t.c.name == key)
    text = ctx.scalar(stmt)
    return _parse(text) if text else None


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> dict[str, Any]:
    """Parse a stored config once (YAML parsing would otherwise dominate each request)."""
    config: dict[str, Any] = yaml.safe_load(text)
    return config


def _regex(route: str) -> re.Pattern[str]:
    parts = []
    for seg in route.split("/"):
        parts.append("([^/]+)" if seg.startswith(":") else re.escape(seg))
    return re.compile("^" + "/".join(parts) + "$")


def match_route(config: dict[str, Any], path: str, method: str) -> Match | None:
    """Try operations in alphabetical order; first route+method that matches wins (§1.3)."""
    provider = config["Provider"]
    mapping = provider["Transport"]["Config"]["RouteOperationMapping"]
    for name in sorted(mapping):
        entry = mapping[name]
        methods = entry.get("RequestMethod") or []
        if methods and method not in methods:
            continue
        found = _regex(entry["Route"]).match(path)
        if not found:
            continue
        names = [seg[1:] for seg in entry["Route"].split("/") if seg.startswith(":")]
        params = {n: urllib.parse.unquote(v) for n, v in zip(names, found.groups(), strict=True)}
        return Match(name, provider["Operation"][name]["Type"].split("::")[1], params)
    return None
