"""The admin area's pages: departments (enable, scope, history), preview as a customer,
routing, health.

Every page needs an agent logged in with their Znuny account (the reports' agent login,
:func:`radiant_ext.reports.pages.agent_sign_in`) who is an admin by the ``[admin]`` table
(:mod:`.settings`). A department admin sees and changes only their departments: anything of
another department answers 403 with the reason, for pages and for changes alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from sqlalchemy import Engine
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from radiant_ext.plugins import (
    CatalogItem,
    ChoiceField,
    DepartmentDisabledError,
    ItemDisabledError,
    Plugins,
    UnknownItemError,
    Viewer,
)
from radiant_ext.plugins.simulation import (
    InvalidFieldError,
    Simulation,
    UnknownFieldError,
    simulate_routing,
)
from radiant_ext.portal.admin.forms import AdminLoginForm, DepartmentForm, RequeueForm
from radiant_ext.portal.admin.settings import AdminRole, AdminSettings, admin_settings
from radiant_ext.portal.i18n import current_language, format_deadline, format_when
from radiant_ext.portal.ports import Customer
from radiant_ext.store.departments import DepartmentScope

__all__ = ["AdminState", "admin_state", "blueprint", "current_admin", "init_admin"]

blueprint = Blueprint("admin", __name__, url_prefix="/admin", static_folder="static",
                      static_url_path="/static")


def _(text: str, **values: Any) -> str:
    """The page's language's translation of ``text`` (a plain ``str``)."""
    return str(gettext(text, **values))


_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,200}$")
"""A store or company id as typed into a form."""


@dataclass
class AdminState:
    """What the admin pages share in one app: the settings, the plugins, the store, a clock."""

    settings: AdminSettings
    plugins: Plugins
    engine: Engine
    clock: Callable[[], datetime]
    sync_intervals: dict[str, int]


def init_admin(app: Flask, *, plugins: Plugins | None = None, engine: Engine | None = None,
               settings: AdminSettings | None = None) -> None:
    """Register the admin area on ``app``, over the worker's plugins and store.

    :raises AdminSettingsError: the ``[admin]`` table has an unknown key or department.
    """
    from radiant_ext.config import Settings

    radiant = app.config.get("RADIANT_SETTINGS")
    chosen = settings or app.config.get("ADMIN_SETTINGS") or (
        admin_settings(radiant) if isinstance(radiant, Settings) else AdminSettings())
    plugins = plugins or app.config.get("ADMIN_PLUGINS")
    engine = engine or app.config.get("ADMIN_ENGINE")
    if plugins is not None:
        chosen.check_departments(d.id for d in plugins.departments(include_disabled=True))
    app.extensions["radiant_admin"] = {
        "settings": chosen, "plugins": plugins, "engine": engine,
        "intervals": dict(radiant.sync_intervals) if isinstance(radiant, Settings) else {}}
    app.register_blueprint(blueprint)


def admin_state() -> AdminState:
    """The current app's :class:`AdminState`."""
    ext: dict[str, Any] = current_app.extensions["radiant_admin"]
    if ext.get("plugins") is None or ext.get("engine") is None:
        abort(503)
    return AdminState(ext["settings"], ext["plugins"], ext["engine"],
                      current_app.config.get("ADMIN_CLOCK") or (lambda: datetime.now(UTC)),
                      ext["intervals"])


def current_admin() -> AdminRole | None:
    """The admin behind this request: a logged-in agent the ``[admin]`` table names."""
    from radiant_ext.reports.views import current_agent

    if "radiant_admin_role" not in g:
        ext = current_app.extensions.get("radiant_admin")
        g.radiant_admin_role = ext["settings"].role(current_agent()) if ext else None
    return cast(AdminRole | None, g.radiant_admin_role)


@blueprint.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"can_administer": lambda: current_admin() is not None}


@blueprint.context_processor
def _role() -> dict[str, Any]:
    return {"role": current_admin()}


def _refuse(reason: str) -> ResponseReturnValue:
    return render_template("admin/refused.html", reason=reason), 403


def _role_or_response() -> AdminRole | ResponseReturnValue:
    from radiant_ext.reports.views import current_agent

    role = current_admin()
    if role is not None:
        return role
    if current_agent() is None:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    return _refuse(_("Your agent account is not an admin of any department. "
                           "The companion's administrator names department admins in the "
                           "[admin] settings."))


def _not_yours(department: str) -> ResponseReturnValue:
    return _refuse(_("You are not an admin of the department %(department)s.",
                           department=department))


# -- login -------------------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    if (target and (target == "/admin" or target.startswith(("/admin/", "/admin?")))
            and target.isprintable() and "\\" not in target):
        return target
    return url_for("admin.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Agents log in with their Znuny agent account (shared with the reports)."""
    from radiant_ext.reports.pages import agent_sign_in

    form = AdminLoginForm()
    if request.method == "GET":
        form.next.data = _safe_next(request.args.get("next"))
    return agent_sign_in(
        form, template="admin/login.html", allowed=lambda _login: True,
        refused=_("The login or the password is not right."),
        busy=_("Too many attempts. Please wait a few minutes and try again."),
        next_url=_safe_next)


@blueprint.post("/logout")
def logout() -> Response:
    """End the agent's session on the server."""
    from radiant_ext.portal.services import session_store
    from radiant_ext.reports.views import AGENT_KEY

    key = session.pop(AGENT_KEY, None)
    if isinstance(key, str) and key:
        session_store().delete(key)
    return redirect(url_for("admin.login"))


# -- departments -------------------------------------------------------------------------

def _scope_text(scope: DepartmentScope | None) -> str:
    if scope is None or scope.everyone:
        return _("everyone")
    parts = []
    if scope.tiers:
        parts.append(_("stores of tier %(tiers)s", tiers=", ".join(scope.tiers)))
    if scope.companies:
        parts.append(", ".join(scope.companies))
    if scope.head_office:
        parts.append(_("the head office"))
    return "; ".join(parts)


def _state_text(snapshot: dict[str, Any]) -> str:
    if not snapshot:
        return ""
    on = _("enabled") if snapshot.get("enabled", True) else _("disabled")
    return f"{on}, {_('for')} {_scope_text(DepartmentScope.from_json(snapshot.get('scope')))}"


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """The departments this admin may change, with their state and scope."""
    role = _role_or_response()
    if not isinstance(role, AdminRole):
        return role
    state = admin_state()
    plugins = state.plugins
    states, scopes = plugins.department_states(), plugins.department_scopes()
    lang = current_language()
    rows = [{"id": d.id, "title": d.translate(d.title, lang), "enabled": states.get(d.id, True),
             "scope": _scope_text(scopes.get(d.id))}
            for d in plugins.departments(include_disabled=True) if role.may(d.id)]
    return render_template("admin/index.html", role=role, rows=rows)


def _tiers(plugins: Plugins) -> list[str]:
    return sorted({s.tier for s in plugins.stores().values()} | {"standard"})


def _department_or_404(plugins: Plugins, department: str) -> Any:
    for dept in plugins.departments(include_disabled=True):
        if dept.id == department:
            return dept
    abort(404)


def _history(engine: Engine, department: str) -> list[dict[str, str]]:
    from radiant_ext.store import session_scope
    from radiant_ext.store.departments import department_history

    with session_scope(engine) as s:
        changes = department_history(s, [department])
    return [{"at": format_when(c.at), "actor": c.actor, "before": _state_text(dict(c.before)),
             "after": _state_text(dict(c.after))} for _, c in changes]


@blueprint.route("/departments/<department>", methods=["GET", "POST"])
def department(department: str) -> ResponseReturnValue:
    """Enable a department's catalog and choose for whom; its history of changes."""
    role = _role_or_response()
    if not isinstance(role, AdminRole):
        return role
    state = admin_state()
    dept = _department_or_404(state.plugins, department)
    if not role.may(department):
        return _not_yours(department)
    form = DepartmentForm()
    form.tiers.choices = [SelectChoice(t, t) for t in _tiers(state.plugins)]
    scope = state.plugins.department_scopes().get(department) or DepartmentScope()
    if request.method == "GET":
        form.enabled.data = state.plugins.department_states().get(department, True)
        form.audience.data = "everyone" if scope.everyone else "some"
        form.tiers.data = list(scope.tiers)
        form.companies.data = ", ".join(scope.companies)
        form.head_office.data = scope.head_office
    elif form.validate_on_submit():
        chosen = _chosen_scope(form, state.plugins)
        if chosen is not None:
            changed = _save(state, department, bool(form.enabled.data), chosen, role.login)
            flash(_("Saved.") if changed else _("Nothing changed."), "ok")
            return redirect(url_for("admin.department", department=department))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/department.html", dept=dept, form=form,
                           title=dept.translate(dept.title, current_language()),
                           history=_history(state.engine, department),
                           stores=sorted(state.plugins.stores())), status


def _chosen_scope(form: DepartmentForm, plugins: Plugins) -> DepartmentScope | None:
    """The scope the form asks for, or ``None`` with the form's errors set."""
    if form.audience.data != "some":
        return DepartmentScope()
    companies = [c for c in re.split(r"[\s,;]+", form.companies.data or "") if c]
    bad = [c for c in companies if not _ID.match(c)]
    if bad:
        form.companies.errors.append(_("%(value)s is not a store or company id.",
                                             value=bad[0][:50]))
        return None
    unknown = [c for c in companies if not plugins.knows_company(c)
               and c not in plugins.head_office]
    if unknown:
        form.companies.errors.append(_(
            "%(value)s is not in the store directory, and no catalog item names it.",
            value=unknown[0]))
        return None
    scope = DepartmentScope(tiers=tuple(sorted(set(form.tiers.data or []))),
                            companies=tuple(sorted(set(companies))),
                            head_office=bool(form.head_office.data))
    if scope.everyone:
        form.form_errors.append(_(
            "Choose at least one tier, store, company or the head office, or choose "
            "Everyone."))
        return None
    return scope


def _save(state: AdminState, department: str, enabled: bool, scope: DepartmentScope,
          actor: str) -> bool:
    """Save through the plugins' enablement (its cache is cleared at once), else the store."""
    setter = getattr(state.plugins.enablement, "set_department_enablement", None)
    if setter is not None:
        return bool(setter(department, enabled=enabled, scope=scope, actor=actor))
    from radiant_ext.store import session_scope
    from radiant_ext.store.departments import set_department_enablement

    with session_scope(state.engine) as s:
        return set_department_enablement(s, department, enabled=enabled, scope=scope,
                                         actor=actor)[1]


# -- preview -----------------------------------------------------------------------------

@blueprint.get("/preview")
def preview() -> ResponseReturnValue:
    """The catalog of a department as a customer of one store or company sees it now, in
    either language, with the deadlines it would promise now."""
    role = _role_or_response()
    if not isinstance(role, AdminRole):
        return role
    state = admin_state()
    plugins = state.plugins
    mine = role.mine(d.id for d in plugins.departments(include_disabled=True))
    department = request.args.get("department") or (mine[0] if mine else "")
    if department and department not in {d.id for d in plugins.departments(
            include_disabled=True)}:
        abort(404)
    if not role.may(department):
        return _not_yours(department)
    company = (request.args.get("store") or "").strip()
    asked = request.args.get("lang", "")
    lang = asked if asked in ("en", "ru") else current_language()
    errors: list[str] = []
    shown: dict[str, Any] | None = None
    if company:
        if not _ID.match(company):
            errors.append(_("%(value)s is not a store or company id.", value=company[:50]))
        else:
            shown = _as_customer_sees(state, department, company, lang)
    return render_template("admin/preview.html", departments=mine, department=department,
                           company=company, lang=lang, shown=shown, errors=errors,
                           stores=sorted(plugins.stores())), 400 if errors else 200


def _as_customer_sees(state: AdminState, department: str, company: str,
                      lang: str) -> dict[str, Any]:
    from radiant_ext.portal.services import services

    plugins = state.plugins
    customer = Customer(login="preview", customer_id=company)
    catalog = services().catalog
    now = state.clock()
    items = []
    for dept in catalog.departments(customer, lang):
        if dept.id != department:
            continue
        for item in dept.items:
            routed = catalog.route(item, customer, {}, now)
            with force_locale(lang):
                deadline = format_deadline(routed.deadline, routed.time_zone)
            items.append({"id": item.id, "title": item.title, "help": item.help,
                          "deadline": deadline})
    reason = ""
    if not plugins.department_states().get(department, True):
        reason = _("The department is disabled: nobody sees its catalog.")
    elif not plugins.in_scope(department, Viewer(company=company)):
        reason = _("The department is not enabled for %(company)s.", company=company)
    elif not items:
        reason = _("No item of this department is meant for %(company)s.",
                         company=company)
    store = plugins.store(company)
    with force_locale(lang):
        at = format_when(now, str(store.time_zone) if store else None)
        expected = _("Expected by")
    return {"entries": items, "reason": reason, "at": at, "expected": expected,
            "store": store.name if store else company, "known": plugins.knows_company(company)}


# -- routing -----------------------------------------------------------------------------

@blueprint.get("/routing")
def routing() -> ResponseReturnValue:
    """The ``simulate`` of the command line as a form: a GET, so its URL is the case to
    share with a colleague."""
    role = _role_or_response()
    if not isinstance(role, AdminRole):
        return role
    state = admin_state()
    plugins, lang = state.plugins, current_language()
    items = [i for i in plugins.catalog_items(include_disabled=True) if role.may(i.department)]
    args = request.args
    item_id = args.get("item", "")
    chosen = next((i for i in items if i.id == item_id), None)
    if item_id and chosen is None:
        other = next((i for i in plugins.catalog_items(include_disabled=True)
                      if i.id == item_id), None)
        if other is not None:
            return _not_yours(other.department)
    errors: dict[str, str] = {}
    result: Simulation | None = None
    answers = {f.id: args.get(f"f_{f.id}", "") for f in chosen.fields} if chosen else {}
    if chosen is not None and args.get("run"):
        result = _simulate(state, chosen, answers, errors)
    return render_template(
        "admin/routing.html", items=[(i.id, i.translate(i.title, lang)) for i in items],
        chosen=chosen, fields=_field_inputs(chosen, lang), answers=answers, args=args,
        errors=errors, result=_result_view(result, lang) if result else None,
        stores=sorted(plugins.stores()), share=request.url if result else ""), \
        400 if errors else 200


def _field_inputs(item: CatalogItem | None, lang: str) -> list[dict[str, Any]]:
    if item is None:
        return []
    out = []
    for spec in item.fields:
        if getattr(spec, "kind", "") == "attachment":
            continue  # files do not route
        options = [(o.value, item.translate(o.label, lang)) for o in spec.options] \
            if isinstance(spec, ChoiceField) else None
        out.append({"id": spec.id, "label": item.translate(spec.label, lang), "options": options,
                    "required": spec.required})
    return out


def _simulate(state: AdminState, item: CatalogItem, answers: dict[str, str],
              errors: dict[str, str]) -> Simulation | None:
    args = request.args
    store = (args.get("store") or "").strip() or None
    if store is not None and not _ID.match(store):
        errors["store"] = _("%(value)s is not a store or company id.", value=store[:50])
    at: datetime | None = None
    if args.get("at"):
        try:
            at = datetime.fromisoformat(args["at"])
        except ValueError:
            errors["at"] = _("Give the time as YYYY-MM-DD HH:MM.")
    try:
        recent = int(args.get("recent") or 0)
        if not 0 <= recent <= 1000:
            raise ValueError
    except ValueError:
        recent = 0
        errors["recent"] = _("A whole number from 0 to 1000.")
    if errors:
        return None
    given = {k: v for k, v in answers.items() if v}
    try:
        return simulate_routing(state.plugins, item.id, store=store, fields=given, at=at,
                                recent=recent, clock=state.clock)
    except InvalidFieldError as exc:
        errors[f"f_{exc.error.field}"] = exc.error.get(current_language())
    except UnknownFieldError as exc:
        errors["item"] = str(exc)
    except DepartmentDisabledError:
        errors["item"] = _("The department of this item is disabled: nothing is routed "
                                 "to it. Enable it first.")
    except ItemDisabledError:
        errors["item"] = _("The catalog check disabled this item.")
    except UnknownItemError:
        errors["item"] = _("No such catalog item.")
    return None


def _result_view(result: Simulation, lang: str) -> dict[str, Any]:
    d = result.decision
    return {
        "rows": [
            (_("Type"), d.type), (_("Queue"), d.queue),
            (_("Service"), d.service or "—"), (_("SLA"), d.sla or "—"),
            (_("Priority"), d.priority), (_("Owner"), d.owner or "—"),
            (_("Store"), d.store_id or "—"),
            (_("Filed at"), format_when(result.submitted_at, result.zone)),
            (_("Deadline"), format_deadline(d.deadline, result.zone)),
            (_("Deadline in UTC"), f"{d.deadline_utc()} UTC"),
            (_("Business hours"), _("%(hours)s in calendar %(calendar)s",
                                                hours=f"{d.business_hours:g}",
                                                calendar=d.calendar)),
        ],
        "rules": [{"id": r.id, "text": r.text.get(lang), "effect": r.effect}
                  for r in d.rules_fired],
        "missing": result.missing,
    }


# -- health ------------------------------------------------------------------------------

@blueprint.get("/health")
def health() -> ResponseReturnValue:
    """Catalog problems with their fixes, the sync jobs, parked requests with a requeue
    button; it says plainly when nothing is wrong."""
    role = _role_or_response()
    if not isinstance(role, AdminRole):
        return role
    from radiant_ext.portal.admin.health import collect_health

    state = admin_state()
    report = collect_health(state.plugins, state.engine, role, state.clock(),
                            state.sync_intervals)
    setup = _setup_findings() if request.args.get("znuny") == "1" else None
    return render_template("admin/health.html", report=report, form=RequeueForm(),
                           setup=setup)


def _setup_findings() -> list[Any]:
    """The Znuny setup check of ``radiant-ext check`` (it calls Znuny: only on request)."""
    from radiant_ext.config import Settings
    from radiant_ext.webhook import setup_check_safely

    radiant = current_app.config.get("RADIANT_SETTINGS")
    return setup_check_safely(radiant) if isinstance(radiant, Settings) else []


@blueprint.post("/outbox/<request_id>/requeue")
def requeue(request_id: str) -> ResponseReturnValue:
    """Send a parked request again (refused when it would be filed twice)."""
    role = _role_or_response()
    if not isinstance(role, AdminRole):
        return role
    from sqlalchemy import select

    from radiant_ext.store import Outbox, session_scope
    from radiant_ext.sync.drain import requeue_parked
    from radiant_ext.sync.errors import AlreadyFiledError, SyncError

    state = admin_state()
    if not RequeueForm().validate_on_submit():
        abort(400)
    with session_scope(state.engine) as s:
        category = s.scalar(select(Outbox.category).where(Outbox.request_id == request_id))
    from radiant_ext.portal.admin.health import _department

    department = _department(state.plugins, category)
    if not role.companion and not role.may(department):
        return _not_yours(department or "?")
    try:
        with session_scope(state.engine) as s:
            requeue_parked(s, request_id, f"admin:{role.login}")
    except AlreadyFiledError:
        return _refuse(_("%(request)s already has its ticket in Znuny: sending it again "
                               "would file it twice.", request=request_id))
    except SyncError:
        flash(_("%(request)s is not parked (any more).", request=request_id), "error")
        return redirect(url_for("admin.health"))
    flash(_("%(request)s is pending again; the outbox-drain job sends it.",
                  request=request_id), "ok")
    return redirect(url_for("admin.health"))

