"""The optional ``satisfaction:`` block of a catalog item (docs/satisfaction.md)."""

from __future__ import annotations

import pytest

from radiant_ext.plugins.catalog import SatisfactionPolicy
from radiant_ext.plugins.errors import CatalogError
from radiant_ext.plugins.loader import load_catalog_text

ITEM = """
items:
  - id: it.printer
    department: it
    title: Printer jam
    routing: {type: Incident, queue: "IT::Stores"}
    deadline: {business_hours: 8}
{extra}
"""


def _policy(extra: str = "") -> SatisfactionPolicy:
    return load_catalog_text(ITEM.replace("{extra}", extra), "it.yaml").items[0].satisfaction


def test_without_a_block_the_item_asks_and_a_rating_of_two_alerts() -> None:
    policy = _policy()
    assert (policy.ask, policy.poor_at_most, policy.on_poor) == (True, 2, "alert")


def test_an_item_may_reopen_on_a_poor_rating_or_not_ask() -> None:
    policy = _policy("    satisfaction: {poor_at_most: 3, on_poor: reopen}")
    assert (policy.poor_at_most, policy.on_poor) == (3, "reopen")
    assert _policy("    satisfaction: {ask: false}").ask is False


@pytest.mark.parametrize("block", ["{on_poor: escalate}", "{poor_at_most: 5}", "{asked: true}"])
def test_a_wrong_block_is_a_catalog_error(block: str) -> None:
    with pytest.raises(CatalogError):
        _policy(f"    satisfaction: {block}")
