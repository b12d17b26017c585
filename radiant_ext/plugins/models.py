"""Values passed to and returned by hooks: requests, stores, routing decisions, errors.

Inputs built by callers at run time (:class:`RequestContext`, :class:`Viewer`,
:class:`EmailTicket`, :class:`SyncJob`) are frozen dataclasses because they may carry
callables; results that are shown or stored (:class:`RoutingDecision`…) are pydantic models
so they serialise to JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer

from radiant_ext._zones import TimeZoneName
from radiant_ext.i18n import Message
from radiant_ext.plugins.calendar import CalendarSpec
from radiant_ext.plugins.fields import CATEGORY_FIELD, DEADLINE_FIELD, STORE_FIELD

__all__ = [
    "PRIORITY_NAMES",
    "Classification",
    "EmailTicket",
    "FieldError",
    "PluginInfo",
    "RecentIncidents",
    "RequestContext",
    "RoutingDecision",
    "RuleFired",
    "StoreInfo",
    "SyncJob",
    "Viewer",
    "priority_name",
]

PRIORITY_NAMES = {1: "1 very low", 2: "2 low", 3: "3 normal", 4: "4 high", 5: "5 very high"}
"""Znuny's default priority names by level; routing works with levels 1–5."""


def priority_name(level: int) -> str:
    """Return Znuny's priority name for ``level`` (clamped to 1–5)."""
    return PRIORITY_NAMES[max(1, min(5, level))]


RecentIncidents = Callable[[str, str, int], int]
"""``(store_id, item_id, days) -> count`` of tickets for that item at that store within
``days`` days before the request (the caller answers it, e.g. from the ticket cache)."""


class StoreInfo(BaseModel):
    """One store of the chain (a Znuny customer company).

    ``name`` may be left out: the directory then takes the customer company's name from
    Znuny (when its database is configured) or shows the id. ``time_zone`` left out is the
    installation's ``default_time_zone``. ``calendar`` is the store's trading hours, counted
    in its time zone by items whose deadline says ``calendar: store``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = ""
    tier: str = "standard"
    time_zone: TimeZoneName = "Europe/Moscow"
    calendar: CalendarSpec | None = None
    managers: list[str] = Field(default_factory=list, max_length=10,
                                description="Portal logins of the store's managers: they "
                                "approve requests of items with approval by store-manager.")


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the catalog: customer company, groups and login."""

    company: str | None = None
    groups: frozenset[str] = frozenset()
    login: str | None = None


@dataclass(frozen=True)
class RequestContext:
    """A request about to become a ticket: who, where, when and what the form said.

    :param store_id: customer company id of the store concerned (``store-001``), if any.
    :param fields: form values by field id (strings; attachments as file names).
    :param submitted_at: when the request was filed (aware); defaults to now.
    :param customer_user: login of the requester.
    :param customer_company: the requester's customer company.
    :param request_id: the portal's reference (``RadiantRequestID``); picks from owner pools.
    :param recent_incidents: answers repeat-incident rules; ``None`` = no history known.
    """

    store_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    submitted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    customer_user: str | None = None
    customer_company: str | None = None
    request_id: str | None = None
    recent_incidents: RecentIncidents | None = None


class RuleFired(BaseModel):
    """A rule that changed the decision, with a human explanation.

    ``text`` is a :class:`~radiant_ext.i18n.Message`: ``str(rule.text)`` is the English
    explanation, ``rule.text.get("ru")`` the Russian. As JSON (``radiant-ext simulate
    --json``) it is the English text.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    text: Message
    effect: str = Field("", description="What it changed, e.g. 'priority 3 normal → 4 high'.")

    @field_serializer("text", when_used="json")
    def _english(self, text: Message) -> str:
        return text.english


class RoutingDecision(BaseModel):
    """Everything automation decided for a request; nothing of it comes from the customer."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    department: str
    type: str
    queue: str
    service: str | None = None
    sla: str | None = None
    priority: str
    priority_level: int = Field(ge=1, le=5)
    owner: str | None = None
    deadline: AwareDatetime
    business_hours: float
    calendar: str
    store_id: str | None = None
    rules_fired: list[RuleFired] = Field(default_factory=list)
    decided_by: str = ""

    def deadline_utc(self) -> str:
        """Return the deadline as Znuny's DateTime text in UTC: ``YYYY-MM-DD HH:MM:SS``."""
        return self.deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    def dynamic_fields(self) -> dict[str, str]:
        """Return the ``Radiant*`` dynamic field values this decision sets on the ticket."""
        out = {CATEGORY_FIELD: self.item_id, DEADLINE_FIELD: self.deadline_utc()}
        if self.store_id:
            out[STORE_FIELD] = self.store_id
        return out


class FieldError(BaseModel):
    """A form value that is missing or invalid: the field, a stable code and the message.

    ``message`` is a :class:`~radiant_ext.i18n.Message` (a plugin builds it with its
    catalog's ``message()``, so it is translated from the plugin's own ``.po``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    code: str
    message: Message

    def get(self, language: str) -> str:
        """Return the message in ``language`` (``en`` or ``ru``)."""
        return self.message.get(language)


@dataclass(frozen=True)
class EmailTicket:
    """The parts of an e-mail-born ticket that classification looks at."""

    ticket_id: int
    title: str
    body: str = ""
    customer_id: str | None = None
    customer_user: str | None = None
    queue: str | None = None

    @classmethod
    def from_ticket(cls, ticket: Any) -> EmailTicket:
        """Build from any ticket object with ``ticket_id``, ``title`` and ``articles``.

        The first article's body is used (``radiant_ext.client`` ``Ticket`` fits).
        """
        articles = list(getattr(ticket, "articles", None) or [])
        body = str(getattr(articles[0], "body", "") or "") if articles else ""
        return cls(
            ticket_id=int(ticket.ticket_id),
            title=str(getattr(ticket, "title", "") or ""),
            body=body,
            customer_id=getattr(ticket, "customer_id", None),
            customer_user=getattr(ticket, "customer_user_id", None),
            queue=getattr(ticket, "queue", None),
        )


class Classification(BaseModel):
    """A catalog item suggested for an e-mail-born ticket, and why."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    score: float = Field(ge=0)
    matched: list[str] = Field(default_factory=list)
    decided_by: str = ""


@dataclass(frozen=True)
class SyncJob:
    """A scheduled job a plugin contributes to ``radiant-ext sync``.

    :param id: stable job id, prefixed with the plugin's department (``it.printer-report``).
    :param func: the callable; it receives ``settings`` as its only keyword argument.
    :param trigger: APScheduler trigger name (``interval`` or ``cron``).
    :param trigger_args: keyword arguments of the trigger (``{"minutes": 15}``).
    :param description: one line for logs and ``radiant-ext sync --list``.
    """

    id: str
    func: Callable[..., object]
    trigger: str = "interval"
    trigger_args: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""


class PluginInfo(BaseModel):
    """One registered (or blocked) plugin, for ``radiant-ext plugins``."""

    name: str
    departments: list[str] = Field(default_factory=list)
    items: int = 0
    blocked: bool = False
    builtin: bool = False
    distribution: str | None = None
    version: str | None = None
