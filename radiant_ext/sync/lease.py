"""Database leases: one ``radiant-ext sync`` leads, and one process runs a given job at a time.

A lease is a row in ``scheduler_lease`` (name, holder, expiry). Taking it is one conditional
``UPDATE … WHERE holder = :old_holder AND expires_at = :old_expiry`` (or an ``INSERT`` when
the row is new), so two processes racing for it cannot both win on SQLite or PostgreSQL. The
holder renews it well before it expires; a process that dies stops renewing and a standby
takes over once the lease has expired.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta
from types import TracebackType

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError

from radiant_ext.store import SchedulerLease, session_scope, utcnow

LEADER_LEASE = "scheduler"
"""The lease the leading ``radiant-ext sync`` process holds."""

__all__ = ["LEADER_LEASE", "Lease", "LeaseKeeper", "process_identity"]


def process_identity() -> str:
    """Return ``host:pid`` naming this process in leases and job runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Lease:
    """A named lease in the store, taken and renewed by one holder.

    :param engine: the store.
    :param name: lease name (``scheduler`` or ``job:<id>``).
    :param holder: who takes it (:func:`process_identity` by default).
    :param ttl: seconds a lease lasts without renewal.
    """

    def __init__(self, engine: Engine, name: str, holder: str | None = None,
                 ttl: float = 30.0) -> None:
        self.engine = engine
        self.name = name
        self.holder = holder or process_identity()
        self.ttl = ttl

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours; return whether we hold it."""
        now = utcnow()
        expires = now + timedelta(seconds=self.ttl)
        try:
            with session_scope(self.engine) as s:
                row = s.get(SchedulerLease, self.name)
                if row is None:
                    s.add(SchedulerLease(name=self.name, holder=self.holder,
                                         acquired_at=now, expires_at=expires))
                    return True
                if row.holder != self.holder and row.expires_at > now:
                    return False
                won = s.execute(
                    update(SchedulerLease)
                    .where(SchedulerLease.name == self.name,
                           SchedulerLease.holder == row.holder,
                           SchedulerLease.expires_at == row.expires_at)
                    .values(holder=self.holder, expires_at=expires,
                            acquired_at=row.acquired_at if row.holder == self.holder else now)
                    .execution_options(synchronize_session=False)
                )
                return bool(won.rowcount == 1)  # type: ignore[attr-defined]
        except IntegrityError:
            return False  # another process inserted the row first

    def renew(self) -> bool:
        """Extend the lease if we still hold it; ``False`` means it was lost."""
        with session_scope(self.engine) as s:
            res = s.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name, SchedulerLease.holder == self.holder,
                       SchedulerLease.expires_at > utcnow())
                .values(expires_at=utcnow() + timedelta(seconds=self.ttl))
                .execution_options(synchronize_session=False)
            )
            return bool(res.rowcount == 1)  # type: ignore[attr-defined]

    def release(self) -> None:
        """Give the lease up so a standby need not wait for it to expire."""
        with session_scope(self.engine) as s:
            s.execute(delete(SchedulerLease).where(SchedulerLease.name == self.name,
                                                   SchedulerLease.holder == self.holder))

    def current_holder(self) -> str | None:
        """Return who holds the lease now, or ``None`` when it is free or expired."""
        with session_scope(self.engine) as s:
            row = s.get(SchedulerLease, self.name)
            return row.holder if row is not None and row.expires_at > utcnow() else None


class LeaseKeeper:
    """Hold a lease for the length of a ``with`` block, renewing it in a background thread.

    :raises radiant_ext.sync.errors.JobBusyError: on enter, when someone else holds it.
    """

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def __enter__(self) -> LeaseKeeper:
        from radiant_ext.sync.errors import JobBusyError

        if not self.lease.acquire():
            holder = self.lease.current_holder() or "another process"
            raise JobBusyError(
                f"{self.lease.name} is held by {holder}: another sync process is running it "
                f"(if that process has died, it is free again within {self.lease.ttl:g} s)")
        self._thread = threading.Thread(target=self._renew_loop, daemon=True,
                                        name=f"lease-{self.lease.name}")
        self._thread.start()
        return self

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease.ttl / 3):
            try:
                if not self.lease.renew():
                    self.lost = True
                    return
            except Exception:  # noqa: BLE001 - a failed renewal is retried on the next tick
                continue

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.lease.release()
