"""The client's core: configuration, authentication, and the one chokepoint ``_request``.

Every call to Znuny goes through :meth:`ClientCore._request`: it picks the route, adds the
authentication, renders the URL (path values quoted), sends with a timeout and the retry
policy, decodes JSON, detects the HTTP-200 ``{"Error": …}`` body and raises through
:func:`~radiant_ext.client.errors.error_from_response`. Sessions are created lazily, shared
by all threads, and renewed once when Znuny rejects one (contract otrs-ce-6 106–111).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import requests

from radiant_ext.client._detect import (
    AUTO,
    detect_header_auth,
    detect_route_set,
    missing_web_service_error,
    web_service_missing,
)
from radiant_ext.client._transport import RetryPolicy, Timeout, Transport
from radiant_ext.client.credentials import AgentCredentials, CustomerCredentials
from radiant_ext.client.errors import (
    AuthenticationError,
    MissingCredentialsError,
    NoResponseError,
    ResponseValidationError,
    RouteNotConfiguredError,
    ZnunyConnectionError,
    decode_response,
)
from radiant_ext.client.routes import Route, RouteSet, resolve_route_set

__all__ = ["AuthMode", "ClientCore", "HeaderAuth", "SAFE_OPERATIONS"]

logger = logging.getLogger("radiant_ext.client")

#: Operations that change nothing and may be retried after a lost answer.
SAFE_OPERATIONS = frozenset(
    {"SessionCreate", "SessionGet", "TicketGet", "TicketGetList", "TicketHistoryGet",
     "TicketSearch", "TicketSearchPOST", "RadiantMetaDescribe"}
)

_HEADERS_READ: dict[str, bool] = {}
"""``header_auth="auto"``: per web service endpoint, whether it reads ``X-OTRS-Header-*`` (asked
once per process, however many clients — one per customer login — are built)."""
_HEADERS_READ_LOCK = threading.Lock()

AuthMode = Literal["session", "credentials"]
HeaderAuth = bool | Literal["auto"]
"""``True``: SessionID / login / password in ``X-OTRS-Header-*`` headers; ``False``: in the
query string or body; ``"auto"``: headers when the server reads them (asked once)."""
_Auth = Literal["default", "none", "credentials"]
T = TypeVar("T")
Decoder = Callable[[str, requests.Response], T]
"""Turns an HTTP answer into the operation's result or raises (default: :func:`_decode`)."""


class ClientCore:
    """Configuration and transport shared by every operation; see :class:`ZnunyClient`."""

    def __init__(
        self,
        base_url: str,
        *,
        webservice: str = "GenericTicketConnectorREST",
        webservice_id: int | None = None,
        route_set: str | RouteSet = "otrs6",
        routes: Mapping[str, Route | tuple[str, str] | str] | None = None,
        script_path: str | None = None,
        credentials: AgentCredentials | CustomerCredentials | None = None,
        session_id: str | None = None,
        auth_mode: AuthMode = "session",
        header_auth: HeaderAuth = False,
        timeout: Timeout = 10.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        pool_size: int = 10,
        user_agent: str = "radiant-ext",
    ) -> None:
        self._routes: RouteSet | None = None
        self._endpoint_url: str | None = None
        self._detect_lock = threading.Lock()
        self._auto = route_set == AUTO
        if not self._auto:
            self._routes = resolve_route_set(route_set, routes)
        if credentials is None and session_id is None:
            raise MissingCredentialsError(
                "ZnunyClient needs credentials=AgentCredentials(...)/CustomerCredentials(...) "
                "or a session_id"
            )
        if auth_mode == "credentials" and credentials is None:
            raise MissingCredentialsError("auth_mode='credentials' needs credentials")
        self.credentials = credentials
        self.auth_mode: AuthMode = auth_mode
        if header_auth not in (True, False, AUTO):
            raise ValueError(f"header_auth must be True, False or 'auto', not {header_auth!r}")
        self.header_auth: HeaderAuth = header_auth
        self._headers_read: bool | None = None  # header_auth="auto": the server's answer
        self._header_lock = threading.Lock()
        self.retry = retry or RetryPolicy()
        self._transport = Transport(
            timeout=timeout, verify=verify, cert=cert, pool_size=pool_size, user_agent=user_agent
        )
        self._where = (base_url, script_path, webservice, webservice_id, routes)
        if not self._auto:
            self._endpoint_url = self._build_endpoint(base_url, script_path, webservice,
                                                      webservice_id)
        self._session_id = session_id
        self._session_lock = threading.Lock()
        self._sleep = time.sleep

    # -- route set and endpoint (detected on first use with route_set="auto") -------------

    @property
    def routes(self) -> RouteSet:
        """The route set in use (with ``route_set="auto"``: detected on first use)."""
        if self._routes is None:
            self._detect()
        assert self._routes is not None
        return self._routes

    @routes.setter
    def routes(self, value: RouteSet) -> None:
        self._routes = value

    @property
    def _endpoint(self) -> str:
        if self._endpoint_url is None:
            self._detect()
        assert self._endpoint_url is not None
        return self._endpoint_url

    def _detect(self) -> None:
        """Find the route set and script path the server offers (once; see ``_detect``)."""
        with self._detect_lock:
            if self._routes is not None and self._endpoint_url is not None:
                return
            base_url, script_path, webservice, webservice_id, overrides = self._where
            self._routes, self._endpoint_url = detect_route_set(
                self._transport, base_url, webservice=webservice, webservice_id=webservice_id,
                script_path=script_path, overrides=overrides)

    def _build_endpoint(
        self, base_url: str, script_path: str | None, webservice: str, webservice_id: int | None
    ) -> str:
        script = (script_path or self.routes.script_path).strip("/")
        root = base_url.rstrip("/") + (f"/{script}" if script else "")
        if webservice_id is not None:
            return f"{root}/nph-genericinterface.pl/WebserviceID/{int(webservice_id)}"
        return f"{root}/nph-genericinterface.pl/Webservice/{quote(webservice, safe='')}"

    # -- authentication in headers ---------------------------------------------------------

    @property
    def uses_header_auth(self) -> bool:
        """Whether authentication travels in ``X-OTRS-Header-*`` headers (with
        ``header_auth="auto"``: asked of the server on first use, see ``_detect``)."""
        if self.header_auth != AUTO:
            return bool(self.header_auth)
        if self._headers_read is None:
            with self._header_lock:
                if self._headers_read is None:
                    self._headers_read = self._ask_headers_read()
        return self._headers_read

    def _ask_headers_read(self) -> bool:
        endpoint = self._endpoint
        with _HEADERS_READ_LOCK:
            known = _HEADERS_READ.get(endpoint)
        if known is not None:
            return known
        if not self.routes.has("SessionCreate"):
            return False  # nothing to ask with: the query string and body always work
        read = detect_header_auth(self._transport, endpoint, self.routes.route("SessionCreate"))
        with _HEADERS_READ_LOCK:
            _HEADERS_READ[endpoint] = read
        return read

    # -- sessions -------------------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        """The session currently in use (``None`` before the first authenticated call)."""
        return self._session_id

    def _need_credentials(self, what: str) -> AgentCredentials | CustomerCredentials:
        if self.credentials is None:
            raise MissingCredentialsError(f"{what} needs credentials; the client has only a "
                                          "session id")
        return self.credentials

    def _login(self) -> str:
        """SessionCreate with the configured credentials; returns the new SessionID."""
        creds = self._need_credentials("SessionCreate")
        data = self._request("SessionCreate", creds.as_payload(), auth="none")
        sid = data.get("SessionID")
        if not isinstance(sid, str) or not sid:
            raise ResponseValidationError(
                "SessionCreate answered without a SessionID", operation="SessionCreate",
                status=200, body=json.dumps(data)[:200],
            )
        return sid

    def _current_session(self) -> str:
        with self._session_lock:
            if self._session_id is None:
                self._session_id = self._login()
            return self._session_id

    def _renew_session(self, rejected: str) -> None:
        """Forget ``rejected`` (once, even if several threads saw it fail)."""
        with self._session_lock:
            if self._session_id == rejected:
                self._session_id = None
        logger.info("znuny session rejected; logging in again")

    # -- the chokepoint -------------------------------------------------------------------

    def _authenticate(
        self, payload: dict[str, Any], auth: _Auth
    ) -> tuple[dict[str, Any], dict[str, str], str | None]:
        """Add credentials or the session; returns payload, headers and the SessionID used."""
        if auth == "none":
            return payload, {}, None
        if auth == "credentials" or self.auth_mode == "credentials":
            creds = self._need_credentials("this operation")
            if self.uses_header_auth:
                headers = {f"X-OTRS-Header-{k}": v for k, v in creds.as_payload().items()}
                return payload, headers, None
            return {**creds.as_payload(), **payload}, {}, None
        sid = self._current_session()
        if self.uses_header_auth:
            return payload, {"X-OTRS-Header-SessionID": sid}, sid
        return {"SessionID": sid, **payload}, {}, sid

    def _request(
        self,
        operation: str,
        payload: Mapping[str, Any],
        *,
        auth: _Auth = "default",
        route: Route | None = None,
    ) -> dict[str, Any]:
        """Call one GI operation and return its decoded JSON object (errors raised).

        :param operation: the operation name (route lookup, error messages, logging).
        :param payload: request parameters in Znuny's names; route placeholders are taken out.
        :param auth: ``default`` (session or per-request credentials as configured),
            ``none``, or ``credentials`` (login and password even in session mode).
        :param route: use this route instead of the route set's route for ``operation``.
        """
        return self._request_as(operation, payload, _decode, auth=auth, route=route)

    def _request_as(
        self,
        operation: str,
        payload: Mapping[str, Any],
        decode: Decoder[T],
        *,
        auth: _Auth = "default",
        route: Route | None = None,
    ) -> T:
        """:meth:`_request` with the answer turned into a result by ``decode`` (for example
        validated into models straight from its bytes); ``decode`` raises the errors."""
        route = route or self.routes.route(operation)
        for attempt in (1, 2):
            data, headers, sid = self._authenticate(dict(payload), auth)
            try:
                return self._exchange(operation, route, data, headers, decode)
            except AuthenticationError:
                if attempt == 2 or sid is None or self.credentials is None:
                    raise
                self._renew_session(sid)
        raise AssertionError("unreachable")  # pragma: no cover

    def _prepare(
        self, route: Route, data: dict[str, Any]
    ) -> tuple[str, list[tuple[str, str]] | None, bytes | None]:
        """URL, query and body for one request (GET: query string; others: JSON body)."""
        path_values: dict[str, str] = {}
        for name in route.params:
            if name not in data:
                raise RouteNotConfiguredError(f"route {route.template} needs a value for {name}")
            path_values[name] = str(data.pop(name))
        url = self._endpoint + route.render(path_values)
        if route.method == "GET":
            return url, _query(data), None
        if not data:  # Znuny refuses "{}" ("Unsupported request content structure"): no body
            return url, None, None
        return url, None, json.dumps(data, ensure_ascii=False).encode("utf-8")

    def _exchange(
        self, operation: str, route: Route, data: dict[str, Any], headers: dict[str, str],
        decode: Decoder[T],
    ) -> T:
        url, params, body = self._prepare(route, data)
        safe = operation in SAFE_OPERATIONS
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self._transport.send(
                    operation, route.method, url, params=params, body=body, headers=headers
                )
            except ZnunyConnectionError as exc:
                logger.warning("znuny %s failed after %.3fs: %s", operation,
                               time.monotonic() - started, type(exc).__name__)
                if type(exc) is NoResponseError:
                    self._raise_if_web_service_missing(operation, exc)
                if attempt < self.retry.attempts and (safe or not exc.maybe_committed):
                    self._sleep(self.retry.delay(attempt))
                    continue
                raise
            logger.info("znuny %s -> HTTP %s in %.3fs", operation, response.status_code,
                        time.monotonic() - started)
            if safe and response.status_code in self.retry.statuses and (
                attempt < self.retry.attempts
            ):
                self._sleep(self.retry.delay(attempt))
                continue
            return decode(operation, response)

    def _raise_if_web_service_missing(self, operation: str, exc: NoResponseError) -> None:
        """Raise :class:`WebserviceNotFoundError` when the silence means Znuny has no valid web
        service at the endpoint (not a server going down): no retry fixes that."""
        base_url, _, webservice, webservice_id, _ = self._where
        if web_service_missing(self._transport, base_url, self._endpoint):
            error = missing_web_service_error(self._endpoint, webservice, webservice_id,
                                              operation)
            error.maybe_committed = exc.maybe_committed
            raise error from exc

    @property
    def endpoint(self) -> str:
        """The web service's URL, without the route (with ``route_set="auto"``: detected)."""
        return self._endpoint

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close pooled connections of every thread (the Znuny session is left alone)."""
        self._transport.close()


def _query(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query parameters: lists repeat the key, booleans become 1/0, ``None`` is left out."""
    items: list[tuple[str, str]] = []
    for key, value in data.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, dict):
                raise RouteNotConfiguredError(
                    f"{key} needs a JSON body, which a GET route cannot carry; configure a "
                    "POST route for this operation"
                )
            text = str(int(item)) if isinstance(item, bool) else str(item)
            items.append((key, text))
    return items


def _decode(operation: str, response: requests.Response) -> dict[str, Any]:
    """The JSON object of a successful answer; everything else raises."""
    response.encoding = response.encoding or "utf-8"
    data, error = decode_response(
        operation, response.status_code, response.text, response.headers.get("Content-Type", "")
    )
    if error is not None:
        logger.warning("znuny %s error: %s", operation, error.code or type(error).__name__)
        raise error
    return data
