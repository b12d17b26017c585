"""What the health page shows: the catalog check's findings with their fixes, each sync
job's last runs, durations, errors and next run, and the parked requests of the outbox.

The same sources as ``radiant-ext check`` (the plugins' own check and the calendar horizon;
the Znuny setup check, which calls Znuny, stays on the command line) and ``radiant-ext sync
status`` (:func:`radiant_ext.sync.sync_status`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import Engine, select

from radiant_ext.plugins import Plugins, UnknownItemError
from radiant_ext.plugins.checks import calendar_warnings, check_plugins
from radiant_ext.portal.admin.settings import AdminRole

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["WEBHOOK_FAILED", "Delivery", "Finding", "HealthReport", "JobLine", "ParkedLine",
           "collect_health", "webhook_failure_recorder"]

WEBHOOK_FAILED = "webhook.failed"
"""Audit action of a webhook call the endpoint refused or could not serve."""


def _(text: str) -> str:
    return str(gettext(text))


@dataclass(frozen=True)
class Finding:
    """One problem and what to do about it."""

    text: str
    fix: str
    severity: str = "error"


@dataclass(frozen=True)
class JobLine:
    """One sync job: its latest runs, and when it runs next."""

    job_id: str
    runs: list[tuple[datetime, str, float | None, str]]
    """(started, status, seconds taken, error) of the newest runs, newest first."""
    failures_in_row: int
    next_run: datetime | None


@dataclass(frozen=True)
class ParkedLine:
    """A request the outbox parked: Znuny refused it; it waits for an admin."""

    request_id: str
    department: str
    customer_user: str
    title: str
    reason: str
    parked_at: datetime | None


@dataclass(frozen=True)
class Delivery:
    """A webhook call: a ticket Znuny's invoker announced (``status`` 200), or one the
    endpoint refused or could not serve, with the reason."""

    at: datetime
    status: int
    detail: str


@dataclass
class HealthReport:
    """Everything the page shows; :attr:`all_well` when there is nothing to do."""

    findings: list[Finding] = field(default_factory=list)
    jobs: list[JobLine] = field(default_factory=list)
    parked: list[ParkedLine] = field(default_factory=list)
    leader: str | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    """The newest tickets the webhook announced."""
    webhook_failures: list[Delivery] = field(default_factory=list)
    """The newest calls the webhook refused or could not serve, within a day."""

    @property
    def all_well(self) -> bool:
        """A scheduler runs, no finding, no failing job, nothing parked, no webhook
        failure within a day."""
        return self.leader is not None and not (
            self.findings or self.parked or self.webhook_failures
            or any(j.failures_in_row for j in self.jobs))


def _department(plugins: Plugins, category: str | None) -> str:
    if not category:
        return ""
    try:
        return plugins.item(category, include_disabled=True).department
    except UnknownItemError:
        return category.split(".", 1)[0]


def collect_health(plugins: Plugins, engine: Engine, role: AdminRole, now: datetime,
                   intervals: dict[str, int]) -> HealthReport:
    """The health of the catalogs, the jobs and the outbox, as ``role`` may see it: a
    department admin sees the findings and parked requests of their departments; the jobs
    serve every department and are shown to all admins."""
    report = HealthReport()
    mine_items = [i for i in plugins.catalog_items(include_disabled=True)
                  if role.may(i.department)]
    checked = check_plugins(plugins.pm)
    if role.companion:
        report.findings += [Finding(p, _("Correct the catalog file or plugin it names; "
                                         "radiant-ext check lists every problem."))
                            for p in checked.problems]
    for item_id, reason in sorted(plugins.disabled_items().items()):
        if any(i.id == item_id for i in mine_items):
            report.findings.append(Finding(
                f"{item_id}: {reason}",
                _("Create what Znuny lacks (radiant-ext plugins znuny-names lists it); the "
                  "catalog check enables the item again on its next run.")))
    for line in calendar_warnings(mine_items, plugins.stores().values(), now=now,
                                  default_time_zone=plugins.store_defaults.time_zone):
        report.findings.append(Finding(line, _("Check the calendar's hours and days off."),
                                       "warning"))
    _jobs(report, plugins, engine, now, intervals)
    _parked(report, plugins, engine, role)
    _webhook(report, engine, now)
    return report


def webhook_failure_recorder(sessions: sessionmaker[Session]) -> Callable[[int, str], None]:
    """What the webhook calls for a call it refused or could not serve: one audit entry
    (``webhook.failed``, actor ``znuny``) the health page lists."""
    from radiant_ext.store import record_audit

    def record(status: int, reason: str) -> None:
        with sessions.begin() as s:
            record_audit(s, actor="znuny", action=WEBHOOK_FAILED, subject=str(status),
                         details={"status": status, "reason": reason})

    return record


def _webhook(report: HealthReport, engine: Engine, now: datetime) -> None:
    from radiant_ext.store import AuditEntry, session_scope
    from radiant_ext.store.models import TicketAnnouncement

    with session_scope(engine) as s:
        announced = s.scalars(select(TicketAnnouncement)
                              .order_by(TicketAnnouncement.announced_at.desc()).limit(5))
        report.deliveries = [Delivery(a.announced_at, 200, str(a.ticket_id)) for a in announced]
        failed = s.scalars(select(AuditEntry).where(
            AuditEntry.action == WEBHOOK_FAILED, AuditEntry.at >= now - timedelta(days=1))
            .order_by(AuditEntry.id.desc()).limit(20))
        report.webhook_failures = [
            Delivery(e.at, int((e.details or {}).get("status") or 0),
                     str((e.details or {}).get("reason") or "")) for e in failed]


def _jobs(report: HealthReport, plugins: Plugins, engine: Engine, now: datetime,
          intervals: dict[str, int]) -> None:
    from radiant_ext.store import JobRun, JobRunStatus, session_scope
    from radiant_ext.sync.jobs import all_jobs
    from radiant_ext.sync.status import sync_status

    specs = {j.id: j for j in all_jobs(plugins)}
    status = sync_status(engine, list(specs))
    report.leader = status.leader
    with session_scope(engine) as s:
        for job in status.jobs:
            runs = list(s.scalars(select(JobRun).where(JobRun.job_id == job.job_id)
                                  .order_by(JobRun.id.desc()).limit(5)))
            lines = [(r.started_at, "interrupted" if job.interrupted and i == 0 and
                      r.status == JobRunStatus.RUNNING else r.status.value,
                      (r.finished_at - r.started_at).total_seconds() if r.finished_at
                      else None, f"{r.error_kind}: {r.error}" if r.error else "")
                     for i, r in enumerate(runs)]
            spec = specs.get(job.job_id)
            seconds = None
            if spec is not None and spec.trigger == "interval" and not spec.trigger_args:
                seconds = intervals.get(spec.id, spec.seconds)
            last = runs[0].started_at if runs else None
            upcoming = None
            if seconds is not None and report.leader is not None:  # no scheduler: no run
                upcoming = now if last is None else max(last + timedelta(seconds=seconds), now)
            report.jobs.append(JobLine(job.job_id, lines, job.failures_in_row, upcoming))


def _parked(report: HealthReport, plugins: Plugins, engine: Engine, role: AdminRole) -> None:
    from radiant_ext.store import Outbox, OutboxState, session_scope

    with session_scope(engine) as s:
        rows = list(s.scalars(select(Outbox).where(Outbox.state == OutboxState.PARKED)
                              .order_by(Outbox.id)))
        for row in rows:
            department = _department(plugins, row.category)
            if role.may(department):
                report.parked.append(ParkedLine(row.request_id, department, row.customer_user,
                                                row.title, row.last_error or "",
                                                row.parked_at))
