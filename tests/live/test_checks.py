"""``radiant-ext check --znuny`` against the provisioned server: exit 0, no problem.

Run as an administrator runs it: the command line, the Znuny settings from the environment
(``scripts/znuny-server env``), the catalog directory named in ``RADIANT_CATALOG_DIRS``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from radiant_ext.config import Settings
from tests._live import LiveServer

pytestmark = pytest.mark.live


def test_check_znuny_finds_no_problem(server: LiveServer, settings: Settings,
                                      tmp_path: Path) -> None:
    env = dict(os.environ, RADIANT_CATALOG_DIRS=json.dumps([str(p) for p in
                                                            settings.catalog_dirs]),
               RADIANT_DATA_DIR=str(settings.data_dir))
    env.pop("RADIANT_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "radiant_ext", "check", "--znuny", "--json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report, _ = json.JSONDecoder().raw_decode(done.stdout)
    assert report["problems"] == []
    assert "0 missing" in report["znuny"], report["znuny"]
    statuses = {entry["check"]: entry["status"] for entry in report["setup"]}
    assert statuses and set(statuses.values()) == {"ok"}, statuses
    for name in ("RadiantCategory", "RadiantStore", "RadiantDeadline", "RadiantRequestID"):
        assert statuses.get(f"db.dynamic-field.{name}") == "ok", name
    assert {"gi.session", "gi.search", "gi.search-dynamic-fields", "db.agent",
            "webhook.secret"} <= statuses.keys()
    assert set(report["plugins"]) >= {"it", "hr", "maintenance", "customer-service",
                                      "accounting", "legal"}
    for warning in report.get("warnings", []):  # catalog advice, not a setup problem
        print(f"check warning on {server.version}: {warning}")
