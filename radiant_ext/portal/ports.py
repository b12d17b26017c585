"""What the portal needs from the rest of radiant_ext, as small typed interfaces.

The portal holds no business rules and never talks to Znuny directly: every page works through
one :class:`PortalServices` bundle of four ports. :mod:`radiant_ext.portal.adapters` implements
them with :mod:`radiant_ext.client`, :mod:`radiant_ext.plugins` and :mod:`radiant_ext.store`;
tests may pass their own implementation through the ``PORTAL_SERVICES`` config key.

Every port method that is handed a :class:`Customer` applies customer scoping itself: a ticket
the customer may not see is reported as :class:`TicketNotFound`, never as "forbidden", so an
id guessed by a customer tells nothing about its existence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from radiant_ext.errors import RadiantError
from radiant_ext.plugins.models import RoutingDecision
from radiant_ext.plugins.workflow import Workflow

if TYPE_CHECKING:
    from flask import Blueprint

    from radiant_ext.portal.approvals.ports import ApprovalPort
    from radiant_ext.portal.bundles import BundlePort

__all__ = [
    "AttachmentData",
    "AttachmentInfo",
    "ArticleView",
    "CatalogItemView",
    "CatalogPort",
    "Customer",
    "CustomerAuthPort",
    "DepartmentView",
    "FieldView",
    "InvalidCredentials",
    "InvalidReference",
    "ListQuery",
    "PortalError",
    "PortalServices",
    "RequestDraft",
    "RoutingPreview",
    "Scope",
    "SubmissionPort",
    "StateChanged",
    "SubmissionReceipt",
    "TicketDetail",
    "TicketMove",
    "TicketNotFound",
    "TicketPage",
    "TicketPort",
    "TicketSummary",
    "UpstreamUnavailable",
]

Scope = Literal["mine", "company"]


class PortalError(RadiantError):
    """Base class of the errors the portal turns into pages."""


class InvalidCredentials(PortalError):
    """Znuny refused the customer login and password."""


class UpstreamUnavailable(PortalError):
    """Znuny (or the local store) cannot be reached right now."""


class InvalidReference(PortalError):
    """A submitted request reference that was not issued to this customer."""


class TicketNotFound(PortalError):
    """No such ticket, article or attachment — or one the customer may not see."""


class StateChanged(PortalError):
    """The ticket left the state a move starts from before the move was made; nothing was
    changed. ``state`` is the ticket's state now."""

    def __init__(self, state: str) -> None:
        super().__init__(f"the ticket is in state {state!r} now")
        self.state = state


@dataclass(frozen=True)
class Customer:
    """The logged-in customer user, as Znuny's SessionGet describes them.

    ``company_visible`` is ``False`` for customers of a catch-all company (outside customers
    in ``public``): they share a customer id with strangers, so they see only their own
    requests (``PORTAL_PRIVATE_COMPANIES``).
    """

    login: str
    customer_id: str
    full_name: str = ""
    email: str = ""
    company_visible: bool = True


@dataclass(frozen=True)
class FieldView:
    """One input of a catalog item's request form."""

    name: str
    label: str
    kind: Literal["text", "textarea", "select", "number", "date", "checkbox", "file"] = "text"
    required: bool = False
    help: str = ""
    choices: Sequence[tuple[str, str]] = ()
    max_length: int | None = None
    extensions: Sequence[str] = ()
    integer: bool = True
    minimum: float | None = None
    maximum: float | None = None
    """Bounds: numbers for ``number``, days from today for ``date`` (offered as hints)."""


@dataclass(frozen=True)
class CatalogItemView:
    """A catalog item as a tile and as a form."""

    id: str
    department: str
    title: str
    summary: str = ""
    help: str = ""
    try_first: Sequence[str] = ()
    fields: Sequence[FieldView] = ()
    keywords: Sequence[str] = ()
    icon: str = ""
    """The name of its icon (``static/icons/<name>.svg``); empty: the department's."""
    show_priority: bool = False
    """Whether the requester is shown the priority a request of this item got."""
    approval_state: str | None = None
    """The Znuny state its requests are filed in to wait for an approval (``None``: the
    item needs none; they are filed ``new``)."""


@dataclass(frozen=True)
class DepartmentView:
    """A department and the catalog items it offers this customer."""

    id: str
    title: str
    items: Sequence[CatalogItemView] = ()
    description: str = ""
    icon: str = ""
    """The name of its icon; empty: the portal's general one."""
    summary: str = ""
    """One short line for its tile (the description when empty)."""


@dataclass(frozen=True)
class RoutingPreview:
    """What automation decided for an item; ``decision`` is handed back to submission as is
    (the ticket is built from it alone, never from the form's routing fields)."""

    deadline: datetime | None
    decision: RoutingDecision | None = None
    time_zone: str | None = None
    """The zone to show the deadline in: the store's (``None``: the portal's)."""


@dataclass(frozen=True)
class AttachmentData:
    """An uploaded or downloaded file."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class RequestDraft:
    """A validated request form, ready for the outbox."""

    request_id: str
    customer: Customer
    item: CatalogItemView
    title: str
    body: str
    fields: Mapping[str, str]
    routing: RoutingPreview
    attachments: Sequence[AttachmentData] = ()
    language: str = "en"


@dataclass(frozen=True)
class SubmissionReceipt:
    """The answer to a submission: a ticket number, or only the reference when Znuny is down.

    ``status`` is ``filed`` (Znuny created the ticket), ``queued`` (saved in the outbox; the
    sync job files it) or ``held`` (Znuny refused it; an administrator looks at it).
    """

    reference: str
    ticket_number: str | None
    ticket_id: int | None
    deadline: datetime | None
    status: Literal["filed", "queued", "held"] = "filed"
    unreachable: bool = False
    """Queued because Znuny could not be reached at all (else: still being sent)."""


@dataclass(frozen=True)
class TicketSummary:
    """One row of a request list."""

    ticket_id: int
    ticket_number: str
    title: str
    state: str
    state_type: str
    category: str
    store: str
    customer_user: str
    created: datetime
    deadline: datetime | None
    priority: str = ""
    """Znuny's priority name (``4 high``); shown only where the catalog item allows."""


@dataclass(frozen=True)
class ListQuery:
    """Filter, sort and page of a request list."""

    scope: Scope = "mine"
    state: Literal["open", "closed", "all"] = "open"
    category: str = ""
    store: str = ""
    text: str = ""
    """Words the title must contain, or (part of) the ticket number, grouped or plain."""
    sort: Literal["created", "deadline", "state", "number"] = "created"
    descending: bool = True
    page: int = 1
    per_page: int = 25
    cursor: str = ""
    """Where a cached list's page starts (keyset pagination): a token from a
    :class:`TicketPage`'s ``next_cursor`` or ``prev_cursor``; ``page`` is then ignored."""
    backward: bool = False
    """``cursor`` is a ``prev_cursor``: the page ends just before it."""


@dataclass(frozen=True)
class TicketPage:
    """One page of a request list; ``source`` ``unavailable``: Znuny could not be asked.
    ``capped``: the list covers only the newest this many requests (live search's limit)."""

    rows: Sequence[TicketSummary]
    total: int
    page: int
    per_page: int
    source: Literal["cache", "live", "unavailable"] = "live"
    capped: int | None = None
    keyset: bool = False
    """Pages follow cursors (``next_cursor``, ``prev_cursor``), not page numbers."""
    next_cursor: str | None = None
    prev_cursor: str | None = None
    counted: bool = True
    """Whether ``total`` was counted (a text search over the cache is not)."""
    more_than: int | None = None
    """The count stopped at this many: there are more (``total`` is then this number)."""
    scan_limit: int | None = None
    """A search looked through this many requests and stopped before the page was full."""
    cursor_error: str = ""
    """Why the page link given was not used (the first page is shown instead)."""

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> bool:
        """Whether this is the list's first page."""
        return self.prev_cursor is None if self.keyset else self.page == 1


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment listed under an article (content fetched only on download)."""

    file_id: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ArticleView:
    """A customer-visible article."""

    article_id: int
    sender_type: str
    from_name: str
    subject: str
    body: str
    content_type: str
    created: datetime
    attachments: Sequence[AttachmentInfo] = ()


@dataclass(frozen=True)
class TicketDetail:
    """Everything the detail page shows; ``articles`` holds public articles only."""

    summary: TicketSummary
    owner: str
    closed_at: datetime | None = None
    articles: Sequence[ArticleView] = field(default_factory=tuple)
    promised: datetime | None = None
    """The deadline promised when the request was filed, where ``summary.deadline`` is the
    help desk's own (Znuny's solution escalation, once Znuny has one)."""
    state_since: datetime | None = None
    """When the ticket entered its current state, as far as known (``None``: unknown)."""


@dataclass(frozen=True)
class TicketMove:
    """A workflow move the requester makes: the ticket goes from ``from_state`` to
    ``to_state`` with a customer-visible article (``subject``, ``body``);
    ``pending_until`` is the pending time a pending target state needs in Znuny."""

    from_state: str
    to_state: str
    subject: str
    body: str
    pending_until: datetime | None = None
    language: str = "en"
    """The language the requester made the move in (reminders to them use it)."""


class CustomerAuthPort(Protocol):
    """Customer logins, checked by Znuny."""

    def login(self, login: str, password: str) -> tuple[str, Customer]:
        """Open a GI customer session; raise :class:`InvalidCredentials` or
        :class:`UpstreamUnavailable`."""

    def alive(self, gi_session_id: str) -> bool:
        """Whether Znuny still knows the session (raise :class:`UpstreamUnavailable`)."""


class CatalogPort(Protocol):
    """Departments, items and routing, from the plugins."""

    def departments(self, customer: Customer, language: str) -> list[DepartmentView]:
        """The departments enabled for ``customer`` with their items."""

    def item(self, item_id: str, customer: Customer, language: str) -> CatalogItemView | None:
        """One item, or ``None`` if it does not exist or is not enabled for ``customer``."""

    def route(
        self, item: CatalogItemView, customer: Customer, fields: Mapping[str, str],
        at: datetime | None = None,
    ) -> RoutingPreview:
        """Ask automation for routing and the deadline promised for a request filed ``at``
        (default: now)."""

    def validate(
        self, item: CatalogItemView, customer: Customer, fields: Mapping[str, str],
        language: str,
    ) -> dict[str, str]:
        """Item-specific validation: field name → message in ``language`` (empty: valid)."""

    def store_names(self) -> Mapping[str, str]:
        """The store directory: customer company id → display name."""

    def store_zones(self) -> Mapping[str, str]:
        """The store directory: customer company id → IANA time zone (deadlines and times
        of a store's requests are shown in it)."""

    def knows_company(self, customer: Customer) -> bool:
        """Whether the catalogs know the customer's company (a store of the directory, or a
        company items are offered to); ``False``: the customer sees the requests open to
        everyone, and the home page says why."""

    def workflow(self, item_id: str) -> Workflow:
        """The workflow of requests of catalog item ``item_id`` — also of an item no longer
        offered; the default workflow for an item that declares none or is unknown."""


class SubmissionPort(Protocol):
    """Outbox-first submission of a new request."""

    def new_reference(self) -> str:
        """A fresh request reference (the idempotency key), e.g. ``RQ-20261123-7KQ2M9XA``."""

    def submit(self, draft: RequestDraft) -> SubmissionReceipt:
        """Write the draft to the outbox, then try to create the ticket."""

    def receipt(self, reference: str, customer: Customer) -> SubmissionReceipt | None:
        """The current state of the customer's request ``reference`` (``None``: unknown)."""


class TicketPort(Protocol):
    """Customer-scoped reading and writing of existing tickets."""

    def list(self, customer: Customer, query: ListQuery) -> TicketPage:
        """One page of the customer's (or their company's) requests."""

    def get(self, customer: Customer, ticket_id: int) -> TicketDetail:
        """A ticket the customer may see, with public articles only."""

    def attachment(
        self, customer: Customer, ticket_id: int, article_id: int, file_id: int
    ) -> AttachmentData:
        """One attachment of a public article of a visible ticket."""

    def reply(
        self,
        customer: Customer,
        ticket_id: int,
        body: str,
        attachments: Sequence[AttachmentData] = (),
    ) -> None:
        """Add a customer article to a visible ticket."""

    def close(self, customer: Customer, ticket_id: int) -> None:
        """Close a visible ticket on the customer's request."""

    def reopen(self, customer: Customer, ticket_id: int, body: str) -> None:
        """Reopen a visible closed ticket with the customer's reason."""

    def move(self, customer: Customer, ticket_id: int, move: TicketMove) -> None:
        """Make the requester's workflow ``move`` on a visible ticket (already checked
        against the workflow); raise :class:`StateChanged` when the ticket is no longer in
        ``move.from_state``, :class:`UpstreamUnavailable` when Znuny cannot take it."""


@dataclass
class PortalServices:
    """The bundle the app factory stores in ``app.extensions["radiant_portal"]``.

    ``blueprints`` and ``template_folders`` come from plugins' portal hooks; the app factory
    registers them after its own blueprints.
    """

    auth: CustomerAuthPort
    catalog: CatalogPort
    submissions: SubmissionPort
    tickets: TicketPort
    blueprints: list[Blueprint] = field(default_factory=list)
    template_folders: list[str] = field(default_factory=list)
    closers: list[Callable[[], object]] = field(default_factory=list)
    languages: Callable[[str, str], None] | None = None
    """Records the language (``en``/``ru``) a customer (login) uses the portal in, for what
    is later written to them (step reminders); ``None``: not recorded."""
    approvals: ApprovalPort | None = None
    """Requests waiting for approval: filing them, the approver's page (``None``: items with
    an approval cannot be requested)."""
    bundles: BundlePort | None = None
    """Bundle requests: recording their parts, the parts on the parent's page (``None``:
    bundle items cannot be requested)."""

    def close(self) -> None:
        """Release connections held by the adapters."""
        for closer in self.closers:
            closer()
