"""``radiant-ext demo`` keeps its secrets to its owner: the webhook secret, the sandbox's
password hashes, the store and the sessions are in files nobody else can read."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from radiant_ext_sandbox.db import make_engine as sandbox_engine

pytestmark = pytest.mark.slow


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_the_demos_secret_and_data_files_are_readable_by_their_owner_only(
        tmp_path: Path) -> None:
    data = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADIANT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "radiant_ext", "demo", "--port", "0", "--data", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
        env={**env, "PYTHONUNBUFFERED": "1"}, preexec_fn=lambda: os.umask(0o022),
    )
    assert proc.stdout is not None
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line or line.startswith("Press Ctrl-C"):
                break
            lines.append(line)
        url = re.search(r"portal at (http://127\.0\.0\.1:\d+/)", "".join(lines))
        assert url, "".join(lines)
        assert requests.get(url.group(1) + "login", timeout=30).status_code == 200
        # The webhook secret the portal checks is in the sandbox's database (its invoker).
        secret_file = data / "sandbox" / "sandbox.sqlite"
        assert b"ticket-create" in secret_file.read_bytes() + (
            data / "sandbox" / "sandbox.sqlite-wal").read_bytes()
        databases = sorted(p for p in data.rglob("*") if ".sqlite" in p.name)
        assert secret_file in databases and len(databases) >= 3, databases
        assert {str(p.relative_to(data)): _mode(p) for p in databases} == {
            str(p.relative_to(data)): "0o600" for p in databases}
        assert _mode(data) == "0o700" and _mode(data / "sandbox") == "0o700"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            rest, _ = proc.communicate()
    # The secret is in the sandbox's private database, and in no line the demo printed.
    with sqlite3.connect(secret_file) as conn:
        [(stored,)] = conn.execute(
            "SELECT value FROM sandbox_setting WHERE name = 'invoker'").fetchall()
    secret = json.loads(stored)["Password"]
    assert len(secret) >= 32
    printed = "".join(lines) + (rest or "")
    assert "portal at" in printed and secret not in printed


def test_a_sandbox_database_left_readable_by_an_older_version_is_made_private(
        tmp_path: Path) -> None:
    folder = tmp_path / "sandbox"
    sandbox_engine(folder).dispose()
    (folder / "sandbox.sqlite").chmod(0o644)
    sandbox_engine(folder).dispose()
    assert _mode(folder / "sandbox.sqlite") == "0o600"
