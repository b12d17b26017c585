"""``radiant-ext demo`` and ``radiant-ext serve`` as a user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from radiant_ext.config import load_settings
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread
from tests._serve import clean_env, serving


@pytest.mark.slow
def test_demo_serves_the_login_page_and_stops_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("RADIANT_CONFIG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "radiant_ext", "demo", "--port", "0", "--data",
         str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    assert proc.stdout is not None
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        banner = "".join(lines)
        url = re.search(r"portal at (http://127\.0\.0\.1:\d+/)", banner)
        assert url, banner
        for login in ("demo-customer / demo", "flagship-clerk / demo", "demo-agent / demo"):
            assert login in banner
        page = requests.get(url.group(1) + "login", timeout=10)
        assert page.status_code == 200 and "<h1>Log in</h1>" in page.text
        manager = requests.Session()
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                          manager.get(url.group(1) + "login", timeout=10).text)
        assert token
        manager.post(url.group(1) + "login", timeout=30, data={
            "login": "store-manager", "password": "demo", "csrf_token": token.group(1)})
        reports = manager.get(url.group(1) + "reports/", timeout=30)
        assert reports.status_code == 200, reports.text[-2000:]
        assert "Store 007" in reports.text  # a manager sees their own store's figures, by name
        _an_email_is_routed_through_the_webhook(tmp_path / "demo", env)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert "radiant-ext demo stopped." in out
        assert (tmp_path / "demo" / "radiant.sqlite3").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_serve_without_a_secret_key_is_one_readable_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "radiant_ext", "serve"], capture_output=True, text=True,
        env=clean_env(RADIANT_DATA_DIR=str(tmp_path)), cwd=tmp_path, timeout=60,
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "Error: the portal needs a secret key: set RADIANT_SECRET_KEY (a long random string, "
        "the same for every worker)"
    ]


def test_demo_with_a_data_folder_it_cannot_use_is_one_readable_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = subprocess.run(
        [sys.executable, "-m", "radiant_ext", "demo", "--data", str(blocker / "demo")],
        capture_output=True, text=True, env=clean_env(RADIANT_DATA_DIR=str(tmp_path)),
        cwd=tmp_path, timeout=60,
    )
    assert out.returncode == 1
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("Error: invalid setting: --data=") and "cannot create" in line


@pytest.fixture
def znuny(tmp_path: Path) -> Iterator[str]:
    server = serve_in_thread(sandbox_app(tmp_path / "sandbox", seed="retail"))
    yield server.url
    server.stop()


@pytest.mark.slow
def test_serve_runs_the_portal_under_gunicorn(tmp_path: Path, znuny: str) -> None:
    env = clean_env(RADIANT_ZNUNY_URL=znuny, RADIANT_ZNUNY_USER="radiant",
                    RADIANT_ZNUNY_PASSWORD="radiant-demo", RADIANT_DATA_DIR=str(tmp_path),
                    RADIANT_SECRET_KEY="a-long-random-secret-for-the-test")
    engine = make_engine(load_settings(data_dir=tmp_path, database_url="")
                         .effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    with serving(["--workers", "1"], env, tmp_path, timeout=30) as (url, proc):
        page = requests.get(f"{url}/login", timeout=2)
        assert page.status_code == 200, "gunicorn did not answer"
        assert "<h1>Log in</h1>" in page.text
        assert "Secure" in page.headers["Set-Cookie"]
    assert proc.returncode == 0, "serve stops cleanly on SIGTERM"


def _an_email_is_routed_through_the_webhook(data: Path, env: dict[str, str]) -> None:
    """The demo wires the sandbox's invoker to the portal: e-mail in, routed ticket out."""
    mail = subprocess.run(
        [sys.executable, "-m", "radiant_ext", "sandbox", "mail", "--data", str(data / "sandbox"),
         "--from", "flagship-clerk@retail.example", "--subject", "Cash register down",
         "--body", "The cash register in store 001 does not work."],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    calls = json.loads(mail.stdout)["InvokerCalls"]
    first = calls[0]
    assert first["Status"] == 200 and first["Failed"] is None, first
    for key in ("OTRS_TicketQueueSet", "OTRS_TicketPrioritySet", "OTRS_TicketSLASet",
                "otrs_TicketDynamicFieldSet_RadiantCategory"):
        assert key in first["Applied"], first


def test_demo_makes_store_manager_the_reports_manager_of_store_007(tmp_path: Path) -> None:
    from radiant_ext.cli.portal import DEMO_LOGINS, _demo_settings
    from radiant_ext.reports import report_settings

    settings = _demo_settings(tmp_path, "http://127.0.0.1:1")
    assert report_settings(settings).managers["store-007"] == ["store-manager"]
    roles = {login: who for who, login, _password in DEMO_LOGINS}
    assert "reports of store-007" in roles["store-manager"]


def test_only_the_demo_loads_the_demo_store_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from radiant_ext.cli.portal import _demo_settings
    from radiant_ext.config import load_settings
    from radiant_ext.plugins import MemoryEnablement, plugins_from_settings
    from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

    monkeypatch.delenv("RADIANT_CATALOG_DIRS", raising=False)
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    demo = _demo_settings(tmp_path, "http://127.0.0.1:1")
    assert demo.catalog_dirs == [DEMO_CATALOG_DIR]
    production = load_settings(data_dir=tmp_path)
    assert production.catalog_dirs == []
    stores = plugins_from_settings(production, enablement=MemoryEnablement()).stores()
    assert stores == {}  # a real store-001 never becomes "Store 001 Moscow Tverskaya"
