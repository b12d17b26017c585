"""``radiant-ext check`` on a real Znuny broken in turn: it names each thing Znuny would
refuse a request for, with the fix; on the repaired server it finds nothing, and the canary
files, reads back and closes one request per department.

Each break is one SQL change in Znuny's database, undone right after (and Znuny's cache
cleared), so the server is as before for the other live tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from radiant_ext.config import Settings
from tests._live import LiveServer, need_env

pytestmark = pytest.mark.live

_GROUPS = "(SELECT group_id FROM queue WHERE name = 'IT::Stores')"
BREAKS = [
    ("UPDATE users SET valid_id = 2 WHERE login = 'it-agent'",
     "UPDATE users SET valid_id = 1 WHERE login = 'it-agent'",
     "it.pos-down: owner 'it-agent' is not a valid agent in Znuny"),
    ("UPDATE group_user SET permission_key = 'ro' WHERE permission_key = 'rw' AND user_id = "
     "(SELECT id FROM users WHERE login = 'it-agent') AND group_id = " + _GROUPS,
     "UPDATE group_user SET permission_key = 'rw' WHERE permission_key = 'ro' AND user_id = "
     "(SELECT id FROM users WHERE login = 'it-agent') AND group_id = " + _GROUPS,
     "it.pos-down: owner 'it-agent' has no rw on group "),
    ("UPDATE service_customer_user SET customer_user_login = '<NOT-DEFAULT>' WHERE "
     "customer_user_login = '<DEFAULT>' AND service_id = "
     "(SELECT id FROM service WHERE name = 'IT::Cash register')",
     "UPDATE service_customer_user SET customer_user_login = '<DEFAULT>' WHERE "
     "customer_user_login = '<NOT-DEFAULT>' AND service_id = "
     "(SELECT id FROM service WHERE name = 'IT::Cash register')",
     "it.pos-down: service 'IT::Cash register' is not linked to the customers by default"),
    ("UPDATE queue SET valid_id = 2 WHERE name = 'IT::Stores'",
     "UPDATE queue SET valid_id = 1 WHERE name = 'IT::Stores'",
     "it.pos-down: queue 'IT::Stores' not in Znuny"),
    ("UPDATE dynamic_field SET valid_id = 2 WHERE name = 'RadiantDeadline'",
     "UPDATE dynamic_field SET valid_id = 1 WHERE name = 'RadiantDeadline'",
     "dynamic field 'RadiantDeadline' not in Znuny"),
]


def _database() -> str:
    url = need_env("RADIANT_ZNUNY_DB_URL")["RADIANT_ZNUNY_DB_URL"]
    return urlsplit(url).path.lstrip("/")


def _sql(statement: str) -> None:
    groups = "groups" if os.environ.get("ZNUNY_VERSION", "").startswith("6.0") \
        else "permission_groups"
    done = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-q", "-v",
                           "ON_ERROR_STOP=1", "-d", _database(), "-c",
                           statement.format(groups=groups)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def _check(settings: Settings, cwd: Path, *extra: str) -> tuple[int, str]:
    env = dict(os.environ, RADIANT_CATALOG_DIRS=json.dumps([str(p) for p in
                                                            settings.catalog_dirs]),
               RADIANT_DATA_DIR=str(settings.data_dir))
    env.pop("RADIANT_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "radiant_ext", "check", "--znuny", *extra],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize(("breaks", "repairs", "named"), BREAKS,
                         ids=["owner-invalid", "owner-read-only", "service-not-linked",
                              "queue-invalid", "field-invalid"])
def test_check_names_what_a_broken_znuny_would_refuse(
        server: LiveServer, settings: Settings, tmp_path: Path, breaks: str, repairs: str,
        named: str) -> None:
    _sql(breaks)
    try:
        code, out = _check(settings, tmp_path)
    finally:
        _sql(repairs)
        subprocess.run(server.console_command("Maint::Cache::Delete"), capture_output=True,
                       timeout=120, check=False)
    assert code == 1, out[-3000:]
    assert named in out, out[-3000:]


def test_on_the_repaired_server_the_canary_passes_for_every_department(
        server: LiveServer, settings: Settings, tmp_path: Path) -> None:
    code, out = _check(settings, tmp_path, "--canary", server.customer,
                       "--canary-store", server.customer_company)
    assert code == 0, out[-3000:]
    canaries = [line for line in out.splitlines() if line.startswith("[ok] canary.")]
    assert len(canaries) == 6, out[-3000:]
