"""Public holidays for any year, country and subdivision, from the ``holidays`` package.

A calendar names a country (ISO 3166-1 code such as ``RU``) and optionally a subdivision
(ISO 3166-2 suffix such as ``BY`` for Bavaria); the dates are computed by the package for
whatever year a deadline reaches, so no table of dates ever runs out.

Russia moves working days onto weekends by decree (Saturday 1 November 2025 worked in place of
Monday 3 November). The package records those as ``weekend_workdays``; a calendar follows them
unless ``moved_working_days`` is off.
"""

from __future__ import annotations

import functools
from datetime import date

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["PublicHolidays", "public_days"]

_SHOWN = 12  # subdivisions listed in an error message before "…"


class PublicHolidays(BaseModel):
    """Which public holidays a calendar observes, as written in YAML.

    ``public_holidays: {country: RU}`` or ``{country: DE, subdivision: BY}``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field(min_length=2, max_length=3, description="ISO 3166-1 code, e.g. RU")
    subdivision: str | None = Field(None, description="ISO 3166-2 subdivision, e.g. BY")
    categories: tuple[str, ...] = Field(("public",), min_length=1)
    observed: bool = Field(True, description="Include days off that replace a weekend holiday.")
    moved_working_days: bool = Field(
        True, description="Weekend days the country declares working days work."
    )

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()

    @model_validator(mode="after")
    def _known(self) -> PublicHolidays:
        try:
            entity = holidays.country_holidays(self.country)
        except NotImplementedError:
            raise ValueError(
                f"unknown country {self.country!r} for public holidays (use an ISO 3166-1 "
                "code the holidays package knows, e.g. RU, DE, US)") from None
        known = tuple(entity.subdivisions)
        aliases = tuple(getattr(entity, "subdivisions_aliases", {}))
        if self.subdivision is not None and self.subdivision not in known + aliases:
            listed = ", ".join(known[:_SHOWN]) + (", …" if len(known) > _SHOWN else "")
            raise ValueError(f"country {self.country} has no subdivision {self.subdivision!r} "
                             f"(known: {listed or 'none'})")
        unknown = sorted(set(self.categories) - set(entity.supported_categories))
        if unknown:
            raise ValueError(f"country {self.country} has no holiday category {unknown[0]!r} "
                             f"(known: {', '.join(entity.supported_categories)})")
        return self

    def days_of(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        """Return the holidays and the moved working days (weekend days that work) of ``year``."""
        off, working = public_days(self.country, self.subdivision, self.categories,
                                   self.observed, year)
        return off, working if self.moved_working_days else frozenset()


@functools.lru_cache(maxsize=512)
def public_days(
    country: str, subdivision: str | None, categories: tuple[str, ...], observed: bool, year: int
) -> tuple[frozenset[date], frozenset[date]]:
    """Return ``(holidays, weekend working days)`` of one year, computed once per process.

    Calendars are rebuilt for every routing decision, so the cache sits here, not on them.
    """
    found = holidays.country_holidays(country, subdiv=subdivision, years=year,
                                      categories=categories, observed=observed)
    off = frozenset(d for d in found if d.year == year)
    working = frozenset(d for d in getattr(found, "weekend_workdays", ()) if d.year == year)
    return off, working
