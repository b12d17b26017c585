"""Business-hours calendar: deadlines in working time, monotonic, holidays skipped.

Public holidays come from the ``holidays`` package for any year; the properties below check
the calendar against the package itself (an independent oracle) over years far past any
table a person would write, and in zones with daylight saving time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from radiant_ext.plugins import (
    DEFAULT_CALENDAR,
    BusinessCalendar,
    CalendarSpec,
    DeadlinePolicy,
    StoreInfo,
)
from radiant_ext.plugins.calendar import ALWAYS_CALENDAR, WEEKDAYS

MSK = ZoneInfo("Europe/Moscow")
CAL = DEFAULT_CALENDAR.build()
BERLIN = CalendarSpec(  # a zone with DST, two shifts a day, a holiday and a moved Saturday
    id="berlin",
    time_zone="Europe/Berlin",
    hours={"mon": ["08:00-12:00", "13:00-17:00"], "tue": ["08:00-12:00", "13:00-17:00"],
           "wed": "09:00-17:00", "thu": "09:00-17:00", "fri": "09:00-15:00"},
    holidays=[date(2026, 3, 30), date(2026, 10, 26), date(2026, 12, 24)],
    working_days=[date(2026, 3, 28)],
    working_day_hours=["10:00-14:00"],
).build()

instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20),
                        timezones=st.just(UTC))
# Years no hand-written table covered: the package computes them.
far_instants = st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2045, 12, 20),
                            timezones=st.just(UTC))
RU = holidays.country_holidays("RU")  # the oracle: expands to any year it is asked about
durations = st.integers(min_value=0, max_value=60 * 80).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from([CAL, BERLIN])


def test_friday_evening_request_continues_on_monday_morning() -> None:
    start = datetime(2026, 11, 20, 17, 50, tzinfo=MSK)
    assert CAL.add(start, timedelta(hours=4)) == datetime(2026, 11, 23, 11, 50, tzinfo=MSK)


def test_request_filed_at_night_starts_at_opening() -> None:
    start = datetime(2026, 11, 24, 2, 0, tzinfo=MSK)
    assert CAL.add(start, timedelta(hours=1)) == datetime(2026, 11, 24, 9, 0, tzinfo=MSK)


def test_new_year_holidays_are_skipped() -> None:
    start = datetime(2026, 12, 30, 17, 0, tzinfo=MSK)
    # 1 h on Dec 30; Dec 31 and Jan 1-8 are holidays; Jan 9 2027 is a Saturday -> Mon Jan 11.
    assert CAL.add(start, timedelta(hours=3)) == datetime(2027, 1, 11, 10, 0, tzinfo=MSK)


def test_public_holidays_never_run_out() -> None:
    # 7 January (Orthodox Christmas) is a holiday by law every year; 2043-01-07 is a Wednesday.
    start = datetime(2043, 1, 6, 17, 0, tzinfo=MSK)
    end = CAL.add(start, timedelta(hours=2))
    assert end.astimezone(MSK).date() > date(2043, 1, 7)
    assert CAL.intervals_on(date(2043, 1, 7)) == []


def test_a_saturday_the_country_moves_work_onto_works_with_monday_hours() -> None:
    # Russia worked Saturday 1 November 2025 in place of Monday 3 November.
    moved = holidays.country_holidays("RU", years=2025).weekend_workdays
    assert date(2025, 11, 1) in moved  # the package models moved working days
    lo, hi = CAL.intervals_on(date(2025, 11, 1))[0]
    assert (lo.astimezone(MSK).time(), hi.astimezone(MSK).time()) == (time(8), time(18))
    assert CAL.intervals_on(date(2025, 11, 3)) == []
    ignore_moves = DEFAULT_CALENDAR.model_copy(update={"public_holidays": DEFAULT_CALENDAR
        .public_holidays.model_copy(update={"moved_working_days": False})}).build()
    assert ignore_moves.intervals_on(date(2025, 11, 1)) == []


def test_public_holidays_follow_the_subdivision() -> None:
    # Epiphany (6 January) is a holiday in Bavaria, not in Berlin; 2026-01-06 is a Tuesday.
    def calendar(subdivision: str) -> BusinessCalendar:
        return CalendarSpec.model_validate({
            "id": subdivision, "time_zone": "Europe/Berlin", "hours": {"tue": "09:00-17:00"},
            "public_holidays": {"country": "de", "subdivision": subdivision}}).build()

    assert calendar("BY").intervals_on(date(2026, 1, 6)) == []
    assert len(calendar("BE").intervals_on(date(2026, 1, 6))) == 1


def test_explicit_holidays_and_working_days_combine_with_public_ones() -> None:
    cal = CalendarSpec.model_validate({
        **DEFAULT_CALENDAR.model_dump(),
        "holidays": [date(2026, 11, 23)],           # a company day off on a Monday
        "working_days": [date(2026, 11, 4)],        # working on Unity Day after all
        "working_day_hours": ["10:00-12:00"]}).build()
    assert cal.intervals_on(date(2026, 11, 23)) == []
    lo, hi = cal.intervals_on(date(2026, 11, 4))[0]
    assert hi - lo == timedelta(hours=2)


def test_whole_days_end_at_midnight_across_daylight_saving() -> None:
    always = ALWAYS_CALENDAR.build("Europe/Berlin")
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # clocks go forward on Sunday 29 March
    assert always.add(saturday, timedelta(hours=48)) == saturday + timedelta(hours=48)
    assert always.between(saturday, saturday + timedelta(hours=48)) == timedelta(hours=48)
    sunday = always.intervals_on(date(2026, 3, 29))[0]
    assert sunday[1] - sunday[0] == timedelta(hours=23)
    evening = CalendarSpec.model_validate({"id": "e", "hours": {"fri": "22:00-24:00"}})
    assert evening.hours["fri"][0].end_minute == 24 * 60


def test_moved_working_saturday_counts_with_its_own_hours() -> None:
    start = datetime(2026, 3, 27, 14, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    # Fri 14-15 (1 h), Sat 28 March 10-14 (4 h), Mon 30 March is a holiday, Tue 08-09.
    end = BERLIN.add(start, timedelta(hours=6))
    assert end == datetime(2026, 3, 31, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_lunch_break_is_not_working_time() -> None:
    noon_30 = datetime(2026, 11, 23, 12, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert not BERLIN.is_working_time(noon_30)
    assert BERLIN.add(noon_30, timedelta(minutes=30)).astimezone(
        ZoneInfo("Europe/Berlin")).time() == time(13, 30)


def test_calendar_in_a_stores_time_zone() -> None:
    nsk = DEFAULT_CALENDAR.build("Asia/Novosibirsk")
    start = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Novosibirsk, 06:00 in Moscow
    assert nsk.add(start, timedelta(hours=1)) == datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    assert CAL.add(start, timedelta(hours=1)) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_naive_start_and_negative_duration_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        CAL.add(datetime(2026, 11, 23, 9, 0), timedelta(hours=1))
    with pytest.raises(ValueError, match="negative"):
        CAL.add(datetime(2026, 11, 23, 9, 0, tzinfo=MSK), timedelta(hours=-1))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"hours": {"mon": "18:00-08:00"}}, "not before end"),
        ({"hours": {"mon": ["08:00-12:00", "11:00-13:00"]}}, "overlap"),
        ({"hours": {}}, "no working hours"),
        ({"hours": {"funday": "08:00-09:00"}}, "unknown weekday"),
        ({"hours": {"mon": "08:00-09:00"}, "time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"hours": {"mon": ["20:00-24:00", "23:00-23:30"]}}, "overlap"),
        ({"hours": {"mon": "08:00-09:00"}, "public_holidays": {"country": "XX"}},
         "unknown country 'XX'"),
        ({"hours": {"mon": "08:00-09:00"}, "public_holidays": {"country": "DE",
                                                               "subdivision": "ZZ"}},
         "country DE has no subdivision 'ZZ' \\(known: BB, BE"),
        ({"hours": {"mon": "08:00-09:00"}, "public_holidays": {"country": "RU",
                                                               "categories": ["bank"]}},
         "no holiday category 'bank'"),
    ],
)
def test_invalid_calendars_are_refused(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CalendarSpec.model_validate({"id": "x", **spec})


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, duration=durations)
def test_deadline_is_always_in_working_time_and_never_on_a_holiday(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    end = cal.add(start, duration)
    assert end >= start
    assert cal.is_working_time(end)
    local_day = end.astimezone(cal.tz).date()
    assert local_day not in cal.spec.holidays or local_day in cal.spec.working_days
    if cal is CAL and duration:
        assert local_day not in RU


@settings(max_examples=150, deadline=None)
@given(start=far_instants, duration=durations.filter(lambda d: d > timedelta(0)))
def test_far_future_deadlines_skip_every_public_holiday_the_package_knows(
    start: datetime, duration: timedelta
) -> None:
    end = CAL.add(start, duration)
    assert CAL.is_working_time(end)
    assert end.astimezone(MSK).date() not in RU
    assert CAL.between(start, end) == duration
    # No working time at all on a holiday between start and deadline.
    day = start.astimezone(MSK).date()
    while day <= end.astimezone(MSK).date():
        if day in RU:
            assert CAL.intervals_on(day) == []
        day += timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(start=far_instants, duration=durations,
       zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney"]))
def test_a_24x7_calendar_counts_every_hour_in_any_zone(
    start: datetime, duration: timedelta, zone: str
) -> None:
    always = ALWAYS_CALENDAR.build(zone)
    assert always.add(start, duration) == start + duration
    assert always.between(start, start + duration) == duration


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, a=durations, b=durations)
def test_deadline_is_monotonic_in_duration(
    cal: BusinessCalendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    short, long = sorted([a, b])
    assert cal.add(start, short) <= cal.add(start, long)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, duration=durations)
def test_business_time_between_start_and_deadline_equals_duration(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    assert cal.between(start, cal.add(start, duration)) == duration


@settings(max_examples=200, deadline=None)
@given(cal=calendars, end=instants, duration=durations, probe=instants)
def test_the_latest_start_answers_whether_a_limit_has_passed_as_a_walk_does(
    cal: BusinessCalendar, end: datetime, duration: timedelta, probe: datetime
) -> None:
    latest = cal.latest_start(end, duration)
    assert latest is not None and latest <= end
    assert cal.between(latest, end) == duration or not duration
    if duration:
        assert cal.is_working_time(latest)
        assert cal.add(latest, duration) <= end
        assert cal.between(latest + timedelta(seconds=1), end) < duration
        assert (probe <= latest) == (cal.add(probe, duration) <= end)
    if duration or probe <= end:  # nothing has passed from a later start, not even zero
        assert (probe <= latest) == (cal.between(probe, end) >= duration)


def test_the_latest_start_of_more_time_than_the_calendar_has_is_none() -> None:
    sparse = CalendarSpec(id="sparse", time_zone="UTC", hours={"mon": "08:00-09:00"}).build()
    end = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert sparse.latest_start(end, timedelta(hours=2)) == datetime(2026, 11, 16, 8, 0,
                                                                     tzinfo=UTC)
    assert sparse.latest_start(end, timedelta(hours=10_000)) is None
    with pytest.raises(ValueError, match="no time zone"):
        CAL.latest_start(datetime(2026, 11, 23, 9, 0), timedelta(hours=1))
    with pytest.raises(ValueError, match="negative"):
        CAL.latest_start(end, timedelta(hours=-1))


NO_HOLIDAYS = DEFAULT_CALENDAR.model_copy(update={"public_holidays": None}).build()
# Moved working Saturdays can bring a deadline earlier, so the comparison leaves them out.
ONLY_HOLIDAYS = DEFAULT_CALENDAR.model_copy(update={"public_holidays": DEFAULT_CALENDAR
    .public_holidays.model_copy(update={"moved_working_days": False})}).build()


@settings(max_examples=150, deadline=None)
@given(start=st.one_of(instants, far_instants),
       duration=durations.filter(lambda d: d > timedelta(0)))
def test_holidays_push_the_deadline_later(start: datetime, duration: timedelta) -> None:
    plain = NO_HOLIDAYS.add(start, duration)
    with_holidays = ONLY_HOLIDAYS.add(start, duration)
    assert with_holidays >= plain
    first, last = start.astimezone(MSK).date(), plain.astimezone(MSK).date()
    # Holidays on which the holiday-free calendar counted some of the duration.
    skipped = [h for h in RU.keys() if first <= h <= last
               and any(NO_HOLIDAYS.between(max(start, lo), min(plain, hi)) > timedelta(0)
                       for lo, hi in NO_HOLIDAYS.intervals_on(h))]
    if skipped:
        assert with_holidays > plain


# -- item and store calendars -------------------------------------------------------------
SUPERSET = CalendarSpec.model_validate({  # trades every day, longer than office hours
    "id": "weekend-trading", "hours": {d: "08:00-22:00" for d in WEEKDAYS}})
STORE_HOURS = DeadlinePolicy(business_hours=4, calendar=DEFAULT_CALENDAR, store_hours=True)
OFFICE_HOURS = DeadlinePolicy(business_hours=4, calendar=DEFAULT_CALENDAR, time_zone="store")
zones = st.sampled_from(["Europe/Moscow", "Asia/Novosibirsk", "Europe/Berlin",
                         "America/New_York"])


@settings(max_examples=150, deadline=None)
@given(start=st.one_of(instants, far_instants), duration=durations, zone=zones)
def test_a_store_trading_more_than_office_hours_never_gets_a_later_promise(
    start: datetime, duration: timedelta, zone: str
) -> None:
    store = StoreInfo(id="s", name="S", time_zone=zone, calendar=SUPERSET)
    trading, label = STORE_HOURS.calendar_for(store)
    office, _ = OFFICE_HOURS.calendar_for(store)
    assert label == f"weekend-trading ({zone}), trading hours of s"
    end = trading.add(start, duration)
    assert end <= office.add(start, duration)
    local = end.astimezone(ZoneInfo(zone))
    assert time(8) <= local.time() <= time(22)  # inside the store's local trading hours
    assert trading.between(start, end) == duration


def test_store_hours_fall_back_to_the_items_calendar() -> None:
    plain = StoreInfo(id="s", name="S", time_zone="Asia/Omsk")
    cal, label = STORE_HOURS.calendar_for(plain)
    assert (cal.spec.id, cal.tz.key) == ("default", "Asia/Omsk")
    assert label == "default (Asia/Omsk), s has no trading hours"
    cal, label = STORE_HOURS.calendar_for(None)
    assert (cal.tz.key, label) == ("Europe/Moscow", "default (Europe/Moscow), no store given")
    team = DeadlinePolicy(business_hours=4, calendar=DEFAULT_CALENDAR)
    shop = StoreInfo(id="s", name="S", time_zone="Asia/Omsk", calendar=SUPERSET)
    assert team.calendar_for(shop)[1] == "default (Europe/Moscow)"  # the team's own hours


def test_a_day_asked_again_is_answered_alike_and_the_kept_days_stay_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import radiant_ext.plugins.calendar as calendar_module
    cal = BERLIN.spec.build("Europe/Paris")
    assert BERLIN.spec.build("Europe/Paris") is cal  # one per spec and zone, kept
    assert BERLIN.spec.build() is BERLIN and cal.tz.key == "Europe/Paris"
    cal = BERLIN.spec.build()
    first = cal.intervals_on(date(2026, 3, 27))  # a Friday
    first.clear()  # a caller changing its list changes nothing kept
    fresh = BusinessCalendar(BERLIN.spec)  # keeps nothing yet
    assert cal.intervals_on(date(2026, 3, 27)) == fresh.intervals_on(date(2026, 3, 27)) != []
    assert len(cal.intervals_on(date(2026, 3, 28))) == 1  # the moved working day
    monkeypatch.setattr(calendar_module, "_KEPT_DAYS", 10)
    cal = BusinessCalendar(BERLIN.spec)
    for offset in range(25):
        day = date(2026, 1, 1) + timedelta(days=offset)
        assert cal.intervals_on(day) == BusinessCalendar(BERLIN.spec).intervals_on(day)
        assert len(cal._days) <= 10
