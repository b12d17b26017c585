"""``route_set="auto"``: find the script path and route set a server offers, once.

A few harmless requests without credentials, each answered by Znuny with a JSON error when the
route exists and with HTTP 500 "Error while determine Operation" when it does not (contract
otrs-ce-6 README §1, genericinterface.md §1.2):

1. ``POST …/Session`` under ``znuny/``, then ``otrs/`` (or only the configured script path):
   the first that answers with JSON is the path;
2. ``DELETE /Session/:SessionID`` answers: route set ``znuny-r2a`` (Znuny 6.1 and later with
   the companion's web service file, or Znuny 7.1's Ready2Adopt web service);
3. else ``POST /TicketUpdate`` answers: route set ``znuny`` (the 7.0.19 sample);
4. else ``otrs6``, with ``TicketSearchPOST`` (``POST /Ticket/Search``) added when it answers
   (the companion's ``.otrs6.yml`` has it; dynamic-field searches need it).

Each probe that finds no route leaves one "Error while determine Operation" line in Znuny's
GenericInterface debugger; a client probes once per process.

``header_auth="auto"``: whether the server reads ``X-OTRS-Header-*`` headers (Znuny 6.1 and
later do, in ``Kernel/GenericInterface/Transport/HTTP/REST.pm``; ((OTRS)) 6.0 does not; a
proxy may strip them). One SessionCreate with only ``X-OTRS-Header-Password`` and no login:
SessionCreate checks the password first and then finds no login, so a server that reads the
header answers ``SessionCreate.AuthFail`` without trying anybody's password (Znuny's
``CreateSessionID`` returns before ``Auth`` when neither ``UserLogin`` nor
``CustomerUserLogin`` is given), and one that does not answers
``SessionCreate.MissingParameter`` ("Password parameter is missing!"), identical in OTRS 6.0.30,
Znuny 6.5.4 and 7.0.9. See :func:`detect_header_auth`.

A web service Znuny does not have (a wrong name, or one that is not valid) gets no answer at
all: Znuny's provider closes the connection without a byte (contract otrs-ce-6 105), as a
server going down does. :func:`web_service_missing` tells the two apart, for the detection and
for every call that got no answer (``WebserviceNotFoundError`` names the web service).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from urllib.parse import quote

from radiant_ext.client._transport import Transport
from radiant_ext.client.errors import (
    NoResponseError,
    RouteNotConfiguredError,
    WebserviceNotFoundError,
    ZnunyConnectionError,
)
from radiant_ext.client.routes import Route, RouteSet, resolve_route_set

__all__ = ["AUTO", "HEADER_PROBE", "SCRIPT_PATHS", "detect_header_auth", "detect_route_set",
           "missing_web_service_error", "web_service_missing"]

logger = logging.getLogger("radiant_ext.client")

AUTO = "auto"
"""The route set name that asks for detection."""

SCRIPT_PATHS = ("znuny/", "otrs/")
"""Script paths tried, in order: Znuny 7 serves ``/znuny/``, Znuny 6.x and OTRS 6 ``/otrs/``."""


def _endpoint(base_url: str, script_path: str, webservice: str, webservice_id: int | None) -> str:
    script = script_path.strip("/")
    root = base_url.rstrip("/") + (f"/{script}" if script else "")
    if webservice_id is not None:
        return f"{root}/nph-genericinterface.pl/WebserviceID/{int(webservice_id)}"
    return f"{root}/nph-genericinterface.pl/Webservice/{quote(webservice, safe='')}"


_CLOSE = {"Connection": "close"}
"""Header of the diagnostic requests: Apache would otherwise hold a connection that got no
answer open for its KeepAliveTimeout (5 s) before closing it."""


def web_service_missing(transport: Transport, base_url: str, endpoint: str) -> bool:
    """Whether a request to ``endpoint`` that got no answer means Znuny has no valid web service
    there (rather than a server that is down or restarting).

    The endpoint is asked once more (``POST …/Session`` with an unknown session, on a connection
    of its own) and must again give no answer, while the web server answers ``base_url``'s root
    with any HTTP status (Apache: its 404 page). Two requests, each closed at once.
    """
    body = b'{"SessionID": "radiant-route-probe"}'
    try:
        transport.send("web service probe", "POST", endpoint + "/Session", params=None,
                       body=body, headers=dict(_CLOSE))
    except NoResponseError:
        pass
    except ZnunyConnectionError:  # refused, timed out: not a web service question
        return False
    else:
        return False  # it answers now: the silence was something else
    try:
        transport.send("web server probe", "GET", base_url.rstrip("/") + "/", params=None,
                       body=None, headers=dict(_CLOSE))
    except ZnunyConnectionError:
        return False
    return True


def missing_web_service_error(
    endpoint: str, webservice: str, webservice_id: int | None, operation: str = ""
) -> WebserviceNotFoundError:
    """The error for a web service Znuny does not have at ``endpoint``."""
    if webservice_id is not None:
        service, setting = f"WebserviceID {webservice_id}", "the client's webservice_id"
    else:
        service, setting = f"web service {webservice!r}", "RADIANT_ZNUNY_WEBSERVICE"
    error = WebserviceNotFoundError(
        f"Znuny has no valid {service} at {endpoint}: it closes the connection without an "
        f"answer for a web service it does not have, or one that is not valid, while its web "
        f"server answers. Check {setting} against Admin -> Web Services (the name, and that "
        "it is valid)", operation=operation)
    error.endpoint = endpoint
    return error


def _answers(transport: Transport, method: str, url: str) -> bool:
    """Whether an operation answered (HTTP 200 with a JSON object, an error included).

    :raises NoResponseError: the server closed the connection without an answer.
    """
    # Znuny refuses an empty object ("Unsupported request content structure"); an unknown
    # session makes every operation answer with its own JSON error
    body = None if method in ("GET", "DELETE") else b'{"SessionID": "radiant-route-probe"}'
    response = transport.send("route probe", method, url, params=None, body=body, headers={})
    if response.status_code != 200:
        return False
    try:
        return isinstance(json.loads(response.text), dict)
    except ValueError:
        return False


HEADER_PROBE = "radiant-header-probe"
"""The password sent by :func:`detect_header_auth` (no login is sent with it)."""


def detect_header_auth(transport: Transport, endpoint: str, route: Route) -> bool:
    """Whether the web service at ``endpoint`` reads authentication from ``X-OTRS-Header-*``.

    Sends SessionCreate (``route``) with the header ``X-OTRS-Header-Password`` and no login,
    which logs nobody in: ``SessionCreate.AuthFail`` means the header was read,
    ``SessionCreate.MissingParameter`` that it was not. Any other answer counts as "not read"
    (query string and body always work).

    :raises ZnunyConnectionError: the server cannot be reached (nothing is remembered; the
        next call asks again).
    """
    headers = {"X-OTRS-Header-Password": HEADER_PROBE, **_CLOSE}
    url = endpoint + route.render({name: HEADER_PROBE for name in route.params})
    body = None if route.method in ("GET", "DELETE") else b'{"SessionID": "radiant-header-probe"}'
    params = [("SessionID", HEADER_PROBE)] if body is None else None
    response = transport.send("header probe", route.method, url, params=params, body=body,
                              headers=headers)
    code = ""
    if response.status_code == 200:
        try:
            data = json.loads(response.text)
        except ValueError:
            data = None
        error = data.get("Error") if isinstance(data, dict) else None
        code = str(error.get("ErrorCode", "")) if isinstance(error, dict) else ""
    read = code == "SessionCreate.AuthFail"
    logger.info("znuny reads X-OTRS-Header-* authentication: %s (%s)", "yes" if read else "no",
                code or f"HTTP {response.status_code}")
    return read


def detect_route_set(
    transport: Transport,
    base_url: str,
    *,
    webservice: str,
    webservice_id: int | None,
    script_path: str | None,
    overrides: Mapping[str, Route | tuple[str, str] | str] | None,
) -> tuple[RouteSet, str]:
    """The route set (with ``overrides`` applied) and endpoint the server at ``base_url`` offers.

    :raises ZnunyConnectionError: the server cannot be reached (nothing is remembered; the
        next call detects again).
    :raises RouteNotConfiguredError: no web service answers under any script path tried.
    """
    paths = (script_path,) if script_path else SCRIPT_PATHS
    silent: NoResponseError | None = None
    answered = False
    missing: list[str] = []
    for path in paths:
        endpoint = _endpoint(base_url, path, webservice, webservice_id)
        try:
            found = _answers(transport, "POST", endpoint + "/Session")
        except NoResponseError as exc:  # no such web service, or a server going down
            if web_service_missing(transport, base_url, endpoint):
                missing.append(endpoint)
                answered = True
            else:
                silent = exc
            continue
        answered = True
        if not found:
            continue
        extra: dict[str, Route] = {}
        if _answers(transport, "DELETE", endpoint + "/Session/radiant-route-probe"):
            name = "znuny-r2a"
        elif _answers(transport, "POST", endpoint + "/TicketUpdate"):
            name = "znuny"
        else:
            name = "otrs6"
            if _answers(transport, "POST", endpoint + "/Ticket/Search"):
                extra = {"TicketSearchPOST": Route("POST", "/Ticket/Search")}
        routes = resolve_route_set(name, {**extra, **(overrides or {})})
        logger.info("znuny route set detected: %s under /%s%s", name, path.strip("/"),
                    " with POST /Ticket/Search" if extra else "")
        return routes, endpoint
    if missing:  # Znuny is served there, without this web service
        raise missing_web_service_error(" or ".join(missing), webservice, webservice_id,
                                        "route probe")
    if silent is not None and not answered:  # no answer at all: down, not misconfigured
        raise silent
    service = f"WebserviceID {webservice_id}" if webservice_id is not None else webservice
    raise RouteNotConfiguredError(
        f"no GenericInterface web service {service!r} answers at {base_url.rstrip('/')} under "
        + " or ".join(f"/{p}" for p in paths)
        + ": check the URL, the web service name (RADIANT_ZNUNY_WEBSERVICE) and the script path "
        "(RADIANT_ZNUNY_SCRIPT_PATH), or set RADIANT_ZNUNY_ROUTE_SET"
    )
