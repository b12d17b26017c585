"""Model bases and the coercions Znuny's loosely typed JSON needs (one place for all of them).

Znuny serialises Perl scalars, so the same field is a JSON string in one answer and a number
in the next (contract otrs-ce-6 README §4 "Types"): ``"TicketID": "8"`` vs ``8``, ``"ServiceID":
""`` when unset, timestamps as ``YYYY-MM-DD HH:MM:SS`` in the system time zone (UTC by default).
The annotated types below absorb that; every inbound model derives from :class:`InboundModel`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

__all__ = [
    "Base64Bytes",
    "InboundModel",
    "OptionalDateTime",
    "OptionalInt",
    "OutboundModel",
    "ZnunyBool",
    "ZnunyDateTime",
    "ZnunyFloat",
    "ZnunyInt",
    "ZnunyStr",
    "format_znuny_datetime",
]

_ZNUNY_FORMAT = "%Y-%m-%d %H:%M:%S"


# The validators below run for every field of every ticket and article (a batch of 100
# tickets is ~10,000 calls), so each checks the common exact type first.


def _to_int(value: Any) -> Any:
    if value.__class__ is str:
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return value


def _to_optional_int(value: Any) -> Any:
    if value.__class__ is int or value is None:
        return value
    if isinstance(value, str) and value.strip() in ("", "NULL"):
        return None
    return _to_int(value)


def _to_float(value: Any) -> Any:
    if isinstance(value, str) and value.strip() == "":
        return 0.0
    return value


def _to_str(value: Any) -> Any:
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _to_bool(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() not in ("", "0")
    return value


def _is_znuny_stamp(value: str) -> bool:
    """``YYYY-MM-DD HH:MM:SS`` exactly (the shape of every timestamp Znuny sends)."""
    return (
        len(value) == 19 and value[4] == value[7] == "-" and value[10] == " "
        and value[13] == value[16] == ":"
    )


def _parse_datetime(value: Any) -> Any:
    """Parse Znuny's ``YYYY-MM-DD HH:MM:SS`` (read as UTC) or an epoch number."""
    if isinstance(value, str) and _is_znuny_stamp(value) and not value.startswith("0000"):
        # the common case, ~10x faster than strptime (a batch of 100 tickets has ~800 stamps)
        try:
            return datetime.fromisoformat(value + "+00:00")  # tzinfo is datetime.UTC
        except ValueError:
            pass  # e.g. month 13: strptime below gives pydantic the value to report
    if value is None or value == "" or (isinstance(value, str) and value.startswith("0000")):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), _ZNUNY_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return value  # let pydantic try ISO 8601 and report a clear error otherwise
    return value


def _decode_base64(value: Any) -> Any:
    if isinstance(value, bytes):
        return value
    if value is None:
        return b""
    if isinstance(value, str):
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"attachment content is not base64: {exc}") from exc
    return value


def format_znuny_datetime(value: datetime) -> str:
    """Format a datetime the way Znuny expects it (UTC, ``YYYY-MM-DD HH:MM:SS``).

    Naive datetimes are taken as UTC; aware ones are converted to UTC first.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime(_ZNUNY_FORMAT)


ZnunyInt = Annotated[int, BeforeValidator(_to_int)]
OptionalInt = Annotated[int | None, BeforeValidator(_to_optional_int)]
ZnunyFloat = Annotated[float, BeforeValidator(_to_float)]
ZnunyStr = Annotated[str, BeforeValidator(_to_str)]
ZnunyBool = Annotated[bool, BeforeValidator(_to_bool)]
ZnunyDateTime = Annotated[datetime, BeforeValidator(_parse_datetime)]
OptionalDateTime = Annotated[datetime | None, BeforeValidator(_parse_datetime)]
Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_decode_base64),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str),
]


class InboundModel(BaseModel):
    """Base of every model parsed from Znuny: tolerant (unknown keys kept), alias-driven."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)


class OutboundModel(BaseModel):
    """Base of every model sent to Znuny: unknown keys are an error, validated on assignment."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, validate_assignment=True, frozen=False
    )

    def to_znuny(self) -> dict[str, Any]:
        """The JSON object Znuny expects (PascalCase keys, unset fields left out)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
