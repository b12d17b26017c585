"""What ``radiant-ext sync status`` shows: last runs per job, failures, outbox backlog."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from radiant_ext.store import JobRun, JobRunStatus, Outbox, OutboxState, make_session_factory
from radiant_ext.sync.drain import outbox_backlog, parked_requests
from radiant_ext.sync.lease import LEADER_LEASE, Lease

__all__ = ["JobStatus", "SyncStatus", "sync_status"]


@dataclass
class JobStatus:
    """The latest run of one job and how many runs in a row failed."""

    job_id: str
    last: JobRun | None
    last_ok: datetime | None
    failures_in_row: int
    interrupted: bool = False
    """The latest run never finished and nobody holds the job's lock: its process died."""


@dataclass
class SyncStatus:
    """Everything an admin needs to see what is stuck and why."""

    leader: str | None
    jobs: list[JobStatus]
    backlog: dict[str, Any]
    parked: list[Outbox] = field(default_factory=list)
    oldest_pending: Outbox | None = None
    """The request waiting longest, with its attempts and last error (why it is stuck)."""

    @property
    def healthy(self) -> bool:
        """No job's latest run failed and nothing is parked."""
        return not self.parked and all(
            j.failures_in_row == 0 and not j.interrupted for j in self.jobs)


def _job_status(session: Any, engine: Engine, job_id: str) -> JobStatus:
    runs = list(session.scalars(select(JobRun).where(JobRun.job_id == job_id)
                                .order_by(JobRun.id.desc()).limit(50)))
    finished = [r for r in runs if r.status != JobRunStatus.RUNNING]
    failures = 0
    for run in finished:
        if run.status != JobRunStatus.FAILED:
            break
        failures += 1
    last_ok = session.scalar(select(func.max(JobRun.finished_at)).where(
        JobRun.job_id == job_id, JobRun.status == JobRunStatus.OK))
    last = runs[0] if runs else None
    interrupted = bool(last and last.status == JobRunStatus.RUNNING and
                       Lease(engine, f"job:{job_id}").current_holder() is None)
    return JobStatus(job_id, last, last_ok, failures, interrupted)


def sync_status(engine: Engine, job_ids: list[str]) -> SyncStatus:
    """Collect the status of ``job_ids`` (plus any other job that has run)."""
    sessions = make_session_factory(engine)
    with sessions() as s:
        seen = list(s.scalars(select(JobRun.job_id).distinct()))
        ids = list(job_ids) + sorted(set(seen) - set(job_ids))
        jobs = [_job_status(s, engine, job_id) for job_id in ids]
        parked = parked_requests(s)
        oldest = s.scalar(select(Outbox).where(Outbox.state == OutboxState.PENDING)
                          .order_by(Outbox.created_at).limit(1))
    leader = Lease(engine, LEADER_LEASE).current_holder()
    return SyncStatus(leader, jobs, outbox_backlog(sessions), parked, oldest)
