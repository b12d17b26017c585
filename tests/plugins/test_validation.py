"""Form values are checked against each field kind's rules, in English and Russian."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from radiant_ext.plugins import CatalogItem
from radiant_ext.plugins.validation import validate_fields

TODAY = date(2026, 11, 23)
LABEL = "L"

ITEM = CatalogItem.model_validate({
    "id": "ops.form",
    "department": "ops",
    "title": "Form",
    "routing": {"type": "Incident", "queue": "IT"},
    "deadline": {"business_hours": 1, "calendar": {"id": "c", "hours": {"mon": "08:00-18:00"}}},
    "fields": [
        {"id": "name", "kind": "text", "label": LABEL, "required": True, "min_length": 2,
         "max_length": 10, "pattern": "^[A-Za-z ]+$"},
        {"id": "story", "kind": "long_text", "label": LABEL},
        {"id": "color", "kind": "choice", "label": LABEL,
         "options": [{"value": "red", "label": LABEL}, {"value": "blue", "label": LABEL}]},
        {"id": "count", "kind": "number", "label": LABEL, "integer": True, "min": 1, "max": 5},
        {"id": "weight", "kind": "number", "label": LABEL, "min": 0.5},
        {"id": "when", "kind": "date", "label": LABEL, "min_days_ahead": 1,
         "max_days_ahead": 30},
        {"id": "serial", "kind": "serial_number", "label": LABEL},
        {"id": "store", "kind": "store", "label": LABEL},
        {"id": "files", "kind": "attachment", "label": LABEL, "extensions": ["pdf", ".PNG"],
         "max_files": 2},
    ],
})


@dataclass
class Upload:
    filename: str


def problems(**values: Any) -> list[tuple[str, str]]:
    fields = {"name": "Anna", **values}
    errors = validate_fields(ITEM, fields, today=TODAY, store_ids={"store-001", "store-007"})
    return [(e.field, e.code) for e in errors]


def test_valid_values_pass() -> None:
    assert problems(story="x" * 1000, color="red", count="3", weight="0,75",
                    when=(TODAY + timedelta(days=1)).isoformat(), serial="AB-1234",
                    store="store-007", files=[Upload("scan.pdf"), "photo.png"]) == []


def test_required_field_missing_or_blank() -> None:
    errors = validate_fields(ITEM, {"name": "   "}, today=TODAY, store_ids=())
    assert [(e.field, e.code, str(e.message), e.get("ru")) for e in errors] == [
        ("name", "required", "This field is required.", "Это поле обязательно.")]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"name": "A"}, ("name", "too_short")),
        ({"name": "Anna Maria Theresa"}, ("name", "too_long")),
        ({"name": "Anna1"}, ("name", "invalid")),
        ({"color": "green"}, ("color", "invalid_choice")),
        ({"count": "2.5"}, ("count", "not_a_number")),
        ({"count": "0"}, ("count", "too_small")),
        ({"count": "6"}, ("count", "too_large")),
        ({"weight": "heavy"}, ("weight", "not_a_number")),
        ({"when": "23.11.2026"}, ("when", "invalid_date")),
        ({"when": TODAY.isoformat()}, ("when", "too_early")),
        ({"when": (TODAY + timedelta(days=31)).isoformat()}, ("when", "too_late")),
        ({"serial": "a b"}, ("serial", "invalid_serial")),
        ({"store": "store-999"}, ("store", "unknown_store")),
        ({"files": ["a.exe"]}, ("files", "file_type")),
        ({"files": ["a.pdf", "b.pdf", "c.pdf"]}, ("files", "too_many_files")),
    ],
)
def test_invalid_values_are_reported(values: dict[str, Any], expected: tuple[str, str]) -> None:
    assert problems(**values) == [expected]


def test_messages_exist_in_both_languages() -> None:
    errors = validate_fields(ITEM, {"name": "Anna", "count": "9"}, today=TODAY, store_ids=())
    assert errors[0].get("en") == "The value must be at most 5."
    assert errors[0].get("ru") == "Значение должно быть не больше 5."


@pytest.mark.parametrize(
    ("values", "russian"),
    [
        ({"name": "A"}, "Введите не менее 2 символов."),
        ({"count": "2.5"}, "Введите целое число."),
        ({"weight": "heavy"}, "Введите число."),
        ({"weight": "0.2"}, "Значение должно быть не меньше 0.5."),
        ({"when": TODAY.isoformat()}, "Дата должна быть не раньше 2026-11-24."),
        ({"files": ["a.exe"]}, "Допустимые типы файлов: pdf, png."),
        ({"files": ["a.pdf", "b.pdf", "c.pdf"]}, "Приложите не более 2 файлов."),
    ],
)
def test_russian_messages_carry_their_values(values: dict[str, Any], russian: str) -> None:
    [error] = validate_fields(ITEM, {"name": "Anna", **values}, today=TODAY, store_ids=())
    assert error.get("ru") == russian
    assert error.get("en") == str(error.message) and error.get("en") != russian


def test_unknown_keys_are_ignored() -> None:
    assert problems(csrf_token="abc") == []
