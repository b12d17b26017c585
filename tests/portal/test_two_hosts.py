"""Two portal hosts behind one load balancer share one PostgreSQL store.

Two ``radiant-ext serve`` processes on different ports, with the same settings and one
PostgreSQL database, stand for two hosts: a customer who logged in on one goes on on the
other, logging out on either ends the session on both, the login limit counts the failures
of both, and a webhook event that reaches both is announced to the plugins once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, func, select

from radiant_ext.store import TicketAnnouncement, session_scope
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread
from tests._serve import clean_env, serving
from tests._store_fixtures import store_engine

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "znuny-webhook"
SECRET = "hook-secret-for-two-hosts"
COOKIE = "radiant_portal"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    with store_engine("postgres", tmp_path, suite="two-host", schema_in_url=True) as engine:
        yield engine


@pytest.fixture
def hosts(tmp_path: Path, store: Engine) -> Iterator[list[str]]:
    """Two portal hosts (their base URLs) on one PostgreSQL store and one Znuny."""
    znuny = serve_in_thread(sandbox_app(tmp_path / "sandbox", seed="retail"))
    env = clean_env(RADIANT_ZNUNY_URL=str(znuny.url), RADIANT_ZNUNY_USER="radiant",
                    RADIANT_ZNUNY_PASSWORD="radiant-demo",
                    RADIANT_DATABASE_URL=store.url.render_as_string(hide_password=False),
                    RADIANT_SECRET_KEY="one-secret-key-shared-by-every-host",
                    RADIANT_WEBHOOK_SECRET=SECRET, RADIANT_CONFIG="absent.toml")
    try:
        with ExitStack() as stack:
            urls = []
            for name in ("a", "b"):
                data_dir = tmp_path / f"host-{name}"  # nothing shared on disk
                data_dir.mkdir()
                url, _ = stack.enter_context(serving(
                    [], {**env, "RADIANT_DATA_DIR": str(data_dir)}, data_dir))
                urls.append(url)
            yield urls
    finally:
        znuny.stop()


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match
    return match.group(1)


class Browser:
    """One browser, whose cookie goes to whichever host the load balancer picks.

    The portal's cookie is ``Secure`` (the hosts sit behind TLS); here it is carried by hand
    over plain HTTP on loopback.
    """

    def __init__(self) -> None:
        self.cookie = ""

    def request(self, method: str, url: str, **kwargs: object) -> requests.Response:
        headers = {"Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else {}
        response = requests.request(method, url, headers=headers, allow_redirects=False,
                                    timeout=30, **kwargs)  # type: ignore[arg-type]
        match = re.search(rf"{COOKIE}=([^;]*)", response.headers.get("Set-Cookie", ""))
        if match:
            self.cookie = match.group(1)
        return response

    def login(self, url: str, login: str, password: str) -> requests.Response:
        token = _token(self.request("GET", f"{url}/login").text)
        return self.request("POST", f"{url}/login", data={
            "login": login, "password": password, "csrf_token": token, "next": "/requests"})


def test_a_customer_logged_in_on_one_host_goes_on_on_the_other(hosts: list[str]) -> None:
    host_a, host_b = hosts
    browser = Browser()
    assert browser.login(host_a, "demo-customer", "demo").status_code == 302
    page = browser.request("GET", f"{host_b}/requests")
    assert page.status_code == 200 and "Log out" in page.text
    copied = browser.cookie
    token = _token(page.text)
    assert browser.request("POST", f"{host_b}/logout",
                           data={"csrf_token": token}).status_code == 302
    thief = Browser()
    thief.cookie = copied
    assert thief.request("GET", f"{host_a}/requests").status_code == 302, \
        "logged out on one host: the copied cookie is worth nothing on the other"


def test_the_login_limit_counts_the_failures_of_both_hosts(hosts: list[str]) -> None:
    browser = Browser()
    statuses = [browser.login(hosts[n % 2], "store-manager", "wrong").status_code
                for n in range(5)]  # PORTAL_LOGIN_MAX_FAILURES, spread over both hosts
    assert statuses == [401] * 5
    for url in hosts:
        refused = browser.login(url, "store-manager", "wrong")
        assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_a_webhook_event_delivered_to_both_hosts_is_announced_once(
        hosts: list[str], store: Engine) -> None:
    exchange = json.loads((RECORDINGS / "22-TicketCreate-retry-by-daemon.json").read_text())
    body = exchange["request"]["body"]
    ticket_id = int(body["Ticket"]["TicketID"])
    reasons = []
    for url in hosts:
        answer = requests.post(f"{url}/-/znuny/webhook", json=body, auth=("znuny", SECRET),
                               timeout=30)
        assert answer.status_code == 200, answer.text
        reasons.append(answer.headers["X-Radiant-Webhook"])
    assert all(reason.startswith("routed") for reason in reasons), reasons
    assert sum(reason.endswith("the plugins were told before") for reason in reasons) == 1
    with session_scope(store) as s:
        assert s.scalar(select(func.count()).select_from(TicketAnnouncement)
                        .where(TicketAnnouncement.ticket_id == ticket_id)) == 1
