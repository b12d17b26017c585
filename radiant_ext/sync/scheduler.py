"""The ``radiant-ext sync`` process: APScheduler 3.x ``BlockingScheduler`` behind a leader lease.

Only the process holding the ``scheduler`` lease has jobs scheduled; others keep a single
heartbeat job that tries to take the lease and stand by. When the leader dies its lease
expires and a standby takes over within about one lease period. Independently, every job
run holds a ``job:<id>`` lease (:func:`radiant_ext.sync.runner.run_job`), so even a leader
that stalled past its lease, or a manual ``radiant-ext sync run``, never runs a job twice at
once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from radiant_ext.sync.context import JobContext
from radiant_ext.sync.jobs import JobSpec, scheduler_kwargs
from radiant_ext.sync.lease import LEADER_LEASE, Lease, process_identity
from radiant_ext.sync.runner import run_job_quietly

__all__ = ["LEADER_LEASE", "SyncService"]

log = logging.getLogger(__name__)

HEARTBEAT_ID = "radiant.leader-lease"


class SyncService:
    """Run the declared jobs while this process leads; stand by otherwise.

    :param context_factory: returns a fresh :class:`JobContext` per job run.
    :param jobs: the job declarations (built-ins plus plugin jobs).
    :param lease_seconds: leader lease length; standby takeover happens within about this.
    :param holder: lease holder name (``host:pid`` by default).
    """

    def __init__(self, context_factory: Callable[[], JobContext], jobs: Sequence[JobSpec],
                 lease_seconds: float, holder: str | None = None) -> None:
        self.context_factory = context_factory
        self.jobs = list(jobs)
        base = context_factory()
        self.settings = base.settings
        self.lease = Lease(base.engine, LEADER_LEASE, holder or process_identity(),
                           ttl=lease_seconds)
        self.leading = False
        self._lock = threading.Lock()
        self.scheduler: BaseScheduler = BlockingScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(max(4, len(self.jobs) + 1))}
        )

    def heartbeat(self) -> None:
        """Take or renew the leader lease and (un)schedule the jobs to match."""
        with self._lock:
            try:
                held = self.lease.renew() if self.leading else self.lease.acquire()
            except Exception:  # noqa: BLE001 - the database may be briefly unreachable
                log.exception("leader lease check failed")
                held = False
            if held and not self.leading:
                log.info("%s leads: scheduling %d jobs", self.lease.holder, len(self.jobs))
                self._schedule_jobs()
            elif not held and self.leading:
                log.warning("%s lost the leader lease: standing by", self.lease.holder)
                self._unschedule_jobs()
            self.leading = held

    def _run(self, spec: JobSpec) -> None:
        if not self.leading:
            return
        run_job_quietly(self.context_factory(), spec.id, spec.func)

    def _schedule_jobs(self) -> None:
        now = datetime.now(UTC)
        for spec in self.jobs:
            self.scheduler.add_job(self._run, args=[spec], next_run_time=now,
                                   **scheduler_kwargs(spec, self.settings))

    def _unschedule_jobs(self) -> None:
        for spec in self.jobs:
            if self.scheduler.get_job(spec.id) is not None:
                self.scheduler.remove_job(spec.id)

    def start(self) -> None:
        """Run until SIGTERM/SIGINT or :meth:`stop`; the lease is released on the way out."""
        self.scheduler.add_job(self.heartbeat, "interval", seconds=self.lease.ttl / 3,
                               id=HEARTBEAT_ID, replace_existing=True, max_instances=1,
                               coalesce=True, next_run_time=datetime.now(UTC))
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_signal)
        try:
            self.scheduler.start()
        finally:
            if self.leading:
                self.lease.release()
                self.leading = False

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop scheduling; running jobs finish first."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
