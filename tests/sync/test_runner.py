"""The job wrapper, leases and the job declarations."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from radiant_ext.client.errors import InvalidParameterError, ZnunyTimeoutError
from radiant_ext.errors import ConfigError
from radiant_ext.store import JobRun, JobRunStatus, session_scope
from radiant_ext.sync import (
    BUILTIN_JOBS,
    JobBusyError,
    JobContext,
    Lease,
    LeaseKeeper,
    PartialJobError,
    UnknownJobError,
    all_jobs,
    classify_error,
    find_job,
    run_job,
    scheduler_kwargs,
)


def _runs(engine: Engine) -> list[JobRun]:
    with session_scope(engine) as s:
        return list(s.scalars(select(JobRun).order_by(JobRun.id)))


def test_successful_run_is_recorded_with_counts(make_ctx: Callable[..., JobContext],
                                                engine: Engine) -> None:
    run = run_job(make_ctx(), "demo", lambda ctx: {"sent": 3})
    assert run.status == JobRunStatus.OK
    [stored] = _runs(engine)
    assert (stored.job_id, stored.counts, stored.error) == ("demo", {"sent": 3}, None)
    assert stored.finished_at is not None and stored.finished_at >= stored.started_at
    assert stored.host and ":" in stored.host


def test_failure_is_recorded_classified_and_not_raised(make_ctx: Callable[..., JobContext],
                                                       engine: Engine) -> None:
    def broken(ctx: JobContext) -> dict[str, int]:
        raise ZnunyTimeoutError("read timed out", operation="TicketSearch")

    run = run_job(make_ctx(), "pull", broken)
    ok = run_job(make_ctx(), "other", lambda ctx: {"n": 1})
    assert run.status == JobRunStatus.FAILED and ok.status == JobRunStatus.OK
    failed = _runs(engine)[0]
    assert failed.error_kind == "connection"
    assert failed.error == "ZnunyTimeoutError: TicketSearch: read timed out"


def test_partial_failure_keeps_the_counts(make_ctx: Callable[..., JobContext],
                                          engine: Engine) -> None:
    def partial(ctx: JobContext) -> dict[str, int]:
        raise PartialJobError({"classified": 4, "failed": 1},
                              InvalidParameterError("bad queue", operation="TicketUpdate"))

    run = run_job(make_ctx(), "classify", partial)
    assert run.status == JobRunStatus.FAILED
    assert run.counts == {"classified": 4, "failed": 1}
    assert run.error_kind == "znuny" and "1 item(s) failed" in (run.error or "")


@pytest.mark.parametrize(("exc", "kind"), [
    (ZnunyTimeoutError("t"), "connection"),
    (InvalidParameterError("x"), "znuny"),
    (ConfigError("c"), "config"),
    (ZeroDivisionError(), "bug"),
])
def test_errors_are_classified(exc: BaseException, kind: str) -> None:
    assert classify_error(exc) == kind


def test_a_job_running_elsewhere_is_not_started(make_ctx: Callable[..., JobContext],
                                                engine: Engine) -> None:
    with LeaseKeeper(Lease(engine, "job:demo", holder="other-host:1", ttl=30)), \
            pytest.raises(JobBusyError, match="other-host:1"):
        run_job(make_ctx(), "demo", lambda ctx: {"n": 1})
    assert _runs(engine) == []
    assert run_job(make_ctx(), "demo", lambda ctx: {"n": 1}).status == JobRunStatus.OK


def test_lease_is_exclusive_until_it_expires(engine: Engine) -> None:
    a = Lease(engine, "scheduler", holder="a", ttl=0.5)
    b = Lease(engine, "scheduler", holder="b", ttl=0.5)
    assert a.acquire() and not b.acquire()
    assert a.renew() and not b.renew()
    assert b.current_holder() == "a"
    time.sleep(0.7)
    assert b.acquire()
    assert not a.renew(), "the old holder must notice it lost the lease"
    b.release()
    assert a.current_holder() is None and a.acquire()


def test_lease_keeper_renews_while_the_block_runs(engine: Engine) -> None:
    lease = Lease(engine, "job:long", holder="me", ttl=1.5)
    with LeaseKeeper(lease) as keeper:
        time.sleep(3.2)  # two lease lengths: only renewal keeps it
        assert not Lease(engine, "job:long", holder="other", ttl=1).acquire()
        assert not keeper.lost
    assert Lease(engine, "job:long", holder="other", ttl=1).acquire()


def test_every_builtin_job_is_declared_with_the_scheduler_options(settings: Any) -> None:
    ids = [j.id for j in BUILTIN_JOBS]
    assert ids == ["outbox-drain", "ticket-pull", "email-classify", "deadline-watch",
                   "catalog-check", "satisfaction-record", "satisfaction-invite",
                   "report-rollups", "bundle-parts"]
    settings.sync_intervals = {"ticket-pull": 15}
    kwargs = scheduler_kwargs(find_job("ticket-pull", BUILTIN_JOBS), settings)
    assert kwargs | {"name": ""} == {
        "trigger": "interval", "id": "ticket-pull", "name": "", "replace_existing": True,
        "max_instances": 1, "coalesce": True, "misfire_grace_time": 60, "seconds": 15}
    with pytest.raises(UnknownJobError, match="known: outbox-drain"):
        find_job("nope", BUILTIN_JOBS)


def test_plugin_jobs_run_under_the_same_wrapper(make_ctx: Callable[..., JobContext],
                                                engine: Engine) -> None:
    from radiant_ext.plugins.models import SyncJob

    seen: list[Any] = []

    class FakePlugins:
        def sync_jobs(self) -> list[SyncJob]:
            return [SyncJob(id="it.printer-report", func=lambda settings: seen.append(settings)
                            or {"reports": 2}, trigger_args={"minutes": 5})]

    jobs = all_jobs(FakePlugins())
    spec = find_job("it.printer-report", jobs)
    assert scheduler_kwargs(spec, make_ctx().settings)["minutes"] == 5
    run = run_job(make_ctx(), spec.id, spec.func)
    assert run.counts == {"reports": 2} and len(seen) == 1


def test_plugin_job_may_not_take_a_builtin_id() -> None:
    from radiant_ext.plugins.models import SyncJob

    class Clash:
        def sync_jobs(self) -> list[SyncJob]:
            return [SyncJob(id="ticket-pull", func=lambda settings: None)]

    with pytest.raises(UnknownJobError, match="already taken"):
        all_jobs(Clash())


def test_leader_schedules_jobs_and_unschedules_them_when_the_lease_is_lost(
        make_ctx: Callable[..., JobContext], engine: Engine) -> None:
    from radiant_ext.sync import SyncService
    from radiant_ext.sync.scheduler import LEADER_LEASE

    service = SyncService(make_ctx, BUILTIN_JOBS[:2], lease_seconds=0.5, holder="me:1")
    service.heartbeat()
    assert service.leading
    assert {j.id for j in service.scheduler.get_jobs()} == {"outbox-drain", "ticket-pull"}
    job = service.scheduler.get_job("ticket-pull")
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 60)
    time.sleep(0.7)  # the lease expires (a stalled leader) and a standby takes it
    assert Lease(engine, LEADER_LEASE, holder="other:2", ttl=30).acquire()
    service.heartbeat()
    assert not service.leading and service.scheduler.get_jobs() == []
    standby = SyncService(make_ctx, BUILTIN_JOBS[:2], lease_seconds=30, holder="third:3")
    standby.heartbeat()
    assert not standby.leading, "a live leader's lease is not taken"


def test_catalog_check_is_left_out_without_a_znuny_database(settings: Any) -> None:
    from pydantic import SecretStr

    from radiant_ext.sync.jobs import runnable_jobs

    jobs, skipped = runnable_jobs(BUILTIN_JOBS, settings)
    assert "catalog-check" not in [j.id for j in jobs] and len(jobs) == 8
    assert "RADIANT_ZNUNY_DB_URL" in skipped["catalog-check"]
    settings.znuny_db_url = SecretStr("sqlite:///znuny.sqlite3")
    jobs, skipped = runnable_jobs(BUILTIN_JOBS, settings)
    assert len(jobs) == 9 and skipped == {}
