"""Business-hours calendars: working hours per weekday, a time zone and holidays.

:class:`CalendarSpec` is the declarative form kept in catalog files; :class:`BusinessCalendar`
computes with it. All arithmetic happens in UTC, because subtracting two aware datetimes that
share a ``ZoneInfo`` ignores a DST change between them.

Public holidays come from the ``holidays`` package (:mod:`radiant_ext.plugins.public_holidays`)
for whatever year a deadline reaches; ``holidays`` and ``working_days`` add the company's own
dates. An interval may end at ``24:00`` (written ``24:00`` or ``00:00``), so ``00:00-24:00``
is a whole day and ``24x7`` is a calendar like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from radiant_ext._zones import TimeZoneName
from radiant_ext.plugins.public_holidays import PublicHolidays

__all__ = [
    "ALWAYS_CALENDAR",
    "BUILTIN_CALENDARS",
    "DEFAULT_CALENDAR",
    "STORE_CALENDAR",
    "BusinessCalendar",
    "CalendarSpec",
    "WorkingInterval",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STORE_CALENDAR = "store"
"""What an item's ``deadline.calendar`` says to count the store's trading hours; no calendar
may be called that."""
_MAX_DAYS = 3 * 366  # a deadline further out than this means the calendar has no working time
_KEPT_DAYS = 4 * 366
"""The days of working intervals a calendar keeps (a few hundred bytes each)."""


class WorkingInterval(BaseModel):
    """One span of working time within a day (local wall-clock time).

    ``end`` 00:00 (also written ``24:00``) is midnight at the end of the day; otherwise
    ``start`` < ``end``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @field_validator("end", mode="before")
    @classmethod
    def _midnight(cls, value: object) -> object:
        return "00:00" if isinstance(value, str) and value.strip() in ("24:00", "24:00:00") \
            else value

    @property
    def end_minute(self) -> int:
        """Minutes from the day's start to ``end`` (1440 for midnight at the end)."""
        return 24 * 60 if self.end == time(0) else self.end.hour * 60 + self.end.minute

    @model_validator(mode="after")
    def _ordered(self) -> WorkingInterval:
        if self.end != time(0) and self.start >= self.end:
            raise ValueError(f"interval start {self.start} is not before end {self.end}")
        return self

    def on(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return this interval on local date ``day`` as UTC datetimes."""
        end_day = day + timedelta(days=1) if self.end == time(0) else day
        return (datetime.combine(day, self.start, tzinfo=tz).astimezone(UTC),
                datetime.combine(end_day, self.end, tzinfo=tz).astimezone(UTC))


def _parse_interval(value: object) -> object:
    if isinstance(value, str) and "-" in value:
        start, _, end = value.partition("-")
        return {"start": start.strip(), "end": end.strip()}
    return value


Interval = Annotated[WorkingInterval, Field(description="'08:00-18:00' or {start, end}")]


class CalendarSpec(BaseModel):
    """A calendar as written in YAML.

    ``hours`` maps ``mon`` … ``sun`` to a list of intervals such as ``"08:00-18:00"``; days
    not listed are days off. ``public_holidays`` names a country (and subdivision) whose
    public holidays are days off in every year, and whose moved working days (a Saturday
    that works in place of a bridge day) work. ``holidays`` are further local dates without
    working time; ``working_days`` are dates that work although their weekday or a holiday
    would not. Moved and explicit working days use ``working_day_hours``, or when it is empty
    the hours of the first weekday that has any (Monday in an office calendar).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    time_zone: TimeZoneName = "Europe/Moscow"
    hours: dict[str, list[Interval]]
    public_holidays: PublicHolidays | None = None
    holidays: list[date] = Field(default_factory=list)
    working_days: list[date] = Field(default_factory=list)
    working_day_hours: list[Interval] = Field(default_factory=list)
    _built: dict[str | None, BusinessCalendar] = PrivateAttr(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == STORE_CALENDAR:
            raise ValueError(f"{STORE_CALENDAR!r} is reserved for the store's trading hours")
        return value

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
        for spans in [*self.hours.values(), self.working_day_hours]:
            ordered = sorted(spans, key=lambda s: s.start)
            for a, b in zip(ordered, ordered[1:], strict=False):
                if b.start.hour * 60 + b.start.minute < a.end_minute:
                    raise ValueError(f"intervals {a.start}-{a.end} and {b.start} overlap")
        return self

    @property
    def moved_day_hours(self) -> list[WorkingInterval]:
        """Hours of a moved or explicit working day (see the class docstring)."""
        if self.working_day_hours:
            return list(self.working_day_hours)
        return next(list(self.hours[d]) for d in WEEKDAYS if self.hours.get(d))

    def build(self, time_zone: str | None = None) -> BusinessCalendar:
        """Return the computing calendar, optionally in another time zone (a store's).

        One calendar per zone is kept with the spec (the spec is frozen, the calendar
        immutable): every request, deadline and report of a store shares its calendar and the
        working days it has worked out."""
        built = self._built.get(time_zone)
        if built is None or built.spec is not self:  # a model_copy shares the kept dict
            built = self._built[time_zone] = BusinessCalendar(self, time_zone=time_zone)
        return built


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
        self._days: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    def is_holiday(self, day: date) -> bool:
        """Return whether local date ``day`` is a public or listed holiday."""
        public = self.spec.public_holidays
        return day in self._holidays or (public is not None and day in public.days_of(day.year)[0])

    def is_moved_working_day(self, day: date) -> bool:
        """Return whether ``day`` is listed in ``working_days`` or moved by the country."""
        public = self.spec.public_holidays
        return day in self._extra or (public is not None and day in public.days_of(day.year)[1])

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the working intervals of local date ``day`` as UTC datetimes.

        An explicit working day works; then a holiday does not; then the weekday's hours
        count, and a day without any that the country moved work onto works too.

        The calendar is immutable, so each day's answer is kept (up to :data:`_KEPT_DAYS`
        days, then forgotten at once): measuring a thousand open tickets, or watching their
        deadlines, asks for the same few days over and over.
        """
        kept = self._days.get(day)
        if kept is None:
            if len(self._days) >= _KEPT_DAYS:
                self._days.clear()
            kept = self._days[day] = tuple(self._working(day))
        return list(kept)

    def _working(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self._extra:
            spans = self.spec.moved_day_hours
        elif self.is_holiday(day):
            return []
        else:
            spans = list(self.spec.hours.get(WEEKDAYS[day.weekday()], []))
            if not spans and self.is_moved_working_day(day):
                spans = self.spec.moved_day_hours
        return [s.on(day, self.tz) for s in sorted(spans, key=lambda s: s.start)]

    def _intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        for offset in range(_MAX_DAYS):
            for lo, hi in self.intervals_on(day + timedelta(days=offset)):
                if hi > start:
                    yield max(lo, start), hi

    def _intervals_until(self, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working intervals before ``end``, latest first (the last one cut at ``end``)."""
        day = end.astimezone(self.tz).date()
        for offset in range(_MAX_DAYS):
            for lo, hi in reversed(self.intervals_on(day - timedelta(days=offset))):
                if lo < end:
                    yield lo, min(hi, end)

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

    def latest_start(self, end: datetime, duration: timedelta) -> datetime | None:
        """Return the latest instant from which ``duration`` of business time has passed by
        ``end``: ``between(start, end) >= duration`` exactly when ``start`` is at or before it
        (and so ``add(start, duration) <= end``); a zero ``duration`` gives ``end``. ``None``
        when the calendar has less than ``duration`` of working time in the
        :data:`_MAX_DAYS` days before ``end``.

        One walk back from ``end`` answers "is it past its limit?" for every ticket of a
        calendar and limit, where ``between`` would walk once per ticket.

        :raises ValueError: for a naive ``end`` or a negative ``duration``.
        """
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        end = _utc(end)
        if not duration:
            return end
        remaining = duration
        for lo, hi in self._intervals_until(end):
            if remaining <= hi - lo:
                return hi - remaining
            remaining -= hi - lo
        return None

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
    public_holidays=PublicHolidays(country="RU"),
)
"""The built-in ``default`` calendar: Mon–Fri 08:00–18:00 Europe/Moscow, Russia's public
holidays and moved working days of every year (from the ``holidays`` package)."""

ALWAYS_CALENDAR = CalendarSpec(
    id="24x7",
    time_zone="UTC",
    hours={d: [WorkingInterval(start=time(0), end=time(0))] for d in WEEKDAYS},
)
"""The built-in ``24x7`` calendar: every hour of every day counts."""

BUILTIN_CALENDARS = {c.id: c for c in (DEFAULT_CALENDAR, ALWAYS_CALENDAR)}
"""Calendars every catalog file may name without declaring them."""
