"""The companion's webhook on the address Znuny's invoker calls, recording every call.

The portal app is served on ``RADIANT_WEBHOOK_URL``'s host and port for the whole live session,
as in production (the portal serves ``/-/znuny/webhook``). A small WSGI layer in front of it
records each call Znuny makes — headers without credentials, body, our answer — and can answer
``500`` instead of the app for the tickets a test names, as a companion that is down would, so
Znuny's daemon retries the call.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from radiant_ext.webhook import WEBHOOK_PATH
from tests._live import unavailable

__all__ = ["RECORDINGS", "Call", "WebhookRecorder", "WebhookServer", "WebhookSlot",
           "write_recordings"]

RECORDINGS = Path(__file__).resolve().parents[1] / "data" / "live"
"""``tests/data/live/<release>/webhook/*.json``: what real servers sent the webhook."""

_SECRET_HEADERS = {"authorization", "cookie", "x-radiant-webhook-secret"}

StartResponse = Callable[..., Any]


@dataclass
class Call:
    """One invoker call and our answer."""

    journey: str
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: Any
    status: int = 0
    answer: Any = None
    outcome: str = ""
    injected: bool = False
    foreign: bool = False
    """Sent with other credentials: another server on this machine calling the same address
    (the three releases share the default ``RADIANT_WEBHOOK_URL``), e.g. its daemon retrying
    a call that failed while no webhook listened. Not this server's call: neither recorded
    nor held against the webhook."""

    @property
    def ticket(self) -> dict[str, Any]:
        ticket = self.body.get("Ticket") if isinstance(self.body, dict) else None
        return ticket if isinstance(ticket, dict) else {}

    @property
    def ticket_id(self) -> int | None:
        value = self.ticket.get("TicketID")
        return int(value) if value not in (None, "") else None

    @property
    def event(self) -> str:
        event = self.body.get("Event") if isinstance(self.body, dict) else None
        return str(event.get("Event", "")) if isinstance(event, dict) else ""

    @property
    def article_shape(self) -> str:
        """How the body carries ``Article``: object, empty (``{}``), list or absent."""
        if "Article" not in self.ticket:
            return "no-article"
        article = self.ticket["Article"]
        if isinstance(article, list):
            return "article-list"
        return "article-empty" if article == {} else "article-object"


@dataclass
class WebhookRecorder:
    """WSGI middleware: records webhook calls, answers 500 for the tickets it is told to."""

    app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
    credentials: str = ""
    """The ``Authorization`` header this server's invoker sends."""
    calls: list[Call] = field(default_factory=list)
    journey: str = "session start"
    _failing: dict[str, int] = field(default_factory=dict)
    _labels: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, marker: str, times: int = 1) -> None:
        """Answer the next ``times`` calls for tickets whose title contains ``marker`` with 500."""
        with self._lock:
            self._failing[marker] = times

    def label(self, marker: str, journey: str) -> None:
        """Label the calls for tickets whose title contains ``marker`` with ``journey``,
        whenever they come (a daemon retry comes while another test runs)."""
        with self._lock:
            self._labels[marker] = journey

    def for_ticket(self, ticket_id: int) -> list[Call]:
        """This server's calls for one ticket."""
        with self._lock:
            return [c for c in self.calls if c.ticket_id == ticket_id and not c.foreign]

    def own_calls(self) -> list[Call]:
        """Every call this server made (see :attr:`Call.foreign`)."""
        with self._lock:
            return [c for c in self.calls if not c.foreign]

    def _inject(self, call: Call) -> bool:
        title = str(call.ticket.get("Title", ""))
        with self._lock:
            for marker, left in self._failing.items():
                if left > 0 and marker in title:
                    self._failing[marker] = left - 1
                    return True
        return False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith(WEBHOOK_PATH):
            return self.app(environ, start_response)
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size) if size else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = [(key[5:].replace("_", "-").title(), str(value))
                   for key, value in sorted(environ.items()) if key.startswith("HTTP_")]
        if environ.get("CONTENT_TYPE"):
            headers.append(("Content-Type", environ["CONTENT_TYPE"]))
        call = Call(self.journey, environ["REQUEST_METHOD"], environ["PATH_INFO"],
                    [(k, v) for k, v in headers if k.lower() not in _SECRET_HEADERS], body)
        call.foreign = environ.get("HTTP_AUTHORIZATION", "") != self.credentials
        title = str(call.ticket.get("Title", ""))
        with self._lock:
            call.journey = next((j for m, j in self._labels.items() if m in title),
                                call.journey)
        with self._lock:
            self.calls.append(call)
        if self._inject(call):
            call.status, call.injected, call.outcome = 500, True, "injected failure"
            call.answer = {"error": "the live tests answer this call with 500"}
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")])
            return [json.dumps(call.answer).encode()]
        captured: dict[str, Any] = {}

        def capture(status: str, response_headers: list[tuple[str, str]],
                    exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, response_headers
            return start_response(status, response_headers, exc_info)

        chunks = list(self.app(environ, capture))
        data = b"".join(chunks)
        call.status = int(str(captured.get("status", "0")).split()[0])
        try:
            call.answer = json.loads(data) if data else None
        except ValueError:
            call.answer = data.decode("utf-8", "replace")
        found = dict(captured.get("headers") or [])
        call.outcome = str(found.get("X-Radiant-Webhook", ""))
        return [data]


@dataclass
class WebhookSlot:
    """The session's webhook: ours (``recorder``), or why not.

    A release without the invoker has none (the tests that need it skip). When the address is
    taken — another live run on this machine, a ``radiant-ext serve`` — Znuny's calls go
    there: the journeys that do not watch the webhook still run; those that do skip, or fail
    when live tests are required.
    """

    recorder: WebhookRecorder | None = None
    reason: str = ""
    release_lacks_it: bool = False

    def require(self) -> WebhookRecorder:
        """The recorder; skip (or fail) the calling test when the webhook is not ours."""
        if self.recorder is None:
            if self.release_lacks_it:
                pytest.skip(self.reason)
            unavailable(self.reason)
        assert self.recorder is not None
        return self.recorder


class WebhookServer:
    """``app`` served on ``host:port`` in a thread, behind a :class:`WebhookRecorder`."""

    def __init__(self, app: Any, host: str, port: int, user: str, secret: str) -> None:
        token = base64.b64encode(f"{user}:{secret}".encode()).decode()
        self.recorder = WebhookRecorder(app.wsgi_app, credentials=f"Basic {token}")
        app.wsgi_app = self.recorder
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="live-webhook")
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "call"


def _scrub(value: Any, secrets: Iterable[str]) -> Any:
    text = json.dumps(value, ensure_ascii=False)
    for secret in secrets:
        if secret and secret in text:
            raise AssertionError("a webhook recording would contain a secret")
    return value


def recording(call: Call, release: str, secrets: Iterable[str]) -> dict[str, Any]:
    """One call as a file: the request as Znuny sent it (no credentials) and our answer."""
    return {
        "release": release,
        "journey": call.journey,
        "event": call.event,
        "article": call.article_shape,
        "request": {"method": call.method, "path": call.path,
                    "headers": [list(h) for h in call.headers],
                    "body": _scrub(call.body, secrets)},
        "our_answer": {"status": call.status, "injected": call.injected,
                       "outcome": call.outcome, "body": call.answer},
    }


def write_recordings(calls: list[Call], release: str, secrets: Iterable[str],
                     root: Path = RECORDINGS) -> Path:
    """Replace ``root/<release>/webhook/`` with one file per call; return the folder."""
    folder = root / release / "webhook"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    secrets = list(secrets)
    for number, call in enumerate([c for c in calls if not c.foreign], 1):
        outcome = "injected-500" if call.injected else (call.outcome.split(";")[0] or
                                                        str(call.status))
        name = f"{number:03d}-{call.event or 'unknown'}-{call.article_shape}-{_slug(outcome)}"
        path = folder / f"{name}-{_slug(call.journey.removeprefix('test_'))[:40]}.json"
        path.write_text(json.dumps(recording(call, release, secrets), indent=2,
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


def recorded_files(root: Path = RECORDINGS) -> Iterator[Path]:
    """Every recorded call of every release, in order."""
    yield from sorted(root.glob("*/webhook/*.json"))
