"""Every scheduled job, declared as data (the one place to read what ``radiant-ext sync`` runs).

Each declaration has a stable id (``radiant-ext sync run <id>``), a default interval and the
APScheduler options every job gets: ``replace_existing=True``, ``max_instances=1``,
``coalesce=True`` and a ``misfire_grace_time``. Plugins add jobs through the
``radiant_sync_jobs`` hook; they run under the same wrapper and leases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from radiant_ext.config import Settings
from radiant_ext.sync.bundles import run_bundles
from radiant_ext.sync.catalog_check import check_catalogs
from radiant_ext.sync.classify import classify_email_tickets
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.deadlines import watch_deadlines
from radiant_ext.sync.drain import drain_outbox
from radiant_ext.sync.errors import UnknownJobError
from radiant_ext.sync.report_rollups import keep_report_rollups
from radiant_ext.sync.runner import JobFunc
from radiant_ext.sync.satisfaction import invite_solved, record_ratings
from radiant_ext.sync.tickets import pull_tickets

__all__ = [
    "BUILTIN_JOBS",
    "JobSpec",
    "all_jobs",
    "find_job",
    "plugin_job",
    "runnable_jobs",
    "scheduler_kwargs",
]


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job.

    :param id: stable id, used by the scheduler, ``sync run`` and the job-run records.
    :param func: the job; takes a :class:`JobContext` and returns counts.
    :param description: one line for ``radiant-ext sync status`` and ``--help``.
    :param seconds: default interval (``Settings.sync_intervals[id]`` overrides it).
    :param misfire_grace_time: seconds a late run may still start.
    :param trigger: APScheduler trigger name; ``interval`` uses ``seconds``.
    :param trigger_args: extra trigger arguments (a ``cron`` job's fields).
    """

    id: str
    func: JobFunc
    description: str
    seconds: int = 60
    misfire_grace_time: int = 60
    trigger: str = "interval"
    trigger_args: Mapping[str, Any] = field(default_factory=dict)


BUILTIN_JOBS: tuple[JobSpec, ...] = (
    JobSpec("outbox-drain", drain_outbox, "send requests Znuny has not confirmed yet",
            seconds=20, misfire_grace_time=30),
    JobSpec("ticket-pull", pull_tickets, "pull tickets changed since the cursor into the cache",
            seconds=60, misfire_grace_time=60),
    JobSpec("email-classify", classify_email_tickets,
            "classify and route e-mail-born tickets", seconds=120, misfire_grace_time=120),
    JobSpec("deadline-watch", watch_deadlines,
            "warn, escalate and flag stalled tickets", seconds=300, misfire_grace_time=300),
    JobSpec("catalog-check", check_catalogs,
            "disable catalog items Znuny can no longer serve", seconds=3600,
            misfire_grace_time=900),
    JobSpec("satisfaction-record", record_ratings,
            "write the ratings Znuny missed as articles (and their follow-ups)", seconds=60,
            misfire_grace_time=60),
    JobSpec("satisfaction-invite", invite_solved,
            "add a rating link to newly solved tickets, once each", seconds=120,
            misfire_grace_time=120),
    JobSpec("report-rollups", keep_report_rollups,
            "take changed tickets into the reports' roll-ups", seconds=60,
            misfire_grace_time=60),
    JobSpec("bundle-parts", run_bundles, "file the parts of bundle requests, close parents "
            "whose parts are all done", seconds=30, misfire_grace_time=30),
)


def scheduler_kwargs(spec: JobSpec, settings: Settings) -> dict[str, Any]:
    """Return ``add_job`` keyword arguments for ``spec`` (interval from settings if set)."""
    trigger_args = dict(spec.trigger_args)
    if spec.trigger == "interval" and not trigger_args:
        trigger_args["seconds"] = settings.sync_intervals.get(spec.id, spec.seconds)
    return {"trigger": spec.trigger, "id": spec.id, "name": spec.description,
            "replace_existing": True, "max_instances": 1, "coalesce": True,
            "misfire_grace_time": spec.misfire_grace_time, **trigger_args}


def plugin_job(job: Any) -> JobSpec:
    """Wrap a plugin's :class:`radiant_ext.plugins.models.SyncJob` (called with ``settings``)."""

    def run(ctx: JobContext) -> Mapping[str, int] | None:
        result = job.func(settings=ctx.settings)
        return result if isinstance(result, Mapping) else None

    return JobSpec(job.id, run, job.description or f"plugin job {job.id}",
                   trigger=job.trigger, trigger_args=dict(job.trigger_args))


def all_jobs(plugins: Any | None = None) -> list[JobSpec]:
    """Return the built-in jobs followed by the plugins' jobs.

    :raises UnknownJobError: when a plugin job reuses a built-in id.
    """
    jobs = list(BUILTIN_JOBS)
    if plugins is not None:
        taken = {j.id for j in jobs}
        for job in plugins.sync_jobs():
            if job.id in taken:
                raise UnknownJobError(f"plugin job id {job.id!r} is already taken")
            jobs.append(plugin_job(job))
    return jobs


def find_job(job_id: str, jobs: Sequence[JobSpec]) -> JobSpec:
    """Return the job called ``job_id``.

    :raises UnknownJobError: listing the known ids.
    """
    for spec in jobs:
        if spec.id == job_id:
            return spec
    known = ", ".join(j.id for j in jobs)
    raise UnknownJobError(f"unknown job {job_id!r} (known: {known})")


def runnable_jobs(jobs: Sequence[JobSpec], settings: Settings) -> tuple[list[JobSpec],
                                                                        dict[str, str]]:
    """Split ``jobs`` into those the settings allow and, by id, why the others cannot run.

    The catalog check needs Znuny's database; without ``RADIANT_ZNUNY_DB_URL`` it would only
    fail every hour, so the scheduler leaves it out and says why.
    """
    skipped: dict[str, str] = {}
    if settings.znuny_db_url is None:
        skipped["catalog-check"] = "RADIANT_ZNUNY_DB_URL is not set (read-only Znuny database)"
    return [j for j in jobs if j.id not in skipped], skipped
