"""Model bases and the coercions Znuny's loosely typed JSON needs (one place for all of them).

Znuny serialises Perl scalars, so the same field is a JSON string in one answer and a number
in the next (contract otrs-ce-6 README §4 "Types"): ``"TicketID": "8"`` vs ``8``, ``"ServiceID":
""`` when unset, timestamps as ``YYYY-MM-DD HH:MM:SS`` in the system time zone (UTC by default).
The annotated types below absorb that; every inbound model derives from :class:`InboundModel`.

Each type validates in two steps (:class:`NativeFirst`): pydantic-core's own lax validation
first — ``"8"`` and ``8`` are integers there, a JSON string is a string — without calling
Python; only a value it refuses (``""``, ``"NULL"``, ``"0000-00-00 00:00:00"``, a number where
text is meant) goes through the coercion function below, exactly as before, and then the same
validation. Znuny's timestamps take a short Python step of their own (:func:`_utc_stamp`),
since pydantic-core reads them as naive datetimes. So a batch of tickets validates straight
from the answer's bytes (``model_validate_json``), calling Python only for the odd values.
"""

from __future__ import annotations

import base64
import binascii
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

__all__ = [
    "Base64Bytes",
    "InboundModel",
    "NativeFirst",
    "OptionalDateTime",
    "OptionalInt",
    "OptionalStr",
    "OutboundModel",
    "ZnunyBool",
    "ZnunyDateTime",
    "ZnunyFloat",
    "ZnunyInt",
    "ZnunyStr",
    "collector_paused",
    "format_znuny_datetime",
]

_ZNUNY_FORMAT = "%Y-%m-%d %H:%M:%S"


# The coercions below run only for values pydantic-core refused (see NativeFirst); each is the
# whole rule for its type, so that such a value ends up exactly where it always did.


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


_SEEN: dict[str | int, datetime] = {}
"""Stamps and Unix times read lately and their datetimes (immutable, so shared by every model
that has them): a ticket, its articles and the tickets created in the same second carry the
same stamps, and a lookup costs half of parsing again (a third of ``fromtimestamp``)."""
_SEEN_MAX = 2048
"""Entries :data:`_SEEN` holds at most; when it is full it starts again empty (~300 KB)."""


def _remember(key: str | int, value: datetime) -> datetime:
    if len(_SEEN) >= _SEEN_MAX:
        _SEEN.clear()
    _SEEN[key] = value
    return value


def _utc_stamp(value: str) -> datetime:
    """The common case of :func:`_parse_datetime` (shape checked before): Znuny's stamp as UTC.

    A ValueError (month 13, year 0000) hands the value on to :func:`_parse_datetime`.
    """
    seen = _SEEN.get(value)
    if seen is not None:
        return seen
    return _remember(value, datetime.fromisoformat(value + "+00:00"))  # tzinfo is datetime.UTC


def _utc_epoch(value: int) -> datetime:
    """Unix time (Znuny's ``IncomingTime``) as :func:`_parse_datetime` reads it."""
    seen = _SEEN.get(value)
    if seen is not None:
        return seen
    return _remember(value, datetime.fromtimestamp(value, tz=UTC))


def _empty_to_none(value: Any) -> Any:
    return None if value in ("", None) else value


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


class NativeFirst:
    """``Annotated`` marker: pydantic-core's own validation first, ``coerce`` + it as fallback.

    The schema is a left-to-right union of the type's plain schema (or ``fast``) and
    ``BeforeValidator(coerce)`` over the same schema. A value the first accepts gives the
    same result as the second would (``tests/client/test_coercions.py`` checks that for
    arbitrary values against the coercion alone); the second runs only for the rest, so a
    value is accepted or refused exactly as with the coercion alone. A refused value is one
    error, ``znuny_value``, whose message says what the field takes (``expected``); without
    ``expected`` (containers) the errors of both ways are reported, with the inner ones' places.
    """

    __slots__ = ("coerce", "expected", "fast")

    def __init__(
        self, coerce: Any, expected: str | None = None, fast: CoreSchema | None = None
    ) -> None:
        self.coerce, self.expected, self.fast = coerce, expected, fast

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        inner = handler(source)
        fallback = core_schema.no_info_before_validator_function(self.coerce, inner)
        errors: dict[str, Any] = {} if self.expected is None else {
            "custom_error_type": "znuny_value",
            "custom_error_message": f"Input should be {self.expected}",
        }
        return core_schema.union_schema(
            [self.fast or inner, fallback], mode="left_to_right",
            serialization=inner.get("serialization"), **errors)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The JSON schema of the type itself (the coercion's input is not described)."""
        inner: Any = schema
        while inner.get("type") != "union" and "schema" in inner:  # e.g. a field's validator
            inner = inner["schema"]
        return handler(inner["choices"][1]["schema"] if inner.get("type") == "union" else schema)


_STAMP_SHAPE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
_STAMP = core_schema.union_schema([
    core_schema.chain_schema([core_schema.str_schema(strict=True, pattern=_STAMP_SHAPE),
                              core_schema.no_info_plain_validator_function(_utc_stamp)]),
    core_schema.chain_schema([core_schema.int_schema(strict=True),
                              core_schema.no_info_plain_validator_function(_utc_epoch)]),
], mode="left_to_right")
"""Znuny's stamp (the shape :func:`_is_znuny_stamp` checks, ASCII digits) or a Unix time."""
_TIME = ("a timestamp (YYYY-MM-DD HH:MM:SS, taken as UTC), an ISO 8601 datetime or a Unix "
         "time")
_INT = "an integer or a string of digits"
_STR = "text (numbers are taken as text)"

ZnunyInt = Annotated[int, NativeFirst(_to_int, _INT)]
OptionalInt = Annotated[int | None, NativeFirst(_to_optional_int, _INT + ", empty or NULL")]
ZnunyFloat = Annotated[float, NativeFirst(_to_float, "a number, or empty for 0")]
ZnunyStr = Annotated[str, NativeFirst(_to_str, _STR)]
OptionalStr = Annotated[str | None, NativeFirst(
    _empty_to_none, "text, or empty for none",
    core_schema.nullable_schema(core_schema.str_schema(min_length=1)))]
ZnunyBool = Annotated[bool, NativeFirst(
    _to_bool, "a boolean, 1 or 0, or text (empty and 0 are false)",
    core_schema.union_schema([
        core_schema.bool_schema(strict=True),
        core_schema.chain_schema([core_schema.int_schema(strict=True), core_schema.bool_schema()]),
        core_schema.chain_schema([core_schema.literal_schema(["0", "1"]),
                                  core_schema.bool_schema()]),
    ], mode="left_to_right"))]
ZnunyDateTime = Annotated[datetime, NativeFirst(_parse_datetime, _TIME, _STAMP)]
OptionalDateTime = Annotated[datetime | None, NativeFirst(
    _parse_datetime, _TIME + ", or empty for none", core_schema.nullable_schema(_STAMP))]
Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_decode_base64),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str),
]


class _Pause:
    """Who holds the collector back: how many batches, and whether it ran before the first."""

    lock = threading.Lock()
    depth = 0
    resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold Python's cycle collector back while a batch of models is built (~2 ms per 100
    tickets) — for ``ticket_get_many``, while all its batches are fetched — then restore it
    as it was.

    Every model, its field set and its lists are tracked by the collector, and a batch adds
    thousands that all survive; collected as they are made, they trigger collections of the
    whole heap over and over. Paused, they are looked at once, afterwards (paused per batch,
    each batch's models still went through the collector's middle generation every ten
    batches, and through a whole-heap collection every few fetches). Only garbage in
    reference cycles waits meanwhile: everything else is freed as always. Several threads
    may pause at once: the first one in remembers whether the collector ran, the last one out
    switches it back on. (A ``gc.disable()`` elsewhere meanwhile is undone when the pause
    ends.)
    """
    with _Pause.lock:
        if _Pause.depth == 0:
            _Pause.resume = gc.isenabled()
            gc.disable()
        _Pause.depth += 1
    try:
        yield
    finally:
        with _Pause.lock:
            _Pause.depth -= 1
            if _Pause.depth == 0 and _Pause.resume:
                gc.enable()


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
