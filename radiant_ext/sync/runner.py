"""The one wrapper around every job: records the run, classifies failures, never re-raises.

Modelled on NetBox's ``JobRunner``: a ``job_run`` row is written when the job starts and
completed when it ends with its counts, or with the error and its kind, so ``radiant-ext sync
status`` shows what is stuck and why, and one failing job never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import Any

from radiant_ext.client.errors import ZnunyConnectionError, ZnunyError
from radiant_ext.errors import ConfigError, RadiantError
from radiant_ext.store import JobRun, JobRunStatus, session_scope, utcnow
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.errors import JobBusyError, PartialJobError
from radiant_ext.sync.lease import Lease, LeaseKeeper, process_identity

__all__ = ["JobFunc", "classify_error", "run_job", "run_job_quietly"]

log = logging.getLogger(__name__)

JobFunc = Callable[[JobContext], Mapping[str, int] | None]
"""A job: takes the context, returns counts (``{"sent": 3, "parked": 1}``)."""


def classify_error(exc: BaseException) -> str:
    """Return ``connection``, ``znuny``, ``config``, ``radiant`` or ``bug`` for ``exc``."""
    if isinstance(exc, PartialJobError):
        exc = exc.last_error
    if isinstance(exc, ZnunyConnectionError | ConnectionError | TimeoutError):
        return "connection"
    if isinstance(exc, ZnunyError):
        return "znuny"
    if isinstance(exc, ConfigError):
        return "config"
    if isinstance(exc, RadiantError):
        return "radiant"
    return "bug"


def _start(ctx: JobContext, job_id: str) -> int:
    with session_scope(ctx.sessions) as s:
        run = JobRun(job_id=job_id, host=process_identity(), started_at=utcnow())
        s.add(run)
        s.flush()
        return run.id


def _finish(ctx: JobContext, run_id: int, counts: Mapping[str, Any] | None,
            exc: BaseException | None) -> JobRun:
    with session_scope(ctx.sessions) as s:
        run = s.get_one(JobRun, run_id)
        run.finished_at = utcnow()
        run.counts = {k: int(v) for k, v in (counts or {}).items()}
        if exc is None:
            run.status = JobRunStatus.OK
        else:
            run.status = JobRunStatus.FAILED
            run.error = f"{type(exc).__name__}: {exc}"[:4000]
            run.error_kind = classify_error(exc)
        return run


def _call(ctx: JobContext, job_id: str,
          func: JobFunc) -> tuple[Mapping[str, Any] | None, BaseException | None]:
    """Run the job; return its counts and the error it ended with, if any."""
    try:
        return func(ctx), None
    except PartialJobError as exc:
        log.warning("job %s: %s", job_id, exc)
        return exc.counts, exc
    except Exception as exc:  # noqa: BLE001 - recorded and classified; the scheduler goes on
        if classify_error(exc) == "bug":
            log.exception("job %s failed", job_id)
        else:
            log.warning("job %s failed: %s: %s", job_id, type(exc).__name__, exc)
        return None, exc


def run_job(ctx: JobContext, job_id: str, func: JobFunc, *, lock: bool = True) -> JobRun:
    """Run ``func`` once under the job's lock and record the run; errors are recorded, not raised.

    :param ctx: the job context (its client is closed afterwards).
    :param job_id: the job's stable id.
    :param func: the job.
    :param lock: hold the ``job:<id>`` lease so no other process runs the job meanwhile.
    :raises JobBusyError: when another process is running the same job (nothing is recorded).
    """
    started = time.monotonic()
    with ExitStack() as stack:
        if lock:
            ttl = max(ctx.settings.sync_lease_seconds, 10)
            stack.enter_context(LeaseKeeper(Lease(ctx.engine, f"job:{job_id}", ttl=ttl)))
        stack.callback(ctx.close)
        run_id = _start(ctx, job_id)
        counts, error = _call(ctx, job_id, func)
        run = _finish(ctx, run_id, counts, error)
    log.info("job %s %s in %.2fs %s", job_id, run.status.value, time.monotonic() - started,
             dict(run.counts))
    return run


def run_job_quietly(ctx: JobContext, job_id: str, func: JobFunc) -> JobRun | None:
    """Like :func:`run_job` but a busy job is logged and skipped (the scheduler's entry)."""
    try:
        return run_job(ctx, job_id, func)
    except JobBusyError as exc:
        log.info("job %s skipped: %s", job_id, exc)
        return None
