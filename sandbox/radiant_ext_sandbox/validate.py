"""Input checks shared by TicketCreate and TicketUpdate, with Znuny's error codes and texts."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from typing import Any

from sqlalchemy import or_, select

from radiant_ext_sandbox import fields
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx, check_id, lookup_id
from radiant_ext_sandbox.tickets import CHANNELS, HISTORY_TYPES, SENDER_TYPES, NewArticle

_CT = re.compile(r"^[\w.+-]+/[\w.+-]+", re.ASCII)
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)\"?", re.I)
_KNOWN_CHARSETS = {
    "utf8",
    "utf-8",
    "iso-8859-1",
    "iso-8859-15",
    "us-ascii",
    "windows-1251",
    "windows-1252",
    "koi8-r",
    "latin1",
}


class Bad(Exception):
    """An operation error: the answer is ``{"Error": …}`` with HTTP 200."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class Fault(Exception):
    """An operation failure that Znuny reports as an HTTP 500 fault."""


def scalar(value: Any) -> bool:
    """True for a JSON string or number (what Znuny accepts as a scalar parameter)."""
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def resolve(ctx: Ctx, op: str, data: dict[str, Any], key: str, table: Any) -> int | None:
    """Resolve ``<key>ID`` or ``<key>`` into a valid id; ``None`` when neither is given."""
    by_id, by_name = data.get(key + "ID"), data.get(key)
    if not by_id and not by_name:
        return None
    found = check_id(ctx, table, by_id) if by_id else lookup_id(ctx, table, by_name)
    if found is None:
        raise Bad(
            "InvalidParameter", f"{op}: Ticket->{key}ID or Ticket->{key} parameter is invalid!"
        )
    return found


def agent_id(ctx: Ctx, op: str, data: dict[str, Any], key: str) -> int | None:
    """Resolve ``Owner``/``OwnerID`` (or Responsible) into a valid agent id."""
    by_id, by_login = data.get(key + "ID"), data.get(key)
    if not by_id and not by_login:
        return None
    t = s.users
    stmt = select(t.c.id).where(t.c.valid_id == 1)
    if by_id:
        stmt = stmt.where(t.c.id == (int(by_id) if str(by_id).isdigit() else -1))
    else:
        stmt = stmt.where(t.c.login == (by_login if isinstance(by_login, str) else ""))
    found = ctx.scalar(stmt)
    if found is None:
        raise Bad(
            "InvalidParameter", f"{op}: Ticket->{key}ID or Ticket->{key} parameter is invalid!"
        )
    return int(found)


def customer(ctx: Ctx, op: str, login: Any, customer_id: Any) -> tuple[str, str]:
    """Return ``(CustomerUser, CustomerID)``: a known login, or any e-mail address."""
    if not scalar(login):
        raise Bad("InvalidParameter", f"{op}: Ticket->CustomerUser parameter is invalid!")
    t = s.customer_user
    row = ctx.one(select(t).where(or_(t.c.login == str(login), t.c.email == str(login))))
    if row is None and not re.fullmatch(r"[^@\s]+@[^@\s]+", str(login)):
        raise Bad("InvalidParameter", f"{op}: Ticket->CustomerUser parameter is invalid!")
    cid = (
        str(customer_id)
        if scalar(customer_id) and customer_id
        else (row.customer_id if row is not None else str(login))
    )
    return (row.login if row is not None else str(login)), cid


def service_allowed(ctx: Ctx, service_id: int, login: str) -> bool:
    """True if ``login`` (or every customer, ``<DEFAULT>``) may use the service."""
    t = s.service_customer_user
    stmt = select(t.c.service_id).where(
        t.c.service_id == service_id, t.c.customer_user_login.in_([login, "<DEFAULT>"])
    )
    return ctx.scalar(stmt) is not None


def sla_allowed(ctx: Ctx, sla_id: int, service_id: int | None) -> bool:
    """True if the SLA is linked to the service."""
    t = s.service_sla
    stmt = select(t.c.sla_id).where(t.c.sla_id == sla_id, t.c.service_id == service_id)
    return service_id is not None and ctx.scalar(stmt) is not None


def pending_time(op: str, value: Any, now: dt.datetime) -> dt.datetime:
    """Parse ``{Diff}`` or ``{Year, Month, Day, Hour, Minute}`` into a moment."""
    bad = Bad("InvalidParameter", f"{op}: Ticket->PendingTime parameter is invalid!")
    if not isinstance(value, dict):
        raise bad
    try:
        if "Diff" in value:
            return now + dt.timedelta(minutes=int(str(value["Diff"])))
        parts = [int(str(value[k])) for k in ("Year", "Month", "Day", "Hour", "Minute")]
        return dt.datetime(parts[0], parts[1], parts[2], parts[3], parts[4])
    except (KeyError, ValueError, TypeError, OverflowError) as exc:
        raise bad from exc


def _content_type(op: str, art: dict[str, Any]) -> str:
    ct, mime, charset = art.get("ContentType"), art.get("MimeType"), art.get("Charset")
    if not ct and not (mime and charset):
        raise Bad(
            "MissingParameter",
            f"{op}: Article->ContentType or Ticket->MimeType and "
            "Article->Charset parameters are required!",
        )
    if not ct:
        if not scalar(mime) or not scalar(charset):
            raise Bad("InvalidParameter", f"{op}: Article->MimeType parameter is invalid!")
        ct = f"{mime}; charset={charset}"
    if not isinstance(ct, str) or not _CT.match(ct):
        raise Bad("InvalidParameter", f"{op}: Article->ContentType is invalid!")
    found = _CHARSET.search(ct)
    if not found or found.group(1).lower() not in _KNOWN_CHARSETS:
        raise Bad("InvalidParameter", f"{op}: Article->ContentType is invalid!")
    return ct.lower()


def article(ctx: Ctx, op: str, art: Any, create: bool) -> NewArticle:
    """Check an ``Article`` object and fill Znuny's defaults."""
    if not isinstance(art, dict) or not art:
        raise Bad("MissingParameter", f"{op}: Article parameter is missing or not valid!")
    for key in ("Subject", "Body"):
        if art.get(key) in (None, ""):
            raise Bad("MissingParameter", f"{op}: Article->{key} parameter is missing!")
        if not scalar(art[key]):
            raise Bad("InvalidParameter", f"{op}: Article->{key} parameter is invalid!")
    out = NewArticle(
        subject=str(art["Subject"]), body=str(art["Body"]), content_type=_content_type(op, art)
    )
    out.sender_type = "agent" if ctx.user_type == "User" else "customer"
    _sender(op, art, out)
    _channel(op, art, out)
    visible = art.get("IsVisibleForCustomer", 1)
    if str(visible) not in ("0", "1"):
        raise Bad("InvalidParameter", f"{op}: Article->IsVisibleForCustomer parameter is invalid!")
    out.visible = int(str(visible))
    _addresses(op, art, out)
    if str(art.get("ArticleSend") or "0") not in ("0", "") and "@" not in (out.to or ""):
        # Znuny 7.0: checked before anything else of the article is used
        raise Bad("InvalidParameter", "TicketCreate: Article->To parameter must be a valid "
                  "email address when Article->ArticleSend is set!")
    if str(art.get("ArticleSend") or "0") not in ("0", ""):
        out.channel_id = CHANNELS["Email"]  # Znuny sends it as an e-mail article
    _extras(op, art, out, create)
    return out


def _addresses(op: str, art: dict[str, Any], out: NewArticle) -> None:
    """From/To/Cc/Bcc must look like e-mail addresses when given (ReplyTo any text)."""
    for key, attr in (
        ("From", "from_"),
        ("To", "to"),
        ("Cc", "cc"),
        ("Bcc", "bcc"),
        ("ReplyTo", "reply_to"),
    ):
        value = art.get(key)
        if value not in (None, ""):
            if not isinstance(value, str) or (key != "ReplyTo" and "@" not in value):
                raise Bad("InvalidParameter", f"{op}: Article->{key} parameter is invalid!")
            setattr(out, attr, value)


def _extras(op: str, art: dict[str, Any], out: NewArticle, create: bool) -> None:
    """TimeUnit (a number) and the history type/comment with their create/update defaults."""
    if art.get("TimeUnit") not in (None, ""):
        try:
            out.time_unit = float(str(art["TimeUnit"]).replace(",", "."))
        except ValueError as exc:
            raise Bad("InvalidParameter", f"{op}: Article->TimeUnit parameter is invalid!") from exc
    out.history_type = "NewTicket" if create else "AddNote"
    out.history_comment = "%%GenericInterface Create" if create else "%%GenericInterface Note"
    if art.get("HistoryType"):
        if art["HistoryType"] not in HISTORY_TYPES:
            raise Bad("InvalidParameter", f"{op}: Article->HistoryType parameter is invalid!")
        out.history_type = str(art["HistoryType"])
    if scalar(art.get("HistoryComment")) and art.get("HistoryComment"):
        out.history_comment = str(art["HistoryComment"])


def _sender(op: str, art: dict[str, Any], out: NewArticle) -> None:
    if art.get("SenderTypeID"):
        names = {str(v): k for k, v in SENDER_TYPES.items()}
        if str(art["SenderTypeID"]) not in names:
            raise Bad(
                "InvalidParameter",
                f"{op}: Article->SenderTypeID or Article->SenderType parameter is invalid!",
            )
        out.sender_type = names[str(art["SenderTypeID"])]
    elif art.get("SenderType"):
        if art["SenderType"] not in SENDER_TYPES:
            raise Bad(
                "InvalidParameter",
                f"{op}: Article->SenderTypeID or Article->SenderType parameter is invalid!",
            )
        out.sender_type = str(art["SenderType"])


def _channel(op: str, art: dict[str, Any], out: NewArticle) -> None:
    bad = Bad(
        "InvalidParameter",
        f"{op}: Article->CommunicationChannel parameter is invalid or not supported!",
    )
    if art.get("CommunicationChannelID"):
        if str(art["CommunicationChannelID"]) not in {str(v) for v in CHANNELS.values()}:
            raise bad
        out.channel_id = int(str(art["CommunicationChannelID"]))
    elif art.get("CommunicationChannel"):
        if art["CommunicationChannel"] not in CHANNELS:
            raise bad
        out.channel_id = CHANNELS[str(art["CommunicationChannel"])]


def listify(value: Any) -> list[Any]:
    """A single object or a list of objects → list."""
    if value in (None, "", [], {}):
        return []
    return value if isinstance(value, list) else [value]


def dynamic_fields(ctx: Ctx, op: str, value: Any) -> list[tuple[Any, list[str]]]:
    """Check the ``DynamicField`` parameter; returns ``(field, values)`` pairs."""
    out = []
    for item in listify(value):
        if not isinstance(item, dict):
            raise Fault(f"{op}: DynamicField parameter is invalid!")
        if not item.get("Name"):
            raise Bad("MissingParameter", f"{op}: DynamicField->Name  parameter is missing!")
        field = fields.field_by_name(ctx, item["Name"])
        if field is None or field.object_type not in ("Ticket", "Article"):
            raise Bad("InvalidParameter", f"{op}: DynamicField->Name parameter is invalid!")
        if "Value" not in item:
            raise Bad("MissingParameter", f"{op}: DynamicField->Value  parameter is missing!")
        values = fields.normalise(field, item["Value"])
        if values is None:
            raise Bad("InvalidParameter", f"{op}: DynamicField->Value parameter is invalid!")
        out.append((field, values))
    return out


def attachments(op: str, value: Any) -> list[dict[str, Any]]:
    """Check the ``Attachment`` parameter (base64 ``Content``, ``ContentType``, ``Filename``)."""
    out = []
    for item in listify(value):
        if not isinstance(item, dict):
            raise Fault(f"{op}: Attachment parameter is invalid!")
        for key in ("Content", "ContentType", "Filename"):
            if key not in item or (key != "Content" and not item.get(key)):
                raise Bad("MissingParameter", f"{op}: Attachment->{key}  parameter is missing!")
            if not isinstance(item[key], str):
                raise Bad("InvalidParameter", f"{op}: Attachment->{key} parameter is invalid!")
        if not _CT.match(item["ContentType"]):
            raise Bad("InvalidParameter", f"{op}: Attachment->ContentType is invalid!")
        try:
            base64.b64decode(item["Content"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Bad(
                "InvalidParameter", f"{op}: Attachment->Content parameter is invalid!"
            ) from exc
        out.append(item)
    return out
