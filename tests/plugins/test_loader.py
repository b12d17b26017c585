"""Catalog YAML: valid files load, broken ones are refused naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from radiant_ext.plugins import (
    CatalogError,
    ChoiceField,
    load_catalog_dirs,
    load_catalog_file,
    load_catalog_text,
)


def _error(text: str) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        load_catalog_text(text, "catalogs/ops.yaml")
    return info.value


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_valid_catalog_resolves_department_calendar_and_shared_rules(base_catalog: str) -> None:
    f = load_catalog_text(base_catalog)
    till = f.items[0]
    assert till.department == "ops"
    assert till.deadline.calendar.id == "default"
    assert [r.id for r in till.rules] == ["flagship"]
    assert isinstance(till.fields[0], ChoiceField)
    assert till.title == "Till" and till.domain == "radiant_ext"  # no domain given: the core's


def test_missing_routing_queue_names_file_line_and_field(base_catalog: str) -> None:
    text = base_catalog.replace('queue: IT, priority: 2', 'priority: 2')
    err = _error(text)
    problem = err.problems[0]
    assert problem.file == "catalogs/ops.yaml"
    assert problem.field == "items[1].routing.queue"
    assert problem.line == _line_of(text, "routing: {type: Service Request")
    assert str(err).startswith(f"catalogs/ops.yaml:{problem.line}:")
    assert "Field required" in str(err)


def test_unknown_field_kind_points_at_the_kind_line(base_catalog: str) -> None:
    text = base_catalog.replace("kind: choice", "kind: dropdown")
    problem = _error(text).problems[0]
    assert problem.field == "items[0].fields[0]"
    assert "dropdown" in problem.message
    assert problem.line == _line_of(text, "- id: impact")


def test_error_inside_a_choice_field_drops_the_union_tag(base_catalog: str) -> None:
    text = base_catalog.replace("- {value: all,", "- {value: one,")
    problem = _error(text).problems[0]
    assert problem.field == "items[0].fields[0]"
    assert "option values must be unique" in problem.message


def test_priority_out_of_range_points_at_the_value(base_catalog: str) -> None:
    text = base_catalog.replace("sla: POS critical, priority: 3", "sla: POS critical, priority: 9")
    problem = _error(text).problems[0]
    assert problem.field == "items[0].routing.priority"
    assert problem.line == _line_of(text, "priority: 9")
    assert "less than or equal to 5" in problem.message


def test_yaml_syntax_error_names_the_line() -> None:
    text = "department:\n  id: ops\n  title: {en: Ops, ru: Оп\nitems: []\n"
    err = _error(text)
    assert err.problems[0].line == 4
    assert "YAML syntax" in str(err)


def test_duplicate_keys_are_refused(base_catalog: str) -> None:
    once = "    deadline: {business_hours: 8}\n"
    text = base_catalog.replace(once, once + "    deadline: {business_hours: 9}\n")
    problem = _error(text).problems[0]
    assert problem.message == "duplicate key 'deadline'"
    assert problem.line == _line_of(text, "business_hours: 9")
    assert problem.field == "items[1].deadline"


def test_unknown_calendar_and_shared_rule_are_named(base_catalog: str) -> None:
    text = base_catalog.replace("deadline: {business_hours: 4}",
                                "deadline: {business_hours: 4, calendar: moon}")
    text = text.replace("rules: [flagship]", "rules: [flagship, nightly]")
    err = _error(text)
    assert [(p.field, p.message) for p in err.problems] == [
        ("items[0].deadline.calendar", "unknown calendar 'moon'"),
        ("items[0].rules[1]", "unknown shared rule 'nightly'"),
    ]
    assert "(and 1 more problems)" in str(err)


STORES = """
calendars:
  - id: mall
    hours: {sat: "10:00-22:00", sun: "10:00-22:00"}
stores:
  - {id: store-100, name: Mall, tier: flagship, time_zone: Asia/Omsk, calendar: mall}
  - {id: store-101, calendar: 24x7}
  - {id: store-102}
"""


def test_stores_name_their_trading_hours_by_calendar_id(base_catalog: str) -> None:
    text = base_catalog.replace("deadline: {business_hours: 4}",
                                "deadline: {business_hours: 4, calendar: store, fallback: mall}")
    loaded = load_catalog_text(text + STORES, "stores.yaml")
    mall, always, plain = loaded.stores
    assert mall.calendar is not None and mall.calendar.id == "mall"
    assert always.calendar is not None and always.calendar.id == "24x7"
    assert plain.calendar is None and plain.name == ""
    till = loaded.items[0].deadline
    assert till.store_hours and till.calendar.id == "mall"
    assert loaded.items[1].deadline.store_hours is False


def test_store_calendar_mistakes_are_named(base_catalog: str) -> None:
    text = base_catalog.replace("deadline: {business_hours: 4}",
                                "deadline: {business_hours: 4, calendar: store, fallback: moon}")
    text = text.replace("deadline: {business_hours: 8}",
                        "deadline: {business_hours: 8, fallback: default}")
    err = _error(text + STORES.replace("calendar: mall}", "calendar: sun}"))
    assert [(p.field, p.message) for p in err.problems] == [
        ("items[0].deadline.fallback", "unknown calendar 'moon'"),
        ("items[1].deadline.fallback", "'fallback' needs 'calendar: store'"),
        ("stores[0].calendar", "unknown calendar 'sun'"),
    ]
    reserved = _error(base_catalog + "calendars:\n  - {id: store, hours: {mon: 08:00-09:00}}\n")
    assert "reserved for the store's trading hours" in reserved.problems[0].message


def test_item_id_must_belong_to_its_department(base_catalog: str) -> None:
    problem = _error(base_catalog.replace("id: ops.paper", "id: hr.paper")).problems[0]
    assert problem.field == "items[1]"
    assert "must start with 'ops.'" in problem.message


def test_rule_on_unknown_field_is_refused(base_catalog: str) -> None:
    text = base_catalog.replace("rules: [flagship]", """rules:
      - id: urgent
        text: Urgent
        when: {field: urgency, equals: high}
        raise: 1""")
    assert "unknown field 'urgency'" in _error(text).problems[0].message


def test_rule_without_effect_and_owner_plus_pool_are_refused(base_catalog: str) -> None:
    text = base_catalog.replace("    raise: 1\n", "")
    assert "needs an effect" in _error(text).problems[0].message
    text = base_catalog.replace("owner_pool: [a1, a2, a3]", "owner: a1, owner_pool: [a2]")
    assert "either owner or owner_pool" in _error(text).problems[0].message


def test_a_catalog_still_written_in_en_ru_pairs_gets_one_error_saying_what_to_do(
    base_catalog: str,
) -> None:
    text = base_catalog.replace("title: Paper", "title: {en: Paper, ru: Бумага}").replace(
        '    text: "Flagship store {store}"\n',
        '    text: "Flagship store {store}"\n    text_ru: "Флагман {store}"\n')
    error = _error(text)
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert (problem.field, problem.line) == ("rules[0].text_ru", 7)
    assert "translations/ru/LC_MESSAGES/radiant_ext.po" in problem.message
    assert "1 more place(s)" in problem.message
    only_item = _error(base_catalog.replace("title: Paper", "title: {en: Paper, ru: Бумага}"))
    assert only_item.problems[0].field == "items[1].title"
    assert "item 'ops.paper'" in only_item.problems[0].message
    assert "plain English" in str(only_item)


def test_a_catalog_directory_file_is_translated_from_the_po_beside_it(
    tmp_path: Path, base_catalog: str,
) -> None:
    (tmp_path / "ops.yaml").write_text(base_catalog, "utf-8")
    po = tmp_path / "translations" / "ru" / "LC_MESSAGES" / "ops.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Till"\nmsgstr "Касса"\n\n'
                  'msgid "Flagship store {store}"\nmsgstr "Флагманский магазин {store}"\n',
                  "utf-8")
    [catalog] = load_catalog_dirs([tmp_path])
    till = catalog.items[0]
    assert (till.translate(till.title, "ru"), till.translate(till.title, "en")) == ("Касса",
                                                                                   "Till")
    # a text the .po does not have stays English rather than disappearing
    assert till.translate("Impact", "ru") == "Impact"


def test_top_level_must_be_a_mapping() -> None:
    assert "must be a mapping" in str(_error("- a\n- b\n"))


def test_catalog_dirs_report_every_broken_file(tmp_path: Path, base_catalog: str) -> None:
    (tmp_path / "a.yaml").write_text(base_catalog.replace("kind: choice", "kind: x"), "utf-8")
    (tmp_path / "b.yml").write_text("items: [", "utf-8")
    (tmp_path / "notes.txt").write_text("ignored", "utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog_dirs([tmp_path])
    files = [Path(p.file).name for p in info.value.problems]
    assert files == ["a.yaml", "b.yml"]


def test_missing_catalog_dir_and_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog_dirs([tmp_path / "nope"])
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog_file(tmp_path / "bad.yaml")


def test_stores_in_a_catalog_file(tmp_path: Path) -> None:
    (tmp_path / "stores.yaml").write_text(
        "stores:\n  - {id: store-900, name: Store 900 Minsk, tier: flagship, "
        "time_zone: Europe/Minsk}\n", "utf-8")
    [f] = load_catalog_dirs([tmp_path])
    assert f.stores[0].tier == "flagship" and f.items == []


def test_store_with_unknown_time_zone_is_refused() -> None:
    problem = _error("stores:\n  - {id: store-900, name: X, time_zone: Europe/Atlantis}\n"
                     ).problems[0]
    assert (problem.line, problem.field) == (2, "stores[0].time_zone")
    assert "unknown time zone 'Europe/Atlantis'" in problem.message
