"""HTTP plumbing: one ``requests.Session`` per thread, TLS options, failures typed.

Everything that can go wrong before an HTTP answer arrives becomes a
:class:`~radiant_ext.client.errors.ZnunyConnectionError`; whether the request may have reached
the server (``maybe_committed``) decides if a write may be retried.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
)

from radiant_ext.client.errors import NoResponseError, ZnunyConnectionError, ZnunyTimeoutError

__all__ = ["RetryPolicy", "Transport", "redact", "translate"]

Timeout = float | tuple[float, float]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry: exponential backoff, capped, with jitter.

    The client retries one call (connect failures, where nothing reached the server, for
    every operation; read timeouts, dropped connections and the ``statuses`` only for
    read-only operations); the outbox uses the same policy between delivery attempts of a
    request (:meth:`backing_off`, unlimited attempts).

    :param attempts: total tries per call, including the first (1 = never retry).
    :param backoff: first pause in seconds, doubled each time, capped at ``backoff_max``.
    :param statuses: HTTP statuses worth another try (gateway / overload answers).
    :param jitter: up to this share of each pause is taken off at random (0.2: the pause is
        80–100 % of its nominal length), so that many waiting senders do not retry at once.
    """

    attempts: int = 3
    backoff: float = 0.2
    backoff_max: float = 3.0
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({502, 503, 504}))
    jitter: float = 0.0

    @classmethod
    def backing_off(cls, first: float, maximum: float, *, jitter: float = 0.2) -> RetryPolicy:
        """Pauses of ``first`` seconds, doubled after each failure up to ``maximum``."""
        return cls(attempts=0, backoff=first, backoff_max=maximum, jitter=jitter)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        seconds = min(self.backoff * 2.0 ** max(0, attempt - 1), self.backoff_max)
        if self.jitter:
            seconds *= random.uniform(1.0 - self.jitter, 1.0)
        return float(seconds)


_NOT_SENT = (NewConnectionError, NameResolutionError, ConnectTimeoutError)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, its args that are exceptions, their ``reason``s and causes (flattened)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.append(item)
        todo.extend(a for a in item.args if isinstance(a, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            nested = getattr(item, attr, None)
            if isinstance(nested, BaseException):
                todo.append(nested)
    return seen


_QUERY = re.compile(r"\?[^\s'\"()]*")


def redact(text: str) -> str:
    """Drop query strings from a message: they may hold a SessionID or a password."""
    return _QUERY.sub("?…", text)


def translate(exc: requests.RequestException, operation: str) -> ZnunyConnectionError:
    """Map a requests exception to the client's transport errors (messages redacted)."""
    causes = _causes(exc)
    detail = redact(str(exc))
    err: ZnunyConnectionError
    if isinstance(exc, requests.ConnectTimeout):
        err, sent = ZnunyTimeoutError(f"connect timeout: {detail}", operation=operation), False
    elif isinstance(exc, requests.Timeout):
        err = ZnunyTimeoutError(f"read timeout: no answer in time ({detail})", operation=operation)
        sent = True
    elif isinstance(exc, requests.exceptions.SSLError):
        err, sent = ZnunyConnectionError(f"TLS failure: {detail}", operation=operation), False
    elif any(isinstance(c, _NOT_SENT) for c in causes):
        err, sent = ZnunyConnectionError(f"cannot connect: {detail}", operation=operation), False
    elif any(isinstance(c, ProtocolError | ConnectionResetError) for c in causes) or (
        "without response" in detail or "Connection aborted" in detail
    ):
        err = NoResponseError(
            f"the server closed the connection without an answer ({detail})", operation=operation
        )
        sent = True
    else:
        err, sent = ZnunyConnectionError(f"connection failed: {detail}", operation=operation), True
    err.maybe_committed = sent
    return err


_READ_SIZE = 1 << 20
"""Answers are read in pieces of up to 1 MiB (requests' ``.content`` reads 10 KiB at a time)."""


def _prepared(
    session: requests.Session, method: str, url: str, body: bytes | None,
    headers: dict[str, str], auth: Any,
) -> requests.PreparedRequest:
    """The request as ``Session.prepare_request`` prepares it for these sessions: the
    session's headers under the request's, a copy of its cookies, the query already in
    ``url`` (encoded as requests encodes ``params``: UTF-8, ``+`` for spaces)."""
    merged = CaseInsensitiveDict(session.headers)
    merged.update(headers)
    cookies = RequestsCookieJar()
    cookies.update(session.cookies)
    prepared = requests.PreparedRequest()
    prepared.prepare(method=method.upper(), url=url, headers=merged, data=body, auth=auth,
                     cookies=cookies)
    return prepared


class Transport:
    """Sends single HTTP requests over a pool of keep-alive ``requests.Session`` objects.

    Each request borrows an idle session (the most recently used one, whose connection is
    warm) and returns it afterwards, so one thread or many — including the short-lived
    threads of a parallel batch fetch — reuse the same connections. Concurrent requests use
    different sessions (``requests.Session`` is not meant to be shared between threads).

    What requests takes from the environment (``HTTP(S)_PROXY`` / ``NO_PROXY``,
    ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``, ``~/.netrc``) is read once per scheme and host,
    on the first request there, instead of on every request; changes made to the environment
    later are not seen by this transport.

    :param verify: ``True``, ``False`` or the path of a CA bundle.
    :param cert: client certificate: a PEM path, or ``(cert, key)`` paths.
    :param pool_size: idle keep-alive connections kept; more concurrent requests open extra
        connections, closed when they are done.
    """

    def __init__(
        self,
        *,
        timeout: Timeout,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        pool_size: int = 10,
        user_agent: str = "radiant-ext",
    ) -> None:
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.timeout = timeout
        self.verify = verify
        self.cert = cert
        self.pool_size = pool_size
        self.user_agent = user_agent
        self._lock = threading.Lock()
        self._idle: list[requests.Session] = []
        self._busy: set[requests.Session] = set()
        self._settings: dict[tuple[str, str], dict[str, Any]] = {}  # per scheme and host
        self.opened = 0  #: sessions created so far (each holds one keep-alive connection)

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.verify = self.verify
        session.cert = self.cert
        session.headers["User-Agent"] = self.user_agent
        session.headers["Accept"] = "application/json"
        session.trust_env = False  # the environment is read once: _environment
        return session

    def _environment(self, session: requests.Session, url: str) -> dict[str, Any]:
        """Proxies, CA bundle and netrc login for ``url``'s origin, as requests would take
        them from the environment (read on the first request to the origin)."""
        parts = urlsplit(url)
        origin = (parts.scheme, parts.netloc)
        known = self._settings.get(origin)
        if known is not None:
            return known
        session.trust_env = True
        try:
            merged = session.merge_environment_settings(url, {}, None, self.verify, self.cert)
        finally:
            session.trust_env = False
        settings: dict[str, Any] = {"proxies": merged["proxies"], "verify": merged["verify"],
                                    "cert": merged["cert"], "auth": get_netrc_auth(url)}
        self._settings[origin] = settings
        return settings

    @contextmanager
    def session(self) -> Iterator[requests.Session]:
        """Borrow an idle session (or a new one) for one exchange."""
        with self._lock:
            session = self._idle.pop() if self._idle else None
            if session is None:
                self.opened += 1
        if session is None:
            session = self._new_session()
        with self._lock:
            self._busy.add(session)
        try:
            yield session
        finally:
            with self._lock:
                kept = session in self._busy and len(self._idle) < self.pool_size
                self._busy.discard(session)
                if kept:
                    self._idle.append(session)
            if not kept:
                session.close()

    @property
    def idle(self) -> int:
        """Sessions waiting in the pool."""
        return len(self._idle)

    def send(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        params: list[tuple[str, str]] | None,
        body: bytes | None,
        headers: dict[str, str],
    ) -> requests.Response:
        """One HTTP exchange; transport failures come out as ``ZnunyConnectionError``.

        The request is prepared here (:func:`_prepared`) and handed to ``Session.send``, as
        ``Session.request`` would after merging the session's settings: these sessions have no
        params, hooks or auth of their own and the environment is read once (``_environment``),
        so that general merging — ~0.1 ms of CPU per request, most of it runtime protocol
        checks — is left out.
        """
        if body is not None:
            headers = {**headers, "Content-Type": "application/json; charset=utf-8"}
        target = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}" if params else url
        try:
            with self.session() as session:
                settings = self._environment(session, url)
                prepared = _prepared(session, method, target, body, headers, settings["auth"])
                response = session.send(
                    prepared, timeout=self.timeout, stream=True, allow_redirects=True,
                    verify=settings["verify"], cert=settings["cert"],
                    proxies=dict(settings["proxies"]),
                )
                # read inside the borrow: the connection goes back to the pool once read
                response._content = b"".join(response.iter_content(_READ_SIZE))
                return response
        except requests.RequestException as exc:
            raise translate(exc, operation) from exc

    def close(self) -> None:
        """Close the idle sessions; sessions in use are closed when their request ends."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._busy.clear()
        for session in idle:
            session.close()
