"""The WSGI side: URL → web service → operation, parameter sources, faults, test controls."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.wrappers import Request, Response

from radiant_ext_sandbox import (
    agent,
    postmaster,
    routing,
    search,
    sessions,
    ticket_read,
    ticket_write,
)
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx, Sandbox, read_settings, write_setting
from radiant_ext_sandbox.errors import SandboxError
from radiant_ext_sandbox.invoker import InvokerConfig, InvokerRunner, user_one
from radiant_ext_sandbox.timeutil import Clock, parse
from radiant_ext_sandbox.validate import Fault

Operation = Callable[[Ctx, dict[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Operation] = {
    "SessionCreate": sessions.session_create,
    "SessionGet": sessions.session_get,
    "SessionRemove": sessions.session_remove,
    "TicketCreate": ticket_write.ticket_create,
    "TicketGet": ticket_read.ticket_get,
    "TicketHistoryGet": ticket_read.ticket_history_get,
    "TicketSearch": search.ticket_search,
    "TicketUpdate": ticket_write.ticket_update,
}
MAX_LENGTH = 100_000_000
_HEADERS = ("UserLogin", "CustomerUserLogin", "SessionID", "Password", "TwoFactorToken")


class NoAnswer(Exception):
    """The real server closed the connection without an HTTP response."""


def text(status: int, body: str) -> Response:
    """A plain-text answer (Znuny's transport errors)."""
    return Response(body, status=status, content_type="text/plain; charset=UTF-8")


def as_json(data: Any, status: int = 200) -> Response:
    """A JSON answer with sorted keys, like Znuny 7."""
    body = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return Response(body, status=status, content_type="application/json; charset=UTF-8")


def parse_query(query: str) -> dict[str, Any]:
    """Split on ``&``/``;``, ``+`` → space; repeated keys become lists (§1.4)."""
    out: dict[str, Any] = {}
    for part in query.replace(";", "&").split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key = urllib.parse.unquote(key.replace("+", " "))
        value = urllib.parse.unquote(value.replace("+", " "))
        if key in out:
            out[key] = (out[key] if isinstance(out[key], list) else [out[key]]) + [value]
        else:
            out[key] = value if value != "0" else ""
    return out


def read_body(request: Request) -> dict[str, Any]:
    """Decode a non-GET JSON body; raise the transport's errors."""
    length = request.content_length or 0
    if request.method == "GET" or length <= 0:
        return {}
    raw = request.get_data(cache=False)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise _Transport("Could not read input data")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Transport("Error while decoding request content.") from exc
    if isinstance(data, list):
        raise NoAnswer  # Znuny dies ("Not a HASH reference"), Apache sends no status line
    if not isinstance(data, dict):
        raise _Transport("Error while decoding request content.")
    if not data:  # Znuny 7.0.9 and 6.5.4 refuse an empty object (a body-less POST is fine)
        raise _Transport("Unsupported request content structure.")
    return data


class _Transport(Exception):
    """An HTTP 500 plain-text transport error."""


class GenericInterface:
    """The WSGI application of one sandbox."""

    def __init__(
        self, sandbox: Sandbox, seed: str = "", invoker: InvokerConfig | None = None
    ) -> None:
        self.sandbox = sandbox
        self.seed = seed  # the world in the database: retail, lab or znuny-lab
        self.invoker = invoker  # this process's invoker; the test control's stored one wins
        self.runner = InvokerRunner(self.transaction)

    def set_invoker(self, invoker: InvokerConfig | None) -> None:
        """Configure (or with ``None`` remove) this process's invoker."""
        self.invoker = invoker

    def invoker_config(self, settings: dict[str, Any]) -> InvokerConfig | None:
        """The invoker in effect: the one stored by ``/__sandbox__/invoker``, else ours."""
        if "invoker" not in settings:
            return self.invoker
        stored = settings["invoker"]
        return InvokerConfig.from_json(stored) if stored else None

    @contextmanager
    def transaction(self, write: bool) -> Iterator[Ctx]:
        """A transaction acting as user 1, queuing events for the invoker in effect."""
        with self.sandbox.lock, self.sandbox.engine.connect() as raw:
            raw.info["immediate"] = write
            with raw.begin():
                settings = read_settings(raw)
                ctx = Ctx(conn=raw, settings=settings, clock=Clock(float(settings["clock_offset"])))
                yield user_one(ctx, self.invoker_config(settings))

    def receive_mail(self, raw: bytes | str, queue: str | None = None) -> dict[str, Any]:
        """Take an RFC 822 message like Znuny's PostMaster; then run the invoker.

        :raises SandboxError: no sender address, or an unknown queue.
        """
        mail = postmaster.parse_mail(raw)
        with self.transaction(True) as ctx:
            result = postmaster.deliver(ctx, mail, queue)
            config, events = self.invoker_config(ctx.settings), list(ctx.events or [])
        if config is not None and events:
            self.runner.run(config, events)
        return result

    def agent_move(self, ticket: str, state: str, note: str = "") -> dict[str, Any]:
        """Move a ticket (number or id) to ``state`` as an agent would; then run the invoker
        (``TicketStateUpdate`` if it listens to it, ``ArticleCreate`` for the note).

        :raises SandboxError: an unknown ticket or state; nothing is changed.
        """
        with self.transaction(True) as ctx:
            result = agent.move_ticket(ctx, ticket, state, note)
            config, events = self.invoker_config(ctx.settings), list(ctx.events or [])
        if config is not None and events:
            self.runner.run(config, events)
        return result

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except NoAnswer:
            return self._hang_up(environ, start_response)
        except Exception:  # noqa: BLE001 - a server never shows a traceback
            response = text(
                500, json.dumps({"faultcode": "Server", "faultstring": "Internal Server Error"})
            )
        return response(environ, start_response)

    @staticmethod
    def _hang_up(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return Response(b"", status=500)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route one request (test controls, faults, then the GenericInterface)."""
        path = request.path
        if path.startswith("/__sandbox__/"):
            if not self.sandbox.test_controls:
                return text(404, "Not Found")
            return self.control(request, path[len("/__sandbox__/") :])
        faults = self.sandbox.faults
        mode = faults.mode if faults.count != 0 else "none"
        if mode != "none":
            faults.count -= 1
            if mode == "down":
                raise NoAnswer
            if mode == "error500":
                return text(500, "Internal Server Error")
        response = self.generic_interface(request)
        if mode == "timeout_after_commit":
            time.sleep(faults.delay)
        return response

    def generic_interface(self, request: Request) -> Response:
        """Answer one GenericInterface request inside one transaction."""
        parts = request.path.split("/", 5)
        if "nph-genericinterface.pl" not in parts[:3]:  # not Znuny's: the web server's 404
            return Response("<html><body><h1>Not Found</h1></body></html>", status=404,
                            content_type="text/html; charset=iso-8859-1")
        if (
            len(parts) < 5
            or parts[2] != "nph-genericinterface.pl"
            or parts[3] not in ("Webservice", "WebserviceID")
        ):
            raise NoAnswer  # Znuny cannot tell the web service from the URL: it answers nothing
        route = "/" + (parts[5] if len(parts) > 5 else "")
        if (request.content_length or 0) > MAX_LENGTH:  # the transport's MaxLength (§6)
            return text(413, "Request Entity Too Large")
        queued: list[Any] = []
        with self.sandbox.lock, self.sandbox.engine.connect() as raw:
            raw.info["immediate"] = request.method != "GET"
            try:
                with raw.begin():
                    response = self._answer(request, raw, parts, route, queued)
            except Fault as exc:  # rolled back, like a failed operation in Znuny
                return text(500, json.dumps({"faultcode": "Server", "faultstring": str(exc)}))
        if queued and queued[1]:  # synchronous invokers run after the work, before the answer
            self.runner.run(queued[0], queued[1])
        return response

    def _answer(
        self, request: Request, conn: Any, parts: list[str], route: str, queued: list[Any]
    ) -> Response:
        """Resolve the web service and operation, gather parameters, run the operation."""
        settings = read_settings(conn)
        ctx = Ctx(
            conn=conn,
            settings=settings,
            clock=Clock(float(settings["clock_offset"])),
            remote_addr=request.remote_addr or "",
            user_agent=request.user_agent.string,
        )
        invoker = self.invoker_config(settings) if request.method != "GET" else None
        if invoker is not None:
            ctx.events, ctx.watched = [], invoker.events
            queued[:] = [invoker, ctx.events]
        config = routing.find_webservice(ctx, parts[3], urllib.parse.unquote(parts[4]))
        if config is None:
            raise NoAnswer
        match = routing.match_route(config, route, request.method)
        if match is None:
            return text(
                500, f"HTTP::REST Error while determine Operation for request URI '{route}'."
            )
        try:
            data = read_body(request)
        except _Transport as exc:
            return text(500, str(exc))
        data.update(parse_query(request.query_string.decode("latin-1")))
        data.update(match.params)
        if ctx.flavour != "otrs6":  # Znuny >= 6.1 reads credentials from X-OTRS-Header-* (§1.4)
            for name in _HEADERS:
                value = request.headers.get(f"X-OTRS-Header-{name}")
                if value is not None:
                    data[name] = value
        return as_json(OPERATIONS[match.type](ctx, data))

    def control(self, request: Request, what: str) -> Response:
        """``/__sandbox__/{sessions/age,clock,faults}`` (only with test controls)."""
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return as_json({"Error": "body must be JSON"}, 400)
        if not isinstance(body, dict):
            return as_json({"Error": "body must be a JSON object"}, 400)
        if what == "faults" and request.method == "POST":
            return self._faults(body)
        if what in ("invoker", "mail"):
            return self._invoker_control(what, request.method, body)
        with self.sandbox.lock, self.sandbox.engine.begin() as conn:
            settings = read_settings(conn)
            clock = Clock(float(settings["clock_offset"]))
            ctx = Ctx(conn=conn, settings=settings, clock=clock)
            if what == "sessions/age" and request.method == "POST":
                ok = sessions.age_session(
                    ctx, str(body.get("SessionID")), int(body.get("Seconds", 0))
                )
                return as_json(
                    {"Success": 1} if ok else {"Error": "no such session"}, 200 if ok else 404
                )
            if what == "clock":
                return self._clock(conn, clock, body if request.method == "POST" else {})
        return text(404, "Not Found")

    def _invoker_control(self, what: str, method: str, body: dict[str, Any]) -> Response:
        if what == "mail" and method == "POST":
            return self._mail(body)
        if what != "invoker":
            return text(404, "Not Found")
        if method == "POST":
            try:
                self._store_invoker(body)
            except (ValueError, TypeError) as exc:
                return as_json({"Error": str(exc)}, 400)
        with self.transaction(False) as ctx:
            config = self.invoker_config(ctx.settings)
        calls = self.runner.history(clear=method == "DELETE")
        return as_json(
            {
                "Invoker": config.to_json() if config else None,
                "Calls": [c.to_json() for c in calls],
            }
        )

    def _store_invoker(self, body: dict[str, Any]) -> None:
        """``{"Reset": 1}``: back to the app's invoker; ``{"Off": 1}``: none; else a config."""
        if body.get("Reset"):
            self.store_invoker(None, reset=True)
        else:
            self.store_invoker(None if body.get("Off") else InvokerConfig.from_json(body))

    def store_invoker(self, invoker: InvokerConfig | None, reset: bool = False) -> None:
        """Store the invoker in the database: it wins over each process's own, so every
        gunicorn worker and ``radiant-ext sandbox mail`` on this folder use it.

        :param invoker: the invoker, or ``None`` for none at all.
        :param reset: forget the stored one instead (each process uses its own again).
        """
        with self.sandbox.lock, self.sandbox.engine.begin() as conn:
            conn.execute(s.sandbox_setting.delete().where(s.sandbox_setting.c.name == "invoker"))
            if not reset:
                stored = invoker.to_json(password=True) if invoker else None
                write_setting(conn, "invoker", stored)

    def _mail(self, body: dict[str, Any]) -> Response:
        raw = body.get("Raw")
        if not isinstance(raw, str):
            raw = postmaster.compose_mail(
                str(body.get("From") or ""),
                str(body.get("Subject") or ""),
                str(body.get("Body") or ""),
                str(body.get("To") or postmaster.SYSTEM_ADDRESS),
            )
        try:
            return as_json(self.receive_mail(raw, body.get("Queue") or None))
        except SandboxError as exc:
            return as_json({"Error": str(exc)}, 400)

    def _faults(self, body: dict[str, Any]) -> Response:
        mode = body.get("mode", "none")
        if mode not in ("none", "error500", "timeout_after_commit", "down"):
            return as_json({"Error": f"unknown mode {mode!r}"}, 400)
        faults = self.sandbox.faults
        faults.mode, faults.count = mode, int(body.get("count", -1))
        faults.delay = float(body.get("delay", 0))
        return as_json({"mode": faults.mode, "count": faults.count, "delay": faults.delay})

    @staticmethod
    def _clock(conn: Any, clock: Clock, body: dict[str, Any]) -> Response:
        if "Now" in body:
            when = parse(str(body["Now"]))
            if when is None:
                return as_json({"Error": "Now must be YYYY-MM-DD HH:MM:SS"}, 400)
            clock.set_now(when)
        elif "Advance" in body:
            clock.offset += float(body["Advance"])
        elif body.get("Reset"):
            clock.offset = 0.0
        if body:
            write_setting(conn, "clock_offset", clock.offset)
        return as_json({"Now": clock.now().strftime("%Y-%m-%d %H:%M:%S")})
