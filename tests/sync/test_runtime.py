"""One process, one Znuny session: the composition root shares its agent client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from radiant_ext.config import load_settings
from radiant_ext.runtime import Runtime
from radiant_ext.sync import drain_outbox, run_job
from radiant_ext.sync.tickets import pull_tickets
from tests._znuny_sessions import agent_sessions


def _agent_sessions(sandbox_dir: Path) -> int:
    return agent_sessions(sandbox_dir / "sandbox.sqlite")


def test_a_hundred_job_runs_use_one_znuny_session_removed_at_shutdown(
        engine: Engine, sandbox: Any, tmp_path: Path) -> None:
    settings = load_settings(
        znuny_url=sandbox.url, znuny_user="radiant", znuny_password="radiant-demo",
        znuny_route_set="znuny-r2a", znuny_webservice="GenericTicketConnectorRESTReady2Adopt",
        data_dir=tmp_path, database_url=str(engine.url.render_as_string(hide_password=False)))
    before = _agent_sessions(tmp_path / "sandbox")
    runtime = Runtime(settings, engine=engine)
    try:
        for run in range(100):
            job = ("ticket-pull", pull_tickets) if run % 2 else ("outbox-drain", drain_outbox)
            record = run_job(runtime.job_context(), *job)
            assert record.status == "ok", record.error
        assert _agent_sessions(tmp_path / "sandbox") - before == 1
    finally:
        runtime.close()
    assert _agent_sessions(tmp_path / "sandbox") == before  # SessionRemove at shutdown
