"""Sync: the outbox, the scheduled jobs and the ``radiant-ext sync`` scheduler process.

The portal calls :func:`submit_request`; everything else runs in ``radiant-ext sync``.
"""

from __future__ import annotations

import typing as _typing

from radiant_ext.sync.context import JobContext, no_progress
from radiant_ext.sync.drain import (
    drain_outbox,
    outbox_backlog,
    parked_requests,
    pending_requests,
    requeue_parked,
)
from radiant_ext.sync.errors import JobBusyError, PartialJobError, SyncError, UnknownJobError
from radiant_ext.sync.jobs import BUILTIN_JOBS, JobSpec, all_jobs, find_job, scheduler_kwargs
from radiant_ext.sync.lease import Lease, LeaseKeeper, process_identity
from radiant_ext.sync.lookup import FoundTicket, LookupQuery, find_existing_tickets
from radiant_ext.sync.outbox import (
    RetryPolicy,
    SubmitResult,
    build_payload,
    is_permanent,
    new_request_id,
    submit_request,
)
from radiant_ext.sync.runner import classify_error, run_job, run_job_quietly
from radiant_ext.sync.status import JobStatus, SyncStatus, sync_status

if _typing.TYPE_CHECKING:
    from radiant_ext.sync.scheduler import SyncService

__all__ = [
    "BUILTIN_JOBS",
    "FoundTicket",
    "JobBusyError",
    "JobContext",
    "JobSpec",
    "JobStatus",
    "Lease",
    "LeaseKeeper",
    "LookupQuery",
    "PartialJobError",
    "RetryPolicy",
    "SubmitResult",
    "SyncError",
    "SyncService",
    "SyncStatus",
    "UnknownJobError",
    "all_jobs",
    "build_payload",
    "classify_error",
    "drain_outbox",
    "find_existing_tickets",
    "find_job",
    "is_permanent",
    "new_request_id",
    "no_progress",
    "outbox_backlog",
    "parked_requests",
    "pending_requests",
    "process_identity",
    "requeue_parked",
    "run_job",
    "run_job_quietly",
    "scheduler_kwargs",
    "submit_request",
    "sync_status",
]


def __getattr__(name: str) -> object:
    """``SyncService`` is imported on first use: web workers import the outbox from this
    package and must not load the scheduler (APScheduler) with it."""
    if name == "SyncService":
        from radiant_ext.sync.scheduler import SyncService

        return SyncService
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
