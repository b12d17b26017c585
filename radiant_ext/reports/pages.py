"""The routes of :data:`radiant_ext.reports.views.blueprint`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from radiant_ext.portal.auth.views import fresh_cookie, known_browser, retry_after
from radiant_ext.portal.ports import Customer
from radiant_ext.portal.services import session_store
from radiant_ext.portal.sessions import end_cookie_sessions
from radiant_ext.reports.access import ReportViewer
from radiant_ext.reports.charts import chart_data_uri, render_chart
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.errors import ReportError
from radiant_ext.reports.export import (
    CSV_DIALECTS,
    EXPORT_FORMATS,
    csv_dialect,
    export_table,
    media_type,
)
from radiant_ext.reports.filters import FilterChoice, describe, parse_filter
from radiant_ext.reports.formatting import display_rows, format_value
from radiant_ext.reports.i18n import W_, localize
from radiant_ext.reports.model import ReportTable
from radiant_ext.reports.registry import REPORTS
from radiant_ext.reports.views import (
    AGENT_KEY,
    blueprint,
    can_change_settings,
    current_viewer,
    page_language,
    report_text,
    reports_state,
)

__all__ = ["AgentLoginForm", "agent_sign_in"]


class AgentLoginForm(FlaskForm):  # type: ignore[misc]
    """Agent login for the reports."""

    login = StringField("Agent login", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


def _safe_next(target: str | None) -> str:
    """``target`` when it is a reports page of this site, else the reports' index.

    Control characters (CR/LF would split the ``Location`` header) and backslashes (which
    browsers read as ``/``) are refused along with every other site.
    """
    if (target and (target == "/reports" or target.startswith(("/reports/", "/reports?")))
            and target.isprintable() and "\\" not in target):
        return target
    return url_for("reports.index")


def _viewer_or_response() -> ReportViewer | ResponseReturnValue:
    viewer = current_viewer()
    if viewer is not None:
        return viewer
    if _customer_logged_in():
        return render_template("reports/forbidden.html"), 403
    return redirect(url_for("reports.agent_login", next=request.full_path.rstrip("?")))


def _customer_logged_in() -> bool:
    from flask import g

    return g.get("customer") is not None


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """The list of reports."""
    viewer = _viewer_or_response()
    if not isinstance(viewer, ReportViewer):
        return viewer
    return render_template("reports/index.html", reports=REPORTS.values(), viewer=viewer,
                           directory=reports_state().directory)


def _compute(name: str, viewer: ReportViewer) -> tuple[FilterChoice, ReportTable | None, Any]:
    state = reports_state()
    if name not in REPORTS:
        abort(404)
    now = state.clock()
    directory = state.directory.localized(page_language())
    with state.session() as db:
        departments = state.departments(db)
        stores = None if viewer.company else state.stores(db)
        items = state.open_items(db) if REPORTS[name].item_filter else None
        choice = parse_filter(request.args, zone=state.settings.zone,
                              today=now.astimezone(state.settings.zone).date(),
                              departments=departments, stores=stores, company=viewer.company,
                              items=items)
        table = None
        if choice.report_filter is not None:
            ctx = ReportContext(db, choice.report_filter, state.settings, directory, now)
            table = REPORTS[name].compute(ctx)
    return choice, table, {"departments": departments, "stores": stores, "items": items,
                           "directory": directory}


def _charts(table: ReportTable | None, language: str) -> dict[str, str | None]:
    """The chart of ``table`` as ``data:`` URIs: ``wide`` and ``narrow`` (phones)."""
    if table is None:
        return {"wide": None, "narrow": None}
    wide = render_chart(table, language=language)
    narrow = render_chart(table, narrow=True, language=language)
    return {"wide": chart_data_uri(wide) if wide else None,
            "narrow": chart_data_uri(narrow) if narrow else None}


def _render(template: str, name: str, viewer: ReportViewer) -> ResponseReturnValue:
    """A report page (``template``) with the filters, the chart and the table."""
    started = time.perf_counter()
    language = page_language()
    choice, table, options = _compute(name, viewer)
    if table is not None:
        table = localize(table, language, admin=can_change_settings(viewer))
    state = reports_state()
    return render_template(
        template, spec=REPORTS[name], reports=REPORTS.values(), viewer=viewer,
        choice=choice, table=table, charts=_charts(table, language),
        cells=display_rows(table, language) if table is not None else [],
        shown=[i for i, c in enumerate(table.columns) if not c.ident] if table else [],
        query={k: v for k, v in choice.values.items() if v}, formats=EXPORT_FORMATS,
        zone=str(state.settings.zone), generated=format_value(
            state.clock().astimezone(state.settings.zone), "datetime", language),
        took=time.perf_counter() - started, **options,
    ), 400 if choice.errors else 200


@blueprint.get("/<name>")
def report(name: str) -> ResponseReturnValue:
    """One report: filters, chart, data table and export links."""
    viewer = _viewer_or_response()
    if not isinstance(viewer, ReportViewer):
        return viewer
    return _render("reports/report.html", name, viewer)


@blueprint.get("/<name>/print")
def print_view(name: str) -> ResponseReturnValue:
    """One report for printing or saving as PDF: title, filter, chart, table, notes."""
    viewer = _viewer_or_response()
    if not isinstance(viewer, ReportViewer):
        return viewer
    return _render("reports/print.html", name, viewer)


@blueprint.get("/<name>/export.<fmt>")
def export(name: str, fmt: str) -> ResponseReturnValue:
    """Download a report as CSV, XLSX or JSON with the page's filters, in the page's
    language (CSV in the ``dialect`` asked for, else the language's)."""
    viewer = _viewer_or_response()
    if not isinstance(viewer, ReportViewer):
        return viewer
    if fmt not in EXPORT_FORMATS:
        abort(404)
    choice, table, _ = _compute(name, viewer)
    asked = request.args.get("dialect")
    if asked and asked not in CSV_DIALECTS:
        choice.errors["dialect"] = W_("Choose comma or semicolon.")
    if table is None or choice.errors:
        return {"errors": {k: report_text(v) for k, v in choice.errors.items()}}, 400
    meta = describe(choice)
    if viewer.company:
        meta["company"] = viewer.company
    state = reports_state()  # when it was made, in the zone the report counts in
    meta["generated"] = state.clock().astimezone(state.settings.zone).isoformat(
        timespec="seconds")
    language = page_language()
    body = export_table(table, fmt, meta, language=language, admin=can_change_settings(viewer),
                        dialect=csv_dialect(language, asked))
    filename = f"{name}-{choice.values['from']}-{choice.values['to']}.{fmt}"
    return Response(body, mimetype=media_type(fmt), headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@blueprint.route("/login", methods=["GET", "POST"])
def agent_login() -> ResponseReturnValue:
    """Agents log in with their Znuny agent account."""
    form = AgentLoginForm()
    form.login.label.text = report_text("Agent login")
    form.password.label.text = report_text("Password")
    if request.method == "GET":
        form.next.data = _safe_next(request.args.get("next"))
    settings = reports_state().settings
    return agent_sign_in(
        form, template="reports/login.html",
        allowed=lambda login: not settings.agents or login in settings.agents,
        refused=report_text(
            "The login or the password is not right, or the account may not see reports."),
        busy=report_text("Too many attempts. Please wait a few minutes and try again."),
        next_url=_safe_next)


def agent_sign_in(form: AgentLoginForm, *, template: str, allowed: Callable[[str], bool],
                  refused: str, busy: str,
                  next_url: Callable[[str | None], str]) -> ResponseReturnValue:
    """Log an agent in with their Znuny account (GI ``SessionCreate``), shared by the
    reports and the admin area: the portal's login limiter, a fresh cookie, the agent's
    session kept on the server under :data:`AGENT_KEY`.

    :param allowed: whether a login may be let in at all (asked before Znuny is).
    :param refused: the form error for a wrong login or password, or a login not allowed.
    :param busy: the form error while the limiter holds the login back.
    :param next_url: where to go afterwards, from the form's ``next`` (made safe).
    """
    if not form.validate_on_submit():
        return render_template(template, form=form), 400 if form.errors else 200
    login = form.login.data.strip()
    limiter = current_app.extensions.get("radiant_login_limiter")
    address = request.remote_addr or "unknown"
    wait = limiter.wait(login, address, known_browser=known_browser(login)) if limiter else 0
    if wait > 0:
        form.form_errors.append(busy)
        return render_template(template, form=form), 429, retry_after(wait)
    state = reports_state()
    gi_session_id: str | None = None
    if allowed(login):
        try:
            gi_session_id = state.agent_auth.login(login, form.password.data)
        except ReportError:
            form.form_errors.append(report_text(W_(
                "The help desk cannot be reached right now. Please try again shortly.")))
            return render_template(template, form=form), 503
    if gi_session_id is None:
        if limiter is not None:
            limiter.failed(login, address)
        form.form_errors.append(refused)
        return render_template(template, form=form), 401
    if limiter is not None:
        limiter.succeeded(login, address)
    store = session_store()
    end_cookie_sessions(store, session)  # whoever was logged in here is not now
    fresh_cookie(known_login=login)  # no session fixation; language and known names kept
    session[AGENT_KEY] = store.create(gi_session_id, Customer(login, ""), kind="agent").key
    session.permanent = True
    return redirect(next_url(form.next.data))


@blueprint.post("/logout")
def agent_logout() -> Response:
    """End the agent's session on the server (a copy of the cookie stops working too)."""
    key = session.pop(AGENT_KEY, None)
    if isinstance(key, str) and key:
        session_store().delete(key)
    return redirect(url_for("reports.agent_login"))
