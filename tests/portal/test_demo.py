"""``radiant-ext demo`` starts everything, serves the login page and stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests


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
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert "radiant-ext demo stopped." in out
        assert (tmp_path / "demo" / "radiant.sqlite3").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
