"""Fixtures for the portal tests: an in-memory help desk behind the portal's ports.

The fakes keep state like Znuny would (sessions, tickets, articles, an outbox), so page tests
exercise the portal's own behaviour: forms, redirects, scoping errors, translations.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.plugins.models import RoutingDecision
from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW, Workflow
from radiant_ext.portal import create_app
from radiant_ext.portal.adapters.listing import text_matches
from radiant_ext.portal.ports import (
    ArticleView,
    AttachmentData,
    AttachmentInfo,
    CatalogItemView,
    Customer,
    DepartmentView,
    FieldView,
    InvalidCredentials,
    ListQuery,
    PortalServices,
    RequestDraft,
    RoutingPreview,
    StateChanged,
    SubmissionReceipt,
    TicketDetail,
    TicketMove,
    TicketNotFound,
    TicketPage,
    TicketSummary,
    UpstreamUnavailable,
)
from radiant_ext.portal.scoping import article_visible, ticket_visible
from radiant_ext.portal.sessions import SqliteSessionStore

DEADLINE = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tue 10:00 in Moscow

CUSTOMERS = {
    "demo-customer": Customer("demo-customer", "store-007", "Dana Clerk", "dana@example.test"),
    "store-manager": Customer("store-manager", "store-007", "Mark Manager"),
    "flagship-clerk": Customer("flagship-clerk", "store-001", "Fiona Flagship"),
    "guest-customer": Customer("guest-customer", "public", "Gina Guest"),
    "other-guest": Customer("other-guest", "public", "Oleg Outsider"),
    "new-store-clerk": Customer("new-store-clerk", "store-042", "Nina Newcomer"),
    "office-anna": Customer("office-anna", "head-office", "Anna Office"),
}


@dataclass
class StoredArticle:
    view: ArticleView
    visible: bool
    files: dict[int, AttachmentData] = field(default_factory=dict)


@dataclass
class StoredTicket:
    summary: TicketSummary
    owner: str = "demo-agent"
    closed_at: datetime | None = None
    articles: list[StoredArticle] = field(default_factory=list)
    state_since: datetime | None = None
    pending_until: datetime | None = None


class FakeHelpDesk:
    """Implements all four ports over shared in-memory state."""

    def __init__(self) -> None:
        self.down = False
        self.sessions: dict[str, str] = {}
        self.tickets: dict[int, StoredTicket] = {}
        self.outbox: list[RequestDraft] = []
        self.replies: list[tuple[int, str, Sequence[AttachmentData]]] = []
        self.login_calls = 0
        self.alive_calls = 0
        self._next_id = 100
        self.references = 0
        # Companies the catalogs do not know, and the departments open to everyone.
        self.unknown_companies: set[str] = {"store-042"}
        self.open_to_everyone: set[str] = {"hr"}
        self.workflows: dict[str, Workflow] = {"it.software-defect": _defect_workflow()}
        self.moves: list[tuple[int, TicketMove]] = []

    # -- auth ------------------------------------------------------------------------------
    def login(self, login: str, password: str) -> tuple[str, Customer]:
        self.login_calls += 1
        if self.down:
            raise UpstreamUnavailable("down")
        if login not in CUSTOMERS or password != "demo":
            raise InvalidCredentials(login)
        sid = f"gi-{len(self.sessions) + 1:04d}"
        self.sessions[sid] = login
        return sid, CUSTOMERS[login]

    def alive(self, gi_session_id: str) -> bool:
        self.alive_calls += 1
        if self.down:
            raise UpstreamUnavailable("down")
        return gi_session_id in self.sessions

    # -- catalog ---------------------------------------------------------------------------
    def _departments(self, language: str) -> list[DepartmentView]:
        ru = language == "ru"
        pos = CatalogItemView(
            id="it.pos-down",
            department="it",
            title="Касса не работает" if ru else "Cash register does not work",
            summary="Till frozen, no receipts",
            help="For a cash register that does not start or freezes.",
            try_first=("Restart the register with the power button.",),
            fields=(
                FieldView("register", "Register number", "text", required=True, max_length=10),
                FieldView(
                    "symptom", "What happens?", "select", required=True,
                    choices=(("frozen", "Frozen"), ("no-power", "No power")),
                ),
            ),
            keywords=("pos", "till"),
            show_priority=True,
        )
        password = CatalogItemView("it.password", "it", "Password reset", "Forgot password")
        vacation = CatalogItemView(
            "hr.vacation", "hr", "Vacation request", help="Ask for paid leave.",
            fields=(FieldView("days", "Days", "number", required=True),),
        )
        expense = CatalogItemView(
            "accounting.expense", "accounting", "Expense reimbursement",
            fields=(
                FieldView("amount", "Amount", "number", required=True, integer=False,
                          minimum=0.01),
                FieldView("spent_on", "Spent on", "date", required=True, minimum=-30,
                          maximum=0),
            ),
        )
        return [
            DepartmentView("it", "ИТ" if ru else "IT", (pos, password)),
            DepartmentView("hr", "HR", (vacation,)),
            DepartmentView("accounting", "Accounting", (expense,)),
        ]

    def departments(self, customer: Customer, language: str) -> list[DepartmentView]:
        shown = self._departments(language)
        if customer.customer_id in self.unknown_companies:
            return [d for d in shown if d.id in self.open_to_everyone]
        return shown

    def item(self, item_id: str, customer: Customer, language: str) -> CatalogItemView | None:
        items = [i for d in self._departments(language) for i in d.items]
        return next((i for i in items if i.id == item_id), None)

    def route(
        self, item: CatalogItemView, customer: Customer, fields: Mapping[str, str],
        at: datetime | None = None,
    ) -> RoutingPreview:
        # "no power" shortens the promise, as a priority rule would
        deadline = DEADLINE - timedelta(hours=2) if fields.get("symptom") == "no-power" \
            else DEADLINE
        decision = RoutingDecision(
            item_id=item.id, department=item.department, type="Incident", queue="IT::Stores",
            service="IT::Cash register", sla="POS critical", priority="5 very high",
            priority_level=5, owner="demo-agent", deadline=deadline, business_hours=4,
            calendar="default", store_id=customer.customer_id or None)
        return RoutingPreview(deadline, decision,
                              "Asia/Yekaterinburg" if customer.customer_id == "store-007"
                              else None)

    def validate(
        self, item: CatalogItemView, customer: Customer, fields: Mapping[str, str],
        language: str,
    ) -> dict[str, str]:
        if item.id == "hr.vacation" and int(fields.get("days", "0")) > 28:
            return {"days": "Не больше 28 дней." if language == "ru" else "At most 28 days."}
        return {}

    def store_names(self) -> Mapping[str, str]:
        return {"store-007": "Store 007 Kazan", "store-001": "Store 001 Moscow Tverskaya"}

    def store_zones(self) -> Mapping[str, str]:
        return {"store-007": "Asia/Yekaterinburg", "store-001": "Europe/Moscow"}

    def knows_company(self, customer: Customer) -> bool:
        return customer.customer_id not in self.unknown_companies

    def workflow(self, item_id: str) -> Workflow:
        return self.workflows.get(item_id, DEFAULT_WORKFLOW)

    # -- submission ------------------------------------------------------------------------
    def new_reference(self) -> str:
        self.references += 1
        return f"RQ-20261123-TEST{self.references:04d}"

    def submit(self, draft: RequestDraft) -> SubmissionReceipt:
        self.outbox.append(draft)
        reference = draft.request_id
        if self.down:
            return SubmissionReceipt(reference, None, None, draft.routing.deadline, "queued",
                                     unreachable=True)
        ticket = self.add_ticket(
            draft.customer, draft.title, category=draft.item.id, body=draft.body,
            deadline=draft.routing.deadline,
        )
        s = ticket.summary
        return SubmissionReceipt(reference, s.ticket_number, s.ticket_id, s.deadline)

    def receipt(self, reference: str, customer: Customer) -> SubmissionReceipt | None:
        for draft in self.outbox:
            if draft.request_id == reference and draft.customer.login == customer.login:
                return SubmissionReceipt(reference, None, None, draft.routing.deadline,
                                         "queued", unreachable=self.down)
        return None

    # -- tickets ---------------------------------------------------------------------------
    def add_ticket(
        self, customer: Customer, title: str, *, category: str = "it.pos-down",
        body: str = "Hello", state: str = "new", state_type: str = "new",
        deadline: datetime | None = DEADLINE, created: datetime | None = None,
        closed_at: datetime | None = None, priority: str = "3 normal",
    ) -> StoredTicket:
        self._next_id += 1
        tid = self._next_id
        summary = TicketSummary(
            tid, f"20261123{tid:08d}", title, state, state_type, category,
            customer.customer_id, customer.login,
            created or datetime(2026, 11, 23, 6, 0, tzinfo=UTC), deadline, priority,
        )
        ticket = StoredTicket(summary, closed_at=closed_at)
        self.add_article(ticket, body, visible=True, sender="customer")
        self.tickets[tid] = ticket
        return ticket

    def add_article(
        self, ticket: StoredTicket, body: str, *, visible: bool, sender: str = "agent",
        content_type: str = "text/plain", files: Sequence[AttachmentData] = (),
    ) -> StoredArticle:
        self._next_id += 1
        stored = {n + 1: f for n, f in enumerate(files)}
        infos = [AttachmentInfo(k, f.filename, f.content_type, len(f.content))
                 for k, f in stored.items()]
        view = ArticleView(self._next_id, sender, sender.title(), "", body, content_type,
                           datetime(2026, 11, 23, 7, 0, tzinfo=UTC), infos)
        article = StoredArticle(view, visible, stored)
        ticket.articles.append(article)
        return article

    def _visible(self, customer: Customer, ticket_id: int) -> StoredTicket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None or not ticket_visible(
            customer, ticket.summary.customer_user, ticket.summary.store
        ):
            raise TicketNotFound(str(ticket_id))
        return ticket

    def list(self, customer: Customer, query: ListQuery) -> TicketPage:
        rows = [t.summary for t in self.tickets.values()
                if ticket_visible(customer, t.summary.customer_user, t.summary.store, query.scope)]
        if query.state != "all":
            closed = query.state == "closed"
            rows = [r for r in rows if (r.state_type == "closed") == closed]
        rows = [r for r in rows if text_matches(r, query.text)
                and (not query.store or r.store == query.store)]
        rows.sort(key=lambda r: r.created, reverse=query.descending)
        start = (query.page - 1) * query.per_page
        return TicketPage(rows[start:start + query.per_page], len(rows), query.page,
                          query.per_page)

    def get(self, customer: Customer, ticket_id: int) -> TicketDetail:
        if self.down:
            raise UpstreamUnavailable("down")
        t = self._visible(customer, ticket_id)
        return TicketDetail(t.summary, t.owner, t.closed_at,
                            [a.view for a in t.articles if article_visible(a.visible)],
                            state_since=t.state_since)

    def attachment(
        self, customer: Customer, ticket_id: int, article_id: int, file_id: int
    ) -> AttachmentData:
        t = self._visible(customer, ticket_id)
        for a in t.articles:
            if a.view.article_id == article_id and a.visible and file_id in a.files:
                return a.files[file_id]
        raise TicketNotFound(f"{ticket_id}/{article_id}/{file_id}")

    def reply(self, customer: Customer, ticket_id: int, body: str,
              attachments: Sequence[AttachmentData] = ()) -> None:
        t = self._visible(customer, ticket_id)
        self.replies.append((ticket_id, body, attachments))
        self.add_article(t, body, visible=True, sender="customer", files=attachments)

    def close(self, customer: Customer, ticket_id: int) -> None:
        t = self._visible(customer, ticket_id)
        t.summary = replace(t.summary, state="closed successful", state_type="closed")
        t.closed_at = datetime.now(UTC)

    def reopen(self, customer: Customer, ticket_id: int, body: str) -> None:
        t = self._visible(customer, ticket_id)
        t.summary = replace(t.summary, state="open", state_type="open")
        self.add_article(t, body, visible=True, sender="customer")

    def move(self, customer: Customer, ticket_id: int, move: TicketMove) -> None:
        if self.down:
            raise UpstreamUnavailable("down")
        t = self._visible(customer, ticket_id)
        if t.summary.state != move.from_state:
            raise StateChanged(t.summary.state)
        self.moves.append((ticket_id, move))
        step = self.workflow(t.summary.category).step_for_state(move.to_state)
        assert step is not None, move.to_state
        t.summary = replace(t.summary, state=step.state, state_type=step.state_type)
        t.pending_until = move.pending_until
        self.add_article(t, move.body, visible=True, sender="customer")


def _defect_workflow() -> Workflow:
    """The IT department's software defect process, as its plugin ships it (imported by name:
    mypy checks this file without the department plugins)."""
    catalog = importlib.import_module("radiant_ext_it").catalog
    item = next(i for i in catalog.items() if i.id == "it.software-defect")
    return cast(Workflow, item.process)


@pytest.fixture
def desk() -> FakeHelpDesk:
    return FakeHelpDesk()


@pytest.fixture
def app(desk: FakeHelpDesk, tmp_path: Path) -> Iterator[Flask]:
    services = PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "PORTAL_SERVICES": services,
            "PORTAL_SESSION_STORE": SqliteSessionStore(tmp_path / "sessions.sqlite3"),
            "PORTAL_SESSION_CHECK_SECONDS": 0,
            "PORTAL_MAX_ATTACHMENT_BYTES": 1024,
            "PORTAL_MAX_ATTACHMENTS": 3,
        }
    )
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                    r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path``, as a browser would submit it."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def log_in(client: FlaskClient, login: str = "demo-customer", password: str = "demo",
           next_path: str = "/") -> Any:
    token = csrf_token(client)
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": token, "next": next_path})


@pytest.fixture
def customer_client(client: FlaskClient) -> FlaskClient:
    response = log_in(client)
    assert response.status_code == 302
    return client


@pytest.fixture
def token(client: FlaskClient) -> Any:
    """``token(path)``: the CSRF token of the form on ``path``."""
    return lambda path="/login": csrf_token(client, path)


@pytest.fixture
def login_as(client: FlaskClient) -> Any:
    """``login_as(login, password="demo", next_path="/")``: post the login form."""
    return lambda login="demo-customer", password="demo", next_path="/": log_in(
        client, login, password, next_path
    )
