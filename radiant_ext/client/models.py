"""Typed models for what goes to Znuny (strict) and what comes back (tolerant).

Attributes are snake_case; each carries Znuny's PascalCase name as its alias, so
``Ticket.model_validate(znuny_json)`` and ``NewTicket(...).to_znuny()`` speak Znuny's language.
Inbound models keep unknown keys (``model_extra``); outbound models reject them.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

from radiant_ext.client._base import (
    Base64Bytes,
    InboundModel,
    NativeFirst,
    OptionalDateTime,
    OptionalInt,
    OptionalStr,
    OutboundModel,
    ZnunyBool,
    ZnunyFloat,
    ZnunyInt,
    ZnunyStr,
    format_znuny_datetime,
)

__all__ = [
    "Article",
    "Attachment",
    "DynamicFieldScalar",
    "DynamicFieldValue",
    "HistoryEntry",
    "NewArticle",
    "NewAttachment",
    "NewTicket",
    "PendingTime",
    "SessionInfo",
    "Ticket",
    "TicketAnswer",
    "TicketChanges",
    "TicketCreated",
    "TicketUpdated",
    "dynamic_fields_to_dict",
]

DynamicFieldScalar = str | int | float | None


def _df_value(value: Any) -> Any:
    """Dynamic-field values: ``None``, a string, or a list of strings (numbers become strings)."""
    if isinstance(value, list):
        return [str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


class DynamicFieldValue(InboundModel):
    """One dynamic field ``{"Name", "Value"}``; used both ways (Znuny's shape is the same)."""

    name: str = Field(alias="Name")
    value: str | list[str] | None = Field(default=None, alias="Value")

    _coerce_value = field_validator("value", mode="before")(_df_value)

    def to_znuny(self) -> dict[str, Any]:
        """``{"Name": …, "Value": …}`` as Znuny reads it."""
        return {"Name": self.name, "Value": self.value}


def dynamic_fields_to_dict(value: Any) -> dict[str, str | list[str] | None]:
    """Turn Znuny's ``DynamicField`` list (or single object) into ``{name: value}``."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        if "Name" in value:
            value = [value]
        else:
            return {str(k): _df_value(v) for k, v in value.items()}
    result: dict[str, str | list[str] | None] = {}
    for item in value:
        field = item if isinstance(item, DynamicFieldValue) else DynamicFieldValue.model_validate(
            item
        )
        result[field.name] = field.value
    return result


def _as_list(value: Any) -> Any:
    """Znuny sends one object where a list is meant when there is only one element."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    return value


def _one_as_list(value: Any) -> Any:
    """One object where a list is meant; anything else is left to the list's validation."""
    return [value] if isinstance(value, Mapping) else value


class Attachment(InboundModel):
    """An attachment of an article as TicketGet returns it (``Attachments=1``).

    ``content`` is empty when the ticket was fetched with ``attachment_contents=False``.
    """

    file_id: ZnunyInt | None = Field(default=None, alias="FileID")
    filename: ZnunyStr = Field(default="", alias="Filename")
    content_type: ZnunyStr = Field(default="", alias="ContentType")
    content: Base64Bytes = Field(default=b"", alias="Content")
    content_alternative: ZnunyStr = Field(default="", alias="ContentAlternative")
    content_id: ZnunyStr = Field(default="", alias="ContentID")
    disposition: ZnunyStr = Field(default="", alias="Disposition")
    filesize_raw: OptionalInt = Field(default=None, alias="FilesizeRaw")


class Article(InboundModel):
    """One article of a ticket (``AllArticles=1``)."""

    article_id: ZnunyInt = Field(alias="ArticleID")
    article_number: OptionalInt = Field(default=None, alias="ArticleNumber")
    ticket_id: OptionalInt = Field(default=None, alias="TicketID")
    from_: ZnunyStr = Field(default="", alias="From")
    to: ZnunyStr = Field(default="", alias="To")
    cc: ZnunyStr = Field(default="", alias="Cc")
    bcc: ZnunyStr = Field(default="", alias="Bcc")
    reply_to: ZnunyStr = Field(default="", alias="ReplyTo")
    subject: ZnunyStr = Field(default="", alias="Subject")
    body: ZnunyStr = Field(default="", alias="Body")
    content_type: ZnunyStr = Field(default="", alias="ContentType")
    mime_type: ZnunyStr = Field(default="", alias="MimeType")
    charset: ZnunyStr = Field(default="", alias="Charset")
    message_id: ZnunyStr = Field(default="", alias="MessageID")
    in_reply_to: ZnunyStr = Field(default="", alias="InReplyTo")
    references: ZnunyStr = Field(default="", alias="References")
    sender_type: ZnunyStr = Field(default="", alias="SenderType")
    sender_type_id: OptionalInt = Field(default=None, alias="SenderTypeID")
    communication_channel_id: OptionalInt = Field(default=None, alias="CommunicationChannelID")
    is_visible_for_customer: ZnunyBool = Field(default=False, alias="IsVisibleForCustomer")
    incoming_time: OptionalDateTime = Field(default=None, alias="IncomingTime")
    create_time: OptionalDateTime = Field(default=None, alias="CreateTime")
    change_time: OptionalDateTime = Field(default=None, alias="ChangeTime")
    time_unit: ZnunyFloat = Field(default=0.0, alias="TimeUnit")
    attachments: Annotated[list[Attachment], NativeFirst(_as_list)] = Field(
        default_factory=list, alias="Attachment")
    dynamic_fields: dict[str, str | list[str] | None] = Field(
        default_factory=dict, alias="DynamicField"
    )

    _df_dict = field_validator("dynamic_fields", mode="before")(dynamic_fields_to_dict)


class Ticket(InboundModel):
    """A ticket as TicketGet returns it; articles and dynamic fields only when asked for.

    ``dynamic_fields`` maps field name → value (``None``, a string, or a list of strings).
    ``service``/``sla`` and their IDs are ``None`` when unset (Znuny sends ``""``).
    """

    ticket_id: ZnunyInt = Field(alias="TicketID")
    ticket_number: ZnunyStr = Field(alias="TicketNumber")
    title: ZnunyStr = Field(default="", alias="Title")
    queue: ZnunyStr = Field(default="", alias="Queue")
    queue_id: OptionalInt = Field(default=None, alias="QueueID")
    state: ZnunyStr = Field(default="", alias="State")
    state_id: OptionalInt = Field(default=None, alias="StateID")
    state_type: ZnunyStr = Field(default="", alias="StateType")
    priority: ZnunyStr = Field(default="", alias="Priority")
    priority_id: OptionalInt = Field(default=None, alias="PriorityID")
    lock: ZnunyStr = Field(default="", alias="Lock")
    lock_id: OptionalInt = Field(default=None, alias="LockID")
    type: ZnunyStr = Field(default="", alias="Type")
    type_id: OptionalInt = Field(default=None, alias="TypeID")
    service: OptionalStr = Field(default=None, alias="Service")
    service_id: OptionalInt = Field(default=None, alias="ServiceID")
    sla: OptionalStr = Field(default=None, alias="SLA")
    sla_id: OptionalInt = Field(default=None, alias="SLAID")
    customer_id: ZnunyStr = Field(default="", alias="CustomerID")
    customer_user_id: ZnunyStr = Field(default="", alias="CustomerUserID")
    owner: ZnunyStr = Field(default="", alias="Owner")
    owner_id: OptionalInt = Field(default=None, alias="OwnerID")
    responsible: ZnunyStr = Field(default="", alias="Responsible")
    responsible_id: OptionalInt = Field(default=None, alias="ResponsibleID")
    group_id: OptionalInt = Field(default=None, alias="GroupID")
    age: OptionalInt = Field(default=None, alias="Age")
    created: OptionalDateTime = Field(default=None, alias="Created")
    create_by: OptionalInt = Field(default=None, alias="CreateBy")
    changed: OptionalDateTime = Field(default=None, alias="Changed")
    change_by: OptionalInt = Field(default=None, alias="ChangeBy")
    archive_flag: ZnunyStr = Field(default="", alias="ArchiveFlag")
    unlock_timeout: OptionalInt = Field(default=None, alias="UnlockTimeout")
    until_time: OptionalInt = Field(default=None, alias="UntilTime")
    time_unit: ZnunyFloat = Field(default=0.0, alias="TimeUnit")
    escalation_time: OptionalInt = Field(default=None, alias="EscalationTime")
    escalation_response_time: OptionalInt = Field(default=None, alias="EscalationResponseTime")
    escalation_update_time: OptionalInt = Field(default=None, alias="EscalationUpdateTime")
    escalation_solution_time: OptionalInt = Field(default=None, alias="EscalationSolutionTime")
    first_response: OptionalDateTime = Field(default=None, alias="FirstResponse")
    articles: Annotated[list[Article], NativeFirst(_as_list)] = Field(
        default_factory=list, alias="Article")
    dynamic_fields: dict[str, str | list[str] | None] = Field(
        default_factory=dict, alias="DynamicField"
    )

    _df_dict = field_validator("dynamic_fields", mode="before")(dynamic_fields_to_dict)


class TicketAnswer(BaseModel):
    """TicketGet's answer as it arrives, validated straight from its bytes.

    ``tickets``: the ``Ticket`` list (one object for one ticket). ``Error`` (an HTTP-200
    error answer) is kept for the caller, who raises the error it stands for.
    """

    model_config = ConfigDict(extra="ignore")

    tickets: Annotated[list[Ticket], NativeFirst(_one_as_list)] = Field(
        default_factory=list, alias="Ticket")
    error: Any = Field(default=None, alias="Error")


class HistoryEntry(InboundModel):
    """One row of TicketHistoryGet (Znuny strips the other history columns)."""

    ticket_id: ZnunyInt = Field(alias="TicketID")
    article_id: OptionalInt = Field(default=None, alias="ArticleID")
    name: ZnunyStr = Field(default="", alias="Name")
    history_type: ZnunyStr = Field(default="", alias="HistoryType")
    history_type_id: OptionalInt = Field(default=None, alias="HistoryTypeID")
    create_by: OptionalInt = Field(default=None, alias="CreateBy")
    create_time: OptionalDateTime = Field(default=None, alias="CreateTime")
    queue_id: OptionalInt = Field(default=None, alias="QueueID")
    owner_id: OptionalInt = Field(default=None, alias="OwnerID")
    priority_id: OptionalInt = Field(default=None, alias="PriorityID")
    state_id: OptionalInt = Field(default=None, alias="StateID")
    type_id: OptionalInt = Field(default=None, alias="TypeID")

    @field_validator("article_id", mode="after")
    @classmethod
    def _zero_is_none(cls, value: int | None) -> int | None:
        return value or None


class SessionInfo(InboundModel):
    """What SessionGet says about a session; ``data`` is the Key/Value list as a dict.

    ``Serialized`` values are JSON-decoded; ``UserPassword`` (a password hash that Znuny
    returns for customer sessions) is dropped.
    """

    data: dict[str, Any] = Field(default_factory=dict, alias="SessionData")

    @field_validator("data", mode="before")
    @classmethod
    def _pairs_to_dict(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        result: dict[str, Any] = {}
        for pair in value:
            key, item = str(pair.get("Key")), pair.get("Value")
            if key == "UserPassword":
                continue
            if pair.get("Serialized") and isinstance(item, str):
                try:
                    item = json.loads(item)
                except ValueError:
                    pass
            result[key] = item
        return result

    @property
    def user_login(self) -> str:
        """The login of the session's user."""
        return str(self.data.get("UserLogin", ""))

    @property
    def user_type(self) -> str:
        """``User`` for agents, ``Customer`` for customer users."""
        return str(self.data.get("UserType", ""))

    @property
    def is_customer(self) -> bool:
        """Whether this is a customer-user session."""
        return self.user_type == "Customer"

    @property
    def customer_id(self) -> str | None:
        """The customer's CustomerID (customer sessions only)."""
        value = self.data.get("UserCustomerID")
        return str(value) if value else None


def _id_list(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    return [int(v) for v in items]


class _WriteResult(InboundModel):
    ticket_id: ZnunyInt = Field(alias="TicketID")
    ticket_number: ZnunyStr = Field(alias="TicketNumber")
    article_id: OptionalInt = Field(default=None, alias="ArticleID")
    article_ids: list[int] = Field(default_factory=list, alias="ArticleIDs")
    ticket: Ticket | None = Field(default=None, alias="Ticket")

    @model_validator(mode="before")
    @classmethod
    def _article_ids(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        ids = _id_list(data.get("ArticleIDs")) or _id_list(data.get("ArticleID"))
        data["ArticleIDs"] = ids
        data["ArticleID"] = ids[0] if ids else None
        ticket = data.get("Ticket")
        if isinstance(ticket, list):
            data["Ticket"] = ticket[0] if ticket else None
        return data


class TicketCreated(_WriteResult):
    """TicketCreate's answer: ``ticket_id``, ``ticket_number``, ``article_id`` (or ``None``)."""


class TicketUpdated(_WriteResult):
    """TicketUpdate's answer; ``article_id`` is set only when an article was added."""


# ---------------------------------------------------------------------------------------------
# outbound


class PendingTime(OutboundModel):
    """A pending time: absolute (``year``…``minute``) or relative (``diff`` minutes)."""

    diff: int | None = Field(default=None, alias="Diff", ge=0)
    year: int | None = Field(default=None, alias="Year")
    month: int | None = Field(default=None, alias="Month", ge=1, le=12)
    day: int | None = Field(default=None, alias="Day", ge=1, le=31)
    hour: int | None = Field(default=None, alias="Hour", ge=0, le=23)
    minute: int | None = Field(default=None, alias="Minute", ge=0, le=59)

    @model_validator(mode="after")
    def _one_form(self) -> PendingTime:
        parts = (self.year, self.month, self.day, self.hour, self.minute)
        if self.diff is not None and any(p is not None for p in parts):
            raise ValueError("give either diff or year..minute, not both")
        if self.diff is None and any(p is None for p in parts):
            raise ValueError("give diff, or all of year, month, day, hour, minute")
        return self

    @classmethod
    def at(cls, when: datetime) -> PendingTime:
        """An absolute pending time (aware datetimes are converted to UTC)."""
        text = format_znuny_datetime(when)
        y, mo, d, h, mi = int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(
            text[14:16]
        )
        return cls(year=y, month=mo, day=d, hour=h, minute=mi)

    @classmethod
    def in_minutes(cls, minutes: int) -> PendingTime:
        """A pending time ``minutes`` from now (Znuny's ``{"Diff": minutes}``)."""
        return cls(diff=minutes)


def _pending(value: Any) -> Any:
    if isinstance(value, datetime):
        return PendingTime.at(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return PendingTime.in_minutes(value)
    return value


class _TicketFields(OutboundModel):
    """Fields TicketCreate and TicketUpdate share; each as name or ID."""

    title: str | None = Field(default=None, alias="Title")
    queue: str | None = Field(default=None, alias="Queue")
    queue_id: int | None = Field(default=None, alias="QueueID")
    state: str | None = Field(default=None, alias="State")
    state_id: int | None = Field(default=None, alias="StateID")
    priority: str | None = Field(default=None, alias="Priority")
    priority_id: int | None = Field(default=None, alias="PriorityID")
    type: str | None = Field(default=None, alias="Type")
    type_id: int | None = Field(default=None, alias="TypeID")
    service: OptionalStr = Field(default=None, alias="Service")
    service_id: int | None = Field(default=None, alias="ServiceID")
    sla: OptionalStr = Field(default=None, alias="SLA")
    sla_id: int | None = Field(default=None, alias="SLAID")
    customer_user: str | None = Field(default=None, alias="CustomerUser")
    customer_id: str | None = Field(default=None, alias="CustomerID")
    owner: str | None = Field(default=None, alias="Owner")
    owner_id: int | None = Field(default=None, alias="OwnerID")
    responsible: str | None = Field(default=None, alias="Responsible")
    responsible_id: int | None = Field(default=None, alias="ResponsibleID")
    lock: str | None = Field(default=None, alias="Lock")
    lock_id: int | None = Field(default=None, alias="LockID")
    pending_time: PendingTime | None = Field(default=None, alias="PendingTime")

    _pending = field_validator("pending_time", mode="before")(_pending)


def _need_one(model: OutboundModel, *pairs: tuple[str, str]) -> None:
    for name, id_name in pairs:
        if getattr(model, name) is None and getattr(model, id_name) is None:
            raise ValueError(f"{name} or {id_name} is required")


class NewTicket(_TicketFields):
    """The ``Ticket`` part of TicketCreate. Title, queue, state, priority, customer user required.

    ``pending_time`` accepts a :class:`PendingTime`, an aware datetime, or minutes (int).
    """

    title: str = Field(alias="Title", min_length=1)
    customer_user: str = Field(alias="CustomerUser", min_length=1)

    @model_validator(mode="after")
    def _required_pairs(self) -> NewTicket:
        _need_one(self, ("queue", "queue_id"), ("state", "state_id"), ("priority", "priority_id"))
        return self


class TicketChanges(_TicketFields):
    """The ``Ticket`` part of TicketUpdate: only the fields that should change."""


class NewArticle(OutboundModel):
    """An article for TicketCreate / TicketUpdate.

    Give ``content_type`` with a charset (``text/plain; charset=utf-8``) or ``mime_type`` and
    ``charset``. Send ``communication_channel`` and, for customer follow-ups, ``from_``
    explicitly (genericinterface.md §9.8): Znuny's defaults differ between versions.
    """

    subject: str = Field(alias="Subject")
    body: str = Field(alias="Body")
    content_type: str | None = Field(default=None, alias="ContentType")
    mime_type: str | None = Field(default=None, alias="MimeType")
    charset: str | None = Field(default=None, alias="Charset")
    communication_channel: Literal["Email", "Internal", "Phone"] | None = Field(
        default=None, alias="CommunicationChannel"
    )
    is_visible_for_customer: bool | None = Field(default=None, alias="IsVisibleForCustomer")
    sender_type: Literal["agent", "customer", "system"] | None = Field(
        default=None, alias="SenderType"
    )
    from_: str | None = Field(default=None, alias="From")
    to: str | None = Field(default=None, alias="To")
    cc: str | None = Field(default=None, alias="Cc")
    bcc: str | None = Field(default=None, alias="Bcc")
    reply_to: str | None = Field(default=None, alias="ReplyTo")
    time_unit: int | float | None = Field(default=None, alias="TimeUnit")
    history_type: str | None = Field(default=None, alias="HistoryType")
    history_comment: str | None = Field(default=None, alias="HistoryComment")
    auto_response_type: str | None = Field(default=None, alias="AutoResponseType")
    no_agent_notify: Literal[1] | None = Field(default=None, alias="NoAgentNotify")
    article_send: bool | None = Field(default=None, alias="ArticleSend")

    @field_serializer("is_visible_for_customer", "article_send")
    def _bool_as_int(self, value: bool | None) -> int | None:
        return None if value is None else int(value)

    @model_validator(mode="after")
    def _content_type(self) -> NewArticle:
        if self.content_type is None and (self.mime_type is None or self.charset is None):
            raise ValueError("give content_type, or mime_type and charset")
        return self


class NewAttachment(OutboundModel):
    """An attachment to send; build it with :meth:`from_path` or :meth:`from_bytes`."""

    content: Base64Bytes = Field(alias="Content")
    content_type: str = Field(alias="ContentType", pattern=r"^[\w.+-]+/[\w.+-]+")
    filename: str = Field(alias="Filename", min_length=1)
    disposition: Literal["attachment", "inline"] | None = Field(default=None, alias="Disposition")
    content_id: str | None = Field(default=None, alias="ContentID")

    @classmethod
    def from_bytes(
        cls, data: bytes, filename: str, content_type: str | None = None
    ) -> NewAttachment:
        """An attachment from memory; the content type is guessed from the name if not given."""
        guessed = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return cls(content=data, filename=filename, content_type=guessed)

    @classmethod
    def from_path(
        cls, path: str | Path, content_type: str | None = None, filename: str | None = None
    ) -> NewAttachment:
        """An attachment read from a file."""
        file = Path(path)
        return cls.from_bytes(file.read_bytes(), filename or file.name, content_type)


def one_or_many(value: Any) -> Any:
    """Serialise a single model as an object and a sequence as a list (Znuny takes both)."""
    if isinstance(value, OutboundModel | DynamicFieldValue):
        return value.to_znuny()
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [v.to_znuny() for v in value]
    raise TypeError(f"cannot send {type(value).__name__}")

