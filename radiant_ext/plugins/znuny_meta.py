"""Check catalog names against Znuny's metadata tables (read-only SQLAlchemy reader).

Stock GenericInterface cannot list queues, services or SLAs and does not reject unknown names
in a search, so names are read from Znuny's database (``RADIANT_ZNUNY_DB_URL``): the tables
``queue``, ``service``, ``sla``, ``service_sla``, ``ticket_type``, ``ticket_priority`` and
``dynamic_field``; only rows with ``valid_id = 1`` count (``shared/contract/znuny-db/``).
``customer_company`` gives the store directory the names of stores it lists without one.
The sandbox keeps the same tables, so one reader serves both.

Without a database URL the same facts come from the Znuny package's read-only GI operation
``RadiantMeta::Describe`` (``ZnunyClient.describe()``, docs/znuny-package.md):
:func:`names_from_meta`, :func:`access_from_meta` and :func:`company_names_from_meta` turn
its answer into what the readers here return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.errors import ZnunyMetadataError
from radiant_ext.plugins.fields import RADIANT_DYNAMIC_FIELDS, RADIANT_FIELD_TYPES
from radiant_ext.plugins.models import priority_name
from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW, Workflow

if TYPE_CHECKING:
    from radiant_ext.client.meta import ZnunyMeta

__all__ = [
    "RADIANT_DYNAMIC_FIELDS",
    "ZnunyAccess",
    "ZnunyNames",
    "access_problems",
    "access_from_meta",
    "check_items",
    "company_names_from_meta",
    "names_from_meta",
    "read_agent_names",
    "read_company_names",
    "read_znuny_access",
    "read_znuny_names",
    "workflow_problems",
]



@dataclass(frozen=True)
class ZnunyNames:
    """The valid names Znuny knows."""

    queues: frozenset[str]
    services: frozenset[str]
    slas: frozenset[str]
    service_slas: frozenset[tuple[str, str]]
    types: frozenset[str]
    priorities: frozenset[str]
    dynamic_fields: frozenset[str]
    sla_solution_minutes: Mapping[str, int] = field(default_factory=dict)
    """Each valid SLA's solution time in Znuny, in minutes (0: Znuny escalates none)."""
    states: Mapping[str, str] | None = None
    """Each valid ticket state's state type (``None``: states were not read)."""
    states_unread: str = ""
    """Why the states were not read from the database, if they were not."""


_QUERIES = {
    "queues": "SELECT name FROM queue WHERE valid_id = 1",
    "services": "SELECT name FROM service WHERE valid_id = 1",
    "slas": "SELECT name FROM sla WHERE valid_id = 1",
    "types": "SELECT name FROM ticket_type WHERE valid_id = 1",
    "priorities": "SELECT name FROM ticket_priority WHERE valid_id = 1",
    "dynamic_fields": "SELECT name FROM dynamic_field WHERE valid_id = 1 "
                      "AND object_type = 'Ticket'",
}
_SLA_TIMES = "SELECT name, solution_time FROM sla WHERE valid_id = 1"
_STATES = ("SELECT s.name, t.name FROM ticket_state s JOIN ticket_state_type t "
           "ON t.id = s.type_id WHERE s.valid_id = 1")
_LINKS = (
    "SELECT s.name, l.name FROM service_sla x JOIN service s ON s.id = x.service_id "
    "JOIN sla l ON l.id = x.sla_id WHERE s.valid_id = 1 AND l.valid_id = 1"
)


def _normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _engine(url: str) -> Engine:
    try:
        return create_engine(_normalise(url))
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise ZnunyMetadataError(f"invalid Znuny database URL: {exc}") from exc


def _unreadable(exc: SQLAlchemyError) -> ZnunyMetadataError:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return ZnunyMetadataError(f"cannot read Znuny's metadata tables: {reason}")


def read_znuny_names(url: str) -> ZnunyNames:
    """Read the valid names from the Znuny database at ``url``.

    :raises ZnunyMetadataError: the database cannot be reached or lacks the tables.
    """
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            found = {key: frozenset(str(r[0]) for r in conn.execute(text(sql)))
                     for key, sql in _QUERIES.items()}
            links = frozenset((str(a), str(b)) for a, b in conn.execute(text(_LINKS)))
            times = {str(n): int(t or 0) for n, t in conn.execute(text(_SLA_TIMES))}
        states, why = _read_states(engine)
    except SQLAlchemyError as exc:
        raise _unreadable(exc) from exc
    finally:
        engine.dispose()
    return ZnunyNames(service_slas=links, sla_solution_minutes=times, states=states,
                      states_unread=why, **found)


def _read_states(engine: Engine) -> tuple[dict[str, str] | None, str]:
    """Valid state → state type, or ``None`` and why (a read-only account granted before
    workflows existed may not read ``ticket_state``: the rest of the check still runs)."""
    try:
        with engine.connect() as conn:
            return {str(n): str(t) for n, t in conn.execute(text(_STATES))}, ""
    except SQLAlchemyError as exc:
        return None, _unreadable(exc).args[0]


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    """The rows of one query against Znuny's database (the engine disposed afterwards).

    :raises ZnunyMetadataError: the database cannot be reached or lacks the table.
    """
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    except SQLAlchemyError as exc:
        raise _unreadable(exc) from exc
    finally:
        engine.dispose()


def read_company_names(url: str) -> dict[str, str]:
    """Read customer company id → name of Znuny's valid customer companies.

    :raises ZnunyMetadataError: the database cannot be reached or lacks the table.
    """
    rows = _rows(url, "SELECT customer_id, name FROM customer_company WHERE valid_id = 1")
    return {str(cid): str(name) for cid, name in rows if name}


def read_agent_names(url: str) -> dict[str, str]:
    """Read login → ``First Last`` of Znuny's valid agents (those with a name).

    :raises ZnunyMetadataError: the database cannot be reached or lacks the table.
    """
    rows = _rows(url, "SELECT login, first_name, last_name FROM users WHERE valid_id = 1")
    names = {str(login): " ".join(str(p) for p in (first, last) if p).strip()
             for login, first, last in rows}
    return {login: name for login, name in names.items() if name}


@dataclass(frozen=True)
class ZnunyAccess:
    """Who may act where, and what Znuny checks on ``TicketCreate`` beyond names.

    :ivar agents: valid agents' logins.
    :ivar rw_groups: login → the groups the agent has ``rw`` on (directly or by a role).
    :ivar queue_groups: queue → the group that owns it.
    :ivar default_services: services linked to every customer (``<DEFAULT>``).
    :ivar linked_customers: service → customer users linked to it one by one.
    :ivar field_types: ticket dynamic field → its type (valid fields only).
    """

    agents: frozenset[str]
    rw_groups: Mapping[str, frozenset[str]]
    queue_groups: Mapping[str, str]
    default_services: frozenset[str]
    linked_customers: Mapping[str, frozenset[str]]
    field_types: Mapping[str, str]


_GROUP_TABLES = ("permission_groups", "groups")  # 6.5+ and 7; OTRS 6.0
_ROLE_RW = (
    "SELECT u.login, g.name FROM role_user ru JOIN users u ON u.id = ru.user_id "
    "JOIN group_role gr ON gr.role_id = ru.role_id JOIN {groups} g ON g.id = gr.group_id "
    "JOIN roles r ON r.id = ru.role_id "
    "WHERE gr.permission_key = 'rw' AND gr.permission_value = 1 AND u.valid_id = 1 "
    "AND g.valid_id = 1 AND r.valid_id = 1"
)


def _group_table(conn: Connection) -> str:
    for name in _GROUP_TABLES:
        try:
            conn.execute(text(f"SELECT 1 FROM {name} WHERE 1 = 0"))
            return name
        except SQLAlchemyError:
            conn.rollback()
    raise ZnunyMetadataError("neither permission_groups nor groups can be read")


def read_znuny_access(url: str) -> ZnunyAccess:
    """Read agents, their ``rw`` groups, queue groups, service links and field types.

    Needs ``SELECT`` on ``users``, ``group_user``, ``permission_groups`` (``groups`` on
    OTRS 6.0), ``queue``, ``service``, ``service_customer_user`` and ``dynamic_field``; roles
    (``role_user``, ``group_role``, ``roles``) are read where they can be.

    :raises ZnunyMetadataError: one of the needed tables cannot be read.
    """
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            groups = _group_table(conn)
            agents = frozenset(str(r[0]) for r in conn.execute(
                text("SELECT login FROM users WHERE valid_id = 1")))
            rw: dict[str, set[str]] = {}
            for login, group in conn.execute(text(
                    f"SELECT u.login, g.name FROM group_user gu JOIN users u ON u.id = gu.user_id "
                    f"JOIN {groups} g ON g.id = gu.group_id WHERE gu.permission_key = 'rw' "
                    "AND u.valid_id = 1 AND g.valid_id = 1")):
                rw.setdefault(str(login), set()).add(str(group))
            try:
                for login, group in conn.execute(text(_ROLE_RW.format(groups=groups))):
                    rw.setdefault(str(login), set()).add(str(group))
            except SQLAlchemyError:  # no roles table (the sandbox), or no grant on it
                conn.rollback()
            queues = {str(q): str(g) for q, g in conn.execute(text(
                f"SELECT q.name, g.name FROM queue q JOIN {groups} g ON g.id = q.group_id "
                "WHERE q.valid_id = 1"))}
            linked: dict[str, set[str]] = {}
            for service, login in conn.execute(text(
                    "SELECT s.name, l.customer_user_login FROM service_customer_user l "
                    "JOIN service s ON s.id = l.service_id WHERE s.valid_id = 1")):
                linked.setdefault(str(service), set()).add(str(login))
            fields = {str(n): str(t) for n, t in conn.execute(text(
                "SELECT name, field_type FROM dynamic_field WHERE valid_id = 1 "
                "AND object_type = 'Ticket'"))}
    except SQLAlchemyError as exc:
        raise _unreadable(exc) from exc
    finally:
        engine.dispose()
    return ZnunyAccess(
        agents=agents, rw_groups={k: frozenset(v) for k, v in rw.items()},
        queue_groups=queues,
        default_services=frozenset(s for s, logins in linked.items() if "<DEFAULT>" in logins),
        linked_customers={s: frozenset(v - {"<DEFAULT>"}) for s, v in linked.items()},
        field_types=fields,
    )


def access_problems(items: Iterable[CatalogItem], access: ZnunyAccess,
                    agent: str | None = None) -> list[str]:
    """One line per thing Znuny would refuse a ticket of these items for, with the fix.

    * owner and owner-pool agents: exist, valid, ``rw`` on the group of the item's queue
      (``TicketCreate`` fails with "Owner parameter is invalid!" otherwise);
    * the companion's own agent (``agent``): ``rw`` on every queue the items route to;
    * services: linked to the customers (``<DEFAULT>``; else ``TicketCreate`` for a customer
      fails with "Ticket->Service parameter is invalid!");
    * the ``Radiant*`` dynamic fields: valid and of the type the companion writes.
    """
    problems = [
        f"dynamic field {name!r} is a {access.field_types[name]} field; the companion writes "
        f"it as {' or '.join(kinds)}: recreate it with that type"
        for name, kinds in RADIANT_FIELD_TYPES.items()
        if name in access.field_types and access.field_types[name] not in kinds]
    queues_seen: set[str] = set()
    for item in items:
        r = item.routing
        group = access.queue_groups.get(r.queue)
        owners = [r.owner] if r.owner else list(r.owner_pool)
        for login in owners:
            if login not in access.agents:
                problems.append(f"{item.id}: owner {login!r} is not a valid agent in Znuny: "
                                "add the agent (Admin → Agents) or change the item's owner")
            elif group and group not in access.rw_groups.get(login, ()):
                problems.append(
                    f"{item.id}: owner {login!r} has no rw on group {group!r} of queue "
                    f"{r.queue!r}: Admin::Group::UserLink --user-name {login} --group-name "
                    f"{group} --permission rw")
        if agent and group and r.queue not in queues_seen:
            queues_seen.add(r.queue)
            if group not in access.rw_groups.get(agent, ()):
                problems.append(
                    f"{item.id}: the companion's agent {agent!r} has no rw on group {group!r} "
                    f"of queue {r.queue!r}: Admin::Group::UserLink --user-name {agent} "
                    f"--group-name {group} --permission rw")
        if r.service and r.service not in access.default_services:
            some = len(access.linked_customers.get(r.service, ()))
            problems.append(
                f"{item.id}: service {r.service!r} is not linked to the customers by default "
                f"(<DEFAULT>; {some} customer user(s) linked one by one): Znuny refuses the "
                "requests of every other customer — link it in Admin → Customer Users ↔ "
                "Services (<DEFAULT>)")
    return problems


def names_from_meta(meta: ZnunyMeta) -> ZnunyNames:
    """:func:`read_znuny_names`' answer, from the package operation's answer."""
    return ZnunyNames(
        queues=meta.valid_queues, services=meta.valid_services, slas=meta.valid_slas,
        service_slas=meta.valid_service_slas, types=meta.valid_types,
        priorities=meta.valid_priorities, dynamic_fields=meta.valid_dynamic_fields("Ticket"),
        sla_solution_minutes={s.name: s.solution_time for s in meta.slas if s.valid},
        states=({s.name: s.type for s in meta.states if s.valid}
                if "States" in meta.sections else None),
    )


def access_from_meta(meta: ZnunyMeta) -> ZnunyAccess:
    """:func:`read_znuny_access`' answer, from the package operation's answer."""
    valid_services = meta.valid_services
    linked = {s.name: frozenset(s.customer_users) for s in meta.services
              if s.name in valid_services}
    return ZnunyAccess(
        agents=frozenset(a.login for a in meta.agents if a.valid),
        rw_groups={a.login: frozenset(a.rw_groups) for a in meta.agents if a.valid},
        queue_groups={q.name: q.group for q in meta.queues if q.valid},
        default_services=frozenset(s for s, logins in linked.items() if "<DEFAULT>" in logins),
        linked_customers={s: logins - {"<DEFAULT>"} for s, logins in linked.items()},
        field_types={f.name: f.field_type for f in meta.dynamic_fields
                     if f.valid and f.object_type == "Ticket"},
    )


def company_names_from_meta(meta: ZnunyMeta) -> dict[str, str]:
    """:func:`read_company_names`' answer, from the package operation's answer."""
    return meta.company_names


def _levels(item: CatalogItem) -> set[int]:
    """Priority levels the item's rules can produce."""
    base = item.routing.priority
    up = sum(max(0, r.raise_by) for r in item.rules)
    down = sum(min(0, r.raise_by) for r in item.rules)
    levels = set(range(max(1, base + down), min(5, base + up) + 1))
    levels |= {r.set for r in item.rules if r.set} | {r.at_least for r in item.rules if r.at_least}
    return levels


def _item_problems(item: CatalogItem, names: ZnunyNames) -> list[str]:
    r = item.routing
    problems = []
    if r.type not in names.types:
        problems.append(f"type {r.type!r} not in Znuny")
    if r.queue not in names.queues:
        problems.append(f"queue {r.queue!r} not in Znuny")
    if r.service and r.service not in names.services:
        problems.append(f"service {r.service!r} not in Znuny")
    if r.sla and r.sla not in names.slas:
        problems.append(f"SLA {r.sla!r} not in Znuny")
    elif r.sla and r.service and (r.service, r.sla) not in names.service_slas:
        problems.append(f"SLA {r.sla!r} is not linked to service {r.service!r}")
    for level in sorted(_levels(item)):
        if priority_name(level) not in names.priorities:
            problems.append(f"priority {priority_name(level)!r} not in Znuny")
    for spec in item.fields:
        if spec.dynamic_field and spec.dynamic_field not in names.dynamic_fields:
            problems.append(f"dynamic field {spec.dynamic_field!r} (field {spec.id}) not in Znuny")
    return [f"{item.id}: {p}" for p in problems]


def promise_warnings(items: Iterable[CatalogItem], names: ZnunyNames) -> list[str]:
    """One line per item whose SLA in Znuny escalates at another time than the catalog
    promises.

    Znuny escalates a ticket by its SLA's solution time, in Znuny's working hours; the
    customer is promised the catalog's deadline, in the item's (or the store's) hours. Only
    the item's base deadline is compared: rules may shorten it for one request. Znuny's
    calendars live in its system configuration, which this reader cannot see: the hours are
    named, for the admin to compare with ``TimeWorkingHours``.
    """
    lines = []
    for item in items:
        sla = item.routing.sla
        if not sla or sla not in names.sla_solution_minutes:
            continue
        minutes = names.sla_solution_minutes[sla]
        promised = round(item.deadline.business_hours * 60)
        if minutes == promised:
            continue
        znuny = f"{minutes} minutes" if minutes else "no solution time"
        store = ", or the store's trading hours" if item.deadline.store_hours else ""
        lines.append(
            f"{item.id}: SLA {sla!r} has {znuny} in Znuny, the catalog promises "
            f"{item.deadline.business_hours:g} business hours ({promised} minutes) of calendar "
            f"{item.deadline.calendar.id!r}{store}: Znuny escalates at another time than the "
            f"customer is told — give the item an SLA whose solution time is {promised} "
            "minutes, or change the item's deadline")
    return lines


def workflow_problems(items: Iterable[CatalogItem], names: ZnunyNames) -> list[str]:
    """One line per workflow state Znuny lacks or has with another state type.

    Declared workflows are checked per item (``it.software-defect: …``); the default
    workflow once, for every item that declares none. Empty when the states were not read.
    """
    if names.states is None:
        return []
    items = list(items)
    owners: list[tuple[str, Workflow]] = [(i.id, i.workflow) for i in items if i.workflow]
    if any(i.workflow is None for i in items):
        owners.insert(0, ("default workflow", DEFAULT_WORKFLOW))
    problems = []
    for owner, flow in owners:
        for step in flow.steps:
            found = names.states.get(step.state)
            where = f"{owner}: workflow state {step.state!r} (step {step.id})"
            if found is None:
                problems.append(f"{where} not in Znuny: create it with state type "
                                f"{step.state_type!r} (the Znuny package RadiantExt does)")
            elif found != step.state_type:
                problems.append(f"{where} has state type {found!r} in Znuny, the workflow "
                                f"expects {step.state_type!r}")
    for item in items:
        if item.approval is not None:
            problems.extend(_approval_problem(item.id, item.approval.state, names.states))
    return problems


def _approval_problem(owner: str, state: str, states: Mapping[str, str]) -> list[str]:
    """The line for an approval's waiting state Znuny lacks or types otherwise."""
    found, where = states.get(state), f"{owner}: approval state {state!r}"
    if found is None:
        return [f"{where} not in Znuny: create it with state type 'pending reminder' (the "
                "Znuny package RadiantExt does)"]
    if found != "pending reminder":
        return [f"{where} has state type {found!r} in Znuny, an approval waits in a "
                "'pending reminder' state"]
    return []


def check_items(items: Iterable[CatalogItem], names: ZnunyNames) -> list[str]:
    """Return one line per name an item uses that Znuny lacks (empty: all present)."""
    problems = [f"dynamic field {n!r} not in Znuny" for n in RADIANT_DYNAMIC_FIELDS
                if n not in names.dynamic_fields]
    for item in items:
        problems.extend(_item_problems(item, names))
    return problems
