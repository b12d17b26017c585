"""The promised deadline agrees with Znuny's own escalation, one request per calendar.

For each kind of calendar the catalogs use — a store's trading hours in the store's zone, a
store trading round the clock, a service company's hours with Russia's public holidays — the
test gives Znuny a calendar with the same working hours, zone and days off
(``TimeWorkingHours::CalendarN`` and friends, set with ``Admin::Config::Update``), points the
item's SLA at it, files a request through the outbox exactly as the portal does, and compares
the deadline the customer was promised with the solution time Znuny escalates at
(``EscalationSolutionTime``). The SLA's calendar is set back afterwards.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from radiant_ext.client import NewArticle, NewTicket, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.plugins import plugins_from_settings
from radiant_ext.plugins.calendar import WEEKDAYS, BusinessCalendar
from radiant_ext.plugins.models import RequestContext
from radiant_ext.store import make_engine, make_session_factory
from radiant_ext.sync import new_request_id, submit_request
from tests._live import LiveServer

pytestmark = pytest.mark.live

ZNUNY_DAYS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri",
              "sat": "Sat", "sun": "Sun"}
WINDOW = timedelta(days=45)
"""Days off are given to Znuny for this long from now: past any deadline filed here."""

_SET_SLA_CALENDAR = r"""
use strict; use warnings;
my ($Home, $Name, $Calendar);
BEGIN { ($Home, $Name, $Calendar) = @ARGV; unshift @INC, $Home, "$Home/Kernel/cpan-lib"; }
use Kernel::System::ObjectManager;
local $Kernel::OM = Kernel::System::ObjectManager->new();
my $SLAObject = $Kernel::OM->Get('Kernel::System::SLA');
my $ID = $SLAObject->SLALookup( Name => $Name ) or die "no SLA $Name\n";
my %SLA = $SLAObject->SLAGet( SLAID => $ID, UserID => 1 );
print( ( $SLA{Calendar} // '' ) . "\n" );
$SLAObject->SLAUpdate( %SLA, SLAID => $ID, Calendar => $Calendar, UserID => 1 )
    or die "SLAUpdate $Name failed\n";
"""


def _run(command: list[str], **kw: Any) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, **kw)
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    return done.stdout


def _config(server: LiveServer, setting: str, tmp: Path, value: str | None = None,
            yaml_text: str | None = None, make_valid: bool = False) -> None:
    """Update and deploy a setting. The console deploys only the setting it changed
    (``ConfigurationDeploy(DirtySettings => [$SettingName])``): on Znuny 6.5 a setting
    updated with ``--no-deploy`` is not deployed by a later update of another one."""
    args = ["--setting-name", setting]
    if yaml_text is not None:
        path = tmp / f"{setting.replace(':', '_')}.yml"
        path.write_text(yaml_text, "utf-8")
        path.chmod(0o644)
        args += ["--source-path", str(path)]
    else:
        args += ["--value", str(value)]
    if not make_valid:
        _run(server.console_command("Admin::Config::Update", *args))
        return
    # a separate update: with --valid the value is not read; the second one deploys both
    _run(server.console_command("Admin::Config::Update", *args, "--no-deploy"))
    _run(server.console_command("Admin::Config::Update", "--setting-name", setting,
                                "--valid", "1"))


def _hours(calendar: BusinessCalendar) -> dict[str, list[str]] | None:
    """Znuny's working hours (whole hours per weekday), ``None`` when not whole hours."""
    out: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        hours: list[str] = []
        for interval in calendar.spec.hours.get(day, []):
            end = 24 if interval.end == time(0) else interval.end.hour
            if interval.start.minute or interval.end.minute:
                return None
            hours += [str(h) for h in range(interval.start.hour, end)]
        out[ZNUNY_DAYS[day]] = hours
    return out


def _days_off(calendar: BusinessCalendar, start: date) -> dict[str, dict[str, dict[str, str]]]:
    """The dates in the window whose weekday works but which have no working time."""
    off: dict[str, dict[str, dict[str, str]]] = {}
    for offset in range((WINDOW.days) + 2):
        day = start + timedelta(days=offset)
        weekday = WEEKDAYS[day.weekday()]
        if calendar.spec.hours.get(weekday) and not calendar.intervals_on(day):
            off.setdefault(str(day.year), {}).setdefault(str(day.month), {})[
                str(day.day)] = "day off"
    return off


def _yaml_hours(hours: dict[str, list[str]]) -> str:
    lines = ["---"]
    for day, values in hours.items():
        lines.append(f"{day}: [{', '.join(repr(v) for v in values)}]")
    return "\n".join(lines) + "\n"


def _yaml_days_off(off: dict[str, dict[str, dict[str, str]]]) -> str:
    if not off:
        return "--- {}\n"
    lines = ["---"]
    for year, months in off.items():
        lines.append(f"'{year}':")
        for month, days in months.items():
            lines.append(f"  '{month}':")
            lines += [f"    '{d}': {name}" for d, name in days.items()]
    return "\n".join(lines) + "\n"


def _perl(server: LiveServer, sla: str, calendar: str) -> list[str]:
    """Set an SLA's calendar with Znuny's own API, as the tree's OS user; prints the old one."""
    return ["runuser", "-u", server.os_user, "--", "perl", "-e", _SET_SLA_CALENDAR,
            str(server.home), sla, calendar]


@pytest.fixture
def sla_calendar(server: LiveServer) -> Iterator[Any]:
    """Point an SLA at a Znuny calendar; every SLA touched is set back afterwards."""
    touched: dict[str, str] = {}

    def point(sla: str, number: str) -> None:
        old = _run(_perl(server, sla, number))
        touched.setdefault(sla, old.strip())

    yield point
    for sla, old in touched.items():
        _run(_perl(server, sla, old))


CASES = [
    ("it.pos-down", "store-007", "7"),          # trading hours, a short Sunday, Yekaterinburg
    ("it.pos-down", "store-005", "8"),          # a store that trades round the clock
    ("maintenance.lighting", "store-004", "9"),  # the service company's hours, RU holidays
]


@pytest.fixture(scope="module")
def znuny_calendars(server: LiveServer, settings: Settings) -> dict[str, str]:
    """Znuny calendars 7–9 with the hours, zone and days off of the cases' calendars,
    each deployed; returns calendar number → the companion calendar's label."""
    import tempfile

    plugins = plugins_from_settings(settings)
    start = (datetime.now(UTC) - timedelta(days=1)).date()
    labels: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="radiant-live-") as folder:
        tmp = Path(folder)
        tmp.chmod(0o755)  # read by Znuny's OS user
        updates: list[tuple[str, dict[str, Any]]] = []
        for item_id, store_id, number in CASES:
            item = plugins.item(item_id)
            calendar, label = item.deadline.calendar_for(plugins.stores()[store_id])
            hours = _hours(calendar)
            assert hours is not None, f"{label}: Znuny counts whole hours only"
            labels[number] = label
            updates += [
                (f"TimeWorkingHours::Calendar{number}", {"yaml_text": _yaml_hours(hours)}),
                (f"TimeVacationDays::Calendar{number}", {"yaml_text": "--- {}\n"}),
                (f"TimeVacationDaysOneTime::Calendar{number}",
                 {"yaml_text": _yaml_days_off(_days_off(calendar, start))}),
                (f"TimeZone::Calendar{number}", {"value": calendar.tz.key, "make_valid": True}),
            ]
        for setting, kwargs in updates:
            _config(server, setting, tmp, **kwargs)
    return labels


@pytest.mark.parametrize(("item_id", "store_id", "number"), CASES,
                         ids=["store-trading-hours", "store-24x7",
                              "service-company-with-holidays"])
def test_the_promise_is_the_deadline_znuny_escalates_at(
        server: LiveServer, settings: Settings, agent: ZnunyClient, sla_calendar: Any,
        znuny_calendars: dict[str, str], item_id: str, store_id: str, number: str) -> None:
    plugins = plugins_from_settings(settings)
    item = plugins.item(item_id)
    label = znuny_calendars[number]
    assert item.routing.sla, f"{item_id} names no SLA"
    sla_calendar(item.routing.sla, number)

    now = datetime.now(UTC)  # the promise is made now, the ticket filed a moment later
    decision = plugins.route(item, RequestContext(
        store_id=store_id, submitted_at=now, customer_user=server.customer,
        customer_company=store_id))
    title = f"Deadline agreement {item_id} {store_id} {new_request_id()}"
    engine = make_engine(settings.effective_database_url)
    try:
        result = submit_request(
            make_session_factory(engine), agent, request_id=new_request_id(now),
            ticket=NewTicket(title=title, queue=decision.queue, type=decision.type,
                             service=decision.service, sla=decision.sla,
                             priority=decision.priority, owner=decision.owner, state="new",
                             customer_user=server.customer, customer_id=store_id),
            article=NewArticle(subject=title, body="live deadline test",
                               content_type="text/plain; charset=utf-8",
                               communication_channel="Internal", sender_type="customer",
                               is_visible_for_customer=True),
            dynamic_fields=decision.dynamic_fields(), category=item_id,
            promised_deadline=decision.deadline)
    finally:
        engine.dispose()
    assert result.state == "sent" and result.ticket_id, result
    ticket = agent.ticket_get(result.ticket_id, dynamic_fields=True)
    assert ticket.sla == decision.sla
    assert ticket.escalation_solution_time, "Znuny counts no solution time for the SLA"
    znuny = datetime.fromtimestamp(ticket.escalation_solution_time, UTC)
    gap = abs((znuny - decision.deadline).total_seconds())
    assert gap <= 90, (f"{label}: promised {decision.deadline:%a %Y-%m-%d %H:%M %Z}, Znuny "
                       f"escalates at {znuny:%a %Y-%m-%d %H:%M %Z} ({gap:.0f} s apart)")
