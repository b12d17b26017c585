"""Znuny's tables, as far as the sandbox needs them (names and columns from ``znuny-db/``).

The metadata tables (``queue``, ``service``, ``sla`` …) carry exactly the columns listed in
``shared/contract/znuny-db/README.md`` so that a reader written for a real Znuny database works
against the sandbox file too. Ticket, article and session tables use Znuny's names and the
columns the sandbox needs. ``sandbox_setting`` is the sandbox's own key/value table (flavour,
calendar, clock offset).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()


def _audit(with_change: bool = True) -> list[Column[object]]:
    cols: list[Column[object]] = [
        Column("create_time", DateTime, nullable=False),
        Column("create_by", Integer, nullable=False, default=1),
    ]
    if with_change:
        cols += [
            Column("change_time", DateTime, nullable=False),
            Column("change_by", Integer, nullable=False, default=1),
        ]
    return cols


def _named(name: str, *cols: Column[object], valid: bool = True, comments: bool = True) -> Table:
    extra: list[Column[object]] = list(cols)
    if comments:
        extra.append(Column("comments", String(250)))
    if valid:
        extra.append(Column("valid_id", SmallInteger, nullable=False, default=1))
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(200), nullable=False, unique=True),
        *extra,
        *_audit(),
    )


valid = _named("valid", valid=False, comments=False)
permission_groups = _named("permission_groups")
ticket_state_type = _named("ticket_state_type", valid=False)
ticket_state = _named(
    "ticket_state",
    Column("type_id", SmallInteger, nullable=False),
    Column("color", String(25), nullable=False, default="#FF8A25"),
)
ticket_priority = _named(
    "ticket_priority", Column("color", String(25), nullable=False), comments=False
)
ticket_type = _named("ticket_type", comments=False)
ticket_lock_type = _named("ticket_lock_type", comments=False)
article_sender_type = _named("article_sender_type")
ticket_history_type = _named("ticket_history_type")
service = _named("service")
sla = _named(
    "sla",
    Column("calendar_name", String(100)),
    Column("first_response_time", Integer, nullable=False, default=0),
    Column("first_response_notify", SmallInteger),
    Column("update_time", Integer, nullable=False, default=0),
    Column("update_notify", SmallInteger),
    Column("solution_time", Integer, nullable=False, default=0),
    Column("solution_notify", SmallInteger),
)
queue = _named(
    "queue",
    Column("group_id", Integer, nullable=False),
    Column("unlock_timeout", Integer),
    Column("first_response_time", Integer),
    Column("first_response_notify", SmallInteger),
    Column("update_time", Integer),
    Column("update_notify", SmallInteger),
    Column("solution_time", Integer),
    Column("solution_notify", SmallInteger),
    Column("system_address_id", SmallInteger, nullable=False, default=1),
    Column("calendar_name", String(100)),
    Column("default_sign_key", String(100)),
    Column("salutation_id", SmallInteger, nullable=False, default=1),
    Column("signature_id", SmallInteger, nullable=False, default=1),
    Column("follow_up_id", SmallInteger, nullable=False, default=1),
    Column("follow_up_lock", SmallInteger, nullable=False, default=0),
)
communication_channel = Table(
    "communication_channel",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("valid_id", SmallInteger, nullable=False, default=1),
)
service_sla = Table(
    "service_sla",
    metadata,
    Column("service_id", Integer, nullable=False),
    Column("sla_id", Integer, nullable=False),
    UniqueConstraint("service_id", "sla_id", name="service_sla_service_sla"),
)
service_customer_user = Table(
    "service_customer_user",
    metadata,
    Column("customer_user_login", String(200), nullable=False),
    Column("service_id", Integer, nullable=False),
    *_audit(with_change=False),
    Index("service_customer_user_customer_user_login", "customer_user_login"),
)
dynamic_field = Table(
    "dynamic_field",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("internal_field", SmallInteger, nullable=False, default=0),
    Column("name", String(200), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("field_order", Integer, nullable=False),
    Column("field_type", String(200), nullable=False),
    Column("object_type", String(100), nullable=False),
    Column("config", Text),
    Column("valid_id", SmallInteger, nullable=False, default=1),
    *_audit(),
)
customer_company = Table(
    "customer_company",
    metadata,
    Column("customer_id", String(150), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("street", String(200)),
    Column("zip", String(200)),
    Column("city", String(200)),
    Column("country", String(200)),
    Column("url", String(200)),
    Column("comments", String(250)),
    Column("valid_id", SmallInteger, nullable=False, default=1),
    *_audit(),
)
customer_user = Table(
    "customer_user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(200), nullable=False, unique=True),
    Column("email", String(150), nullable=False),
    Column("customer_id", String(150), nullable=False, index=True),
    Column("pw", String(128)),
    Column("title", String(50)),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    *[Column(c, String(150)) for c in ("phone", "fax", "mobile", "street")],
    *[Column(c, String(200)) for c in ("zip", "city", "country")],
    Column("comments", String(250)),
    Column("valid_id", SmallInteger, nullable=False, default=1),
    *_audit(),
)
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(200), nullable=False, unique=True),
    Column("pw", String(128), nullable=False),
    Column("title", String(50)),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("valid_id", SmallInteger, nullable=False, default=1),
    *_audit(),
)
group_user = Table(
    "group_user",
    metadata,
    Column("user_id", Integer, nullable=False),
    Column("group_id", Integer, nullable=False),
    Column("permission_key", String(20), nullable=False),
    *_audit(),
    Index("group_user_user_id", "user_id"),
)
user_preferences = Table(
    "user_preferences",
    metadata,
    Column("user_id", Integer, nullable=False, index=True),
    Column("preferences_key", String(150), nullable=False),
    Column("preferences_value", Text),
)
customer_preferences = Table(
    "customer_preferences",
    metadata,
    Column("user_id", String(250), nullable=False, index=True),
    Column("preferences_key", String(150), nullable=False),
    Column("preferences_value", Text),
)
ticket = Table(
    "ticket",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tn", String(50), nullable=False, unique=True),
    Column("title", String(255)),
    Column("queue_id", Integer, nullable=False),
    Column("ticket_lock_id", SmallInteger, nullable=False, default=1),
    Column("type_id", SmallInteger),
    Column("service_id", Integer),
    Column("sla_id", Integer),
    Column("user_id", Integer, nullable=False),
    Column("responsible_user_id", Integer, nullable=False),
    Column("ticket_priority_id", SmallInteger, nullable=False),
    Column("ticket_state_id", SmallInteger, nullable=False),
    Column("customer_id", String(150)),
    Column("customer_user_id", String(250)),
    Column("timeout", Integer, nullable=False, default=0),
    Column("until_time", Integer, nullable=False, default=0),
    Column("escalation_time", Integer, nullable=False, default=0),
    Column("escalation_update_time", Integer, nullable=False, default=0),
    Column("escalation_response_time", Integer, nullable=False, default=0),
    Column("escalation_solution_time", Integer, nullable=False, default=0),
    Column("archive_flag", SmallInteger, nullable=False, default=0),
    *_audit(),
    Index("ticket_create_time", "create_time"),
    Index("ticket_change_time", "change_time"),
    # Newest first, lower TicketID first within a second (the recorded tie order) — an index
    # scan instead of sorting every visible ticket.
    Index("ticket_create_time_desc", text("create_time DESC")),
    Index("ticket_change_time_desc", text("change_time DESC")),
    Index("ticket_queue_id", "queue_id"),
    Index("ticket_ticket_state_id", "ticket_state_id"),
    Index("ticket_customer_id", "customer_id"),
    Index("ticket_customer_user_id", "customer_user_id"),
    Index("ticket_service_id", "service_id"),
    Index("ticket_ticket_priority_id", "ticket_priority_id"),
)
article = Table(
    "article",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, nullable=False, index=True),
    Column("article_sender_type_id", SmallInteger, nullable=False),
    Column("communication_channel_id", Integer, nullable=False),
    Column("is_visible_for_customer", SmallInteger, nullable=False),
    Column("search_index_needs_rebuild", SmallInteger, nullable=False, default=1),
    *_audit(),
)
article_data_mime = Table(
    "article_data_mime",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, nullable=False, unique=True),
    *[Column(c, Text) for c in ("a_from", "a_reply_to", "a_to", "a_cc", "a_bcc")],
    Column("a_subject", Text),
    Column("a_message_id", Text),
    Column("a_in_reply_to", Text),
    Column("a_references", Text),
    Column("a_content_type", String(250)),
    Column("a_body", Text),
    Column("incoming_time", Integer, nullable=False),
    *_audit(),
)
article_data_mime_attachment = Table(
    "article_data_mime_attachment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, nullable=False, index=True),
    Column("filename", String(250)),
    Column("content_size", String(30)),
    Column("content_type", Text),
    Column("content_id", String(250)),
    Column("content_alternative", String(50)),
    Column("disposition", String(15)),
    Column("content", LargeBinary),
    *_audit(),
)
time_accounting = Table(
    "time_accounting",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, nullable=False, index=True),
    Column("article_id", Integer),
    Column("time_unit", String(20), nullable=False),
    *_audit(),
)
ticket_history = Table(
    "ticket_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("history_type_id", SmallInteger, nullable=False),
    Column("ticket_id", Integer, nullable=False),
    Column("article_id", Integer),
    Column("type_id", SmallInteger, nullable=False),
    Column("queue_id", Integer, nullable=False),
    Column("owner_id", Integer, nullable=False),
    Column("priority_id", SmallInteger, nullable=False),
    Column("state_id", SmallInteger, nullable=False),
    *_audit(),
    Index("ticket_history_ticket_id", "ticket_id"),
)
dynamic_field_value = Table(
    "dynamic_field_value",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("field_id", Integer, nullable=False),
    Column("object_id", Integer, nullable=False),
    Column("value_text", Text),
    Column("value_date", DateTime),
    Column("value_int", Integer),
    Index("dynamic_field_value_field_values", "object_id", "field_id"),
    Index("dynamic_field_value_search_text", "field_id", "value_text"),
)
ticket_number_counter = Table(
    "ticket_number_counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("counter", Integer, nullable=False),
    Column("counter_uid", String(32), nullable=False, unique=True),
    Column("create_time", DateTime),
)
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", String(100), nullable=False, index=True),
    Column("data_key", String(100), nullable=False),
    Column("data_value", Text),
    Column("serialized", SmallInteger, nullable=False, default=0),
)
gi_webservice_config = Table(
    "gi_webservice_config",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("config", Text, nullable=False),
    Column("valid_id", SmallInteger, nullable=False, default=1),
    *_audit(),
)
sandbox_setting = Table(
    "sandbox_setting",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

__all__ = ["metadata"]
