"""The coercion types validate natively first and fall back to their coercion function: for any
value the result (or the refusal) is the one the coercion function alone gives, in Python and
from JSON. The reference for each type is ``BeforeValidator(coercion)`` over the same type, which
is how every type was validated before the native way was added."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BeforeValidator, TypeAdapter, ValidationError

from radiant_ext.client import HistoryEntry, Ticket
from radiant_ext.client import _base as b
from radiant_ext.client.models import TicketAnswer

PAIRS: dict[str, tuple[Any, Any]] = {
    "ZnunyInt": (b.ZnunyInt, Annotated[int, BeforeValidator(b._to_int)]),
    "OptionalInt": (b.OptionalInt, Annotated[int | None, BeforeValidator(b._to_optional_int)]),
    "ZnunyFloat": (b.ZnunyFloat, Annotated[float, BeforeValidator(b._to_float)]),
    "ZnunyStr": (b.ZnunyStr, Annotated[str, BeforeValidator(b._to_str)]),
    "OptionalStr": (b.OptionalStr, Annotated[str | None, BeforeValidator(b._empty_to_none)]),
    "ZnunyBool": (b.ZnunyBool, Annotated[bool, BeforeValidator(b._to_bool)]),
    "ZnunyDateTime": (b.ZnunyDateTime, Annotated[datetime, BeforeValidator(b._parse_datetime)]),
    "OptionalDateTime": (b.OptionalDateTime,
                         Annotated[datetime | None, BeforeValidator(b._parse_datetime)]),
}
ADAPTERS = {name: (TypeAdapter(new), TypeAdapter(old)) for name, (new, old) in PAIRS.items()}

digits = st.sampled_from("0123456789")
any_digit = st.characters(categories=["Nd"])  # also Arabic-Indic, full-width, … digits
stamps = st.builds(
    lambda d, sep: f"{d[0:4]}-{d[4:6]}-{d[6:8]}{sep}{d[8:10]}:{d[10:12]}:{d[12:14]}",
    st.lists(digits | any_digit, min_size=14, max_size=14).map("".join),
    st.sampled_from([" ", " ", "T", "_"]),
)
real_stamps = st.builds(
    lambda d, sep: d.strftime(f"%Y-%m-%d{sep}%H:%M:%S"),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from([" ", " ", " ", "T", "t", "_"]),
)
numbers_as_text = st.builds(
    lambda pad, sign, n, tail: f"{pad}{sign}{n}{tail}",
    st.sampled_from(["", " ", "\t", "\u2003"]), st.sampled_from(["", "-", "+"]),
    st.integers(min_value=0, max_value=10**20) | st.lists(any_digit, min_size=1, max_size=4).map(
        "".join),
    st.sampled_from(["", " ", "\n", ".0", ".5", "_0"]),
)
ODD = ["", " ", "NULL", " NULL ", "0", "1", " 1 ", "2", "00", "true", "false", "no", "yes",
       "off", "0000-00-00 00:00:00", "0000-00-00", "yesterday", "1.5", "-0", " 8 ", "+8", "1_000",
       "٣", "nan", "inf", "2026-11-23T10:00:00+03:00", "2026-11-23", "2026-11-23T10:00:00Z",
       "2026-11-23 10:00:00", "2026-11-23t10:00:00", "2026-13-23 10:00:00", "2026-11-23 24:00:00",
       None, True, False, 0, 1, 2, -1, 1.0, 1.5, 1764000000, 2**70, b"", b"x", [], {}]
odd = st.sampled_from(ODD)
values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63),
    st.integers(min_value=-(10**11), max_value=10**11), st.floats(), st.text(max_size=8),
    stamps, real_stamps, numbers_as_text, odd, st.binary(max_size=4),
    st.datetimes(max_value=datetime(9998, 1, 1), min_value=datetime(2, 1, 1)),
    st.datetimes(max_value=datetime(9998, 1, 1), min_value=datetime(2, 1, 1),
                 timezones=st.just(timezone(timedelta(hours=3)))),
)


def outcome(adapter: TypeAdapter[Any], value: Any, *, from_json: bool = False) -> Any:
    """What validating gives: the value with its type (and zone), or the kind of refusal."""
    try:
        result = adapter.validate_json(json.dumps(value)) if from_json else (
            adapter.validate_python(value))
    except ValidationError:
        return "refused"
    except (OverflowError, OSError, ValueError) as exc:  # fromtimestamp far out of range
        return type(exc).__name__
    if isinstance(result, float) and math.isnan(result):
        return (float, "nan")
    return (type(result), result, getattr(result, "tzinfo", None))


@settings(deadline=None, max_examples=200)
@given(name=st.sampled_from(sorted(PAIRS)), value=values)
def test_each_type_accepts_and_refuses_exactly_what_its_coercion_does(name: str,
                                                                      value: Any) -> None:
    new, old = ADAPTERS[name]
    assert outcome(new, value) == outcome(old, value)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_each_type_takes_the_odd_values_as_its_coercion_does(name: str) -> None:
    new, old = ADAPTERS[name]
    assert [outcome(new, v) for v in ODD] == [outcome(old, v) for v in ODD]


def _json_able(value: Any) -> bool:
    return not isinstance(value, bytes | datetime) and not (
        isinstance(value, float) and not math.isfinite(value))


@settings(deadline=None, max_examples=150)
@given(name=st.sampled_from(sorted(PAIRS)), value=values.filter(_json_able))
def test_from_json_bytes_as_from_json_loads(name: str, value: Any) -> None:
    """``model_validate_json`` on the answer's bytes gives what json.loads + validate gave."""
    new, old = ADAPTERS[name]
    assert outcome(new, value, from_json=True) == outcome(old, json.loads(json.dumps(value)))


@pytest.mark.parametrize("raw", ["2026-12-04 09:26:10", 1796376370])
def test_timestamps_are_aware_utc_with_datetime_utc(raw: object) -> None:
    created = TypeAdapter(b.ZnunyDateTime).validate_json(json.dumps(raw))
    assert created.tzinfo is UTC


def test_stamps_read_before_give_the_same_datetime_and_memory_stays_bounded() -> None:
    adapter = TypeAdapter(list[b.OptionalDateTime])
    start = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    moments = [start + timedelta(seconds=s) for s in range(b._SEEN_MAX + 500)]
    stamps = [m.strftime("%Y-%m-%d %H:%M:%S") for m in moments]
    epochs = [int(m.timestamp()) for m in moments[:50]]
    for _ in range(2):  # the second time round partly from memory
        assert adapter.validate_json(json.dumps(stamps)) == moments
        assert adapter.validate_json(json.dumps(epochs)) == moments[:50]
        assert len(b._SEEN) <= b._SEEN_MAX
    ticket = Ticket.model_validate_json(json.dumps(
        {"TicketID": 1, "TicketNumber": "1", "Created": stamps[-1], "Changed": stamps[-1]}))
    assert ticket.created is ticket.changed and ticket.created == moments[-1]
    for _ in range(2):  # month 13 is refused every time, never remembered
        with pytest.raises(ValidationError):
            adapter.validate_json(b'["2026-13-04 09:00:00"]')
    assert "2026-13-04 09:00:00" not in b._SEEN


def test_a_refused_value_is_one_error_saying_what_the_field_takes() -> None:
    with pytest.raises(ValidationError) as info:
        Ticket.model_validate_json(b'{"TicketID": "twelve", "TicketNumber": "1", "QueueID": "x",'
                                   b' "Created": "yesterday"}')
    errors = {e["loc"]: e["msg"] for e in info.value.errors()}
    assert errors == {
        ("TicketID",): "Input should be an integer or a string of digits",
        ("QueueID",): "Input should be an integer or a string of digits, empty or NULL",
        ("Created",): "Input should be a timestamp (YYYY-MM-DD HH:MM:SS, taken as UTC), an ISO "
                      "8601 datetime or a Unix time, or empty for none",
    }


odd_ticket_values = {
    "TicketID": st.sampled_from([7, "7", " 7 "]),
    "TicketNumber": st.sampled_from(["2026", 2026]),
    "QueueID": st.sampled_from([3, "3", "", "NULL", None]),
    "SLA": st.sampled_from(["", None, "Gold"]),
    "Title": st.sampled_from(["", None, 5, "t"]),
    "TimeUnit": st.sampled_from(["", 0, "1.5", 2.5]),
    "Created": st.sampled_from(["2026-12-04 09:26:10", "0000-00-00 00:00:00", "", 1796376370,
                                "2026-11-23T10:00:00+03:00"]),
    "Article": st.sampled_from([
        None, [], {"ArticleID": "5", "IsVisibleForCustomer": "0"},
        [{"ArticleID": 5, "IsVisibleForCustomer": 1, "IncomingTime": 1796376370,
          "Attachment": {"Filename": "a.txt", "Content": "aGk="}}],
    ]),
    "DynamicField": st.sampled_from([None, {"Name": "Impact", "Value": 3},
                                     [{"Name": "A", "Value": ["x", 1]}]]),
    "EscalationDestinationIn": st.sampled_from(["0h 0m", 5]),
}


@settings(deadline=None, max_examples=100)
@given(st.fixed_dictionaries({}, optional=odd_ticket_values), st.booleans())
def test_an_answer_from_bytes_holds_the_tickets_validated_one_by_one(
    fields: dict[str, Any], single: bool
) -> None:
    ticket = {"TicketID": 1, "TicketNumber": "1", **fields}
    body = json.dumps({"Ticket": ticket if single else [ticket, ticket]}).encode()
    answer = TicketAnswer.model_validate_json(body)
    expected = Ticket.model_validate(json.loads(json.dumps(ticket)))
    assert [t.model_dump() for t in answer.tickets] == [expected.model_dump()] * (
        1 if single else 2)
    assert all(t.model_extra == expected.model_extra for t in answer.tickets)


def test_models_describe_their_types_in_json_schema() -> None:
    """A generated schema (API docs, forms) shows the types, not the coercions' inputs."""
    history = HistoryEntry.model_json_schema()["properties"]
    ticket = Ticket.model_json_schema()["properties"]
    assert history["ArticleID"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert ticket["Created"]["anyOf"] == [{"format": "date-time", "type": "string"},
                                          {"type": "null"}]
    assert ticket["Title"]["type"] == "string" and ticket["TicketID"]["type"] == "integer"
