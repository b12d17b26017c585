"""Znuny's metadata as the ``RadiantMeta::Describe`` operation lists it (Znuny package RadiantExt).

The stock GenericInterface cannot list queues, services, SLAs, types, priorities, states, agents,
customer companies or dynamic fields; the companion's Znuny package (``znuny-package/``, see
docs/znuny-package.md) adds one read-only operation that does, for agents only. Its answer
becomes a :class:`ZnunyMeta`; every section is a list of small models, sorted by name.

Sections left out of a call (``describe(include=[...])``) come back as empty lists;
:attr:`ZnunyMeta.sections` names those the answer had.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from radiant_ext.client._base import InboundModel, ZnunyBool, ZnunyInt, ZnunyStr

__all__ = [
    "META_SECTIONS",
    "MetaAgent",
    "MetaCustomerCompany",
    "MetaDynamicField",
    "MetaNamed",
    "MetaQueue",
    "MetaSLA",
    "MetaService",
    "MetaState",
    "ZnunyMeta",
]

META_SECTIONS = (
    "Queues", "Services", "SLAs", "Types", "Priorities", "States", "Agents",
    "CustomerCompanies", "DynamicFields",
)
"""The sections of the answer, Znuny's names (``include=`` takes these)."""


def _as_list(value: Any) -> Any:
    """A list stays a list; one object becomes a list of one; nothing becomes empty."""
    if value is None or value == "":
        return []
    if isinstance(value, dict | str):
        return [value]
    return value


StrList = Annotated[list[ZnunyStr], BeforeValidator(_as_list)]
Minutes = Annotated[ZnunyInt, BeforeValidator(lambda v: 0 if v is None or v == "" else v)]
"""Minutes of an escalation time; empty (none set) is 0."""


class MetaNamed(InboundModel):
    """A ticket type or priority: id, name, valid."""

    id: ZnunyInt = Field(alias="ID")
    name: ZnunyStr = Field(alias="Name")
    valid: ZnunyBool = Field(alias="Valid")


class MetaQueue(MetaNamed):
    """A queue (full name ``IT::Stores``) and the group that owns it."""

    group_id: ZnunyInt = Field(0, alias="GroupID")
    group: ZnunyStr = Field("", alias="Group")


class MetaService(MetaNamed):
    """A service (full name ``IT::Cash register``) and the customer users linked to it;
    ``<DEFAULT>`` stands for every customer user (GI TicketCreate as a customer refuses an
    unlinked service). Znuny lists links of valid services only."""

    customer_users: StrList = Field(default_factory=list, alias="CustomerUsers")

    @property
    def for_every_customer(self) -> bool:
        """Whether every customer user may use the service (linked to ``<DEFAULT>``)."""
        return "<DEFAULT>" in self.customer_users


class MetaSLA(MetaNamed):
    """An SLA: the services it is linked to, its escalation times in minutes (0: none) and
    its calendar (``""``: the default calendar, else N of ``TimeWorkingHours::CalendarN``)."""

    services: StrList = Field(default_factory=list, alias="Services")
    first_response_time: Minutes = Field(0, alias="FirstResponseTime")
    update_time: Minutes = Field(0, alias="UpdateTime")
    solution_time: Minutes = Field(0, alias="SolutionTime")
    calendar: ZnunyStr = Field("", alias="Calendar")
    calendar_name: ZnunyStr = Field("", alias="CalendarName")


class MetaState(MetaNamed):
    """A ticket state and its state type (``new``, ``open``, ``closed``, ``pending reminder``…)."""

    type: ZnunyStr = Field("", alias="Type")


class MetaAgent(InboundModel):
    """An agent: login, names, validity and the groups it has each permission on
    (``groups["rw"]``; roles included)."""

    id: ZnunyInt = Field(alias="ID")
    login: ZnunyStr = Field(alias="Login")
    valid: ZnunyBool = Field(alias="Valid")
    first_name: ZnunyStr = Field("", alias="FirstName")
    last_name: ZnunyStr = Field("", alias="LastName")
    groups: dict[str, StrList] = Field(default_factory=dict, alias="Groups")

    @property
    def full_name(self) -> str:
        """``First Last``, or the login when Znuny has no names."""
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.login

    @property
    def rw_groups(self) -> list[str]:
        """The groups the agent has ``rw`` on."""
        return list(self.groups.get("rw", []))


class MetaCustomerCompany(InboundModel):
    """A customer company (a store, an office, an outside customer)."""

    customer_id: ZnunyStr = Field(alias="CustomerID")
    name: ZnunyStr = Field("", alias="Name")
    valid: ZnunyBool = Field(alias="Valid")


class MetaDynamicField(MetaNamed):
    """A dynamic field: its type (``Text``, ``DateTime``…) and object (``Ticket``, ``Article``…)."""

    label: ZnunyStr = Field("", alias="Label")
    field_type: ZnunyStr = Field(alias="FieldType")
    object_type: ZnunyStr = Field(alias="ObjectType")


_AsList = BeforeValidator(_as_list)
QueueList = Annotated[list[MetaQueue], _AsList]
ServiceList = Annotated[list[MetaService], _AsList]
SLAList = Annotated[list[MetaSLA], _AsList]
NamedList = Annotated[list[MetaNamed], _AsList]
StateList = Annotated[list[MetaState], _AsList]
AgentList = Annotated[list[MetaAgent], _AsList]
CompanyList = Annotated[list[MetaCustomerCompany], _AsList]
FieldList = Annotated[list[MetaDynamicField], _AsList]


class ZnunyMeta(InboundModel):
    """The answer of ``RadiantMeta::Describe``."""

    schema_version: ZnunyInt = Field(1, alias="Schema")
    product: ZnunyStr = Field("", alias="Product")
    version: ZnunyStr = Field("", alias="Version")
    package_version: ZnunyStr = Field("", alias="PackageVersion")
    package_notes: StrList = Field(default_factory=list, alias="PackageNotes")
    queues: QueueList = Field(default_factory=list, alias="Queues")
    services: ServiceList = Field(default_factory=list, alias="Services")
    slas: SLAList = Field(default_factory=list, alias="SLAs")
    types: NamedList = Field(default_factory=list, alias="Types")
    priorities: NamedList = Field(default_factory=list, alias="Priorities")
    states: StateList = Field(default_factory=list, alias="States")
    agents: AgentList = Field(default_factory=list, alias="Agents")
    customer_companies: CompanyList = Field(
        default_factory=list, alias="CustomerCompanies")
    dynamic_fields: FieldList = Field(default_factory=list, alias="DynamicFields")
    sections: frozenset[str] = Field(default_factory=frozenset, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _note_sections(cls, data: Any) -> Any:
        if isinstance(data, dict) and "sections" not in data:
            data = {**data, "sections": frozenset(k for k in META_SECTIONS if k in data)}
        return data

    # -- the questions the companion asks -----------------------------------------------------

    @staticmethod
    def _valid(items: list[Any]) -> frozenset[str]:
        return frozenset(item.name for item in items if item.valid)

    @property
    def valid_queues(self) -> frozenset[str]:
        """Names of the valid queues."""
        return self._valid(self.queues)

    @property
    def valid_services(self) -> frozenset[str]:
        """Names of the valid services."""
        return self._valid(self.services)

    @property
    def valid_slas(self) -> frozenset[str]:
        """Names of the valid SLAs."""
        return self._valid(self.slas)

    @property
    def valid_service_slas(self) -> frozenset[tuple[str, str]]:
        """(service, SLA) pairs of valid SLAs linked to valid services."""
        services = self.valid_services
        return frozenset((service, sla.name) for sla in self.slas if sla.valid
                         for service in sla.services if service in services)

    @property
    def valid_types(self) -> frozenset[str]:
        """Names of the valid ticket types."""
        return self._valid(self.types)

    @property
    def valid_priorities(self) -> frozenset[str]:
        """Names of the valid priorities."""
        return self._valid(self.priorities)

    def valid_dynamic_fields(self, object_type: str = "Ticket") -> frozenset[str]:
        """Names of the valid dynamic fields of ``object_type``."""
        return frozenset(f.name for f in self.dynamic_fields
                         if f.valid and f.object_type == object_type)

    def dynamic_field(self, name: str) -> MetaDynamicField | None:
        """The dynamic field called ``name`` (valid or not), or ``None``."""
        return next((f for f in self.dynamic_fields if f.name == name), None)

    def agent(self, login: str) -> MetaAgent | None:
        """The agent with this login (valid or not), or ``None``."""
        return next((a for a in self.agents if a.login == login), None)

    @property
    def company_names(self) -> dict[str, str]:
        """Customer company id → name of the valid customer companies that have a name."""
        return {c.customer_id: c.name for c in self.customer_companies if c.valid and c.name}

    @property
    def agent_names(self) -> dict[str, str]:
        """Login → ``First Last`` of the valid agents."""
        return {a.login: a.full_name for a in self.agents if a.valid}
