"""The body Znuny's ``Ticket::Generic`` invoker posts, as tolerant pydantic models.

Shape (``shared/contract/znuny-webhook/README.md``, "What arrives")::

    {"Event": {"Event": "TicketCreate", "TicketID": 4, ...},
     "Ticket": {TicketDeepGet: all TicketGet fields, flat DynamicField_<Name> keys,
                QueueData, OwnerData, ..., CustomerUser, CustomerCompany,
                Articles[] (no attachments), Article (the triggering one, with Attachment[])}}

Inbound models are tolerant (``extra="allow"``): IDs arrive as numbers or strings (``TicketID``
is a string in the Event of a TicketStateUpdate, file 23), ``ServiceID``/``SLAID`` are ``""``
when unset, and agent preference keys leak into the user records. Only what routing needs is
typed; everything else stays reachable through ``model_extra``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from radiant_ext.webhook.errors import PayloadError

__all__ = [
    "KNOWN_EVENTS",
    "MAX_DEPTH",
    "MAX_ID",
    "WebhookArticle",
    "WebhookEvent",
    "WebhookPayload",
    "WebhookTicket",
    "decode_body",
    "event_name",
    "is_known_event",
    "validate_payload",
]

KNOWN_EVENTS = frozenset(
    {
        "ArticleAgentNotification", "ArticleAutoResponse", "ArticleBounce", "ArticleCreate",
        "ArticleCustomerNotification", "ArticleFlagDelete", "ArticleFlagSet", "ArticleSend",
        "ArticleUpdate", "EscalationResponseTimeNotifyBefore", "EscalationResponseTimeStart",
        "EscalationResponseTimeStop", "EscalationSolutionTimeNotifyBefore",
        "EscalationSolutionTimeStart", "EscalationSolutionTimeStop",
        "EscalationUpdateTimeNotifyBefore", "EscalationUpdateTimeStart",
        "EscalationUpdateTimeStop", "HistoryAdd", "TicketAccountTime", "TicketArchiveFlagUpdate",
        "TicketCreate", "TicketCustomerUpdate", "TicketDelete", "TicketFlagDelete",
        "TicketFlagSet", "TicketLockUpdate", "TicketMerge", "TicketOwnerUpdate",
        "TicketPendingTimeUpdate", "TicketPriorityUpdate", "TicketQueueUpdate",
        "TicketResponsibleUpdate", "TicketSLAUpdate", "TicketServiceUpdate",
        "TicketStateUpdate", "TicketSubscribe", "TicketTitleUpdate", "TicketTypeUpdate",
        "TicketUnlockTimeoutUpdate", "TicketUnsubscribe",
    }
)
"""Znuny ticket and article events the ``Ticket::Generic`` invoker can be triggered by."""

_DF_PREFIX = "DynamicField_"

MAX_ID = 2**63 - 1
"""The largest id Znuny's database holds (a signed BIGINT); a larger one is not Znuny's."""

MAX_DEPTH = 64
"""How deeply objects and lists may nest; Znuny's TicketDeepGet needs fewer than ten levels."""


def is_known_event(name: str) -> bool:
    """Tell whether ``name`` is a Znuny ticket event (including ``TicketDynamicFieldUpdate_*``)."""
    return name in KNOWN_EVENTS or name.startswith("TicketDynamicFieldUpdate_")


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class WebhookEvent(_Inbound):
    """The ``Event`` part: the raw event data Znuny queued."""

    event: str = Field(alias="Event", min_length=1)
    ticket_id: int = Field(alias="TicketID", gt=0, le=MAX_ID)
    article_id: int | None = Field(None, alias="ArticleID", gt=0, le=MAX_ID)
    old_ticket_data: dict[str, Any] | None = Field(None, alias="OldTicketData")

    _blank = field_validator("article_id", mode="before")(_empty_to_none)


class WebhookArticle(_Inbound):
    """One article of the ticket (``Articles[]`` or the triggering ``Article``)."""

    article_id: int = Field(alias="ArticleID", gt=0, le=MAX_ID)
    article_number: int | None = Field(None, alias="ArticleNumber")
    subject: str | None = Field(None, alias="Subject")
    body: str | None = Field(None, alias="Body")
    sender: str | None = Field(None, alias="From")
    sender_type: str | None = Field(None, alias="SenderType")
    communication_channel_id: int | None = Field(None, alias="CommunicationChannelID")
    is_visible_for_customer: int | None = Field(None, alias="IsVisibleForCustomer")
    content_type: str | None = Field(None, alias="ContentType")
    create_by: int | None = Field(None, alias="CreateBy")


def _is_article(value: Any) -> bool:
    return isinstance(value, dict) and value.get("ArticleID") not in (None, "")


class WebhookTicket(_Inbound):
    """The ``Ticket`` part (TicketDeepGet, read when the request was sent)."""

    ticket_id: int = Field(alias="TicketID", gt=0, le=MAX_ID)
    ticket_number: str = Field(alias="TicketNumber", min_length=1)
    title: str = Field("", alias="Title")
    queue: str | None = Field(None, alias="Queue")
    state: str | None = Field(None, alias="State")
    state_type: str | None = Field(None, alias="StateType")
    priority: str | None = Field(None, alias="Priority")
    type: str | None = Field(None, alias="Type")
    service: str | None = Field(None, alias="Service")
    sla: str | None = Field(None, alias="SLA")
    owner: str | None = Field(None, alias="Owner")
    customer_id: str | None = Field(None, alias="CustomerID")
    customer_user_id: str | None = Field(None, alias="CustomerUserID")
    created: str | None = Field(None, alias="Created")
    create_by: int | None = Field(None, alias="CreateBy")
    articles: list[WebhookArticle] = Field(default_factory=list, alias="Articles")
    article: WebhookArticle | None = Field(None, alias="Article")

    _blank = field_validator(
        "queue", "state", "state_type", "priority", "type", "service", "sla", "owner",
        "customer_id", "customer_user_id", "created", mode="before",
    )(_empty_to_none)

    @model_validator(mode="before")
    @classmethod
    def _article_shapes(cls, data: Any) -> Any:
        """Accept every shape of ``Article``/``Articles`` a real Znuny sends.

        Znuny 7.0.9 sends ``"Article": {}`` when the ticket has two or more articles as the
        event fires (a follow-up, a daemon retry); older invokers may send a list, or leave
        the keys out. An article without an ``ArticleID`` identifies nothing and is dropped.
        """
        if not isinstance(data, dict):
            return data
        out = dict(data)
        article = out.get("Article")
        articles = out.get("Articles")
        if isinstance(article, list):
            if not articles:
                articles = article
            article = None
        out["Article"] = article if _is_article(article) else None
        if isinstance(articles, dict):
            articles = [articles]
        out["Articles"] = [a for a in articles if _is_article(a)] \
            if isinstance(articles, list) else []
        return out

    @property
    def dynamic_fields(self) -> dict[str, Any]:
        """The flat ``DynamicField_<Name>`` keys, by field name (``None`` when empty)."""
        extra = self.model_extra or {}
        return {k[len(_DF_PREFIX):]: v for k, v in extra.items() if k.startswith(_DF_PREFIX)}

    def dynamic_field(self, name: str) -> str | None:
        """Return one dynamic field's value as text, ``None`` when unset or blank."""
        value = self.dynamic_fields.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        text = "" if value is None else str(value).strip()
        return text or None

    @property
    def sender_known(self) -> bool:
        """Whether the ticket's customer user is a valid customer user of Znuny.

        A mail from an address Znuny does not know has no ``CustomerUser`` record (only the
        address as ``CustomerUserID``): anything it says about itself is unverified.
        """
        record = (self.model_extra or {}).get("CustomerUser")
        if not isinstance(record, dict) or not record.get("UserLogin"):
            return False
        return str(record.get("ValidID", 1)) == "1"

    def first_article(self) -> WebhookArticle | None:
        """The ticket's first article (lowest ArticleNumber / ArticleID), if any."""
        candidates = list(self.articles) or ([self.article] if self.article else [])
        if not candidates:
            return None
        return min(candidates, key=lambda a: (a.article_number or 0, a.article_id))

    def created_at(self) -> datetime | None:
        """``Created`` as an aware datetime (Znuny's server time, UTC by default)."""
        if not self.created:
            return None
        try:
            return datetime.strptime(self.created, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            return None


class WebhookPayload(_Inbound):
    """A whole invoker request body."""

    event: WebhookEvent = Field(alias="Event")
    ticket: WebhookTicket = Field(alias="Ticket")


def _too_deep(data: Any, limit: int) -> bool:
    """Whether objects and lists in ``data`` nest more than ``limit`` levels (no recursion)."""
    level: list[Any] = [data]
    for _ in range(limit):
        level = [child for node in level if isinstance(node, dict | list)
                 for child in (node.values() if isinstance(node, dict) else node)]
        if not level:
            return False
    return any(isinstance(node, dict | list) for node in level)


def decode_body(raw: bytes) -> dict[str, Any]:
    """Decode the request body into a JSON object.

    :raises PayloadError: not UTF-8, not JSON, a number of more digits than Python reads
        (4,300), nested deeper than :data:`MAX_DEPTH`, or not an object.
    """
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PayloadError(f"body is not UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise PayloadError(f"body nests deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # int() refuses numbers of more than 4,300 digits
        raise PayloadError("body holds a number of more than 4300 digits") from exc
    if not isinstance(data, dict):
        raise PayloadError(f"body must be a JSON object, got {type(data).__name__}")
    if _too_deep(data, MAX_DEPTH):
        raise PayloadError(f"body nests deeper than {MAX_DEPTH} levels")
    return data


def event_name(data: dict[str, Any]) -> str:
    """Return ``Event.Event`` of a decoded body.

    :raises PayloadError: the ``Event`` object or its name is missing, or the name holds a
        control character (CR/LF…).
    """
    event = data.get("Event")
    if not isinstance(event, dict):
        raise PayloadError("payload has no 'Event' object (is the invoker Ticket::Generic?)")
    name = event.get("Event")
    if not isinstance(name, str) or not name.strip():
        raise PayloadError("payload has no event name in 'Event.Event'")
    if not name.strip().isprintable():  # no Znuny event has one; it would reach headers
        raise PayloadError("the event name in 'Event.Event' has control characters")
    return name.strip()


def validate_payload(data: dict[str, Any]) -> WebhookPayload:
    """Validate a decoded body as :class:`WebhookPayload`.

    :raises PayloadError: with the first problems, located by field path.
    """
    try:
        return WebhookPayload.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:3]
        )
        raise PayloadError(f"payload does not match the Ticket::Generic shape: {problems}") from exc
