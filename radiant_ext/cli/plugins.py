"""``radiant-ext plugins``, ``simulate`` and ``check`` — the catalog and plugin commands."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from radiant_ext.cli import warnings_quiet
from radiant_ext.cli.settings_file import demo_znuny_problem
from radiant_ext.config import Settings, load_settings
from radiant_ext.errors import ConfigError, RadiantError
from radiant_ext.plugins import (
    CatalogError,
    PluginError,
    Plugins,
    make_plugin_manager,
)
from radiant_ext.plugins.checks import (
    CALENDAR_HORIZON,
    PluginReport,
    calendar_warnings,
    check_plugins,
    downtime_tier_warnings,
)
from radiant_ext.plugins.errors import ZnunyMetadataError
from radiant_ext.plugins.factory import plugins_from_settings, store_enablement
from radiant_ext.plugins.znuny_meta import (
    ZnunyNames,
    access_from_meta,
    access_problems,
    check_items,
    names_from_meta,
    promise_warnings,
    read_znuny_access,
    read_znuny_names,
    workflow_problems,
)
from radiant_ext.plugins.znuny_setup import perl_script, znuny_needs

if TYPE_CHECKING:
    from radiant_ext.webhook import Finding

__all__ = ["check", "commands", "console", "parse_at", "plugins"]


def console() -> Console:
    console = Console(highlight=False)
    # Piped output has no terminal width; 120 columns keep names and dates unbroken.
    return console if console.is_terminal else Console(highlight=False, width=120)


def _plugin_rows(p: Plugins) -> list[dict[str, Any]]:
    states, scopes = p.department_states(), p.department_scopes()
    rows = []
    for info in p.plugin_infos():
        dist = f"{info.distribution} {info.version}" if info.distribution else ""
        base = {"plugin": info.name, "distribution": dist, "items": info.items}
        if info.blocked:
            rows.append({**base, "department": "", "state": "blocked"})
        elif not info.departments:
            rows.append({**base, "department": "", "state": "built-in" if info.builtin else ""})
        for dept in info.departments:
            state = "enabled" if states.get(dept, True) else "disabled"
            scope = scopes.get(dept)  # set in the admin area (docs/admin.md)
            rows.append({**base, "department": dept, "state": state,
                         "for": scope.describe() if scope is not None else "everyone"})
    return rows


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List plugins and departments; enable, disable; list catalog items."""
    if ctx.invoked_subcommand is not None:
        return
    rows = _plugin_rows(plugins_from_settings(load_settings()))
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("plugin", "department", "state", "items", "distribution", "for")
    for row in rows:
        table.add_row(row["plugin"], row["department"], row["state"], str(row["items"]),
                      row["distribution"], row.get("for", ""))
    console().print(table)


def _item_rows(p: Plugins, department: str | None) -> list[dict[str, str]]:
    states, off = p.department_states(), p.disabled_items()
    if department is not None and department not in states:
        raise PluginError(f"unknown department {department!r} (known: {', '.join(states)})")
    rows = []
    for item in p.catalog_items(department, include_disabled=True):
        state = "enabled"
        if not states.get(item.department, True):
            state = "department disabled"
        elif item.id in off:
            state = f"disabled: {off[item.id]}"
        rows.append({"item": item.id, "department": item.department, "title": item.title,
                     "queue": item.routing.queue, "state": state})
    return rows


@plugins.command("items")
@click.option("--department", "-d", help="Only this department.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def items(department: str | None, as_json: bool) -> None:
    """List catalog items with their state (department switch, catalog check)."""
    rows = _item_rows(plugins_from_settings(load_settings()), department)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("item", "department", "title", "queue", "state")
    for row in rows:
        table.add_row(*row.values())
    console().print(table)


@plugins.command("znuny-names")
@click.option("--perl", "as_perl", is_flag=True,
              help="Print a Perl script that creates them through Znuny's API (run it on the "
                   "Znuny host as Znuny's OS user: perl SCRIPT /opt/znuny).")
@click.option("--group", default="users", show_default=True,
              help="The group new queues belong to (the script's new owner agents get rw).")
@click.option("--email-domain", default="example.com", show_default=True,
              help="Domain of the e-mail address of the script's new owner agents.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a list.")
def znuny_names(as_perl: bool, group: str, email_domain: str, as_json: bool) -> None:
    """What the catalogs route to in Znuny: types, queues, services, SLAs, owner agents."""
    settings = load_settings()
    report = _check_all(settings)
    if report.problems:
        raise PluginError(f"{len(report.problems)} catalog problem(s) (radiant-ext check); "
                          f"first: {report.problems[0]}")
    needs = znuny_needs(report.items)
    if as_perl:
        plugins_used = ", ".join(sorted(report.counts)) or "none"
        click.echo(perl_script(needs, group=group, email_domain=email_domain,
                               source=f"Catalogs of the plugins: {plugins_used}."), nl=False)
        return
    if as_json:
        click.echo(json.dumps({**asdict(needs), "group": group}, indent=2, ensure_ascii=False))
        return
    click.echo(f"dynamic fields: {', '.join(needs.dynamic_fields)}")
    click.echo(f"types: {', '.join(needs.types)}")
    click.echo(f"queues (group {group}): {', '.join(needs.queues)}")
    click.echo(f"services (each linked to every customer, <DEFAULT>): "
               f"{', '.join(needs.services)}")
    for name, sla in needs.slas.items():
        time = f"solution time {sla.solution_minutes} minutes" if sla.solution_minutes else \
            f"items promise {', '.join(map(str, sla.promises))} minutes: no single solution time"
        click.echo(f"SLA {name}: {time}; services {', '.join(sla.services)}")
    click.echo(f"owner agents (rw on the queues' groups): {', '.join(needs.agents)}")
    if needs.states:
        click.echo("ticket states: " + ", ".join(f"{name} ({kind})"
                                                 for name, kind in needs.states.items()))


def _switch(department: str, enabled: bool) -> None:
    settings = load_settings()
    p = plugins_from_settings(settings, enablement=store_enablement(settings, for_writing=True))
    p.set_department_enabled(department, enabled, actor=f"cli:{getpass.getuser()}")
    click.echo(f"Department {department} {'enabled' if enabled else 'disabled'}.")


@plugins.command("enable")
@click.option("--department", "-d", required=True, help="Department id, e.g. hr.")
def enable(department: str) -> None:
    """Enable a department: its catalog items show up everywhere again."""
    _switch(department, True)


@plugins.command("disable")
@click.option("--department", "-d", required=True, help="Department id, e.g. hr.")
def disable(department: str) -> None:
    """Disable a department: its items disappear from portal, routing and classification."""
    _switch(department, False)


def parse_at(at: str | None, zone: str) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(at)
    except ValueError as exc:
        raise click.BadParameter(f"{at!r} is not an ISO date-time", param_hint="--at") from exc
    return when if when.utcoffset() is not None else when.replace(tzinfo=ZoneInfo(zone))


def _znuny_problems_from_package(settings: Settings,
                                 report: PluginReport) -> tuple[list[str], str, list[str]]:
    """Without ``RADIANT_ZNUNY_DB_URL``: the same checks from the Znuny package's read-only
    operation ``RadiantMeta::Describe``, as the companion's agent (docs/znuny-package.md)."""
    skipped = ("Names were NOT checked against Znuny: RADIANT_ZNUNY_DB_URL is not set "
               "(catalogs were validated on their own)")
    if not (settings.znuny_url and settings.znuny_user):
        return [], skipped + ".", []
    from radiant_ext.client import ZnunyClient
    from radiant_ext.client.errors import RouteNotFoundError

    try:
        with warnings_quiet("radiant_ext.client"), ZnunyClient.from_settings(settings) as client:
            meta = client.describe()
    except RouteNotFoundError:
        return [], (f"{skipped}, and Znuny has no operation RadiantMeta::Describe: install "
                    "the Znuny package RadiantExt (docs/znuny-package.md)."), []
    except RadiantError as exc:
        return [], f"{skipped}; Znuny's metadata operation failed: {exc}", []
    names = names_from_meta(meta)
    problems = check_items(report.items, names)
    refused = access_problems(report.items, access_from_meta(meta),
                              agent=settings.znuny_user or None)
    states = workflow_problems(report.items, names)
    note = (f"Checked every name against Znuny (package RadiantExt {meta.package_version}, "
            f"RadiantMeta::Describe): {len(problems)} missing.\nChecked owners, groups, "
            f"service links and field types: {len(refused)} problem(s).\n"
            f"{_states_note(names, states)}")
    return problems + refused + states, note, promise_warnings(report.items, names)


def _states_note(names: ZnunyNames, states: list[str]) -> str:
    """The line saying whether the workflows' states were checked."""
    if names.states is None and names.states_unread:
        return (f"Workflow states NOT checked: {names.states_unread} (grant SELECT on "
                "ticket_state and ticket_state_type — docs/znuny-setup.md).")
    if names.states is None:
        return "Workflow states NOT checked: Znuny's answer has no States section."
    return f"Checked the workflows' ticket states and state types: {len(states)} problem(s)."


def _znuny_problems(settings: Settings,
                    report: PluginReport) -> tuple[list[str], str, list[str]]:
    """Names Znuny lacks (problems), a note, and promises Znuny's SLAs do not keep."""
    if settings.znuny_db_url is None:
        return _znuny_problems_from_package(settings, report)
    url = settings.znuny_db_url.get_secret_value()
    names = read_znuny_names(url)
    problems = check_items(report.items, names)
    note = f"Checked every name against Znuny's database: {len(problems)} missing."
    states = workflow_problems(report.items, names)
    problems += states
    note += f"\n{_states_note(names, states)}"
    warnings = promise_warnings(report.items, names)
    try:
        access = read_znuny_access(url)
    except ZnunyMetadataError as exc:
        warnings.append(f"owners, groups, service links and field types NOT checked: {exc} "
                        "(grant SELECT on users, group_user, permission_groups, queue, "
                        "service_customer_user — docs/znuny-setup.md)")
    else:
        refused = access_problems(report.items, access, agent=settings.znuny_user or None)
        problems += refused
        note += (f"\nChecked owners, groups, service links and field types: {len(refused)} "
                 "problem(s).")
    return problems, note, warnings


def _check_all(settings: Settings) -> PluginReport:
    blocked = tuple(settings.blocked_plugins)
    try:
        pm = make_plugin_manager(blocked=blocked, catalog_dirs=tuple(settings.catalog_dirs))
        broken: list[str] = []
    except CatalogError as exc:  # report every broken file, then check the plugins anyway
        broken = [str(p) for p in exc.problems]
        pm = make_plugin_manager(blocked=blocked)
    report = check_plugins(pm)
    report.problems[:0] = broken
    return report


def _setup_findings(settings: Settings, znuny: bool | None) -> tuple[list[Finding], str]:
    """Run the Znuny setup check unless skipped; return its findings and a note.

    ``znuny`` ``None`` (the default) checks when the agent login is configured: catalogs can
    be checked on a machine that knows nothing about Znuny.
    """
    if znuny is False:
        return [], "Znuny setup NOT checked (--no-znuny)."
    if znuny is None and not settings.znuny_user:
        return [], ("Znuny setup NOT checked: RADIANT_ZNUNY_USER is not set "
                    "(--znuny checks it anyway).")
    from radiant_ext.webhook import setup_check_safely

    with warnings_quiet("radiant_ext.client"):
        findings = setup_check_safely(settings)  # an unusable database URL is one finding
    errors = sum(f.status == "error" for f in findings)
    return findings, f"Znuny setup at {settings.znuny_url}: {errors} error(s)."


def _canary(settings: Settings, customer: str, store: str | None, problems: list[str],
            findings: list[Finding]) -> list[Finding]:
    from radiant_ext.cli.canary import run_canary
    from radiant_ext.webhook import Finding

    if problems or any(f.status == "error" for f in findings):
        return [Finding("canary", "error", "test requests NOT filed: fix the problems above "
                        "first", "run the check again")]
    with warnings_quiet("radiant_ext.client"):
        try:
            results = run_canary(settings, customer, store)
        except (RadiantError, SQLAlchemyError) as exc:
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            return [Finding("canary", "error", f"the test requests could not be filed: "
                            f"{first}", "check the RADIANT_ZNUNY_* and database settings")]
    return [Finding(f"canary.{r.department}", r.status, r.message,
                    "" if r.status == "ok" else "fix what the line names in Znuny or in the "
                    "catalog, then run the check again") for r in results]


def _check_failure(problems: list[str], findings: list[Finding]) -> RadiantError | None:
    errors = [f for f in findings if f.status == "error"]
    setup = f"Znuny setup: {len(errors)} error(s); first: {errors[0]}" if errors else ""
    if problems:
        more = f"; {setup.split(';')[0]}" if setup else ""
        return PluginError(f"{len(problems)} problem(s) found; first: {problems[0]}{more}")
    return ConfigError(setup) if setup else None


def _print_check(report: PluginReport, problems: list[str], note: str,
                 findings: list[Finding], setup_note: str, warnings: list[str]) -> None:
    for name, (depts, items) in sorted(report.counts.items()):
        click.echo(f"{name}: {depts} department(s), {items} item(s)")
    for line in problems:
        click.echo(f"problem: {line}")
    for line in warnings:
        click.echo(f"warning: {line}")
    if note:
        click.echo(note)
    if not problems:
        click.echo("All catalogs are valid.")
    for finding in findings:
        click.echo(str(finding))
    click.echo(setup_note)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--znuny/--no-znuny", default=None,
              help="Check the Znuny setup (web service, agent, dynamic fields, webhook secret); "
                   "default: when RADIANT_ZNUNY_USER is set.")
@click.option("--at", help=f"Warn about calendars with no working hour in the "
              f"{CALENDAR_HORIZON.days} days from this time (ISO; default: now; without an "
              "offset: default_time_zone).")
@click.option("--canary", "canary_customer", metavar="CUSTOMER_LOGIN",
              help="Also file one clearly marked test request per department as this Znuny "
                   "customer user, read it back and close it.")
@click.option("--canary-store", metavar="STORE", help="The store the test requests concern "
              "(default: none; items that need a store then route without one).")
def check(as_json: bool, znuny: bool | None, at: str | None, canary_customer: str | None,
          canary_store: str | None) -> None:
    """Validate catalogs and plugins, their names against Znuny, and the Znuny setup."""
    settings = load_settings()
    problem = demo_znuny_problem(settings) if znuny is not False else None
    if problem:
        raise ConfigError(f"{problem} (`radiant-ext check --no-znuny` checks the catalogs "
                          "alone)")
    now = parse_at(at, settings.default_time_zone)
    report = _check_all(settings)
    names, note, promises = _znuny_problems(settings, report) if not report.problems \
        else ([], "", [])
    problems = report.problems + names
    warnings = calendar_warnings(report.items, report.stores, now=now,
                                 default_time_zone=settings.default_time_zone) + promises
    warnings += downtime_tier_warnings(report.departments, report.items, report.stores)
    findings, setup_note = _setup_findings(settings, znuny)
    if canary_customer:
        findings += _canary(settings, canary_customer, canary_store, problems, findings)
    if as_json:
        click.echo(json.dumps({"plugins": {k: {"departments": v[0], "items": v[1]}
                                           for k, v in sorted(report.counts.items())},
                               "problems": problems, "warnings": warnings, "znuny": note,
                               "setup": [asdict(f) for f in findings], "setup_note": setup_note},
                              indent=2, ensure_ascii=False))
        if not problems:
            click.echo("All catalogs are valid.", err=True)
    else:
        _print_check(report, problems, note, findings, setup_note, warnings)
    failure = _check_failure(problems, findings)
    if failure is not None:
        raise failure


commands: list[click.Command] = [plugins, check]
