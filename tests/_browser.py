"""What the browser tests share: Debian's Chromium under Playwright, the portal on a retail
sandbox served over real HTTP, and the folder screenshots are kept in."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest
from flask import Flask
from sqlalchemy import Engine

from radiant_ext.config import Settings, load_settings
from radiant_ext.portal import create_app
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread
from tests._serve import in_thread

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, under Playwright; a missing one fails the test (CI
    installs it)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def artifacts(tmp_path: Path, name: str) -> Path:
    """Where a test keeps its screenshots: ``$RADIANT_TEST_ARTIFACTS/<name>`` or a folder of
    its own temporary directory."""
    folder = Path(os.environ.get("RADIANT_TEST_ARTIFACTS", tmp_path)) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Served(NamedTuple):
    """The portal served for a browser: its base URL, settings, app and the sandbox's URL."""

    url: str
    settings: Settings
    app: Flask
    znuny_url: str


@contextmanager
def portal_on_sandbox(data: Path, *, config: Mapping[str, Any] | None = None,
                      prepare: Callable[[Engine], None] | None = None,
                      **settings: Any) -> Iterator[Served]:
    """The portal with its real adapters against a retail sandbox Znuny, both served on
    127.0.0.1.

    :param data: a folder of the test's own (the sandbox and the store live there).
    :param config: extra Flask config of the portal.
    :param prepare: called with the upgraded store before the portal starts.
    :param settings: extra settings (``admin=…``, …).
    """
    znuny = serve_in_thread(sandbox_app(data / "sandbox", seed="retail"))
    try:
        loaded = load_settings(znuny_url=znuny.url, znuny_user="radiant",
                               znuny_password="radiant-demo", data_dir=data, database_url="",
                               catalog_dirs=[data / "sandbox" / "stores"], **settings)
        engine = make_engine(loaded.effective_database_url)
        upgrade_database(engine)
        if prepare is not None:
            prepare(engine)
        engine.dispose()
        app = create_app({"RADIANT_SETTINGS": loaded, "SECRET_KEY": "browser-test",
                          "SESSION_COOKIE_SECURE": False, "PORTAL_HSTS_SECONDS": 0,
                          **(config or {})})
        try:
            with in_thread(app) as url:
                yield Served(url, loaded, app, znuny.url)
        finally:
            app.extensions["radiant_portal"]["services"].close()
    finally:
        znuny.stop()
