"""Catalog names checked against Znuny's metadata tables (valid_id = 1 only)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from radiant_ext.config import load_settings
from radiant_ext.plugins import (
    CatalogItem,
    MemoryEnablement,
    Plugins,
    ZnunyMetadataError,
    make_plugin_manager,
    plugins_from_settings,
)
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.plugins.znuny_meta import check_items, read_company_names, read_znuny_names


def installed_items() -> list[CatalogItem]:
    return Plugins(make_plugin_manager()).catalog_items()


def test_reader_keeps_only_valid_rows(make_znuny_db: Callable[..., str]) -> None:
    names = read_znuny_names(make_znuny_db())
    assert "IT::Printer" in names.services and "Legacy" not in names.services
    assert ("IT::Printer", "Gold") in names.service_slas
    assert ("IT::Cash register", "POS critical") in names.service_slas
    assert names.priorities == {"1 very low", "2 low", "3 normal", "4 high", "5 very high"}
    assert {"Impact", "RadiantDeadline"} <= names.dynamic_fields
    assert "Unclassified" in names.types and "Postmaster" in names.queues


def test_every_installed_department_plugin_routes_to_existing_names(
    make_znuny_db: Callable[..., str],
) -> None:
    assert check_items(installed_items(), read_znuny_names(make_znuny_db())) == []


def test_missing_and_invalid_names_are_reported(make_znuny_db: Callable[..., str]) -> None:
    url = make_znuny_db(skip={"Maintenance::HVAC", "Feedback", "RadiantStore",
                              "IT::E-mail|IT standard", "IT::Stores"})
    problems = check_items(installed_items(), read_znuny_names(url))
    assert "dynamic field 'RadiantStore' not in Znuny" in problems
    assert "maintenance.hvac: service 'Maintenance::HVAC' not in Znuny" in problems
    assert "customer-service.feedback: type 'Feedback' not in Znuny" in problems
    assert "it.email: SLA 'IT standard' is not linked to service 'IT::E-mail'" in problems
    assert "it.pos-down: queue 'IT::Stores' not in Znuny" in problems


def test_unreachable_database_is_one_readable_error(tmp_path: Path) -> None:
    with pytest.raises(ZnunyMetadataError, match="cannot read Znuny's metadata tables"):
        read_znuny_names("sqlite:///" + str(tmp_path) + "/empty.sqlite3")
    with pytest.raises(ZnunyMetadataError, match="invalid Znuny database URL"):
        read_znuny_names("nosuchdriver://x")


@pytest.fixture(scope="module")
def sandbox_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sandbox's database after the retail seed (same tables as Znuny)."""
    from radiant_ext_sandbox import create_app

    folder = tmp_path_factory.mktemp("sandbox")
    create_app(data_dir=folder, seed="retail")
    return f"sqlite:///{folder / 'sandbox.sqlite'}"


def test_department_plugins_match_the_sandbox_retail_seed(sandbox_db: str) -> None:
    assert check_items(installed_items(), read_znuny_names(sandbox_db)) == []


def test_store_directory_matches_the_seeded_customer_companies(sandbox_db: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(sandbox_db)
    with engine.connect() as conn:
        companies: dict[str, str] = dict(conn.execute(text(
            "SELECT customer_id, name FROM customer_company WHERE customer_id LIKE 'store-%'")
        ).all())
    engine.dispose()
    stores = Plugins(make_plugin_manager(load_entrypoints=False,
                                         catalog_dirs=[DEMO_CATALOG_DIR])).stores()
    assert {s.id: s.name for s in stores.values()} == companies
    assert sorted(s.id for s in stores.values() if s.tier == "flagship") == [
        "store-001", "store-002", "store-003"]


def test_company_names_are_read_from_znuny(sandbox_db: str) -> None:
    names = read_company_names(sandbox_db)
    assert names["store-007"] == "Store 007 Yekaterinburg Vainera"
    assert names["head-office"] == "Head Office"
    with pytest.raises(ZnunyMetadataError, match="cannot read"):
        read_company_names("sqlite:////nonexistent/dir/znuny.db")


def test_a_directory_without_names_takes_them_from_znuny(
    sandbox_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stores.yaml").write_text(
        "stores:\n"
        "  - {id: store-007, tier: flagship}\n"               # name from Znuny
        "  - {id: store-008, name: Pokrovka}\n"                # a given name wins
        "  - {id: store-900, time_zone: Asia/Omsk}\n",         # unknown to Znuny: the id
        encoding="utf-8")
    for name in ("RADIANT_CONFIG", "RADIANT_DEFAULT_TIME_ZONE", "RADIANT_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(catalog_dirs=[tmp_path], znuny_db_url=sandbox_db,
                             default_time_zone="Europe/Samara", data_dir=tmp_path)
    stores = plugins_from_settings(settings, enablement=MemoryEnablement(),
                                   load_entrypoints=False).stores()
    assert {s.id: (s.name, s.time_zone) for s in stores.values()} == {
        "store-007": ("Store 007 Yekaterinburg Vainera", "Europe/Samara"),
        "store-008": ("Pokrovka", "Europe/Samara"),
        "store-900": ("store-900", "Asia/Omsk"),
    }


def test_an_unreachable_znuny_leaves_the_ids_as_names(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "stores.yaml").write_text("stores:\n  - {id: store-007}\n", encoding="utf-8")
    settings = load_settings(catalog_dirs=[tmp_path], data_dir=tmp_path,
                             znuny_db_url="sqlite:////nonexistent/dir/znuny.db")
    with caplog.at_level("WARNING", logger="radiant_ext.plugins"):
        stores = plugins_from_settings(settings, enablement=MemoryEnablement(),
                                       load_entrypoints=False).stores()
    assert stores["store-007"].name == "store-007"
    assert "store names from Znuny unavailable" in caplog.text


# -- what Znuny would refuse beyond names: owners, groups, service links, field types ------

@pytest.fixture(scope="module")
def retail_znuny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox's retail Znuny database (the tables and columns of a real Znuny)."""
    from radiant_ext_sandbox import create_app

    folder = tmp_path_factory.mktemp("retail-znuny")
    create_app(folder, seed="retail")
    return folder / "sandbox.sqlite"


@pytest.fixture
def broken_znuny(retail_znuny: Path, tmp_path: Path) -> Callable[[str], str]:
    """A copy of the retail database with one SQL change applied; returns its URL."""
    import sqlite3

    from sqlalchemy import create_engine, text

    def make(sql: str) -> str:
        copy = tmp_path / f"znuny-{abs(hash(sql))}.sqlite"
        with sqlite3.connect(retail_znuny) as source, sqlite3.connect(copy) as target:
            source.backup(target)  # the sandbox writes ahead: a file copy may miss rows
        engine = create_engine(f"sqlite:///{copy}")
        with engine.begin() as conn:
            conn.execute(text(sql))
        engine.dispose()
        return f"sqlite:///{copy}"

    return make


def _access_problems(url: str) -> list[str]:
    from radiant_ext.plugins import Plugins, make_plugin_manager
    from radiant_ext.plugins.znuny_meta import access_problems, read_znuny_access

    items = Plugins(make_plugin_manager(load_entrypoints=True)).catalog_items()
    return access_problems(items, read_znuny_access(url), agent="radiant")


def test_a_correct_znuny_refuses_nothing(retail_znuny: Path) -> None:
    assert _access_problems(f"sqlite:///{retail_znuny}") == []


@pytest.mark.parametrize(("sql", "expected"), [
    ("UPDATE users SET valid_id = 2 WHERE login = 'it-agent'",
     "it.pos-down: owner 'it-agent' is not a valid agent in Znuny"),
    ("DELETE FROM group_user WHERE user_id = (SELECT id FROM users WHERE login = 'it-agent')",
     "it.pos-down: owner 'it-agent' has no rw on group 'it' of queue 'IT::Stores': "
     "Admin::Group::UserLink --user-name it-agent --group-name it --permission rw"),
    ("DELETE FROM group_user WHERE user_id = (SELECT id FROM users WHERE login = 'radiant')",
     "the companion's agent 'radiant' has no rw on group 'it' of queue 'IT::Stores'"),
    ("DELETE FROM service_customer_user WHERE service_id = "
     "(SELECT id FROM service WHERE name = 'IT::Cash register')",
     "it.pos-down: service 'IT::Cash register' is not linked to the customers by default"),
    ("UPDATE dynamic_field SET field_type = 'Text' WHERE name = 'RadiantDeadline'",
     "dynamic field 'RadiantDeadline' is a Text field; the companion writes it as DateTime"),
], ids=["owner-invalid", "owner-without-rw", "companion-without-rw", "service-not-linked",
        "field-type"])
def test_each_thing_znuny_would_refuse_is_named_with_its_fix(
        broken_znuny: Callable[[str], str], sql: str, expected: str) -> None:
    problems = _access_problems(broken_znuny(sql))
    assert any(p.startswith(expected) or expected in p for p in problems), problems
