"""Business-hours calendars: working hours per weekday, a time zone and holidays.

:class:`CalendarSpec` is the declarative form kept in catalog files; :class:`BusinessCalendar`
computes with it. All arithmetic happens in UTC, because subtracting two aware datetimes that
share a ``ZoneInfo`` ignores a DST change between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from radiant_ext._zones import TimeZoneName

__all__ = ["DEFAULT_CALENDAR", "BusinessCalendar", "CalendarSpec", "WorkingInterval"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 3 * 366  # a deadline further out than this means the calendar has no working time


class WorkingInterval(BaseModel):
    """One span of working time within a day, ``start`` < ``end`` (local wall-clock time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> WorkingInterval:
        if self.start >= self.end:
            raise ValueError(f"interval start {self.start} is not before end {self.end}")
        return self


def _parse_interval(value: object) -> object:
    if isinstance(value, str) and "-" in value:
        start, _, end = value.partition("-")
        return {"start": start.strip(), "end": end.strip()}
    return value


Interval = Annotated[WorkingInterval, Field(description="'08:00-18:00' or {start, end}")]


class CalendarSpec(BaseModel):
    """A calendar as written in YAML.

    ``hours`` maps ``mon`` … ``sun`` to a list of intervals such as ``"08:00-18:00"``; days
    not listed are days off. ``holidays`` are local dates without working time;
    ``working_days`` are dates that work although their weekday does not (a moved Saturday),
    using ``working_day_hours``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    time_zone: TimeZoneName = "Europe/Moscow"
    hours: dict[str, list[Interval]]
    holidays: list[date] = Field(default_factory=list)
    working_days: list[date] = Field(default_factory=list)
    working_day_hours: list[Interval] = Field(default_factory=list)

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        out: dict[object, object] = {}
        for day, spans in value.items():
            if str(day).lower()[:3] not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r} (use mon … sun)")
            items = spans if isinstance(spans, list) else [spans]
            out[str(day).lower()[:3]] = [_parse_interval(s) for s in items]
        return out

    @field_validator("working_day_hours", mode="before")
    @classmethod
    def _extra_hours(cls, value: object) -> object:
        items = value if isinstance(value, list) else [value]
        return [_parse_interval(s) for s in items]

    @model_validator(mode="after")
    def _has_working_time(self) -> CalendarSpec:
        if not any(self.hours.values()):
            raise ValueError("calendar has no working hours")
        for spans in self.hours.values():
            ordered = sorted(spans, key=lambda s: s.start)
            for a, b in zip(ordered, ordered[1:], strict=False):
                if b.start < a.end:
                    raise ValueError(f"intervals {a.start}-{a.end} and {b.start} overlap")
        return self

    def build(self, time_zone: str | None = None) -> BusinessCalendar:
        """Return the computing calendar, optionally in another time zone (a store's)."""
        return BusinessCalendar(self, time_zone=time_zone)


class BusinessCalendar:
    """Adds business time to instants and measures business time between them.

    :param spec: the declarative calendar.
    :param time_zone: overrides ``spec.time_zone`` (e.g. a store's local zone).
    """

    def __init__(self, spec: CalendarSpec, *, time_zone: str | None = None) -> None:
        self.spec = spec
        self.tz = ZoneInfo(time_zone or spec.time_zone)
        self._holidays = frozenset(spec.holidays)
        self._extra = frozenset(spec.working_days)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the working intervals of local date ``day`` as UTC datetimes."""
        if day in self._extra:
            spans = list(self.spec.working_day_hours)
        elif day in self._holidays:
            return []
        else:
            spans = list(self.spec.hours.get(WEEKDAYS[day.weekday()], []))
        return [
            (
                datetime.combine(day, s.start, tzinfo=self.tz).astimezone(UTC),
                datetime.combine(day, s.end, tzinfo=self.tz).astimezone(UTC),
            )
            for s in sorted(spans, key=lambda s: s.start)
        ]

    def _intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        for offset in range(_MAX_DAYS):
            for lo, hi in self.intervals_on(day + timedelta(days=offset)):
                if hi > start:
                    yield max(lo, start), hi

    def is_working_time(self, when: datetime) -> bool:
        """Return whether ``when`` (aware) lies within working time, ends included."""
        when = _utc(when)
        day = when.astimezone(self.tz).date()
        return any(lo <= when <= hi for lo, hi in self.intervals_on(day))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant ``duration`` of business time after ``start`` (UTC, aware).

        Time outside working hours does not count; a request filed after hours starts the
        clock at the next opening. The result always lies within working time.

        :raises ValueError: for a naive ``start`` or a negative ``duration``.
        """
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        remaining = duration
        for lo, hi in self._intervals_from(_utc(start)):
            if remaining <= hi - lo:
                return lo + remaining
            remaining -= hi - lo
        raise ValueError(f"calendar {self.spec.id!r} has no working time within {_MAX_DAYS} days")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time from ``start`` to ``end`` (zero when ``end`` is earlier)."""
        start, end = _utc(start), _utc(end)
        total = timedelta(0)
        if end <= start:
            return total
        for lo, hi in self._intervals_from(start):
            if lo >= end:
                break
            total += min(hi, end) - lo
        return total


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"datetime {when.isoformat()} has no time zone")
    return when.astimezone(UTC)


DEFAULT_CALENDAR = CalendarSpec(
    id="default",
    time_zone="Europe/Moscow",
    hours={d: [WorkingInterval(start=time(8), end=time(18))] for d in WEEKDAYS[:5]},
    holidays=[
        date(2026, 1, d) for d in range(1, 10)
    ] + [
        date(2026, 2, 23), date(2026, 3, 9), date(2026, 5, 1), date(2026, 5, 11),
        date(2026, 6, 12), date(2026, 11, 4), date(2026, 12, 31),
        *(date(2027, 1, d) for d in range(1, 9)),
    ],
)
"""The demo calendar: Mon–Fri 08:00–18:00 Europe/Moscow with the Russian public holidays of
2026 (1–9 January, 23 February, 9 March, 1 and 11 May, 12 June, 4 November, 31 December)
and 1–8 January 2027."""
