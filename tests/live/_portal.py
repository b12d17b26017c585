"""Driving the portal like a customer does, and what the plugins say it should file.

The customer logs in through the login form (with its CSRF token), opens an item's form, fills
it and submits it; the confirmation page shows the reference at once and the ticket number as
soon as Znuny has answered. The routing the ticket must carry is computed the way
``radiant-ext simulate`` computes it: the installation's plugins, the customer's store and the
ticket cache's history.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.config import Settings
from radiant_ext.plugins import (
    AttachmentField,
    CatalogItem,
    ChoiceField,
    DateField,
    EmailTicket,
    NumberField,
    Plugins,
    RequestContext,
    RoutingDecision,
    SerialNumberField,
    StoreField,
    TextField,
    Viewer,
    plugins_from_settings,
)
from radiant_ext.plugins.enablement import DatabaseEnablement
from radiant_ext.plugins.models import RecentIncidents
from radiant_ext.store import make_engine, session_scope

__all__ = [
    "DecisionLog",
    "Filed",
    "Simulator",
    "csrf_token",
    "file_request",
    "form_page",
    "form_values",
    "login",
    "wait_for",
]

SUBMIT_WAIT = 60.0
"""Seconds the confirmation page may take to show the ticket number."""


def wait_for(what: str, probe: Callable[[], Any], timeout: float, every: float = 0.5) -> Any:
    """Call ``probe`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(portal: Flask, user: str, password: str) -> FlaskClient:
    """Log in through the portal's login form; the client keeps the session cookie."""
    client = portal.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post("/login", data={
        "login": user, "password": password, "next": "/",
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302, (
        f"login of {user} answered {response.status_code}: "
        f"{response.get_data(as_text=True)[-1500:]}")
    return client


# -- form values -----------------------------------------------------------------------------

_TEXT_CANDIDATES = ("LIVE-2024-0001", "live-customer@example.com", "+7 495 123-45-67", "12345")


def _text(spec: TextField, marker: str) -> str:
    value = f"Live journey {marker}: {spec.label}"
    if spec.pattern:
        found = next((c for c in _TEXT_CANDIDATES if re.search(spec.pattern, c)), None)
        assert found, f"no test value matches field {spec.id}'s pattern {spec.pattern}"
        value = found
    if len(value) < spec.min_length:
        value = value + " ." * spec.min_length
    return value[: spec.max_length]


def _number(spec: NumberField) -> str:
    low = spec.min if spec.min is not None else 1
    value = max(low, 1) if spec.max is None or spec.max >= 1 else low
    return str(int(value)) if spec.integer or float(value).is_integer() else str(value)


def _date(spec: DateField) -> str:
    # a day off the bounds: the portal checks "today" in the store's zone, not the machine's
    low = spec.min_days_ahead if spec.min_days_ahead is not None else -30
    high = spec.max_days_ahead if spec.max_days_ahead is not None else low + 30
    offset = low + 1 if low + 1 <= high - 1 else (low + high) // 2
    return (date.today() + timedelta(days=offset)).isoformat()


def form_values(item: CatalogItem, marker: str, *, own_store: bool = True,
                store: str | None = None) -> tuple[dict[str, str], dict[str, tuple[bytes, str]]]:
    """Values for ``item``'s required fields as the form posts them, and required files.

    Returns ``(values by field id, {field id: (content, file name)})``. A store field is left
    out for a store's own staff (the portal never shows it to them); otherwise ``store``.
    """
    values: dict[str, str] = {}
    files: dict[str, tuple[bytes, str]] = {}
    for spec in item.fields:
        if isinstance(spec, StoreField):
            if not own_store and (spec.required or store):
                assert store, f"{item.id} needs a store"
                values[spec.id] = store
            continue
        if not spec.required:
            continue
        if isinstance(spec, TextField):
            values[spec.id] = _text(spec, marker)
        elif isinstance(spec, ChoiceField):
            values[spec.id] = spec.default or spec.options[0].value
        elif isinstance(spec, NumberField):
            values[spec.id] = _number(spec)
        elif isinstance(spec, DateField):
            values[spec.id] = _date(spec)
        elif isinstance(spec, SerialNumberField):
            values[spec.id] = "LIVE-" + re.sub(r"[^A-Za-z0-9]", "", marker)[:20]
        elif isinstance(spec, AttachmentField):
            ext = spec.extensions[0] if spec.extensions else "txt"
            files[spec.id] = (f"evidence for {marker}\n".encode(), f"evidence.{ext}")
    return values, files


# -- what the portal decided -----------------------------------------------------------------


@dataclass
class DecisionLog:
    """The routing decision of every draft the portal submits, by reference.

    Wraps the submission port of a running portal so a test can compare the ticket Znuny
    holds with what the portal asked for (the deadline and an owner picked from a pool depend
    on the exact moment of submission).
    """

    decisions: dict[str, RoutingDecision] = field(default_factory=dict)

    def attach(self, portal: Flask) -> None:
        submissions = portal.extensions["radiant_portal"]["services"].submissions
        submit = submissions.submit

        def recording_submit(draft: Any) -> Any:
            self.decisions[draft.request_id] = draft.routing.decision
            return submit(draft)

        submissions.submit = recording_submit


@dataclass(frozen=True)
class Filed:
    """One request filed through the portal."""

    item_id: str
    reference: str
    ticket_id: int
    ticket_number: str
    values: Mapping[str, str]
    decision: RoutingDecision
    """What the portal decided and sent."""
    before: RoutingDecision
    after: RoutingDecision
    """The plugins' decision for the same request just before and just after it was filed."""


class Simulator:
    """The routing ``radiant-ext simulate`` would show, from the installation's settings."""

    def __init__(self, settings: Settings) -> None:
        self._engine = make_engine(settings.effective_database_url)
        opener = lambda: session_scope(self._engine)  # noqa: E731 - passed twice
        self.plugins: Plugins = plugins_from_settings(settings,
                                                      enablement=DatabaseEnablement(opener))
        from radiant_ext.webhook import recent_incidents_from_store

        self.recent = recent_incidents_from_store(opener)

    def close(self) -> None:
        self._engine.dispose()

    def visible_items(self, company: str, department: str) -> list[CatalogItem]:
        """The items of ``department`` a customer of ``company`` is offered."""
        return self.plugins.catalog_items(department, viewer=Viewer(company=company))

    def decide(self, item_id: str, values: Mapping[str, str], *, customer: str,
               company: str, at: datetime | None = None,
               recent: RecentIncidents | None = None) -> RoutingDecision:
        """The decision for a portal request of ``customer`` (a store's staff: their store;
        others: the store the form names). ``recent`` replaces the ticket cache's history."""
        own = company if self.plugins.store(company) is not None else None
        request = RequestContext(
            store_id=own, fields=dict(values), submitted_at=at or datetime.now(UTC),
            customer_user=customer, customer_company=company,
            recent_incidents=recent or self.recent)
        return self.plugins.route(self.plugins.item(item_id), request)

    def for_email(self, ticket: Any) -> RoutingDecision:
        """The decision for an e-mail-born ticket (webhook, e-mail classification): its text
        classified, routed for its customer's store from the moment Znuny created it."""
        classification = self.plugins.classify(EmailTicket.from_ticket(ticket))
        assert classification is not None, f"no catalog item matches {ticket.title!r}"
        company = ticket.customer_id or None
        store = company if company and self.plugins.store(company) else None
        assert ticket.created is not None
        return self.plugins.route(
            self.plugins.item(classification.item_id),
            RequestContext(store_id=store, submitted_at=ticket.created,
                           customer_user=ticket.customer_user_id or None,
                           customer_company=company, recent_incidents=self.recent))

    def bracket(self, item_id: str, values: Mapping[str, str], *, customer: str,
                company: str) -> tuple[RoutingDecision, Callable[[], RoutingDecision]]:
        """The decision now, and a function giving the decision at a later moment with the
        same history (the request being filed in between enters the ticket cache, and must
        not count as its own repeat)."""
        seen: dict[tuple[str, str, int], int] = {}

        def remembering(store: str, item: str, days: int) -> int:
            seen[(store, item, days)] = self.recent(store, item, days)
            return seen[(store, item, days)]

        now = self.decide(item_id, values, customer=customer, company=company,
                          recent=remembering)

        def later() -> RoutingDecision:
            return self.decide(item_id, values, customer=customer, company=company,
                               recent=lambda s, i, d: seen.get((s, i, d), 0))

        return now, later


class _HiddenInputs(HTMLParser):
    """The hidden inputs of the request form (reference, CSRF token, opened, promise)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.names: set[str] = set()
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and "data-promise" in found:
            self._in_form = True
        if not self._in_form or tag not in ("input", "textarea", "select"):
            return
        name = found.get("name") or ""
        self.names.add(name)
        if tag == "input" and found.get("type") == "hidden":
            self.values[name] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def form_page(html: str) -> _HiddenInputs:
    """The request form on ``html``: its hidden values and the names of its inputs."""
    parsed = _HiddenInputs()
    parsed.feed(html)
    assert "request_id" in parsed.values, "the page carries no request form"
    return parsed


PROMISE_CHANGED = "Your answers change when we can promise"


def _post_form(client: FlaskClient, item_id: str, values: Mapping[str, str],
               files: Mapping[str, tuple[bytes, str]], description: str) -> tuple[str, str]:
    """Open ``item_id``'s form and send it as a browser would (the form's hidden inputs, the
    fields it shows); when the answers changed the promise shown, the form comes back with
    the new one and is sent again. Return the reference and where the answer points."""
    page = client.get(f"/new/{item_id}")
    assert page.status_code == 200, f"/new/{item_id} answered {page.status_code}"
    form = form_page(page.get_data(as_text=True))
    for attempt in range(2):
        data: dict[str, Any] = dict(form.values)
        data.update({f"f_{name}": value for name, value in values.items()})
        if "description" in form.names:
            data["description"] = description
        for name, (content, filename) in files.items():
            key = name if name == "attachments" else f"f_{name}"
            assert key in form.names, f"the form of {item_id} has no file field {key}"
            data[key] = (BytesIO(content), filename)
        response = client.post(f"/new/{item_id}", data=data, content_type="multipart/form-data")
        html = response.get_data(as_text=True)
        if response.status_code in (302, 303) and "/submitted/" not in response.headers[
                "Location"]:
            # post/redirect/get: the corrected form is the page the answer points to
            shown = client.get(response.headers["Location"])
            html = shown.get_data(as_text=True)
            if PROMISE_CHANGED in html and attempt == 0:
                form = form_page(html)  # the customer reads the new promise and sends again
                continue
            response = shown
        break
    assert response.status_code == 302, (
        f"submitting {item_id} answered {response.status_code}: {_errors(html)}")
    reference = form.values["request_id"]
    location = response.headers["Location"]
    assert location.endswith(f"/submitted/{reference}"), location
    return reference, location


def _errors(html: str) -> str:
    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', html)
    return "; ".join(found) or html[-1500:]


def confirmation(client: FlaskClient, location: str) -> str:
    """The confirmation page (it refreshes itself until the number is known)."""
    page = client.get(location)
    assert page.status_code == 200, f"{location} answered {page.status_code}"
    return page.get_data(as_text=True)


def file_request(client: FlaskClient, simulator: Simulator, log: DecisionLog, item_id: str,
                 *, customer: str, company: str, marker: str,
                 values: Mapping[str, str] | None = None,
                 attachment: tuple[bytes, str] | None = None) -> Filed:
    """File ``item_id`` through the form and wait for the ticket number on the confirmation.

    ``values`` default to the item's required fields filled in (and required files).
    ``attachment`` (content, file name stem) goes to the item's first file field, with the
    first extension it allows, else to the form's general attachments as ``.txt``.
    """
    item = simulator.plugins.item(item_id)
    files: dict[str, tuple[bytes, str]] = {}
    if values is None:
        store_staff = simulator.plugins.store(company) is not None
        some_store = next(iter(simulator.plugins.stores()), None)
        values, files = form_values(item, marker, own_store=store_staff, store=some_store)
    if attachment is not None:
        field_ = next((f for f in item.fields if isinstance(f, AttachmentField)), None)
        if field_ is None:
            files["attachments"] = (attachment[0], f"{attachment[1]}.txt")
        else:
            ext = field_.extensions[0] if field_.extensions else "txt"
            files[field_.id] = (attachment[0], f"{attachment[1]}.{ext}")
    before, later = simulator.bracket(item_id, values, customer=customer, company=company)
    reference, location = _post_form(client, item_id, values, files,
                                     f"Filed by the live journeys ({marker})")
    page = confirmation(client, location)
    assert f"Your reference: {reference}" in page or "has the number" in page, page[-2000:]

    def numbered() -> re.Match[str] | None:
        html = confirmation(client, location)
        assert "could not file it automatically" not in html, (
            f"{item_id} was held: Znuny refused it ({_errors(html)})")
        # the number is shown in groups of four; data-number holds its digits
        return re.search(r'has the number <span class="number" data-number="(\d+)".*?'
                         r'href="/requests/(\d+)"', html, re.S)

    found = wait_for(f"the ticket number of {item_id} ({reference})", numbered, SUBMIT_WAIT)
    after = later()
    return Filed(item_id, reference, int(found.group(2)), found.group(1), dict(values),
                 log.decisions[reference], before, after)

