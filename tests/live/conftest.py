"""Fixtures of the live journeys: the server, the companion configured for it, its webhook.

One companion serves the whole session, as an installation would: the portal app (with the
webhook endpoint) on ``RADIANT_WEBHOOK_URL``'s address, a store in a temporary folder, the
catalog directory named in the settings. Tickets stay in Znuny; every title or body carries a
marker unique to the run, so runs never collide.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask

from radiant_ext.client import ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.portal import create_app
from radiant_ext.store import make_engine, upgrade_database
from tests._live import LiveServer, live_required, live_settings
from tests.live._mail import DaemonRetry, find_ticket_by_title, mail
from tests.live._portal import DecisionLog, Simulator
from tests.live._webhook import WebhookServer, WebhookSlot, write_recordings

RECORD_FLAG = "RADIANT_LIVE_RECORD"
"""``1``: write the webhook calls of the run to ``tests/data/live/<release>/webhook/``."""

@pytest.fixture(scope="session")
def server() -> LiveServer:
    """The live server named by the environment (skips or fails without one)."""
    return LiveServer.from_env()


@pytest.fixture(scope="session")
def run_marker() -> str:
    """A marker unique to this run, carried by every title the journeys write."""
    return f"rlive-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def session_started() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="session")
def settings(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The companion's settings: Znuny from the environment, a fresh store."""
    data_dir = tmp_path_factory.mktemp("live-companion")
    settings = live_settings(data_dir)
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    return settings


@pytest.fixture(scope="session")
def agent(settings: Settings) -> Iterator[ZnunyClient]:
    """The companion's agent client (reads tickets back as Znuny has them)."""
    client = ZnunyClient.from_settings(settings)
    yield client
    client.close()


@pytest.fixture(scope="session")
def decisions() -> DecisionLog:
    return DecisionLog()


@pytest.fixture(scope="session")
def portal(settings: Settings, decisions: DecisionLog) -> Iterator[Flask]:
    """The portal with its real adapters (client, plugins, outbox) and the webhook."""
    app = create_app({"RADIANT_SETTINGS": settings, "TESTING": True,
                      "SECRET_KEY": "live-journeys", "PORTAL_SESSION_CHECK_SECONDS": 0})
    decisions.attach(app)
    yield app
    app.extensions["radiant_portal"]["services"].close()


@pytest.fixture(scope="session")
def simulator(settings: Settings) -> Iterator[Simulator]:
    """What ``radiant-ext simulate`` says for a request, from the same settings."""
    sim = Simulator(settings)
    yield sim
    sim.close()


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def webhook(server: LiveServer, portal: Flask) -> Iterator[WebhookSlot]:
    """The portal served where Znuny's invoker calls it, for the whole session (see
    :class:`WebhookSlot`). Writes the recorded calls with ``RADIANT_LIVE_RECORD=1``."""
    if not server.has_webhook:
        yield WebhookSlot(reason=f"{server.product} {server.version} has no Ticket::Generic "
                                 "invoker: there is no webhook to call", release_lacks_it=True)
        return
    host, port = server.webhook_address
    if _port_taken(host, port):
        yield WebhookSlot(reason=f"{host}:{port} (RADIANT_WEBHOOK_URL) is taken by another "
                                 "program (another live run?): Znuny's webhook calls go there")
        return
    served = WebhookServer(portal, host, port, server.webhook_user, server.webhook_secret)
    yield WebhookSlot(served.recorder)
    served.stop()
    if os.environ.get(RECORD_FLAG, "") not in ("", "0"):
        secrets = [server.webhook_secret, server.customer_password, server.other_password,
                   server.guest_password, os.environ.get("RADIANT_ZNUNY_PASSWORD", ""),
                   os.environ.get("ZNUNY_ADMIN_PASSWORD", "")]
        write_recordings(served.recorder.calls, server.version, secrets)


@pytest.fixture(scope="session")
def daemon_retry(server: LiveServer, webhook: WebhookSlot, agent: ZnunyClient,
                 run_marker: str) -> DaemonRetry:
    """Mail a ticket whose first webhook call gets 500, then a follow-up to it."""
    recorder = webhook.recorder
    if recorder is None:
        return DaemonRetry(reason=webhook.reason, release_lacks_it=webhook.release_lacks_it)
    if not server.daemon_running():
        return DaemonRetry(reason=f"Znuny's daemon is not running, so nothing retries the "
                                  f"webhook (scripts/znuny-server up {server.version} starts it)")
    marker = f"{run_marker}-retry"
    recorder.label(marker, "daemon retry")
    recorder.fail(marker, 1)
    server.postmaster(mail(server.customer_email,
                           f"The lighting in store 007 is flickering [{marker}]",
                           "The lamps over the sales area flicker and two are out.", marker))
    failed_at = time.monotonic()
    ticket_id = find_ticket_by_title(agent, marker)
    number = agent.ticket_get(ticket_id).ticket_number
    server.postmaster(mail(server.customer_email,
                           f"Re: [Ticket#{number}] The lighting in store 007 is flickering",
                           "Now three lamps are out.", f"{marker}-2"))
    return DaemonRetry(marker=marker, ticket_id=ticket_id, ticket_number=number,
                       failed_at=failed_at)


COMPANION_FIXTURES = ("portal", "webhook", "daemon_retry")
"""A run with a test using one of these serves the webhook for the whole session."""


def _session_uses(request: pytest.FixtureRequest, *names: str) -> bool:
    return any(name in getattr(item, "fixturenames", ()) for item in request.session.items
               for name in names)


@pytest.fixture(autouse=True)
def _live_session(request: pytest.FixtureRequest) -> Iterator[None]:
    """For a live test in a run that uses the companion: the webhook served from the first
    such test to the end of the session (Znuny calls it for every ticket created meanwhile),
    calls labelled with the test's name, and the daemon-retry journey started first thing when
    the run includes it (its minute of waiting then overlaps the other journeys). Tests that
    are not live, or runs without the companion, are left alone."""
    if request.node.get_closest_marker("live") is None \
            or not _session_uses(request, *COMPANION_FIXTURES):
        yield
        return
    recorder = request.getfixturevalue("webhook").recorder
    if _session_uses(request, "daemon_retry"):
        request.getfixturevalue("daemon_retry")
    if recorder is not None:
        recorder.journey = request.node.name
    yield
    if recorder is not None:
        recorder.journey = "between tests"


def pytest_report_header(config: pytest.Config) -> str | None:
    version = os.environ.get("ZNUNY_VERSION")
    if version is None and not live_required():
        return None
    where = os.environ.get("RADIANT_ZNUNY_URL", "(RADIANT_ZNUNY_URL not set)")
    return f"live Znuny: {version or '?'} at {where}"

