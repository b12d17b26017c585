"""Priority rules: base priority plus rules over the request, each explained."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from radiant_ext.plugins import PriorityRule, RequestContext, StoreInfo
from radiant_ext.plugins.rules import apply_rules

FLAGSHIP = StoreInfo(id="store-001", name="Store 001 Moscow", tier="flagship")
PLAIN = StoreInfo(id="store-007", name="Store 007 Moscow")


def rule(**kwargs: object) -> PriorityRule:
    data: dict[str, object] = {"id": "r", "text": "Rule {store}"}
    data.update(kwargs)
    return PriorityRule.model_validate(data)


def run(rules: list[PriorityRule], *, base: int = 3, hours: float = 8,
        store: StoreInfo | None = PLAIN, **request: object) -> tuple[int, float, list[str]]:
    ctx = RequestContext(store_id=store.id if store else None,
                         submitted_at=datetime(2026, 11, 23, 9, tzinfo=ZoneInfo("UTC")),
                         **request)  # type: ignore[arg-type]
    out = apply_rules(rules, item_id="it.pos-down", base_level=base, business_hours=hours,
                      request=ctx, store=store)
    return out.level, out.business_hours, [f"{f.id}: {f.text} [{f.effect}]" for f in out.fired]


def test_store_tier_rule_fires_only_for_that_tier() -> None:
    rules = [rule(id="flagship", when={"store_tiers": ["flagship"]}, **{"raise": 1})]
    assert run(rules, store=FLAGSHIP) == (
        4, 8, ["flagship: Rule Store 001 Moscow [priority 3 normal → 4 high]"])
    assert run(rules, store=PLAIN) == (3, 8, [])
    assert run(rules, store=None) == (3, 8, [])


def test_impact_rule_sets_priority_and_shortens_deadline() -> None:
    rules = [rule(id="cannot-sell", text="Whole store cannot sell",
                  when={"field": "impact", "equals": "whole-store"}, set=5, deadline_hours=2)]
    level, hours, fired = run(rules, fields={"impact": "whole-store"})
    assert (level, hours) == (5, 2)
    assert fired == ["cannot-sell: Whole store cannot sell "
                     "[priority 3 normal → 5 very high; deadline 8 → 2 business hours]"]
    assert run(rules, fields={"impact": "one"})[:2] == (3, 8)


def test_field_in_list_and_field_present() -> None:
    rules = [rule(id="in", when={"field": "area", "in": ["a", "b"]}, at_least=4),
             rule(id="given", when={"field": "photo"}, **{"raise": -1})]
    assert run(rules, fields={"area": "b"})[0] == 4
    assert run(rules, fields={"area": "c", "photo": "x.jpg"})[0] == 2
    assert run(rules, fields={"area": "a", "photo": "x.jpg"})[0] == 3


def test_priority_is_clamped_and_a_rule_that_changes_nothing_is_still_listed() -> None:
    rules = [rule(id="up", **{"raise": 2})]
    level, _, fired = run(rules, base=5)
    assert level == 5
    assert fired == ["up: Rule Store 007 Moscow []"]


def test_longer_deadline_from_a_rule_never_extends_the_promise() -> None:
    assert run([rule(deadline_hours=20)], hours=8)[1] == 8


def test_store_and_company_conditions() -> None:
    rules = [rule(id="s", when={"stores": ["store-007"]}, **{"raise": 1}),
             rule(id="c", when={"companies": ["head-office"]}, **{"raise": 1})]
    assert run(rules)[0] == 4
    assert run(rules, store=FLAGSHIP, customer_company="head-office")[0] == 4


def counter(n: int, calls: list[tuple[str, str, int]]) -> Callable[[str, str, int], int]:
    def recent(store_id: str, item_id: str, days: int) -> int:
        calls.append((store_id, item_id, days))
        return n

    return recent


@pytest.mark.parametrize(("earlier", "fires"), [(0, False), (1, False), (2, True), (5, True)])
def test_repeat_incidents_use_the_callers_count(earlier: int, fires: bool) -> None:
    calls: list[tuple[str, str, int]] = []
    rules = [rule(id="repeat", text="{count} earlier within {days} days",
                  when={"repeat_within_days": 7, "repeat_at_least": 2}, **{"raise": 1})]
    level, _, fired = run(rules, recent_incidents=counter(earlier, calls))
    assert calls == [("store-007", "it.pos-down", 7)]
    assert level == (4 if fires else 3)
    if fires:
        assert fired == [f"repeat: {earlier} earlier within 7 days [priority 3 normal → 4 high]"]


def test_repeat_rule_is_silent_without_history_or_store() -> None:
    rules = [rule(when={"repeat_within_days": 7}, **{"raise": 1})]
    assert run(rules)[0] == 3
    assert run(rules, store=None, recent_incidents=counter(9, []))[0] == 3


def test_rules_apply_in_order() -> None:
    rules = [rule(id="set", set=2), rule(id="up", **{"raise": 1})]
    assert run(rules, base=5)[0] == 3
    assert run(list(reversed(rules)), base=4)[0] == 2


def test_equals_without_field_is_refused() -> None:
    with pytest.raises(ValueError, match="need 'field'"):
        rule(when={"equals": "x"}, set=1)
