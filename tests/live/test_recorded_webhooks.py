"""Every body a real Znuny sent the webhook during the live journeys, replayed (not live).

``RADIANT_LIVE_RECORD=1 pytest -m live`` writes one file per call into
``tests/data/live/<release>/webhook/`` (docs/live-servers.md). Each body is posted again to the
portal's webhook endpoint: every one must get a 2xx answer that Znuny can apply in full —
never a 4xx, whatever shape Znuny gave it (``"Article": {}`` on a retry, one article, several).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.config import load_settings
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.portal import create_app
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext_sandbox.znuny_writeback import plan_writeback
from tests.live._webhook import RECORDINGS, recorded_files

FILES = list(recorded_files())
RELEASES_RECORDED = ("7.0.9", "6.5.4")
USER, SECRET = "znuny", "replay-secret"
DROPPED = {"authorization", "content-length", "host", "connection", "te"}


@pytest.fixture(scope="module")
def webhook_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    data_dir = tmp_path_factory.mktemp("replay")
    settings = load_settings(
        data_dir=data_dir, database_url="", catalog_dirs=[DEMO_CATALOG_DIR], znuny_db_url=None,
        znuny_url="http://127.0.0.1:9", znuny_user="radiant", znuny_password="unused",
        webhook_user=USER, webhook_secret=SECRET, secret_key="replay")
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    app: Flask = create_app({"RADIANT_SETTINGS": settings, "TESTING": True})
    yield app.test_client()
    app.extensions["radiant_portal"]["services"].close()


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_the_recordings_of_both_webhook_releases_are_kept() -> None:
    for release in RELEASES_RECORDED:
        assert list((RECORDINGS / release / "webhook").glob("*.json")), release
    shapes = {_load(p)["article"] for p in FILES}
    assert {"article-object", "article-empty"} <= shapes, shapes


def test_recordings_hold_no_credentials() -> None:
    for path in FILES:
        headers = {name.lower() for name, _ in _load(path)["request"]["headers"]}
        assert not headers & {"authorization", "cookie", "x-radiant-webhook-secret"}, path


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parts[-3]}/{p.stem[:48]}" for p in FILES])
def test_a_recorded_body_gets_a_2xx_answer_znuny_applies(
    path: Path, webhook_client: FlaskClient
) -> None:
    request = _load(path)["request"]
    token = base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    headers = {name: value for name, value in request["headers"]
               if name.lower() not in DROPPED}
    headers["Authorization"] = f"Basic {token}"
    response = webhook_client.post(request["path"], data=json.dumps(request["body"]),
                                   headers=headers)
    assert 200 <= response.status_code < 300, (response.status_code, response.data[:500])
    plan = plan_writeback(response.status_code, response.content_type, response.data)
    assert plan.success, plan.failure
