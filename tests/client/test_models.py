"""Models: Znuny's loose typing coerced once, outbound models strict (hypothesis where useful)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from radiant_ext.client import (
    Attachment,
    DynamicFieldValue,
    NewArticle,
    NewAttachment,
    NewTicket,
    PendingTime,
    Ticket,
    TicketChanges,
    TicketCreated,
    TicketSearchFilter,
)
from radiant_ext.client._base import format_znuny_datetime

ids = st.integers(min_value=0, max_value=2**53)
stamps = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)).map(
    lambda d: d.replace(microsecond=0))


@settings(deadline=None)  # the shared CI machine is slow at times
@given(ticket_id=ids, queue_id=ids, as_text=st.booleans())
def test_ids_arrive_as_strings_or_numbers(ticket_id: int, queue_id: int, as_text: bool) -> None:
    wrap = str if as_text else int
    ticket = Ticket.model_validate({"TicketID": wrap(ticket_id), "TicketNumber": 2026,
                                    "QueueID": wrap(queue_id), "SLAID": "", "ServiceID": ""})
    assert (ticket.ticket_id, ticket.queue_id) == (ticket_id, queue_id)
    assert ticket.ticket_number == "2026"
    assert ticket.sla_id is None and ticket.service_id is None


@settings(deadline=None)
@given(stamps)
def test_znuny_timestamps_parse_as_utc_and_format_back(moment: datetime) -> None:
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    ticket = Ticket.model_validate({"TicketID": 1, "TicketNumber": "1", "Created": text})
    assert ticket.created == moment.replace(tzinfo=UTC)
    assert ticket.created is not None and format_znuny_datetime(ticket.created) == text


@pytest.mark.parametrize(("raw", "expected"), [
    ("0000-00-00 00:00:00", None),
    ("", None),
    (1764000000, datetime(2025, 11, 24, 16, 0, tzinfo=UTC)),
    ("2026-11-23T10:00:00+03:00", datetime(2026, 11, 23, 7, 0, tzinfo=UTC)),
])
def test_other_timestamp_shapes(raw: object, expected: datetime | None) -> None:
    assert Ticket.model_validate({"TicketID": 1, "TicketNumber": "1",
                                  "Changed": raw}).changed == expected


@pytest.mark.parametrize("raw", ["2026-13-23 10:00:00", "2026-1a-23 10:00:00", "yesterday"])
def test_malformed_timestamps_are_validation_errors(raw: str) -> None:
    with pytest.raises(ValidationError, match="Changed"):
        Ticket.model_validate({"TicketID": 1, "TicketNumber": "1", "Changed": raw})


@settings(deadline=None)
@given(stamps, st.integers(min_value=-12, max_value=14))
def test_aware_datetimes_are_sent_in_utc(moment: datetime, offset: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(hours=offset)))
    search = TicketSearchFilter(ticket_create_time_newer_date=aware)
    expected = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert search.to_znuny() == {"TicketCreateTimeNewerDate": expected}


@settings(deadline=None)
@given(st.binary(max_size=2000), st.text(min_size=1, max_size=30).filter(str.strip))
def test_attachment_bytes_survive_the_round_trip(data: bytes, name: str) -> None:
    sent = NewAttachment.from_bytes(data, name, "application/octet-stream").to_znuny()
    assert base64.b64decode(sent["Content"]) == data
    received = Attachment.model_validate({**sent, "FilesizeRaw": str(len(data))})
    assert received.content == data and received.filesize_raw == len(data)


@settings(deadline=None)
@given(st.one_of(st.none(), st.text(), st.integers(), st.lists(st.text(), max_size=3)))
def test_dynamic_field_values_become_text(value: object) -> None:
    ticket = Ticket.model_validate({"TicketID": 1, "TicketNumber": "1",
                                    "DynamicField": [{"Name": "F", "Value": value}]})
    expected = str(value) if isinstance(value, int) else value
    assert ticket.dynamic_fields == {"F": expected}


@pytest.mark.parametrize(("raw", "first", "all_ids"), [
    ("12", 12, [12]), (12, 12, [12]), (["3", 4], 3, [3, 4]), (None, None, []), ("", None, []),
])
def test_created_article_ids_in_every_shape(raw: object, first: int | None,
                                            all_ids: list[int]) -> None:
    created = TicketCreated.model_validate({"TicketID": "9", "TicketNumber": "n",
                                            "ArticleID": raw})
    assert (created.ticket_id, created.article_id, created.article_ids) == (9, first, all_ids)


def test_single_objects_where_lists_are_meant_are_accepted() -> None:
    ticket = Ticket.model_validate({
        "TicketID": 1, "TicketNumber": "1",
        "Article": {"ArticleID": "5", "IsVisibleForCustomer": "0",
                    "Attachment": {"Filename": "a.txt", "Content": "aGk="}},
        "DynamicField": {"Name": "Impact", "Value": "high"},
        "SomethingNew": 42,
    })
    assert ticket.articles[0].article_id == 5
    assert ticket.articles[0].is_visible_for_customer is False
    assert ticket.articles[0].attachments[0].content == b"hi"
    assert ticket.dynamic_fields == {"Impact": "high"}
    assert ticket.model_extra == {"SomethingNew": 42}


def test_outbound_models_reject_unknown_and_missing_fields() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        TicketChanges(state="open", colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="Title"):
        NewTicket(queue="IT", state="new", priority="3 normal",  # type: ignore[call-arg]
                  customer_user="c")
    with pytest.raises(ValidationError, match="queue or queue_id"):
        NewTicket(title="t", state="new", priority="3 normal", customer_user="c")
    with pytest.raises(ValidationError, match="content_type"):
        NewArticle(subject="s", body="b")
    with pytest.raises(ValidationError, match="Extra inputs"):
        TicketSearchFilter(body="blue")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        TicketSearchFilter(ticket_create_time_newer_date="yesterday")
    with pytest.raises(ValidationError, match="alphanumeric"):
        TicketSearchFilter(dynamic_fields={"Bad-Name": "x"})


def test_ids_are_sent_as_numbers_and_flags_as_one_or_zero() -> None:
    ticket = NewTicket(title="t", queue_id=5, state_id=1, priority_id=3, customer_user="c")
    article = NewArticle(subject="s", body="b", mime_type="text/plain", charset="utf-8",
                         is_visible_for_customer=False)
    assert ticket.to_znuny() == {"Title": "t", "QueueID": 5, "StateID": 1, "PriorityID": 3,
                                 "CustomerUser": "c"}
    assert article.to_znuny()["IsVisibleForCustomer"] == 0


def test_pending_time_from_datetime_or_minutes() -> None:
    moscow = timezone(timedelta(hours=3))
    changes = TicketChanges(state="pending reminder",
                            pending_time=datetime(2026, 12, 1, 9, 30, tzinfo=moscow))
    assert changes.to_znuny()["PendingTime"] == {"Year": 2026, "Month": 12, "Day": 1,
                                                 "Hour": 6, "Minute": 30}
    assert TicketChanges(pending_time=90).to_znuny() == {"PendingTime": {"Diff": 90}}
    with pytest.raises(ValidationError):
        PendingTime(diff=5, year=2026, month=1, day=1, hour=1, minute=1)


def test_attachment_from_path_guesses_type(tmp_path: Path) -> None:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(b"%PDF-1.4")
    attachment = NewAttachment.from_path(path)
    assert attachment.to_znuny() == {"Content": base64.b64encode(b"%PDF-1.4").decode(),
                                     "ContentType": "application/pdf", "Filename": "receipt.pdf"}


def test_dynamic_field_value_speaks_znuny() -> None:
    assert DynamicFieldValue(name="RadiantStore", value="store-007").to_znuny() == {
        "Name": "RadiantStore", "Value": "store-007"}
