"""``radiant-ext simulate``: how a request would be routed, and why — without Znuny.

Identical runs give identical answers: the owner of an item with an owner pool is picked by
the request's reference, which is ``--seed`` or made from the request's content
(:func:`simulation_reference`), and the answer says how it was picked
(:func:`owner_explanation`).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from radiant_ext.cli.plugins import console, parse_at
from radiant_ext.config import load_settings
from radiant_ext.plugins import CatalogItem, Plugins, RoutingDecision
from radiant_ext.plugins.errors import PluginError, UnknownItemError
from radiant_ext.plugins.factory import plugins_from_settings
from radiant_ext.plugins.simulation import (
    InvalidFieldError,
    Simulation,
    simulate_routing,
    simulation_zone,
)

__all__ = ["commands", "owner_explanation", "simulate", "simulation_reference"]


def _parse_fields(pairs: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not key=value", param_hint="--field")
        fields[key.strip()] = value
    return fields


def _decision_table(item: CatalogItem, d: RoutingDecision, zone: ZoneInfo) -> Table:
    table = Table(title=f"{item.id} — {item.title}", show_header=False)
    local = d.deadline.astimezone(zone)
    for label, value in [
        ("Type", d.type), ("Queue", d.queue), ("Service", d.service or "—"),
        ("SLA", d.sla or "—"), ("Priority", d.priority), ("Owner", d.owner or "—"),
        ("Deadline", f"{local:%a %Y-%m-%d %H:%M} {zone.key} ({d.deadline_utc()} UTC)"),
        ("Business hours", f"{d.business_hours:g} in calendar {d.calendar}"),
        ("Store", d.store_id or "—"),
    ]:
        table.add_row(label, value)
    for rule in d.rules_fired:
        effect = f" — {rule.effect}" if rule.effect else ""
        table.add_row("Rule fired", f"{rule.id}: {rule.text}{effect}")
    if not d.rules_fired:
        table.add_row("Rules fired", "none")
    return table


def simulation_reference(item_id: str, store: str | None, fields: dict[str, str],
                         at: str | None, company: str | None, recent: int,
                         seed: str | None) -> str:
    """The request reference a simulation routes with: ``--seed`` as given, else one made
    from the request's content, so that identical runs pick the same owner from a pool."""
    if seed is not None:
        return seed
    content = json.dumps([item_id, store, sorted(fields.items()), at, company, recent])
    return "sim-" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:12]


def owner_explanation(item: CatalogItem, decision: RoutingDecision, reference: str) -> str:
    """How the owner was chosen, in one line: fixed by the item, picked from its pool (by
    which rule, from which reference), or none."""
    routing = item.routing
    if routing.owner is not None:
        return f"fixed by catalog item {item.id}"
    pool = list(routing.owner_pool)
    if not pool:
        return "none: the ticket stays with its queue"
    position = zlib.crc32(reference.encode("utf-8")) % len(pool)
    return (f"pool {', '.join(pool)}; rule: CRC-32 of the request reference {reference!r} "
            f"modulo {len(pool)} = {position} -> {decision.owner}; the agents' load is not "
            "counted (each real request has its own reference, which spreads them evenly; "
            "--seed tries another)")


def _unknown_item(p: Plugins, item_id: str) -> PluginError:
    known = sorted(i.id for i in p.catalog_items(None, include_disabled=True))
    return PluginError(f"unknown catalog item {item_id!r} (items: {', '.join(known)})")


def _invalid_field(item: CatalogItem, exc: InvalidFieldError) -> PluginError:
    spec = next((f for f in item.fields if f.id == exc.error.field), None)
    options = [o.value for o in getattr(spec, "options", [])]
    listed = f" (options: {', '.join(options)})" if options else ""
    return PluginError(f"--field {exc.error.field}: {exc.error.message}{listed}")


def _unknown_store_note(p: Plugins, store: str | None) -> str:
    if not store or p.store(store) is not None:
        return ""
    known = sorted(p.stores())
    return (f"Note: store {store} is not in the store directory, so it is routed as an "
            f"unknown store (directory: {', '.join(known) or 'empty'})")


@click.command()
@click.option("--item", "item_id", required=True, help="Catalog item id, e.g. it.pos-down.")
@click.option("--store", help="Store (customer company id), e.g. store-001.")
@click.option("--field", "field_pairs", multiple=True, metavar="KEY=VALUE",
              help="A form value; repeat for several.")
@click.option("--at", help="When the request is filed (ISO; without offset: local time).")
@click.option("--company", help="Requester's customer company (default: the store).")
@click.option("--recent", type=click.IntRange(min=0), default=0,
              help="Earlier requests for this item at the store within any rule's window.")
@click.option("--seed", help="The request reference an owner pool picks by (default: one "
              "made from the request's content: identical runs pick the same owner).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def simulate(item_id: str, store: str | None, field_pairs: tuple[str, ...], at: str | None,
             company: str | None, recent: int, seed: str | None, as_json: bool) -> None:
    """Show how a request would be routed — without touching Znuny."""
    p = plugins_from_settings(load_settings())
    fields = _parse_fields(field_pairs)
    try:
        item = p.item(item_id)
    except UnknownItemError:
        raise _unknown_item(p, item_id) from None
    when = parse_at(at, simulation_zone(p, item, store)) if at is not None else None
    reference = simulation_reference(item_id, store, fields, at, company, recent, seed)
    try:
        result = simulate_routing(p, item_id, store=store, fields=fields, at=when,
                                  company=company, recent=recent, request_id=reference)
    except InvalidFieldError as exc:
        raise _invalid_field(item, exc) from exc
    _print_simulation(result, reference, _unknown_store_note(p, store), as_json)


def _print_simulation(result: Simulation, reference: str, note: str, as_json: bool) -> None:
    decision, missing = result.decision, result.missing
    owner = owner_explanation(result.item, decision, reference)
    if as_json:
        data = {**decision.model_dump(mode="json"), "deadline_utc": decision.deadline_utc(),
                "missing_required_fields": missing, "request_reference": reference,
                "owner_picked": owner}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    out = console()
    out.print(_decision_table(result.item, decision, ZoneInfo(result.zone)))
    out.print(f"Owner: {owner}", markup=False)
    if note:
        out.print(note, markup=False)
    if missing:
        out.print(f"Note: required fields not given: {', '.join(missing)}", markup=False)


commands: list[click.Command] = [simulate]
