"""The sandbox plays Znuny's ``Ticket::Generic`` invoker (synchronous, one web service).

After an operation's work is committed, the events it queued (``TicketCreate``,
``ArticleCreate``, ``TicketStateUpdate``) are sent one by one to the configured URL with the
recorded body (:func:`~.znuny_invoker.invoker_payload`, read when sent) and Znuny's headers
and Basic auth (:func:`~.znuny_invoker.call_invoker`). The answer's write-back keys are
applied as user 1 in sorted order, stopping at the first failure without rollback
(:func:`~.znuny_writeback.plan_writeback`, :func:`~.znuny_writeback.apply_writeback`); a
non-20x answer, invalid JSON or a timeout applies nothing, and the operation still succeeds.
Events the write-back fires are sent at once, nested (files 09, 11) — up to ``max_depth``
levels and ``max_calls`` calls per operation, so a receiver that answers every event with a
new article cannot hang the sandbox.
"""
from __future__ import annotations

import collections
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from radiant_ext_sandbox import deepget, tickets
from radiant_ext_sandbox.db import Ctx
from radiant_ext_sandbox.escalation import rebuild_index
from radiant_ext_sandbox.writeback import apply_action
from radiant_ext_sandbox.znuny_invoker import call_invoker
from radiant_ext_sandbox.znuny_writeback import WriteBackPlan, apply_writeback, plan_writeback

__all__ = ["EVENTS", "InvokerCall", "InvokerConfig", "InvokerRunner"]

log = logging.getLogger(__name__)

#: The events the sandbox queues for the invoker.
EVENTS = frozenset({"TicketCreate", "ArticleCreate", "TicketStateUpdate"})
_PLACEHOLDER = re.compile(r":(Ticket|Event)\.(\w+)")


@dataclass(frozen=True)
class InvokerConfig:
    """One synchronous invoker (the web service's requester settings).

    :param url: Host + Controller, e.g. ``http://127.0.0.1:8080/-/znuny/webhook/ticket-create``;
        ``:Ticket.TicketNumber``-style placeholders are filled from the body, like Znuny's.
    :param user: BasicAuthUser. :param password: BasicAuthPassword.
    :param timeout: the transport's ``Timeout`` in seconds (Znuny's default 30).
    :param events: the events it is triggered by (a subset of :data:`EVENTS`).
    :param max_depth: nesting levels of events fired by write-back that are still sent.
    :param max_calls: calls per operation at most.
    """

    url: str
    user: str = "znuny"
    password: str = ""
    timeout: float = 30.0
    events: frozenset[str] = frozenset({"TicketCreate"})
    max_depth: int = 3
    max_calls: int = 20

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"invoker URL must be http(s)://host/..., not {self.url!r}")
        unknown = set(self.events) - EVENTS
        if unknown:
            raise ValueError(
                f"unknown invoker events: {', '.join(sorted(unknown))} "
                f"(choose from {', '.join(sorted(EVENTS))})"
            )
        if self.timeout <= 0 or self.max_depth < 0 or self.max_calls < 1:
            raise ValueError("timeout must be > 0, max_depth >= 0 and max_calls >= 1")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InvokerConfig:
        """Build from the test control's body (``URL``, ``User``, ``Password``, ``Timeout``,
        ``Events``, ``MaxDepth``, ``MaxCalls``); raises ``ValueError`` on bad values."""
        events = data.get("Events", ["TicketCreate"])
        if isinstance(events, str) or not isinstance(events, list):
            raise ValueError("Events must be a list of event names")
        return cls(
            url=str(data.get("URL") or ""),
            user=str(data.get("User", "znuny")),
            password=str(data.get("Password", "")),
            timeout=float(data.get("Timeout", 30.0)),
            events=frozenset(events),
            max_depth=int(data.get("MaxDepth", 3)),
            max_calls=int(data.get("MaxCalls", 20)),
        )

    def to_json(self, password: bool = False) -> dict[str, Any]:
        """The settings as JSON (the password only when asked for, else ``"***"``)."""
        return {
            "URL": self.url,
            "User": self.user,
            "Password": self.password if password else ("***" if self.password else ""),
            "Timeout": self.timeout,
            "Events": sorted(self.events),
            "MaxDepth": self.max_depth,
            "MaxCalls": self.max_calls,
        }

    def target(self, body: Mapping[str, Any]) -> str:
        """The URL with ``:Ticket.<Key>`` / ``:Event.<Key>`` placeholders filled in."""

        def fill(match: re.Match[str]) -> str:
            part = body.get(match.group(1))
            value = part.get(match.group(2), "") if isinstance(part, Mapping) else ""
            return urllib.parse.quote(str(value), safe="")

        return _PLACEHOLDER.sub(fill, self.url)


@dataclass(frozen=True)
class InvokerCall:
    """One invoker call (or a skipped one), for ``GET /__sandbox__/invoker`` and the log."""

    event: str
    ticket_id: int
    depth: int
    status: int | None = None
    error: str | None = None
    applied: tuple[str, ...] = ()
    failed: str | None = None
    seconds: float = 0.0
    skipped: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The call as a JSON object."""
        return {
            "Event": self.event,
            "TicketID": self.ticket_id,
            "Depth": self.depth,
            "Status": self.status,
            "Error": self.error,
            "Applied": list(self.applied),
            "Failed": self.failed,
            "Seconds": round(self.seconds, 4),
            "Skipped": self.skipped,
        }


Transaction = Callable[[bool], Any]  # write: bool -> context manager yielding a Ctx


@dataclass
class InvokerRunner:
    """Sends queued events and applies the answers (one per sandbox process).

    :param transaction: opens a sandbox transaction as user 1 (``write=True``: immediate).
    """

    transaction: Transaction
    calls: collections.deque[InvokerCall] = field(
        default_factory=lambda: collections.deque(maxlen=200)
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, config: InvokerConfig, events: Iterable[dict[str, Any]]) -> list[InvokerCall]:
        """Send ``events`` (queued by one operation) and everything they fire, depth first."""
        made: list[InvokerCall] = []
        self._send(config, list(events), 1, made)
        with self._lock:
            self.calls.extend(made)
        return made

    def history(self, clear: bool = False) -> list[InvokerCall]:
        """The recent calls of this process (at most 200), oldest first; optionally forget them."""
        with self._lock:
            calls = list(self.calls)
            if clear:
                self.calls.clear()
        return calls

    def _send(
        self,
        config: InvokerConfig,
        events: list[dict[str, Any]],
        depth: int,
        made: list[InvokerCall],
    ) -> None:
        for event in events:
            name, ticket_id = str(event["Event"]), int(event["TicketID"])
            if depth > config.max_depth + 1 or len(made) >= config.max_calls:
                why = "depth limit" if depth > config.max_depth + 1 else "call limit"
                log.warning("invoker: %s not sent for ticket %s (%s)", name, ticket_id, why)
                made.append(InvokerCall(name, ticket_id, depth, skipped=why))
                continue
            call, fired = self._call(config, event, depth)
            made.append(call)
            self._send(config, fired, depth + 1, made)

    def _call(
        self, config: InvokerConfig, event: dict[str, Any], depth: int
    ) -> tuple[InvokerCall, list[dict[str, Any]]]:
        name, ticket_id = str(event["Event"]), int(event["TicketID"])
        with self.transaction(False) as ctx:
            body = deepget.invoker_body(ctx, event)
        if body is None:
            return InvokerCall(name, ticket_id, depth, skipped="ticket gone"), []
        started = time.perf_counter()
        answer = call_invoker(
            config.target(body),
            body,
            user=config.user,
            password=config.password,
            timeout=config.timeout,
        )
        seconds = time.perf_counter() - started
        plan = plan_writeback(answer.status, answer.content_type, answer.body)
        applied, failed, fired = self._apply(ticket_id, plan)
        error = plan.error or (plan.failure if plan.failed else None)
        if error or failed:
            log.warning(
                "invoker %s for ticket %s: %s",
                name,
                ticket_id,
                error or f"write-back stopped at {failed}",
            )
        return InvokerCall(
            name,
            ticket_id,
            depth,
            answer.status,
            error,
            applied,
            failed or (plan.failed.key if plan.failed else None),
            seconds,
        ), fired

    def _apply(
        self, ticket_id: int, plan: WriteBackPlan
    ) -> tuple[tuple[str, ...], str | None, list[dict[str, Any]]]:
        if not plan.actions:
            return (), None, []
        with self.transaction(True) as ctx:
            outcome = apply_writeback(plan.actions, lambda a: apply_action(ctx, ticket_id, a))
            tickets.send_notifications(ctx)
            rebuild_index(ctx, ticket_id)
            fired = list(ctx.events or [])
        applied = tuple(a.key for a in outcome.applied)
        return applied, outcome.failed.key if outcome.failed else None, fired


def user_one(ctx: Ctx, config: InvokerConfig | None) -> Ctx:
    """Make ``ctx`` act as user 1 and queue the events ``config`` listens to."""
    ctx.user_id, ctx.user_type, ctx.login = 1, "User", "root@localhost"
    if config is not None:
        ctx.events, ctx.watched = [], config.events
    return ctx
