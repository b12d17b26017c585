"""Priority rules that explain themselves.

A rule has an ``id``, a human ``text`` (English, the msgid of the catalog's gettext domain,
with ``{count}``, ``{days}``, ``{store}``, ``{tier}`` placeholders), a condition (``when``)
and an effect. All conditions in ``when`` must hold. Rules run in order, starting from the
item's base priority; every rule that changes something is reported in
:attr:`RoutingDecision.rules_fired`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

from radiant_ext.i18n import CORE_DOMAIN, Message
from radiant_ext.plugins.models import RequestContext, RuleFired, StoreInfo, priority_name

__all__ = ["PriorityRule", "RuleCondition", "RuleOutcome", "apply_rules"]


class RuleCondition(BaseModel):
    """When a rule applies; an empty condition always applies."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    store_tiers: list[str] = Field(default_factory=list)
    stores: list[str] = Field(default_factory=list)
    companies: list[str] = Field(default_factory=list)
    field: str | None = None
    equals: str | None = None
    one_of: list[str] = Field(default_factory=list, alias="in")
    repeat_within_days: int | None = Field(None, ge=1)
    repeat_at_least: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _field_test(self) -> RuleCondition:
        if (self.equals is not None or self.one_of) and not self.field:
            raise ValueError("'equals' and 'in' need 'field'")
        return self


class PriorityRule(BaseModel):
    """One rule over the request: condition plus effect on priority and deadline."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str = Field(min_length=1)
    when: RuleCondition = RuleCondition()
    raise_by: int = Field(0, alias="raise", ge=-4, le=4)
    set: int | None = Field(None, ge=1, le=5)
    at_least: int | None = Field(None, ge=1, le=5)
    deadline_hours: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _has_effect(self) -> PriorityRule:
        if not (self.raise_by or self.set or self.at_least or self.deadline_hours):
            raise ValueError("a rule needs an effect: raise, set, at_least or deadline_hours")
        return self


@dataclass
class RuleOutcome:
    """Priority level and deadline hours after the rules, plus what fired."""

    level: int
    business_hours: float
    fired: list[RuleFired] = field(default_factory=list)


def _matches(
    cond: RuleCondition, item_id: str, request: RequestContext, store: StoreInfo | None
) -> dict[str, str | int | float] | None:
    """Return placeholder values when ``cond`` holds, ``None`` when it does not."""
    values: dict[str, str | int | float] = {
        "store": store.name if store else (request.store_id or ""),
        "tier": store.tier if store else "",
    }
    if cond.store_tiers and (store is None or store.tier not in cond.store_tiers):
        return None
    if cond.stores and request.store_id not in cond.stores:
        return None
    if cond.companies and request.customer_company not in cond.companies:
        return None
    if cond.field and not _field_matches(cond, request):
        return None
    if cond.repeat_within_days is not None:
        if request.recent_incidents is None or not request.store_id:
            return None
        count = request.recent_incidents(request.store_id, item_id, cond.repeat_within_days)
        if count < cond.repeat_at_least:
            return None
        values.update(count=count, days=cond.repeat_within_days)
    return values


def _field_matches(cond: RuleCondition, request: RequestContext) -> bool:
    value = request.fields.get(cond.field or "")
    text = "" if value is None else str(value)
    if cond.equals is not None:
        return text == cond.equals
    if cond.one_of:
        return text in cond.one_of
    return bool(text)


def _effect(rule: PriorityRule, outcome: RuleOutcome) -> str:
    before, hours = outcome.level, outcome.business_hours
    level = before
    if rule.set is not None:
        level = rule.set
    level = max(1, min(5, level + rule.raise_by))
    if rule.at_least is not None:
        level = max(level, rule.at_least)
    parts = []
    if level != before:
        parts.append(f"priority {priority_name(before)} → {priority_name(level)}")
    if rule.deadline_hours is not None and rule.deadline_hours < hours:
        parts.append(f"deadline {hours:g} → {rule.deadline_hours:g} business hours")
        outcome.business_hours = rule.deadline_hours
    outcome.level = level
    return "; ".join(parts)


def apply_rules(
    rules: list[PriorityRule],
    *,
    item_id: str,
    base_level: int,
    business_hours: float,
    request: RequestContext,
    store: StoreInfo | None,
    domain: str = CORE_DOMAIN,
) -> RuleOutcome:
    """Run ``rules`` in order over ``request``; return the result and the rules that fired.

    ``domain`` is the gettext domain the rules' texts are translated in (their catalog's).

    A rule whose condition holds but that changes nothing (priority already at 5) is still
    reported, with an empty effect, so the explanation stays complete.
    """
    outcome = RuleOutcome(level=base_level, business_hours=business_hours)
    for rule in rules:
        values = _matches(rule.when, item_id, request, store)
        if values is None:
            continue
        effect = _effect(rule, outcome)
        outcome.fired.append(
            RuleFired(id=rule.id, text=Message(msgid=rule.text, params=values, domain=domain),
                      effect=effect)
        )
    return outcome
