"""``radiant-ext sync run`` and ``radiant-ext sync status`` as an admin sees them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from radiant_ext.cli import build_cli
from radiant_ext.client.models import NewTicket
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext.sync import RetryPolicy, submit_request


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    monkeypatch.setenv("RADIANT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def _park(url: str, znuny: Any) -> None:
    engine: Engine = make_engine(url)
    znuny.mode = "reject"
    submit_request(engine, znuny, request_id="RQ-PARKED",
                   ticket=NewTicket(title="Broken queue", queue="Gone", state="new",
                                    priority="3 normal", customer_user="office-anna"),
                   retry=RetryPolicy.backing_off(0.01, 0.02))
    engine.dispose()


def test_status_shows_failures_backlog_and_parked_requests(
        store_url: str, znuny: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _park(store_url, znuny)
    monkeypatch.setenv("RADIANT_ZNUNY_URL", "http://127.0.0.1:1")  # nothing listens here
    monkeypatch.setenv("RADIANT_ZNUNY_USER", "radiant")
    monkeypatch.setenv("RADIANT_ZNUNY_TIMEOUT", "0.5")
    runner = CliRunner()
    failed = runner.invoke(build_cli(), ["sync", "run", "ticket-pull"])
    assert failed.exit_code == 1
    assert "ticket-pull failed (connection)" in failed.output
    ok = runner.invoke(build_cli(), ["sync", "run", "outbox-drain"])
    assert ok.exit_code == 0 and "outbox-drain: ok" in ok.output
    status = runner.invoke(build_cli(), ["sync", "status", "--json"])
    assert status.exit_code == 1, "unhealthy: a failed job and a parked request"
    data = json.loads(status.output)
    assert data["jobs"]["ticket-pull"]["failures_in_row"] == 1
    assert data["jobs"]["ticket-pull"]["last"]["error_kind"] == "connection"
    assert data["jobs"]["outbox-drain"]["last"]["status"] == "ok"
    assert data["jobs"]["deadline-watch"]["last"] is None
    assert data["outbox"]["parked"] == 1
    assert data["parked"][0]["request_id"] == "RQ-PARKED"
    assert "Queue invalid" in data["parked"][0]["reason"]
    table = runner.invoke(build_cli(), ["sync", "status"], terminal_width=200)
    assert "FAILED" in table.output and "parked RQ-PARKED (office-anna" in table.output


def test_sync_run_against_the_sandbox_pulls_with_progress(store_url: str, sandbox: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    client = sandbox.client()
    from radiant_ext.client.models import NewArticle

    client.ticket_create(NewTicket(title="Lighting flickers", queue="Maintenance", state="new",
                                   priority="3 normal", type="Incident",
                                   customer_user="demo-customer"),
                         NewArticle(subject="Lights", body="Aisle 3",
                                    content_type="text/plain; charset=utf-8",
                                    communication_channel="Internal"))
    monkeypatch.setenv("RADIANT_ZNUNY_URL", sandbox.url)
    monkeypatch.setenv("RADIANT_ZNUNY_USER", "radiant")
    monkeypatch.setenv("RADIANT_ZNUNY_PASSWORD", "radiant-demo")
    result = CliRunner().invoke(build_cli(), ["sync", "run", "ticket-pull", "--full"])
    assert result.exit_code == 0, result.output
    assert "ticket-pull: ok" in result.output and "pulled 1" in result.output
    assert "tickets" in result.output  # the progress bar's task


def test_unknown_job_is_one_line_listing_the_known_ones(store_url: str) -> None:
    result = CliRunner().invoke(build_cli(), ["sync", "run", "nope"])
    assert result.exit_code == 1
    assert "unknown job 'nope' (known: outbox-drain, ticket-pull" in result.output


def test_full_applies_to_ticket_pull_only(store_url: str) -> None:
    result = CliRunner().invoke(build_cli(), ["sync", "run", "outbox-drain", "--full"])
    assert result.exit_code == 2 and "--full applies to ticket-pull only" in result.output


def test_requeue_sends_a_parked_request_again(store_url: str, znuny: Any) -> None:
    _park(store_url, znuny)
    runner = CliRunner()
    result = runner.invoke(build_cli(), ["sync", "requeue", "RQ-PARKED", "--actor", "anna"])
    assert result.exit_code == 0 and "pending again" in result.output
    again = runner.invoke(build_cli(), ["sync", "requeue", "RQ-PARKED"])
    assert again.exit_code == 1 and "no parked request" in again.output


def test_status_tells_an_interrupted_run_and_why_requests_wait(store_url: str,
                                                              znuny: Any) -> None:
    from radiant_ext.store import JobRun, session_scope

    engine = make_engine(store_url)
    with session_scope(engine) as s:  # a sync process died in the middle of a pull
        s.add(JobRun(job_id="ticket-pull", host="gone:1"))
    znuny.mode = "down"
    submit_request(engine, znuny, request_id="RQ-WAITING",
                   ticket=NewTicket(title="Door lock", queue="Maintenance", state="new",
                                    priority="3 normal", customer_user="store-manager"))
    engine.dispose()
    result = CliRunner().invoke(build_cli(), ["sync", "status"], terminal_width=200)
    assert result.exit_code == 1
    assert "INTERRUPTED" in result.output
    assert "oldest pending RQ-WAITING: 1 attempts" in result.output
    assert "ZnunyConnectionError" in result.output
    data = json.loads(CliRunner().invoke(build_cli(), ["sync", "status", "--json"]).output)
    assert data["jobs"]["ticket-pull"]["interrupted"] is True
    assert data["outbox"]["pending"] == 1
