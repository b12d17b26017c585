"""The ``radiant-ext sync`` process: APScheduler 3.x ``BlockingScheduler`` behind a leader lease.

Only the process holding the ``scheduler`` lease has jobs scheduled; others keep a single
heartbeat job that tries to take the lease and stand by. When the leader dies its lease
expires and a standby takes over within about one lease period. Independently, every job
run holds a ``job:<id>`` lease (:func:`radiant_ext.sync.runner.run_job`), so even a leader
that stalled past its lease, or a manual ``radiant-ext sync run``, never runs a job twice at
once.

Stopping: SIGTERM or SIGINT (in the process's main thread) or :meth:`SyncService.stop` stops
the scheduling at once; running jobs get ``stop_seconds`` (``RADIANT_SYNC_STOP_SECONDS``, 5 s)
to finish, and :meth:`SyncService.start` then returns the ids of those still running — a job
blocked on Znuny or on a database lock — so that the ``radiant-ext sync`` process can exit
anyway (:mod:`radiant_ext.cli.sync`); their runs show as interrupted, exactly as after a crash,
which the outbox and the job leases are built to survive. A second signal, or a process still
alive ``stop_seconds + 10`` s after the first, exits at once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from radiant_ext.sync.context import JobContext
from radiant_ext.sync.jobs import JobSpec, scheduler_kwargs
from radiant_ext.sync.lease import LEADER_LEASE, Lease, process_identity
from radiant_ext.sync.runner import run_job_quietly

__all__ = ["LEADER_LEASE", "SyncService"]

log = logging.getLogger(__name__)

HEARTBEAT_ID = "radiant.leader-lease"

_RELEASE_SECONDS = 2.0
"""How long a stopping process tries to release the leader lease (the store may be locked)."""


class SyncService:
    """Run the declared jobs while this process leads; stand by otherwise.

    :param context_factory: returns a fresh :class:`JobContext` per job run.
    :param jobs: the job declarations (built-ins plus plugin jobs).
    :param lease_seconds: leader lease length; standby takeover happens within about this.
    :param holder: lease holder name (``host:pid`` by default).
    :param stop_seconds: on a stop, how long running jobs may take to finish (default:
        ``settings.sync_stop_seconds``).
    """

    def __init__(self, context_factory: Callable[[], JobContext], jobs: Sequence[JobSpec],
                 lease_seconds: float, holder: str | None = None,
                 stop_seconds: float | None = None) -> None:
        self.context_factory = context_factory
        self.jobs = list(jobs)
        base = context_factory()
        self.settings = base.settings
        self.stop_seconds = (self.settings.sync_stop_seconds if stop_seconds is None
                             else stop_seconds)
        self.lease = Lease(base.engine, LEADER_LEASE, holder or process_identity(),
                           ttl=lease_seconds)
        self.leading = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._busy: Counter[str] = Counter()  # what the executor's threads are doing now
        self._idle = threading.Condition()
        self._signals = 0
        self.scheduler: BaseScheduler = BlockingScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(max(4, len(self.jobs) + 1))}
        )
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)

    def _on_started(self, _event: SchedulerEvent) -> None:
        if self.stopping:  # a signal came between start() and the scheduler running
            self._shutdown_scheduler()

    @property
    def stopping(self) -> bool:
        """Whether a stop was asked for (no job starts any more)."""
        return self._stopping.is_set()

    @contextmanager
    def _working(self, what: str) -> Iterator[None]:
        with self._idle:
            self._busy[what] += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy[what] -= 1
                if self._busy[what] <= 0:
                    del self._busy[what]
                self._idle.notify_all()

    def wait_until_idle(self, timeout: float) -> list[str]:
        """Wait up to ``timeout`` seconds for running jobs to end; return those still running."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._idle.wait(left)
            return sorted(self._busy)

    def heartbeat(self) -> None:
        """Take or renew the leader lease and (un)schedule the jobs to match."""
        if self.stopping:
            return
        with self._working(HEARTBEAT_ID), self._lock:
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
        if not self.leading or self.stopping:
            return
        with self._working(spec.id):
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

    def start(self) -> list[str]:
        """Run until SIGTERM/SIGINT or :meth:`stop`; the lease is released on the way out.

        In the main thread SIGTERM and SIGINT stop it (see the module docs). Returns once the
        scheduling has stopped and the running jobs have ended, or ``stop_seconds`` have
        passed: the ids of the jobs still running then (empty after a clean stop).
        """
        self.scheduler.add_job(self.heartbeat, "interval", seconds=self.lease.ttl / 3,
                               id=HEARTBEAT_ID, replace_existing=True, max_instances=1,
                               coalesce=True, next_run_time=datetime.now(UTC))
        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self._on_signal)
        try:
            if not self.stopping:
                self.scheduler.start()
        finally:
            self._stopping.set()
            self._shutdown_scheduler()
            left = self.wait_until_idle(self.stop_seconds)
            if self.leading:  # a standby need not wait for it to expire (if the store lets)
                if not _within(self.lease.release, _RELEASE_SECONDS):
                    log.warning("could not release the leader lease; it expires in %gs",
                                self.lease.ttl)
                self.leading = False
            if not left:  # a stop that waited for nothing: the usual signal handling again
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
        if left:
            log.warning("stopped while %s still running: their runs show as interrupted",
                        ", ".join(left))
        return left

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """SIGTERM/SIGINT: stop at once. This runs in the main thread between the scheduler's
        own steps, so it only sets a flag and hands the rest to a thread."""
        self._signals += 1
        name = signal.Signals(signum).name
        if self._signals > 1:
            os.write(2, f"radiant-ext sync: second {name}: exiting at once\n".encode())
            os._exit(128 + signum)
        self._stopping.set()
        threading.Thread(target=self._stop_on_signal, args=(name,), name="radiant-sync-stop",
                         daemon=True).start()
        watchdog = threading.Timer(self.stop_seconds + 10, _exit_now,
                                   args=(f"still running 10s after its stop time ({name}): "
                                         "exiting", 128 + signum))
        watchdog.daemon = True
        watchdog.start()

    def _stop_on_signal(self, name: str) -> None:
        log.info("%s: stopping (running jobs get %gs to finish)", name, self.stop_seconds)
        self._shutdown_scheduler()

    def _shutdown_scheduler(self) -> None:
        try:
            self.scheduler.shutdown(wait=False)
        except SchedulerNotRunningError:
            pass

    def stop(self, wait: float | None = None) -> list[str]:
        """Stop scheduling at once; running jobs get ``wait`` seconds (default
        ``stop_seconds``) to finish. Returns the ids of the jobs still running then."""
        self._stopping.set()
        self._shutdown_scheduler()
        return self.wait_until_idle(self.stop_seconds if wait is None else wait)


def _within(func: Callable[[], object], seconds: float) -> bool:
    """Run ``func`` in a daemon thread; whether it finished without error within ``seconds``."""
    ok = threading.Event()

    def run() -> None:
        try:
            func()
        except Exception:  # noqa: BLE001 - the caller says what it could not do
            return
        ok.set()

    threading.Thread(target=run, name="radiant-sync-release", daemon=True).start()
    return ok.wait(seconds)


def _exit_now(why: str, status: int) -> None:
    """End the process now, whatever its threads are doing (a job blocked on Znuny)."""
    log.warning("radiant-ext sync: %s", why)
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # noqa: BLE001, S110 - exiting anyway
            pass
    os._exit(status)
