"""``retail``: the demo world of a 30-store chain (COMMON.md "Shared names")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Connection, select

import radiant_ext
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import write_setting
from radiant_ext_sandbox.seeds import _base as b
from radiant_ext_sandbox.timeutil import Clock

PASSWORD = "demo"
STORE_COUNT = 30
"""Stores ``store-001`` … ``store-030``; their names, tiers and zones are the demo's store
directory (``radiant_ext/plugins/data/demo/stores.yaml``, read by :func:`demo_stores`), which
the seed creates as customer companies."""
DEMO_STORES_FILE = Path(radiant_ext.__file__).resolve().parent / "plugins/data/demo/stores.yaml"
"""The demo world's store directory, shared with ``radiant-ext demo``: a data file of the
installed ``radiant_ext`` package, read here as data (the sandbox imports nothing of the
companion's rules)."""


@dataclass(frozen=True)
class DemoStore:
    """A store of the demo's directory, as the seed needs it."""

    id: str
    name: str
    tier: str


def demo_stores() -> list[DemoStore]:
    """The demo's stores, ``store-001`` … ``store-030`` (flagships 001–003)."""
    data = yaml.safe_load(DEMO_STORES_FILE.read_text(encoding="utf-8"))
    return [DemoStore(str(item["id"]), str(item["name"]), str(item.get("tier") or "standard"))
            for item in data["stores"]]


SERVICES = [
    "IT",
    "IT::Cash register",
    "IT::Receipt printer",
    "IT::Price-tag printer",
    "IT::ERP access",
    "IT::E-mail",
    "IT::Password reset",
    "IT::Workstation",
    "HR",
    "HR::Vacation request",
    "HR::Certificate of employment",
    "HR::Onboarding",
    "Accounting",
    "Accounting::Invoice question",
    "Legal",
    "Legal::Contract review",
    "Maintenance",
    "Maintenance::Display case",
    "Maintenance::Lighting",
    "Maintenance::HVAC",
    "Maintenance::Door and lock",
    "Customer Service",
    "Customer Service::Feedback",
    "Customer Service::Complaint",
]
SLAS = {
    "POS critical": (30, 240),
    "IT standard": (120, 1440),
    "HR standard": (480, 1800),
    "Maintenance contract": (60, 360),
    "Customer Service standard": (240, 1200),
}
SLA_OF_SERVICE = {
    "IT::Cash register": "POS critical",
    "IT": "IT standard",
    "HR": "HR standard",
    "Maintenance": "Maintenance contract",
    "Customer Service": "Customer Service standard",
}
#: The ticket states the Znuny package RadiantExt creates for the catalogs' workflows (its
#: ``@States``): name → state type. The IT software defect's steps use them.
WORKFLOW_STATES = {
    "in review": "open",
    "cannot replicate": "closed",
    "needs estimate": "open",
    "estimate ready": "open",
    "estimate pending client approval": "pending reminder",
    "approved for action": "open",
    "ready to test": "open",
    "in testing": "open",
    "ready to install": "open",
    "client testing": "pending reminder",
    "waiting for approval": "pending reminder",
}
#: queue → (group, agent login, agent name)
DEPARTMENTS = {
    "IT": ("it", "it-agent", ("Ivan", "Tekhnikov")),
    "HR": ("hr", "hr-agent", ("Olga", "Kadrova")),
    "Accounting": ("accounting", "acct-agent", ("Pavel", "Schetov")),
    "Legal": ("legal", "legal-agent", ("Lev", "Pravov")),
    "Maintenance": ("maintenance", "maint-agent", ("Mikhail", "Remontov")),
    "Customer Service": ("customer-service", "cs-agent", ("Sofia", "Klientova")),
}
ALL = ("ro", "rw", "create")


def store_id(n: int) -> str:
    """``store-007``."""
    return f"store-{n:03d}"


def sla_for(service: str) -> str | None:
    """The SLA a service is linked to (the cash register has its own)."""
    return SLA_OF_SERVICE.get(service) or SLA_OF_SERVICE.get(service.split("::")[0])


def seed_retail(conn: Connection, clock: Clock) -> None:
    """Create the retail chain: stores, staff, agents, queues, services, SLAs, fields, calendar."""
    now = clock.now()
    b.install(
        conn,
        now,
        "znuny7",
        {
            "ticket_type": 1,
            "ticket_service": 1,
            "calendar": {"tz": "Europe/Moscow", "start": 8, "end": 18, "days": [0, 1, 2, 3, 4]},
        },
    )
    groups = {}
    for queue, (group, _, _) in DEPARTMENTS.items():
        groups[queue] = int(
            conn.execute(
                s.permission_groups.insert().values(
                    name=group, comments=f"{queue} department", valid_id=1, **b.audit(now)
                )
            ).lastrowid
        )
    b.add_queues(
        conn,
        now,
        [
            (q, groups[q.split("::")[0]], f"{q} requests")
            for q in ("IT", "IT::Stores", *list(DEPARTMENTS)[1:])
        ],
    )
    conn.execute(
        s.ticket_type.insert(),
        [
            {"name": n, "valid_id": 1, **b.audit(now)}
            for n in ("Incident", "Service Request", "Feedback")
        ],
    )
    conn.execute(
        s.service.insert(),
        [{"name": n, "valid_id": 1, "comments": "", **b.audit(now)} for n in SERVICES],
    )
    for name, (response, solution) in SLAS.items():
        conn.execute(
            s.sla.insert().values(
                name=name,
                calendar_name="",
                first_response_time=response,
                first_response_notify=80,
                update_time=0,
                update_notify=0,
                solution_time=solution,
                solution_notify=80,
                valid_id=1,
                comments="",
                **b.audit(now),
            )
        )
    _workflow_states(conn, now)
    services = dict(conn.execute(select(s.service.c.name, s.service.c.id)).all())
    slas = dict(conn.execute(select(s.sla.c.name, s.sla.c.id)).all())
    links = [
        {"service_id": services[n], "sla_id": slas[sla]} for n in SERVICES if (sla := sla_for(n))
    ]
    conn.execute(s.service_sla.insert(), links)
    conn.execute(
        s.service_customer_user.insert(),
        [
            {
                "customer_user_login": "<DEFAULT>",
                "service_id": sid,
                "create_time": now,
                "create_by": 1,
            }
            for sid in services.values()
        ],
    )
    _fields(conn, now)
    _agents(conn, now, groups)
    _customers(conn, now)
    for name, route_set in (
        ("GenericTicketConnectorREST", "radiant-znuny"),  # as shipped in deploy/znuny/
        ("GenericTicketConnectorRESTZnuny", "znuny"),
        ("GenericTicketConnectorRESTExtra", "znuny-extra"),
        ("GenericTicketConnectorRESTReady2Adopt", "znuny-r2a"),
        ("GenericTicketConnectorRESTOTRS6", "otrs6"),  # the OTRS 6 sample, routes only
    ):
        b.add_webservice(conn, now, name, route_set)
    write_setting(conn, "seed", "retail")


def _workflow_states(conn: Connection, now: dt.datetime) -> None:
    """Add :data:`WORKFLOW_STATES`, as the package's install does."""
    types = dict(conn.execute(select(s.ticket_state_type.c.name, s.ticket_state_type.c.id)).all())
    first = len(b.STATES) + 1  # ids follow the installer's, as in b.install
    conn.execute(
        s.ticket_state.insert(),
        [
            {"id": i, "name": n, "type_id": types[t], "color": "#8D8D9B", "valid_id": 1,
             **b.audit(now)}
            for i, (n, t) in enumerate(WORKFLOW_STATES.items(), start=first)
        ],
    )


def _fields(conn: Connection, now: dt.datetime) -> None:
    process = "---\nDefaultValue: ''\n"
    b.add_field(conn, now, "ProcessManagementProcessID", "Process", "ProcessID", process, 1, 1)
    b.add_field(conn, now, "ProcessManagementActivityID", "Activity", "ActivityID", process, 1, 1)
    b.add_field(conn, now, "RadiantRequestID", "Request reference", "Text", b.TEXT, 2)
    b.add_field(conn, now, "RadiantCategory", "Catalog item", "Text", b.TEXT, 3)
    b.add_field(conn, now, "RadiantStore", "Store", "Text", b.TEXT, 4)
    b.add_field(
        conn,
        now,
        "RadiantDeadline",
        "Promised deadline",
        "DateTime",
        "---\nDefaultValue: 0\nYearsInFuture: 5\nYearsInPast: 5\nYearsPeriod: 1\n",
        5,
    )
    b.add_field(conn, now, "RadiantParent", "Parent request", "Text", b.TEXT, 6)


def _agents(conn: Connection, now: dt.datetime, groups: dict[str, int]) -> None:
    every = {g: ALL for g in [1, *groups.values()]}
    b.add_agent(
        conn,
        now,
        "znuny7",
        "radiant",
        "radiant-demo",
        "Radiant",
        "Companion",
        "radiant@retail.example",
        every,
    )
    b.add_agent(
        conn,
        now,
        "znuny7",
        "demo-agent",
        PASSWORD,
        "Dmitry",
        "Demo",
        "demo-agent@retail.example",
        {groups["IT"]: ALL},
    )
    for queue, (_, login, (first, last)) in DEPARTMENTS.items():
        b.add_agent(
            conn,
            now,
            "znuny7",
            login,
            PASSWORD,
            first,
            last,
            f"{login}@retail.example",
            {groups[queue]: ALL},
        )


def _customers(conn: Connection, now: dt.datetime) -> None:
    for store in demo_stores():
        conn.execute(
            s.customer_company.insert().values(
                customer_id=store.id,
                name=store.name,
                city=store.name.split()[2],  # "Store 001 Moscow Tverskaya"
                country="Russia",
                comments=store.tier if store.tier != "standard" else None,
                valid_id=1,
                **b.audit(now),
            )
        )
    for cid, name in (("head-office", "Head Office"), ("public", "Outside customers")):
        conn.execute(
            s.customer_company.insert().values(
                customer_id=cid, name=name, valid_id=1, **b.audit(now)
            )
        )
    people = [
        ("demo-customer", "Daria", "Kassirova", "store-007"),
        ("flagship-clerk", "Fyodor", "Flagmanov", "store-001"),
        ("store-manager", "Marina", "Upravlyaeva", "store-007"),
        ("office-anna", "Anna", "Ofisova", "head-office"),
        ("guest-customer", "Gleb", "Gostev", "public"),
    ]
    for n in range(1, STORE_COUNT + 1):
        if n not in (1, 7):
            people += [(f"clerk-{n:03d}-{k}", "Clerk", f"{n:03d}-{k}", store_id(n)) for k in (1, 2)]
    for login, first, last, cid in people:
        b.add_customer(
            conn, now, "znuny7", login, PASSWORD, first, last, f"{login}@retail.example", cid
        )
