"""The declarative catalog: departments, catalog items and everything an item decides.

A :class:`CatalogItem` owns a request type's whole behaviour — its texts (English msgids of
its catalog's gettext domain, see :mod:`radiant_ext.plugins.translations`), "try this first"
steps, form fields, who sees it, where the ticket goes, how priority is
raised by rules, and the business-hours deadline. Catalog files hold one
:class:`CatalogFile` each (see ``docs/catalogs.md``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from radiant_ext.i18n import CORE_DOMAIN, gettext
from radiant_ext.plugins.approval import Approval
from radiant_ext.plugins.bundle import Bundle
from radiant_ext.plugins.calendar import BusinessCalendar, CalendarSpec
from radiant_ext.plugins.models import PRIORITY_NAMES, StoreInfo, priority_name
from radiant_ext.plugins.rules import PriorityRule
from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW, Workflow

__all__ = [
    "DEPARTMENT_ICONS",
    "ICON_NAME",
    "PRIORITY_NAMES",
    "SUMMARY_MAX",
    "AttachmentField",
    "CatalogFile",
    "CatalogItem",
    "ChoiceField",
    "ChoiceOption",
    "DateField",
    "DeadlinePolicy",
    "Department",
    "DowntimeCost",
    "FieldSpec",
    "Text",
    "NumberField",
    "Routing",
    "SatisfactionPolicy",
    "SerialNumberField",
    "StoreField",
    "TextField",
    "Visibility",
    "priority_name",
]

ITEM_ID = r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9.-]*$"
ICON_NAME = r"^[a-z][a-z0-9-]{0,39}$"
"""An icon's name: the portal shows ``static/icons/<name>.svg`` (an unknown one as ``help``)."""
SUMMARY_MAX = 120
"""The longest tile summary (characters, in English): one or two short lines on a phone."""
DEPARTMENT_ICONS = {
    "it": "monitor", "hr": "people", "maintenance": "wrench", "customer-service": "chat",
    "accounting": "coins", "legal": "scales", "facilities": "building",
}
"""The icon of a department that names none, by department id."""
FIELD_ID = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, Field(min_length=1)]
"""A text for people, in English: the msgid its catalog's ``.po`` translates."""


class _FieldBase(_Model):
    id: str = Field(pattern=FIELD_ID)
    label: Text
    help: Text | None = None
    required: bool = False
    dynamic_field: str | None = Field(
        None, description="Znuny dynamic field that receives the value, if any."
    )


class TextField(_FieldBase):
    """A one-line text (``text``) or a multi-line text (``long_text``)."""

    kind: Literal["text", "long_text"]
    min_length: int = Field(0, ge=0)
    max_length: int = Field(2000, ge=1)
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return value


class ChoiceOption(_Model):
    """One option of a choice field: the stored value and its label."""

    value: str = Field(min_length=1)
    label: Text


class ChoiceField(_FieldBase):
    """A choice among fixed options."""

    kind: Literal["choice"]
    options: list[ChoiceOption] = Field(min_length=1)
    default: str | None = None

    @model_validator(mode="after")
    def _default_is_option(self) -> ChoiceField:
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")
        if self.default is not None and self.default not in values:
            raise ValueError(f"default {self.default!r} is not one of the options")
        return self


class NumberField(_FieldBase):
    """A number, optionally integer-only and bounded."""

    kind: Literal["number"]
    integer: bool = False
    min: float | None = None
    max: float | None = None


class DateField(_FieldBase):
    """A date (``YYYY-MM-DD``); bounds are days relative to the day of the request."""

    kind: Literal["date"]
    min_days_ahead: int | None = None
    max_days_ahead: int | None = None


class SerialNumberField(_FieldBase):
    """A device serial number; the pattern defaults to 4–32 letters, digits and dashes."""

    kind: Literal["serial_number"]
    pattern: str = r"^[A-Za-z0-9][A-Za-z0-9-]{3,31}$"


class StoreField(_FieldBase):
    """A store of the chain, by customer company id (``store-007``)."""

    kind: Literal["store"]


class AttachmentField(_FieldBase):
    """One or more uploaded files; ``extensions`` limits the file types (lower case)."""

    kind: Literal["attachment"]
    extensions: list[str] = Field(default_factory=list)
    max_files: int = Field(5, ge=1)


FieldSpec = Annotated[
    TextField | ChoiceField | NumberField | DateField | SerialNumberField | StoreField
    | AttachmentField,
    Field(discriminator="kind"),
]


class Visibility(_Model):
    """Who sees an item. Empty everywhere: everyone. Otherwise a viewer who matches any list.

    ``stores: ["*"]`` means every store in the store directory.
    """

    companies: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    stores: list[str] = Field(default_factory=list)
    store_tiers: list[str] = Field(default_factory=list)

    @property
    def unrestricted(self) -> bool:
        """``True`` when no list is set."""
        return not (self.companies or self.groups or self.stores or self.store_tiers)


class DeadlinePolicy(_Model):
    """The deadline promised to the requester, in business hours of a calendar.

    Which hours count (see ``docs/catalogs.md``, "Item and store calendars"):

    * ``store_hours`` (YAML ``calendar: store``): the store's trading hours (its
      ``calendar``, in its time zone); ``calendar`` is then the fallback for a request
      without a store or at a store without trading hours, counted in the store's zone
      when there is a store;
    * otherwise ``calendar`` — the team's own hours — in the calendar's zone, or with
      ``time_zone: store`` in the store's local time.
    """

    business_hours: float = Field(gt=0)
    calendar: CalendarSpec
    store_hours: bool = False
    time_zone: Literal["calendar", "store"] = "calendar"

    def calendar_for(self, store: StoreInfo | None) -> tuple[BusinessCalendar, str]:
        """Return the calendar that counts for a request at ``store``, and a label for it.

        The label names the calendar and its zone, and why a fallback was taken
        (``"default (Asia/Omsk), store-010 has no trading hours"``).
        """
        if self.store_hours and store is not None and store.calendar is not None:
            cal = store.calendar.build(store.time_zone)
            return cal, f"{cal.spec.id} ({cal.tz.key}), trading hours of {store.id}"
        local = store is not None and (self.store_hours or self.time_zone == "store")
        cal = self.calendar.build(store.time_zone if local and store else None)
        label = f"{cal.spec.id} ({cal.tz.key})"
        if self.store_hours:
            why = f"{store.id} has no trading hours" if store else "no store given"
            label += f", {why}"
        return cal, label


class Routing(_Model):
    """Where the ticket goes: Znuny names, base priority (1–5) and owner or owner pool."""

    type: str = Field(min_length=1)
    queue: str = Field(min_length=1)
    service: str | None = None
    sla: str | None = None
    priority: int = Field(3, ge=1, le=5)
    owner: str | None = None
    owner_pool: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_owner_source(self) -> Routing:
        if self.owner and self.owner_pool:
            raise ValueError("set either owner or owner_pool, not both")
        if self.sla and not self.service:
            raise ValueError("an SLA needs a service")
        return self


class SatisfactionPolicy(_Model):
    """What the requester's rating of a solved request of this item leads to
    (docs/satisfaction.md). Without a ``satisfaction:`` block: asked, and a rating of 2 or
    less alerts the owner's team."""

    ask: bool = Field(True, description="Ask the requester for a rating once solved.")
    poor_at_most: int = Field(2, ge=1, le=4, description="A rating this low or lower is poor.")
    on_poor: Literal["alert", "reopen", "nothing"] = Field(
        "alert", description="alert: an internal note to the owner's team and the priority "
        "raised one step; reopen: the request is opened again; nothing: only recorded.")


Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
"""An amount of money: not negative, at most 12 digits before the point and 2 after."""


class DowntimeCost(_Model):
    """What an hour of an outage costs the business, per store tier (``docs/catalogs.md``,
    "Downtime cost"). A tier not listed has no cost; the reports show it as such."""

    per_hour: dict[Annotated[str, Field(min_length=1, max_length=100)], Money] = Field(
        min_length=1, description="Store tier (flagship, standard…) → money per hour.")
    currency: str = Field("RUB", description="ISO 4217 code of the amounts (RUB, EUR…).")

    @model_validator(mode="before")
    @classmethod
    def _tiers_under_per_hour(cls, value: object) -> object:
        if isinstance(value, dict) and "per_hour" not in value:
            tiers = sorted(str(k) for k in value if k != "currency")
            if tiers:
                raise ValueError(f"write the tiers under per_hour: {{per_hour: {{{tiers[0]}: "
                                 "…}, currency: RUB}")
        return value

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"currency {value!r} is not a three-letter ISO 4217 code in "
                             "capitals, such as RUB or EUR")
        return value

    def rate(self, tier: str) -> Decimal | None:
        """Money per hour of an outage at a store of ``tier``, or ``None`` when not given."""
        return self.per_hour.get(tier)


class CatalogItem(_Model):
    """One request type of a department's catalog."""

    id: str = Field(pattern=ITEM_ID, description="'<department>.<name>', e.g. it.pos-down")
    department: str = Field(min_length=1)
    title: Text
    help: Text | None = None
    try_first: list[Text] = Field(default_factory=list)
    fields: list[FieldSpec] = Field(default_factory=list)
    visibility: Visibility = Visibility()
    routing: Routing
    deadline: DeadlinePolicy
    rules: list[PriorityRule] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    order: int = 100
    satisfaction: SatisfactionPolicy = SatisfactionPolicy()
    downtime_cost: DowntimeCost | None = Field(
        None, description="What an hour of the outage costs per store tier; replaces the "
        "department's as a whole. None: the department's.")
    summary: Text | None = Field(
        None, max_length=SUMMARY_MAX, description="One short line under the title on the "
        "catalog tile (translated like the title).")
    icon: str | None = Field(
        None, pattern=ICON_NAME, description="Name of an icon the portal ships "
        "(docs/catalogs.md, 'Icons'); None: the department's.")
    show_priority: bool | None = Field(
        None, description="Show the requester the priority the request got; None: shown "
        "when rules decide it (the item has rules).")
    workflow: Workflow | None = Field(
        None, description="The steps and moves of its requests (docs/catalogs.md, "
        "'Workflows'); None: DEFAULT_WORKFLOW.")
    approval: Approval | None = Field(
        None, description="Who must approve its requests before work starts "
        "(docs/catalogs.md, 'Approvals'); None: no approval.")
    bundle: Bundle | None = Field(
        None, description="The parts filed as tickets of their own departments "
        "(docs/catalogs.md, 'Bundles'); None: a single request.")
    domain: str = Field(CORE_DOMAIN, description="gettext domain of its texts (set on load).")

    @model_validator(mode="before")
    @classmethod
    def _workflow_domain(cls, value: object) -> object:
        """A declared workflow's labels are the item's texts: same gettext domain."""
        if isinstance(value, dict) and isinstance(value.get("workflow"), dict):
            flow = {"domain": value.get("domain", CORE_DOMAIN), **value["workflow"]}
            value = {**value, "workflow": flow}
        return value

    @property
    def process(self) -> Workflow:
        """The item's workflow, or :data:`DEFAULT_WORKFLOW` when it declares none."""
        return self.workflow or DEFAULT_WORKFLOW

    @property
    def priority_shown(self) -> bool:
        """Whether the requester sees the priority: ``show_priority``, else whether rules
        decide it."""
        return self.show_priority if self.show_priority is not None else bool(self.rules)

    def translate(self, text: str, language: str) -> str:
        """One of the item's texts (title, a label…) in ``language`` (:mod:`radiant_ext.i18n`)."""
        return gettext(self.domain, language, text)

    @model_validator(mode="after")
    def _consistent(self) -> CatalogItem:
        if not self.id.startswith(self.department + "."):
            raise ValueError(f"id {self.id!r} must start with {self.department + '.'!r}")
        ids = [f.id for f in self.fields]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate field ids: {', '.join(dupes)}")
        rule_ids = [r.id for r in self.rules]
        dupes = sorted({i for i in rule_ids if rule_ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate rule ids: {', '.join(dupes)}")
        for rule in self.rules:
            if rule.when.field and rule.when.field not in ids:
                raise ValueError(f"rule {rule.id!r} tests unknown field {rule.when.field!r}")
        if self.approval is not None:
            self.approval.check_against(self.process)
        if self.bundle is not None:
            self.bundle.check_fields(ids)
        return self

    def field(self, field_id: str) -> FieldSpec | None:
        """Return the field with ``field_id``, or ``None``."""
        return next((f for f in self.fields if f.id == field_id), None)


class Department(_Model):
    """A department offering a catalog (``it``, ``hr``, ``maintenance``…)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: Text
    description: Text | None = None
    plugin: str = Field("", description="Name of the plugin that registered it (set on load).")
    order: int = 100
    downtime_cost: DowntimeCost | None = Field(
        None, description="The default for its items that state no downtime_cost.")
    summary: Text | None = Field(
        None, max_length=SUMMARY_MAX, description="One short line on the department's tile.")
    icon: str | None = Field(
        None, pattern=ICON_NAME, description="Name of an icon the portal ships; None: "
        "the default for the department's id (DEPARTMENT_ICONS), else 'help'.")
    heads: list[str] = Field(default_factory=list, max_length=10, description="Portal "
                             "logins of the department's heads: they approve requests of "
                             "items with approval by department-head of this department.")
    domain: str = Field(CORE_DOMAIN, description="gettext domain of its texts (set on load).")

    @property
    def icon_name(self) -> str:
        """The icon shown for the department (and its items that name none)."""
        return self.icon or DEPARTMENT_ICONS.get(self.id, "help")

    def translate(self, text: str, language: str) -> str:
        """The title or the description in ``language``; see :mod:`radiant_ext.i18n`."""
        return gettext(self.domain, language, text)


class CatalogFile(_Model):
    """The content of one catalog YAML file after references are resolved."""

    department: Department | None = None
    calendars: list[CalendarSpec] = Field(default_factory=list)
    items: list[CatalogItem] = Field(default_factory=list)
    stores: list[StoreInfo] = Field(default_factory=list)
