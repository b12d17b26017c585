"""The retail sandbox Znuny as pytest fixtures, for test modules that drive the portal with
its real adapters (import the fixtures into the module: ``from tests._sandbox import …``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from radiant_ext.config import Settings, load_settings
from radiant_ext.store import make_engine, upgrade_database
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread
from tests._store_fixtures import ENGINE_PARAMS, store_engine

__all__ = ["faults", "sandbox_dir", "sandbox_settings", "znuny"]


@pytest.fixture(scope="module")
def sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox")


@pytest.fixture(scope="module")
def znuny(sandbox_dir: Path) -> Iterator[str]:
    """The sandbox's base URL (retail seed, test controls on), for the module."""
    server = serve_in_thread(sandbox_app(sandbox_dir, seed="retail", test_controls=True))
    yield server.url
    server.stop()


@pytest.fixture
def faults(znuny: str) -> Iterator[Callable[..., None]]:
    """``faults(mode, count=-1)``: the sandbox fails the next calls that way; reset after."""
    def set_mode(mode: str, count: int = -1) -> None:
        requests.post(f"{znuny}/__sandbox__/faults", json={"mode": mode, "count": count},
                      timeout=5).raise_for_status()

    yield set_mode
    set_mode("none")


def sandbox_settings(znuny: str, sandbox_dir: Path, data_dir: Path, **extra: Any) -> Settings:
    """Settings of a companion on ``znuny`` with its store in ``data_dir``, upgraded."""
    settings = load_settings(
        znuny_url=znuny, znuny_user="radiant", znuny_password="radiant-demo",
        znuny_timeout=3.0, data_dir=data_dir, database_url="",
        znuny_db_url=f"sqlite:///{sandbox_dir / 'sandbox.sqlite'}",
        catalog_dirs=[sandbox_dir / "stores"], **extra,
    )
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    return settings


@pytest.fixture(params=ENGINE_PARAMS)
def settings_both_stores(request: pytest.FixtureRequest, znuny: str, sandbox_dir: Path,
                         tmp_path: Path) -> Iterator[Settings]:
    """The portal's settings on the sandbox, its store on SQLite or in a PostgreSQL schema
    (a module takes it as its ``settings``: ``settings = _sandbox.settings_both_stores``)."""
    base = sandbox_settings(znuny, sandbox_dir, tmp_path)
    if request.param == "sqlite":
        yield base
        return
    with store_engine("postgres", tmp_path, suite="portal", schema_in_url=True) as engine:
        yield base.model_copy(update={
            "database_url": engine.url.render_as_string(hide_password=False)})

