"""Fixtures for the sync tests: a migrated store (SQLite and PostgreSQL) and an in-memory Znuny.

``FakeZnuny`` stands in for :class:`radiant_ext.client.ZnunyClient` where a test is about the
jobs' own logic (what they store, when they retry); it raises the client's real exception
classes and returns the client's real models. Wire-level behaviour is tested against the
sandbox and with ``responses``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from radiant_ext.client.errors import (
    InvalidParameterError,
    RouteNotConfiguredError,
    ZnunyConnectionError,
    ZnunyTimeoutError,
)
from radiant_ext.client.models import HistoryEntry, Ticket, TicketCreated, TicketUpdated
from radiant_ext.config import Settings
from radiant_ext.sync import JobContext
from radiant_ext.sync.ports import HelpDesk
from tests._store_fixtures import ENGINE_PARAMS, store_engine


@pytest.fixture(params=ENGINE_PARAMS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A store migrated to head: an SQLite file, or a fresh schema on PostgreSQL.

    On PostgreSQL the schema rides in the URL, so a subprocess given engine.url lands in it too.
    """
    with store_engine(request.param, tmp_path, suite="sync", schema_in_url=True) as eng:
        yield eng


def _fmt(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class FakeZnuny:
    """An in-memory Znuny with the client's method signatures and fault switches.

    :ivar mode: ``up``, ``down`` (connection refused), ``timeout_after_commit`` (the ticket is
        created, then the answer never arrives) or ``reject`` (InvalidParameter).
    :ivar post_search: whether the route set has a POST search route (dynamic-field search).
    :ivar skew: how far Znuny's clock is from ours (its clock starts at our ``now + skew``).
    """

    def __init__(self) -> None:
        self.tickets: dict[int, dict[str, Any]] = {}
        self.articles: dict[int, list[dict[str, Any]]] = {}
        self.ids = itertools.count(1)
        self.mode = "up"
        self.post_search = True
        self.skew = timedelta(0)
        self.clock = datetime.now(UTC).replace(microsecond=0)
        self.calls: list[str] = []
        self.history: dict[int, list[HistoryEntry]] = {}

    # -- test helpers -----------------------------------------------------------------------
    def tick(self, seconds: int = 1) -> datetime:
        """Advance Znuny's clock (never behind our clock plus the skew)."""
        self.clock = max(self.clock + timedelta(seconds=seconds),
                         datetime.now(UTC).replace(microsecond=0) + self.skew)
        return self.clock

    def add_ticket(self, **fields: Any) -> int:
        """Create a ticket directly (as the PostMaster or an agent would)."""
        ticket_id = next(self.ids)
        now = _fmt(self.tick())
        record = {"TicketID": ticket_id,
                  "TicketNumber": f"{self.clock:%Y%m%d}{ticket_id:08d}",
                  "Title": "t", "Queue": "Raw", "State": "new", "StateType": "new",
                  "Priority": "3 normal", "PriorityID": 3, "Type": "Unclassified",
                  "CustomerUserID": "demo-customer", "CustomerID": "store-007",
                  "Owner": "root@localhost", "Created": now, "Changed": now,
                  "DynamicField": {}}
        record.update(fields)
        self.tickets[ticket_id] = record
        self.articles[ticket_id] = [{"ArticleID": ticket_id * 100, "Subject": record["Title"],
                                     "Body": fields.get("_body", ""),
                                     "IsVisibleForCustomer": 1}]
        record.pop("_body", None)
        return ticket_id

    def change(self, ticket_id: int, **fields: Any) -> None:
        """Change a ticket and its change time."""
        self.tickets[ticket_id].update(fields, Changed=_fmt(self.tick()))

    def with_key(self, request_id: str) -> list[int]:
        """Ids of tickets carrying ``request_id`` in RadiantRequestID."""
        return [i for i, t in self.tickets.items()
                if t["DynamicField"].get("RadiantRequestID") == request_id]

    def _fault(self, operation: str) -> None:
        self.calls.append(operation)
        if self.mode == "down":
            exc = ZnunyConnectionError("connection refused", operation=operation)
            exc.maybe_committed = False  # as the client's transport marks a refused connect
            raise exc

    def _model(self, ticket_id: int, dynamic_fields: bool = False, **_: Any) -> Ticket:
        data = dict(self.tickets[ticket_id])
        fields = data.pop("DynamicField")
        if dynamic_fields:
            data["DynamicField"] = [{"Name": k, "Value": v} for k, v in fields.items()]
        data["Article"] = self.articles[ticket_id]
        return Ticket.model_validate(data)

    # -- the client's surface ---------------------------------------------------------------
    def ticket_create(self, ticket: Any, article: Any = None, dynamic_fields: Any = (),
                      attachments: Any = ()) -> TicketCreated:
        self._fault("TicketCreate")
        if self.mode == "reject":
            raise InvalidParameterError("TicketCreate: Queue invalid", operation="TicketCreate",
                                        code="TicketCreate.InvalidParameter")
        fields = dict(dynamic_fields)
        ticket_id = self.add_ticket(Title=ticket.title, Queue=ticket.queue,
                                    CustomerUserID=ticket.customer_user,
                                    Priority=ticket.priority or "3 normal",
                                    DynamicField=fields)
        if self.mode == "timeout_after_commit":
            raise ZnunyTimeoutError("read timed out", operation="TicketCreate")
        return TicketCreated.model_validate(
            {"TicketID": ticket_id, "TicketNumber": self.tickets[ticket_id]["TicketNumber"]})

    def ticket_search(self, search: Any = None, **filters: Any) -> list[int]:
        self._fault("TicketSearch")
        found = sorted(self.tickets.values(), key=lambda t: (t["Changed"], t["TicketID"]))
        if "dynamic_fields" in filters:
            if not self.post_search:
                raise RouteNotConfiguredError("dynamic-field search needs a POST search route")
            for name, value in filters["dynamic_fields"].items():
                found = [t for t in found if t["DynamicField"].get(name) == value]
        if "customer_user_login" in filters:
            found = [t for t in found if t["CustomerUserID"] == filters["customer_user_login"]]
        if "ticket_create_time_newer_date" in filters:
            since = _fmt(filters["ticket_create_time_newer_date"])
            found = [t for t in found if t["Created"] >= since]
        if "ticket_last_change_time_newer_date" in filters:
            since = _fmt(filters["ticket_last_change_time_newer_date"])
            found = [t for t in found if t["Changed"] >= since]
        if filters.get("sort_by") == "Age":
            found.sort(key=lambda t: (t["Created"], t["TicketID"]),
                       reverse=filters.get("order_by") == "Down")
        return [int(t["TicketID"]) for t in found][: filters.get("limit") or 500]

    def ticket_get(self, ticket_id: int, **flags: Any) -> Ticket:
        self._fault("TicketGet")
        return self._model(ticket_id, **flags)

    def ticket_get_many(self, ticket_ids: Iterable[int], **flags: Any) -> list[Ticket]:
        self._fault("TicketGet")
        return [self._model(i, **flags) for i in ticket_ids if i in self.tickets]

    def ticket_update(self, ticket_id: int | None = None, *, ticket: Any = None,
                      article: Any = None,
                      dynamic_fields: Any = (), **_: Any) -> TicketUpdated:
        self._fault("TicketUpdate")
        assert ticket_id is not None, "the companion updates tickets by id"
        record = self.tickets[ticket_id]
        if ticket is not None:
            for key, value in ticket.to_znuny().items():
                record[key] = value
        record["DynamicField"].update(dict(dynamic_fields))
        if article is not None:
            self.articles[ticket_id].append(
                {"ArticleID": ticket_id * 100 + len(self.articles[ticket_id]),
                 **article.to_znuny()})
        record["Changed"] = _fmt(self.tick())
        return TicketUpdated.model_validate(
            {"TicketID": ticket_id, "TicketNumber": record["TicketNumber"]})

    def ticket_history(self, ticket_id: int) -> list[HistoryEntry]:
        self._fault("TicketHistoryGet")
        return list(self.history.get(ticket_id, []))

    def close(self) -> None:
        self.calls.append("close")


@pytest.fixture
def fake_znuny_class() -> type[FakeZnuny]:
    """The in-memory Znuny class, for tests that need several fresh ones."""
    return FakeZnuny


def as_help_desk(fake: FakeZnuny) -> HelpDesk:
    """The fake is a :class:`HelpDesk`: strict mypy checks it against the port (``files`` in
    pyproject.toml), so the fake cannot drift from what the real client offers."""
    return fake


@pytest.fixture
def znuny() -> FakeZnuny:
    """An in-memory Znuny, up, with a POST search route."""
    return FakeZnuny()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with quick retries and no real Znuny."""
    return Settings(data_dir=tmp_path, outbox_retry_seconds=0.01, outbox_retry_max_seconds=0.05,
                    znuny_user="radiant")


@pytest.fixture
def make_ctx(engine: Engine, settings: Settings,
             znuny: FakeZnuny) -> Callable[..., JobContext]:
    """Build a job context on the test store whose client is the fake Znuny."""

    def make(**kwargs: Any) -> JobContext:
        kwargs.setdefault("client_factory", lambda: znuny)
        kwargs.setdefault("plugins_factory", None)
        return JobContext(settings=kwargs.pop("settings", settings), engine=engine, **kwargs)

    return make


class RunningSandbox:
    """The sandbox served in a thread, stoppable and restartable on the same port."""

    def __init__(self, data_dir: Path) -> None:
        from radiant_ext_sandbox import create_app, serve_in_thread

        self._serve = serve_in_thread
        self.app = create_app(data_dir, seed="retail", test_controls=True)
        self.server: Any = serve_in_thread(self.app, host="127.0.0.1", port=0)
        self.url: str = self.server.url
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        """Stop answering: connections are refused."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def start(self) -> None:
        """Serve again on the same port (the clients keep their base URL)."""
        if self.server is None:
            self.server = self._serve(self.app, host="127.0.0.1", port=self.port)

    def faults(self, mode: str, count: int = -1, delay: float = 0.0) -> None:
        """Switch the sandbox's fault injection (``none``, ``error500``, ``down``…)."""
        import requests

        answer = requests.post(f"{self.url}/__sandbox__/faults",
                               json={"mode": mode, "count": count, "delay": delay}, timeout=5)
        answer.raise_for_status()

    def client(self, timeout: float = 5.0, extra_routes: bool = False) -> Any:
        """A logged-in client for the companion's agent account; no automatic retries.

        The session is made by a patient client first, so a short ``timeout`` only applies to
        the calls a test makes (a fault then hits them, not the login).
        """
        from radiant_ext.client import AgentCredentials, RetryPolicy, ZnunyClient

        kwargs: dict[str, Any] = {"credentials": AgentCredentials("radiant", "radiant-demo"),
                                  "retry": RetryPolicy(attempts=1)}
        if extra_routes:
            kwargs.update(webservice="GenericTicketConnectorRESTExtra",
                          routes={"TicketSearchPOST": ("POST", "/Ticket/Search")})
        login = ZnunyClient(self.url, timeout=30, **kwargs)
        session_id = login.session_create()
        login.close()
        return ZnunyClient(self.url, timeout=timeout, session_id=session_id, **kwargs)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    """The retail sandbox with test controls, served on an ephemeral port."""
    running = RunningSandbox(tmp_path / "sandbox")
    yield running
    running.stop()
