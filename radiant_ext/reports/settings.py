"""Report configuration: who counts as a manager, the time zone, contract penalty rules.

The ``[reports]`` table of the installation's TOML file (or ``RADIANT_REPORTS`` as JSON)::

    [reports]
    time_zone = "Europe/Moscow"
    agents = []                                   # empty: every agent Znuny accepts
    managers = { "store-007" = ["store-manager"] }

    [[reports.penalties]]
    id = "maintenance-6h"
    title = "Service company: 6-hour contract"
    sla = ["Maintenance contract"]
    kind = "per_hour"
    amount_per_hour = 500
    cap_amount = 50000
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from radiant_ext._zones import TimeZoneName
from radiant_ext.reports.errors import ReportSettingsError

if TYPE_CHECKING:
    from radiant_ext.config import Settings

__all__ = ["PenaltyRule", "ReportSettings", "report_settings"]


class PenaltyRule(BaseModel):
    """A contract penalty: which tickets it covers and what each missed deadline costs.

    ``per_hour`` charges ``amount_per_hour`` for every started hour past the solution
    deadline (after ``grace_minutes``); ``percent_of_fee`` charges ``percent_per_miss`` percent
    of ``monthly_fee`` for every missed deadline. Either is capped per month by
    ``cap_amount`` and/or ``cap_percent_of_fee`` (the lower cap wins).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=100)
    title: str = ""
    sla: list[str] = Field(default_factory=list, description="SLA names the rule covers.")
    departments: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list, description="Catalog item ids.")
    kind: Literal["per_hour", "percent_of_fee"]
    amount_per_hour: Decimal = Field(Decimal(0), ge=0)
    monthly_fee: Decimal = Field(Decimal(0), ge=0)
    percent_per_miss: Decimal = Field(Decimal(0), ge=0, le=100)
    cap_amount: Decimal | None = Field(None, ge=0)
    cap_percent_of_fee: Decimal | None = Field(None, ge=0, le=100)
    grace_minutes: int = Field(0, ge=0)
    currency: str = "RUB"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not (self.sla or self.departments or self.categories):
            raise ValueError("name at least one sla, department or category")
        if self.kind == "per_hour" and self.amount_per_hour <= 0:
            raise ValueError("a per_hour rule needs amount_per_hour > 0")
        if self.kind == "percent_of_fee" and (self.monthly_fee <= 0 or self.percent_per_miss <= 0):
            raise ValueError("a percent_of_fee rule needs monthly_fee and percent_per_miss > 0")
        if self.cap_percent_of_fee is not None and self.monthly_fee <= 0:
            raise ValueError("cap_percent_of_fee needs monthly_fee > 0")
        return self

    @property
    def cap(self) -> Decimal | None:
        """The monthly cap in money (the lower of the two caps), or ``None``."""
        caps = [self.cap_amount] if self.cap_amount is not None else []
        if self.cap_percent_of_fee is not None:
            caps.append(self.monthly_fee * self.cap_percent_of_fee / 100)
        return min(caps) if caps else None

    @property
    def label(self) -> str:
        """The title, or the id when no title is set."""
        return self.title or self.id


class ReportSettings(BaseModel):
    """The validated ``[reports]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_zone: TimeZoneName = "Europe/Moscow"
    managers: dict[str, list[str]] = Field(
        default_factory=dict, description="Customer company id → logins of its managers."
    )
    agents: list[str] = Field(
        default_factory=list, description="Agent logins allowed in; empty: every agent."
    )
    penalties: list[PenaltyRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_rules(self) -> Self:
        ids = [rule.id for rule in self.penalties]
        if len(ids) != len(set(ids)):
            raise ValueError("penalty rule ids must be unique")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The time zone reports count days, weekdays and hours in."""
        return ZoneInfo(self.time_zone)

    def managed_company(self, login: str, company: str) -> str | None:
        """``company`` when ``login`` is configured as one of its managers, else ``None``."""
        return company if company and login in self.managers.get(company, ()) else None

    def rule(self, rule_id: str) -> PenaltyRule | None:
        """The penalty rule ``rule_id``, or ``None``."""
        return next((r for r in self.penalties if r.id == rule_id), None)


def report_settings(settings: Settings) -> ReportSettings:
    """Validate ``settings.reports``.

    :raises ReportSettingsError: with every problem on one line.
    """
    try:
        return ReportSettings.model_validate(settings.reports)
    except ValidationError as exc:
        problems = "; ".join(
            f"reports.{'.'.join(str(p) for p in err['loc']) or 'table'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ReportSettingsError(f"invalid report settings: {problems}") from exc
