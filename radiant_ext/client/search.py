"""The TicketSearch filter model: every parameter genericinterface.md §4.6 documents.

Attributes are snake_case (``queues``, ``state_type``, ``ticket_change_time_newer_date``…);
:meth:`TicketSearchFilter.to_znuny` gives Znuny's parameter names. Lists become repeated query
parameters on a GET route and JSON arrays on a POST route. Dates may be datetimes (aware ones
are converted to UTC) or ``YYYY-MM-DD HH:MM:SS`` strings. Dynamic-field conditions need a JSON
body, so they need a non-GET search route (contract otrs-ce-6 093, znuny 043/044).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, field_serializer, field_validator

from radiant_ext.client._base import OutboundModel, format_znuny_datetime

__all__ = ["DynamicFieldFilter", "SearchDate", "TicketSearchFilter"]

_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _check_date(value: Any) -> Any:
    if isinstance(value, str) and not _DATE_PATTERN.match(value):
        raise ValueError("dates are datetimes or 'YYYY-MM-DD HH:MM:SS' strings")
    return value


def _format_date(value: datetime | str) -> str:
    return format_znuny_datetime(value) if isinstance(value, datetime) else value


SearchDate = Annotated[
    datetime | str,
    Field(json_schema_extra={"format": "YYYY-MM-DD HH:MM:SS"}),
    PlainSerializer(_format_date, return_type=str),
]

StrOrList = str | list[str]
IntOrList = int | list[int]


def _f(alias: str) -> Any:
    return Field(default=None, alias=alias)


class DynamicFieldFilter(OutboundModel):
    """Conditions on one ticket dynamic field; operators are AND-ed, values in one are OR-ed.

    ``name`` is needed only in :attr:`TicketSearchFilter.dynamic_field_list`.
    """

    name: str | None = _f("Name")
    equals: str | int | list[str] | None = _f("Equals")
    like: str | list[str] | None = _f("Like")
    greater_than: str | int | None = _f("GreaterThan")
    greater_than_equals: str | int | None = _f("GreaterThanEquals")
    smaller_than: str | int | None = _f("SmallerThan")
    smaller_than_equals: str | int | None = _f("SmallerThanEquals")
    empty: bool | None = _f("Empty")

    @field_serializer("empty")
    def _bool_as_int(self, value: bool | None) -> int | None:
        return None if value is None else int(value)


def _df_conditions(value: Any) -> Any:
    """``{"Impact": "medium"}`` is shorthand for ``{"Impact": {"Equals": "medium"}}``."""
    if not isinstance(value, dict):
        return value
    result = {}
    for name, condition in value.items():
        if not re.fullmatch(r"[A-Za-z0-9]+", str(name)):
            raise ValueError(f"dynamic field name {name!r} must be alphanumeric")
        if isinstance(condition, str | int | list):
            condition = {"Equals": condition}
        result[name] = condition
    return result


class TicketSearchFilter(OutboundModel):
    """Every documented TicketSearch parameter, snake_case; see genericinterface.md §4.6."""

    # paging / sorting
    limit: int | None = Field(default=None, alias="Limit", ge=1)
    sort_by: StrOrList | None = _f("SortBy")
    order_by: Literal["Up", "Down"] | list[Literal["Up", "Down"]] | None = _f("OrderBy")
    # ticket attributes
    ticket_number: StrOrList | None = _f("TicketNumber")
    title: StrOrList | None = _f("Title")
    ticket_id: IntOrList | None = _f("TicketID")
    queues: StrOrList | None = _f("Queues")
    queue_ids: IntOrList | None = _f("QueueIDs")
    use_sub_queues: bool | None = _f("UseSubQueues")
    types: StrOrList | None = _f("Types")
    type_ids: IntOrList | None = _f("TypeIDs")
    states: StrOrList | None = _f("States")
    state_ids: IntOrList | None = _f("StateIDs")
    state_type: StrOrList | None = _f("StateType")
    state_type_ids: IntOrList | None = _f("StateTypeIDs")
    priorities: StrOrList | None = _f("Priorities")
    priority_ids: IntOrList | None = _f("PriorityIDs")
    services: StrOrList | None = _f("Services")
    service_ids: IntOrList | None = _f("ServiceIDs")
    slas: StrOrList | None = _f("SLAs")
    sla_ids: IntOrList | None = _f("SLAIDs")
    locks: StrOrList | None = _f("Locks")
    lock_ids: IntOrList | None = _f("LockIDs")
    owner_ids: IntOrList | None = _f("OwnerIDs")
    responsible_ids: IntOrList | None = _f("ResponsibleIDs")
    watch_user_ids: IntOrList | None = _f("WatchUserIDs")
    customer_id: StrOrList | None = _f("CustomerID")
    customer_id_raw: StrOrList | None = _f("CustomerIDRaw")
    customer_user_login: StrOrList | None = _f("CustomerUserLogin")
    created_user_ids: IntOrList | None = _f("CreatedUserIDs")
    created_types: StrOrList | None = _f("CreatedTypes")
    created_type_ids: IntOrList | None = _f("CreatedTypeIDs")
    created_priorities: StrOrList | None = _f("CreatedPriorities")
    created_priority_ids: IntOrList | None = _f("CreatedPriorityIDs")
    created_states: StrOrList | None = _f("CreatedStates")
    created_state_ids: IntOrList | None = _f("CreatedStateIDs")
    created_queues: StrOrList | None = _f("CreatedQueues")
    created_queue_ids: IntOrList | None = _f("CreatedQueueIDs")
    # article content
    mime_base_from: str | None = _f("MIMEBase_From")
    mime_base_to: str | None = _f("MIMEBase_To")
    mime_base_cc: str | None = _f("MIMEBase_Cc")
    mime_base_bcc: str | None = _f("MIMEBase_Bcc")
    mime_base_subject: str | None = _f("MIMEBase_Subject")
    mime_base_body: str | None = _f("MIMEBase_Body")
    mime_base_attachment_name: str | None = _f("MIMEBase_AttachmentName")
    content_search: Literal["AND", "OR"] | None = _f("ContentSearch")
    fulltext: str | None = _f("Fulltext")
    full_text_index: bool | None = _f("FullTextIndex")
    # archive
    search_in_archive: Literal["AllTickets", "ArchivedTickets"] | None = _f("SearchInArchive")
    # time windows (prefix × OlderMinutes / NewerMinutes / OlderDate / NewerDate)
    change_time_search_type: Literal["TimeSlot", "TimePoint"] | None = _f("ChangeTimeSearchType")
    last_change_time_search_type: Literal["TimeSlot", "TimePoint"] | None = _f(
        "LastChangeTimeSearchType"
    )
    close_time_search_type: Literal["TimeSlot", "TimePoint"] | None = _f("CloseTimeSearchType")
    ticket_create_time_older_minutes: int | None = _f("TicketCreateTimeOlderMinutes")
    ticket_create_time_newer_minutes: int | None = _f("TicketCreateTimeNewerMinutes")
    ticket_create_time_older_date: SearchDate | None = _f("TicketCreateTimeOlderDate")
    ticket_create_time_newer_date: SearchDate | None = _f("TicketCreateTimeNewerDate")
    ticket_change_time_older_minutes: int | None = _f("TicketChangeTimeOlderMinutes")
    ticket_change_time_newer_minutes: int | None = _f("TicketChangeTimeNewerMinutes")
    ticket_change_time_older_date: SearchDate | None = _f("TicketChangeTimeOlderDate")
    ticket_change_time_newer_date: SearchDate | None = _f("TicketChangeTimeNewerDate")
    ticket_last_change_time_older_minutes: int | None = _f("TicketLastChangeTimeOlderMinutes")
    ticket_last_change_time_newer_minutes: int | None = _f("TicketLastChangeTimeNewerMinutes")
    ticket_last_change_time_older_date: SearchDate | None = _f("TicketLastChangeTimeOlderDate")
    ticket_last_change_time_newer_date: SearchDate | None = _f("TicketLastChangeTimeNewerDate")
    ticket_close_time_older_minutes: int | None = _f("TicketCloseTimeOlderMinutes")
    ticket_close_time_newer_minutes: int | None = _f("TicketCloseTimeNewerMinutes")
    ticket_close_time_older_date: SearchDate | None = _f("TicketCloseTimeOlderDate")
    ticket_close_time_newer_date: SearchDate | None = _f("TicketCloseTimeNewerDate")
    ticket_pending_time_older_minutes: int | None = _f("TicketPendingTimeOlderMinutes")
    ticket_pending_time_newer_minutes: int | None = _f("TicketPendingTimeNewerMinutes")
    ticket_pending_time_older_date: SearchDate | None = _f("TicketPendingTimeOlderDate")
    ticket_pending_time_newer_date: SearchDate | None = _f("TicketPendingTimeNewerDate")
    article_create_time_older_minutes: int | None = _f("ArticleCreateTimeOlderMinutes")
    article_create_time_newer_minutes: int | None = _f("ArticleCreateTimeNewerMinutes")
    article_create_time_older_date: SearchDate | None = _f("ArticleCreateTimeOlderDate")
    article_create_time_newer_date: SearchDate | None = _f("ArticleCreateTimeNewerDate")
    ticket_escalation_time_older_minutes: int | None = _f("TicketEscalationTimeOlderMinutes")
    ticket_escalation_time_newer_minutes: int | None = _f("TicketEscalationTimeNewerMinutes")
    ticket_escalation_time_older_date: SearchDate | None = _f("TicketEscalationTimeOlderDate")
    ticket_escalation_time_newer_date: SearchDate | None = _f("TicketEscalationTimeNewerDate")
    ticket_escalation_update_time_older_minutes: int | None = _f(
        "TicketEscalationUpdateTimeOlderMinutes"
    )
    ticket_escalation_update_time_newer_minutes: int | None = _f(
        "TicketEscalationUpdateTimeNewerMinutes"
    )
    ticket_escalation_update_time_older_date: SearchDate | None = _f(
        "TicketEscalationUpdateTimeOlderDate"
    )
    ticket_escalation_update_time_newer_date: SearchDate | None = _f(
        "TicketEscalationUpdateTimeNewerDate"
    )
    ticket_escalation_response_time_older_minutes: int | None = _f(
        "TicketEscalationResponseTimeOlderMinutes"
    )
    ticket_escalation_response_time_newer_minutes: int | None = _f(
        "TicketEscalationResponseTimeNewerMinutes"
    )
    ticket_escalation_response_time_older_date: SearchDate | None = _f(
        "TicketEscalationResponseTimeOlderDate"
    )
    ticket_escalation_response_time_newer_date: SearchDate | None = _f(
        "TicketEscalationResponseTimeNewerDate"
    )
    ticket_escalation_solution_time_older_minutes: int | None = _f(
        "TicketEscalationSolutionTimeOlderMinutes"
    )
    ticket_escalation_solution_time_newer_minutes: int | None = _f(
        "TicketEscalationSolutionTimeNewerMinutes"
    )
    ticket_escalation_solution_time_older_date: SearchDate | None = _f(
        "TicketEscalationSolutionTimeOlderDate"
    )
    ticket_escalation_solution_time_newer_date: SearchDate | None = _f(
        "TicketEscalationSolutionTimeNewerDate"
    )
    # dynamic fields (need a non-GET route)
    dynamic_fields: dict[str, DynamicFieldFilter] | None = Field(default=None, exclude=True)
    dynamic_field_list: list[DynamicFieldFilter] | None = _f("DynamicField")

    _df = field_validator("dynamic_fields", mode="before")(_df_conditions)

    @field_validator(
        *(n for n in ("ticket_create_time", "ticket_change_time", "ticket_last_change_time",
                      "ticket_close_time", "ticket_pending_time", "article_create_time",
                      "ticket_escalation_time", "ticket_escalation_update_time",
                      "ticket_escalation_response_time", "ticket_escalation_solution_time")
          for n in (f"{n}_older_date", f"{n}_newer_date")),
        mode="before",
    )
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return _check_date(value)

    @field_validator("dynamic_field_list", mode="after")
    @classmethod
    def _named(cls, value: list[DynamicFieldFilter] | None) -> list[DynamicFieldFilter] | None:
        for item in value or ():
            if not item.name:
                raise ValueError("every dynamic_field_list entry needs a name")
        return value

    @field_serializer("use_sub_queues", "full_text_index")
    def _bool_as_int(self, value: bool | None) -> int | None:
        return None if value is None else int(value)

    @property
    def needs_body(self) -> bool:
        """Whether this filter has conditions a GET query string cannot express."""
        return bool(self.dynamic_fields or self.dynamic_field_list)

    def to_znuny(self) -> dict[str, Any]:
        """Znuny's parameter names; ``dynamic_fields`` become ``DynamicField_<Name>`` keys."""
        data = super().to_znuny()
        for name, condition in (self.dynamic_fields or {}).items():
            data[f"DynamicField_{name}"] = condition.model_dump(
                by_alias=True, exclude_none=True, exclude={"name"}, mode="json"
            )
        return data
