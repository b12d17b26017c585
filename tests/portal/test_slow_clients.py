"""``radiant-ext serve`` keeps answering while a hundred clients trickle their uploads.

Each slow client sends a POST's headers, announces a 100 kB body and then sends it one byte a
second. Under gunicorn's plain ``gthread`` worker each of them holds a thread until it gives
up, so a normal page waits behind them; the portal's worker reads requests whole in its event
loop before a thread sees them (``radiant_ext/cli/http_worker.py``).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from benchmarks.slow_clients import Tricklers  # the benchmark's slow clients, as measured
from radiant_ext.config import load_settings
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread
from tests._serve import clean_env, serving

pytestmark = pytest.mark.slow

TRICKLERS = 100


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``radiant-ext serve`` with its default workers and threads, on 127.0.0.1."""
    znuny = serve_in_thread(sandbox_app(tmp_path / "sandbox", seed="retail"))
    env = clean_env(RADIANT_ZNUNY_URL=str(znuny.url), RADIANT_ZNUNY_USER="radiant",
                    RADIANT_ZNUNY_PASSWORD="radiant-demo", RADIANT_DATA_DIR=str(tmp_path),
                    RADIANT_SECRET_KEY="a-long-random-secret-for-the-test")
    engine = make_engine(load_settings(data_dir=tmp_path, database_url="")
                         .effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    try:
        with serving([], env, tmp_path, timeout=60) as running:
            yield running
    finally:
        znuny.stop()


def test_a_page_answers_within_seconds_while_a_hundred_clients_trickle_uploads(
        portal: tuple[str, subprocess.Popen[str]]) -> None:
    url, _ = portal
    assert requests.get(f"{url}/login", timeout=10).status_code == 200
    tricklers = Tricklers(int(url.rsplit(":", 1)[1]), TRICKLERS)
    try:
        time.sleep(2)  # every slow client has started its body
        browser = requests.Session()  # one kept-alive connection: its next requests too
        for _ in range(3):
            page = browser.get(f"{url}/login", timeout=5)  # generous: ~20 ms when healthy
            assert page.status_code == 200 and "<h1>Log in</h1>" in page.text
        # The slow clients were not simply cut off: they are still being read.
        assert tricklers.alive() == TRICKLERS
    finally:
        tricklers.close()


def test_a_slow_upload_that_completes_is_served(
        portal: tuple[str, subprocess.Popen[str]]) -> None:
    """The buffering delivers the whole body: the login form's answer comes back."""
    url, _ = portal
    port = int(url.rsplit(":", 1)[1])
    body = b"login=demo-customer&password=wrong&csrf_token=x"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode())
        for start in range(0, len(body), 16):
            sock.sendall(body[start:start + 16])
            time.sleep(0.2)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = answer.split(b"\r\n", 1)[0]
    # The portal read the form: the bad CSRF token is its own answer (400), not a timeout.
    assert status.startswith(b"HTTP/1.1 400"), answer[:500]


def test_an_upload_larger_than_the_portal_accepts_is_refused_before_it_is_read(
        portal: tuple[str, subprocess.Popen[str]]) -> None:
    """10 GB announced: refused at once, not buffered to the disk first."""
    url, _ = portal
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Length: 10000000000\r\n\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer


@pytest.mark.parametrize(("host", "proxies", "warned"), [
    ("0.0.0.0", 0, True), ("192.0.2.10", 0, True), ("::", 0, True), ("portal.example", 0, True),
    ("0.0.0.0", 1, False), ("127.0.0.1", 0, False), ("localhost", 0, False), ("[::1]", 0, False),
])
def test_serve_warns_when_it_listens_beyond_this_machine_without_a_proxy(
        host: str, proxies: int, warned: bool) -> None:
    from radiant_ext.cli.portal import exposure_warning

    line = exposure_warning(host, proxies)
    assert (line is not None) == warned
    if line:
        assert "\n" not in line and "TLS" in line and "RADIANT_PORTAL_TRUSTED_PROXIES" in line


def test_pipelined_requests_read_together_are_all_answered(
        portal: tuple[str, subprocess.Popen[str]]) -> None:
    url, _ = portal
    port = int(url.rsplit(":", 1)[1])
    get = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(get + get + b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.count(b"HTTP/1.1 200 OK") == 3, answer[:300]


def test_the_worker_keeps_the_loaded_application_out_of_the_collectors_walks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]

    from radiant_ext.cli.http_worker import BufferingThreadWorker

    monkeypatch.setattr(ThreadWorker, "run", lambda self: None)
    worker = object.__new__(BufferingThreadWorker)
    worker.wsgi = None
    try:
        worker.run()
        assert gc.get_freeze_count() > 10_000  # everything loaded so far
    finally:
        gc.unfreeze()
