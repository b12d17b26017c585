"""What every fresh Znuny database holds (installer defaults), used by all seeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from radiant_ext_sandbox import routing
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import write_setting
from radiant_ext_sandbox.sessions import hash_password
from radiant_ext_sandbox.tickets import CHANNELS, HISTORY_TYPES, SENDER_TYPES

STATE_TYPES = ["new", "open", "closed", "pending reminder", "pending auto", "removed", "merged"]
STATES = [
    ("new", 1, "#50B5FF"),
    ("closed successful", 3, "#3DD598"),
    ("closed unsuccessful", 3, "#FC5A5A"),
    ("open", 2, "#FFC542"),
    ("removed", 6, "#8D8D9B"),
    ("pending reminder", 4, "#FF8A25"),
    ("pending auto close+", 5, "#FF8A25"),
    ("pending auto close-", 5, "#FF8A25"),
    ("merged", 7, "#FF8A25"),
]
PRIORITIES = [
    ("1 very low", "#03c4f0"),
    ("2 low", "#83bfc8"),
    ("3 normal", "#cdcdcd"),
    ("4 high", "#ffaaaa"),
    ("5 very high", "#ff505e"),
]
AGENT_PREFS = {
    "AdminCommunicationLogPageShown": "25",
    "AdminDynamicFieldsOverviewPageShown": "25",
    "UserCreateNextMask": "",
    "UserTicketOverviewMediumPageShown": "20",
    "UserTicketOverviewPreviewPageShown": "15",
    "UserTicketOverviewSmallPageShown": "25",
}
FLAVOUR_AGENT_PREFS = {
    "otrs6": {"UserAuthBackend": ""},
    "znuny7": {
        "UserActivityLinkTarget": "_self",
        "UserLastViewsLimit": "5",
        "UserLastViewsPosition": "Avatar",
    },
}
FLAVOUR_CUSTOMER_PREFS = {
    "otrs6": {
        "UserShowTickets": "25",
        "UserSkinOptions-default-TextSize": "small",
        "UserSkinOptions-default-UseModern": "0",
    },
    "znuny7": {"UserShowTickets": "25", "UserLastViewsLimit": "5"},
}


def audit(when: dt.datetime) -> dict[str, Any]:
    """The four audit columns."""
    return {"create_time": when, "create_by": 1, "change_time": when, "change_by": 1}


def named(conn: Connection, table: Any, names: list[str], when: dt.datetime, **extra: Any) -> None:
    """Insert rows with ids 1… in order."""
    conn.execute(
        table.insert(),
        [{"id": i, "name": n, **extra, **audit(when)} for i, n in enumerate(names, start=1)],
    )


def install(conn: Connection, when: dt.datetime, flavour: str, settings: dict[str, Any]) -> None:
    """Create the installer's rows: validity, groups, states, priorities, default queues, root."""
    named(conn, s.valid, ["valid", "invalid", "invalid-temporarily"], when)
    conn.execute(
        s.permission_groups.insert(),
        [
            {"id": i, "name": n, "comments": c, "valid_id": 1, **audit(when)}
            for i, (n, c) in enumerate(
                [
                    ("users", "Group for default access."),
                    ("admin", "Group of all administrators."),
                    ("stats", "Group for statistics access."),
                    ("timeaccounting_webservice", "Group for time accounting web service access."),
                ],
                start=1,
            )
        ],
    )
    named(conn, s.ticket_state_type, STATE_TYPES, when)
    conn.execute(
        s.ticket_state.insert(),
        [
            {"id": i, "name": n, "type_id": t, "color": c, "valid_id": 1, **audit(when)}
            for i, (n, t, c) in enumerate(STATES, start=1)
        ],
    )
    conn.execute(
        s.ticket_priority.insert(),
        [
            {"id": i, "name": n, "color": c, "valid_id": 1, **audit(when)}
            for i, (n, c) in enumerate(PRIORITIES, start=1)
        ],
    )
    named(conn, s.ticket_type, ["Unclassified"], when, valid_id=1)
    named(conn, s.ticket_lock_type, ["unlock", "lock", "tmp_lock"], when, valid_id=1)
    conn.execute(
        s.article_sender_type.insert(),
        [{"id": i, "name": n, "valid_id": 1, **audit(when)} for n, i in SENDER_TYPES.items()],
    )
    conn.execute(
        s.communication_channel.insert(), [{"id": i, "name": n} for n, i in CHANNELS.items()]
    )
    conn.execute(
        s.ticket_history_type.insert(),
        [{"id": i, "name": n, "valid_id": 1, **audit(when)} for n, i in HISTORY_TYPES.items()],
    )
    add_queues(
        conn,
        when,
        [
            ("Postmaster", 1, "Postmaster queue."),
            ("Raw", 1, "All default incoming tickets."),
            ("Junk", 1, "All junk tickets."),
            ("Misc", 1, "All misc tickets."),
        ],
    )
    conn.execute(
        s.users.insert().values(
            id=1,
            login="root@localhost",
            pw=hash_password("root"),
            first_name="Admin",
            last_name="OTRS",
            valid_id=1,
            **audit(when),
        )
    )
    for key, value in {**settings, "flavour": flavour}.items():
        write_setting(conn, key, value)


def add_queues(
    conn: Connection, when: dt.datetime, queues: list[tuple[str, int, str | None]]
) -> None:
    """Add queues (name, group id, comment) with Znuny's column defaults."""
    conn.execute(
        s.queue.insert(),
        [
            {
                "name": n,
                "group_id": g,
                "comments": c,
                "unlock_timeout": 0,
                "system_address_id": 1,
                "salutation_id": 1,
                "signature_id": 1,
                "follow_up_id": 1,
                "follow_up_lock": 0,
                "valid_id": 1,
                **audit(when),
            }
            for n, g, c in queues
        ],
    )


def add_webservice(conn: Connection, when: dt.datetime, name: str, route_set: str) -> None:
    """Add a valid web service serving ``route_set``."""
    conn.execute(
        s.gi_webservice_config.insert().values(
            name=name, config=routing.webservice_config(route_set), valid_id=1, **audit(when)
        )
    )


def add_agent(
    conn: Connection,
    when: dt.datetime,
    flavour: str,
    login: str,
    password: str,
    first: str,
    last: str,
    email: str,
    groups: Mapping[int, tuple[str, ...]],
) -> int:
    """Add an agent with preferences and group permissions; return its id."""
    uid = int(
        conn.execute(
            s.users.insert().values(
                login=login,
                pw=hash_password(password),
                first_name=first,
                last_name=last,
                valid_id=1,
                **audit(when),
            )
        ).lastrowid
    )
    prefs = {**AGENT_PREFS, **FLAVOUR_AGENT_PREFS[flavour], "UserEmail": email}
    conn.execute(
        s.user_preferences.insert(),
        [{"user_id": uid, "preferences_key": k, "preferences_value": v} for k, v in prefs.items()],
    )
    rows = [
        {"user_id": uid, "group_id": g, "permission_key": k, **audit(when)}
        for g, keys in groups.items()
        for k in keys
    ]
    if rows:
        conn.execute(s.group_user.insert(), rows)
    return uid


def add_customer(
    conn: Connection,
    when: dt.datetime,
    flavour: str,
    login: str,
    password: str,
    first: str,
    last: str,
    email: str,
    customer_id: str,
) -> None:
    """Add a customer user with the flavour's preferences."""
    conn.execute(
        s.customer_user.insert().values(
            login=login,
            email=email,
            customer_id=customer_id,
            pw=hash_password(password),
            title="",
            first_name=first,
            last_name=last,
            phone="",
            fax="",
            mobile="",
            street="",
            zip="",
            city="",
            country="",
            comments="",
            valid_id=1,
            **audit(when),
        )
    )
    conn.execute(
        s.customer_preferences.insert(),
        [
            {"user_id": login, "preferences_key": k, "preferences_value": v}
            for k, v in FLAVOUR_CUSTOMER_PREFS[flavour].items()
        ],
    )


def add_field(
    conn: Connection,
    when: dt.datetime,
    name: str,
    label: str,
    kind: str,
    config: str,
    order: int,
    internal: int = 0,
    object_type: str = "Ticket",
) -> None:
    """Add a dynamic field (``config`` is the YAML text Znuny stores)."""
    conn.execute(
        s.dynamic_field.insert().values(
            internal_field=internal,
            name=name,
            label=label,
            field_order=order,
            field_type=kind,
            object_type=object_type,
            config=config,
            valid_id=1,
            **audit(when),
        )
    )


DROPDOWN_IMPACT = (
    "---\nDefaultValue: ''\nLink: ''\nPossibleNone: 1\nPossibleValues:\n  high: high\n"
    "  low: low\n  medium: medium\nTranslatableValues: 0\nTreeView: 0\n"
)
TEXT = "---\nDefaultValue: ''\nLink: ''\n"
