"""``radiant-ext sync``: the scheduler process, one-off job runs and the status board.

The scheduler process stops within ``RADIANT_SYNC_STOP_SECONDS`` (5 s) of SIGTERM or Ctrl-C,
whatever its jobs are doing: jobs still running then (waiting for Znuny, or for a database
lock) are left as a crash would leave them — their runs show as interrupted, their leases
expire — and the process exits with status 0 (see :mod:`radiant_ext.sync.scheduler`).
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from radiant_ext.cli import warnings_quiet
from radiant_ext.cli.settings_file import demo_znuny_problem
from radiant_ext.cli.store import database_errors, existing_store
from radiant_ext.config import Settings, load_settings
from radiant_ext.errors import InvalidSettingsError, SettingProblem
from radiant_ext.runtime import Runtime
from radiant_ext.store import JobRunStatus, check_schema, make_engine, session_scope, utcnow
from radiant_ext.sync import (
    BUILTIN_JOBS,
    JobContext,
    SyncService,
    SyncStatus,
    all_jobs,
    find_job,
    requeue_parked,
    run_job,
    sync_status,
)
from radiant_ext.sync.jobs import JobSpec, runnable_jobs
from radiant_ext.sync.tickets import full_resync

__all__ = ["commands", "sync"]

_CLOSE_SECONDS = 3.0
"""How long a stopping process waits for the Znuny session to be ended and the store closed."""


def _context(settings: Settings, **kwargs: Any) -> JobContext:
    """A job context on the existing store; jobs talk to Znuny, so a demo's settings need
    the demo running."""
    _demo_running(settings)
    engine = make_engine(existing_store(settings))
    check_schema(engine)
    return JobContext.from_settings(settings, engine=engine, **kwargs)


def _demo_running(settings: Settings) -> None:
    problem = demo_znuny_problem(settings)
    if problem:
        raise click.ClickException(problem)


def _finite(value: float | None, option: str) -> float | None:
    if value is not None and not math.isfinite(value):  # nan passes every range check
        raise click.BadParameter(f"{value} is not a number of seconds", param_hint=option)
    return value


def _settings(database_url: str | None) -> Settings:
    return load_settings(database_url=database_url) if database_url else load_settings()


database_option = click.option("--database-url", default=None,
                               help="Store URL (default: RADIANT_DATABASE_URL or SQLite).")


@click.group(invoke_without_command=True)
@database_option
@click.option("--lease-seconds", type=click.FloatRange(min=1.0, max=3600.0), default=None,
              callback=lambda _c, _p, v: _finite(v, "--lease-seconds"),
              help="Leader lease length, 1 to 3600 seconds (default: "
                   "RADIANT_SYNC_LEASE_SECONDS).")
@click.option("--job", "only", multiple=True, help="Schedule only these job ids.")
@click.pass_context
@database_errors
def sync(ctx: click.Context, database_url: str | None, lease_seconds: float | None,
         only: tuple[str, ...]) -> None:
    """Run the sync scheduler (standby while another instance leads)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = database_url
        return
    settings = _settings(database_url)
    base = _context(settings)
    jobs = all_jobs(base.plugins)
    if only:
        jobs = [find_job(job_id, jobs) for job_id in only]
    else:
        jobs, skipped = runnable_jobs(jobs, settings)
        for job_id, reason in skipped.items():
            click.echo(f"not scheduling {job_id}: {reason}", err=True)
    _check_intervals(settings, all_jobs(base.plugins))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    runtime = Runtime(settings, engine=base.engine)  # one agent client for every job run
    service = SyncService(runtime.job_context, jobs,
                          lease_seconds or settings.sync_lease_seconds)
    click.echo(f"radiant-ext sync {service.lease.holder}: {len(jobs)} jobs; standing by until "
               "it holds the leader lease")
    left: list[str] = []
    try:
        left = service.start()
    except KeyboardInterrupt:
        left = service.stop()
    finally:
        _close_within(runtime.close, _CLOSE_SECONDS)
    if left:  # a job blocked on Znuny or a lock: exit anyway, as a crash would
        click.echo(f"radiant-ext sync stopped; {', '.join(left)} did not finish in "
                   f"{service.stop_seconds:g}s and show as interrupted", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    click.echo("radiant-ext sync stopped", err=True)


def _close_within(close: Any, seconds: float) -> None:
    """Run ``close`` (ending the Znuny session may wait for an unreachable server) for at
    most ``seconds``."""
    done = threading.Event()

    def run() -> None:
        try:
            close()
        except Exception:  # noqa: BLE001 - shutting down; Znuny ends the session itself
            logging.getLogger(__name__).warning("closing failed", exc_info=True)
        finally:
            done.set()

    threading.Thread(target=run, name="radiant-sync-close", daemon=True).start()
    done.wait(seconds)


def _check_intervals(settings: Settings, jobs: list[JobSpec]) -> None:
    """``RADIANT_SYNC_INTERVALS`` may only name jobs that exist (a typo would be ignored)."""
    known = {j.id for j in jobs}
    unknown = sorted(set(settings.sync_intervals) - known)
    if unknown:
        raise InvalidSettingsError([SettingProblem(
            "RADIANT_SYNC_INTERVALS", json.dumps(settings.sync_intervals),
            f"unknown job {', '.join(repr(u) for u in unknown)}",
            f"job ids: {', '.join(sorted(known))}")])


@contextmanager
def _progress(console: Console) -> Iterator[Any]:
    """A progress callback drawing a bar per task; the bar appears with the first task (a
    job that fails at once leaves no empty bar behind its error line)."""
    tasks: dict[str, TaskID] = {}
    bar = Progress(console=console, transient=False)

    def update(task: str, advance: int, total: int | None) -> None:
        if not tasks:
            bar.start()
        if task not in tasks:
            tasks[task] = bar.add_task(task, total=total)
        elif total is not None:
            bar.update(tasks[task], total=total)
        bar.advance(tasks[task], advance)

    try:
        yield update
    finally:
        if tasks:
            bar.stop()


@sync.command("run")
@click.argument("job_id")
@click.option("--full", is_flag=True, help="ticket-pull: resync every ticket, not just changes.")
@click.pass_obj
@database_errors
def run_command(database_url: str | None, job_id: str, full: bool) -> None:
    """Run one job once, now, with a progress bar."""
    settings = _settings(database_url)
    ctx = _context(settings)  # every refusal before the progress bar takes the terminal
    builtin = {j.id for j in BUILTIN_JOBS}
    spec = find_job(job_id, list(BUILTIN_JOBS) if job_id in builtin else all_jobs(ctx.plugins))
    func = full_resync if full and spec.id == "ticket-pull" else spec.func
    if full and spec.id != "ticket-pull":
        raise click.UsageError("--full applies to ticket-pull only")
    with _progress(Console(stderr=True)) as progress, warnings_quiet("radiant_ext.sync.runner"):
        ctx.progress = progress
        run = run_job(ctx, spec.id, func)
    counts = ", ".join(f"{k} {v}" for k, v in run.counts.items()) or "nothing to do"
    if run.status == JobRunStatus.FAILED:
        raise click.ClickException(f"{spec.id} failed ({run.error_kind}): {run.error} [{counts}]")
    click.echo(f"{spec.id}: ok in {_duration(run.started_at, run.finished_at)} — {counts}")


def _duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "-"
    return f"{(end - start).total_seconds():.1f}s"


def _age(when: datetime | None) -> str:
    if when is None:
        return "never"
    seconds = int((utcnow() - when).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _jobs_table(status: SyncStatus) -> Table:
    table = Table(title=f"jobs (leader: {status.leader or 'none — no scheduler running'})")
    for col in ("job", "last run", "result", "took", "counts", "failures in a row", "error"):
        table.add_column(col)
    for job in status.jobs:
        run = job.last
        if run is None:
            table.add_row(job.job_id, "never", "-", "-", "-", "0", "")
            continue
        result = {JobRunStatus.FAILED: "[red]FAILED[/red]",
                  JobRunStatus.RUNNING: "[red]INTERRUPTED[/red]" if job.interrupted
                  else "running"}.get(run.status, run.status.value)
        counts = ", ".join(f"{k} {v}" for k, v in run.counts.items())
        error = f"{run.error_kind}: {run.error}" if run.error else ""
        table.add_row(job.job_id, _age(run.started_at), result,
                      _duration(run.started_at, run.finished_at), counts,
                      str(job.failures_in_row), error[:300])
    return table


def _outbox_lines(status: SyncStatus) -> list[str]:
    b = status.backlog
    lines = [f"outbox: {b['pending']} pending, {b['sending']} sending, {b['sent']} sent, "
             f"{b['parked']} parked; oldest unsent: {_age(b['oldest_unsent'])}"]
    stuck = status.oldest_pending
    if stuck is not None:
        lines.append(f"  oldest pending {stuck.request_id}: {stuck.attempts} attempts, next "
                     f"{stuck.next_attempt_at:%H:%M:%S} UTC; last error: {stuck.last_error}")
    for row in status.parked:
        lines.append(f"  parked {row.request_id} ({row.customer_user}, {row.title!r}): "
                     f"{row.last_error}")
    return lines


def _as_json(status: SyncStatus) -> dict[str, Any]:
    def run(job: Any) -> dict[str, Any] | None:
        r = job.last
        return None if r is None else {
            "status": r.status.value, "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "counts": r.counts, "error": r.error, "error_kind": r.error_kind}

    backlog = {k: (v.isoformat() if isinstance(v, datetime) else v)
               for k, v in status.backlog.items()}
    return {"leader": status.leader, "healthy": status.healthy,
            "jobs": {j.job_id: {"last": run(j), "failures_in_row": j.failures_in_row,
                                "interrupted": j.interrupted} for j in status.jobs},
            "outbox": backlog,
            "parked": [{"request_id": r.request_id, "customer_user": r.customer_user,
                        "title": r.title, "reason": r.last_error} for r in status.parked]}


@sync.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
@database_errors
def status_command(database_url: str | None, as_json: bool) -> None:
    """Show last runs per job, failures, the outbox backlog and parked requests."""
    settings = _settings(database_url)
    engine = make_engine(existing_store(settings))
    check_schema(engine)
    status = sync_status(engine, [j.id for j in all_jobs()])
    if as_json:
        click.echo(json.dumps(_as_json(status), indent=2))
    else:
        console = Console()
        console.print(_jobs_table(status))
        for line in _outbox_lines(status):
            console.print(line, markup=False)
    if not status.healthy:
        raise SystemExit(1)


@sync.command("requeue")
@click.argument("request_id")
@click.option("--actor", default="cli", show_default=True, help="Recorded in the audit log.")
@click.pass_obj
@database_errors
def requeue_command(database_url: str | None, request_id: str, actor: str) -> None:
    """Send a parked request again once its cause is fixed."""
    engine = make_engine(existing_store(_settings(database_url)))
    check_schema(engine)
    with session_scope(engine) as s:
        requeue_parked(s, request_id, actor)
    click.echo(f"{request_id}: pending again; the outbox-drain job sends it")


commands: list[click.Command] = [sync]
