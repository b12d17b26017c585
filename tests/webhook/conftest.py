"""Fixtures for the webhook tests: recorded exchanges, a test catalog, an app, a fake Znuny."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.plugins import Plugins, load_catalog_text, make_plugin_manager
from radiant_ext.plugins.builtin import CatalogFilesPlugin
from radiant_ext.webhook import TicketRouter, WebhookConfig, init_webhook
from radiant_ext_sandbox.znuny_writeback import WriteBackAction

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = ROOT.parent / "shared" / "contract" / "znuny-webhook"
USER, SECRET = "radiant", "hook-secret"  # what the recordings' requester sent (README)

TEST_CATALOG = """
department:
  id: testdesk
  title: Test desk
items:
  - id: testdesk.printer
    title: Printer jams
    routing: {type: Unclassified, queue: Misc, service: "IT::Printer", sla: Gold, priority: 3}
    deadline: {business_hours: 8, calendar: default}
    keywords: [printer, jams]
    rules:
      - id: key-account
        text: "ACME is a key account"
        when: {companies: [acme]}
        raise: 1
  - id: testdesk.scanner
    title: Scanner offline
    routing: {type: Unclassified, queue: IT, service: "IT::Network", priority: 2}
    deadline: {business_hours: 16, calendar: default}
    keywords: [scanner]
"""


def recording_paths() -> list[Path]:
    """Every recorded exchange, sorted by file name."""
    return sorted(RECORDINGS.glob("*.json"))


def load_recording(name: str) -> dict[str, Any]:
    """One recorded exchange by file name (".json" optional)."""
    path = RECORDINGS / (name if name.endswith(".json") else f"{name}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def endpoint_path(recorded_path: str) -> str:
    """Map the recording server's path onto ours (same controller sub-path)."""
    return "/-/znuny/webhook" + recorded_path.removeprefix("/radiant/webhook")


def basic(user: str = USER, secret: str = SECRET) -> dict[str, str]:
    """An ``Authorization`` header, pre-emptive Basic like Znuny's REST::Client."""
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def build_plugins(*extra: object, catalog: str = TEST_CATALOG, **kw: Any) -> Plugins:
    """A :class:`Plugins` with only the built-ins and the test catalog."""
    files = CatalogFilesPlugin([load_catalog_text(catalog, "test-catalog.yaml")])
    pm = make_plugin_manager(load_entrypoints=False, plugins=[files, *extra])
    return Plugins(pm, **kw)


def make_app(router: TicketRouter | None = None, **config: Any) -> Flask:
    """A bare Flask app with the webhook registered."""
    app = Flask("webhook-test")
    values: dict[str, Any] = {"user": USER, "secret": SECRET}
    values.update(config)
    init_webhook(
        app, router=router or TicketRouter(build_plugins()), config=WebhookConfig(**values)
    )
    return app


@pytest.fixture(scope="session")
def kit() -> Any:
    """The helpers of this module, for test modules (conftest cannot be imported)."""
    return SimpleNamespace(**{k: v for k, v in globals().items() if not k.startswith("_")})


@pytest.fixture
def client() -> Iterator[FlaskClient]:
    """A test client of an app routing with the test catalog."""
    with make_app().test_client() as test_client:
        yield test_client


@pytest.fixture
def post(client: FlaskClient) -> Callable[..., Any]:
    """POST a body (dict → JSON) to the webhook with valid credentials by default."""

    def _post(body: Any, path: str = "/-/znuny/webhook/ticket-create", **kw: Any) -> Any:
        headers = kw.pop("headers", None)
        headers = basic() if headers is None else headers
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        content_type = kw.pop("content_type", "application/json; charset=UTF-8")
        return client.post(path, data=data, headers=headers, content_type=content_type, **kw)

    return _post


# -- a fake Znuny that applies write-back like the lab system of the recordings ----------------

HISTORY_TYPES = {
    "DynamicFieldSet": "TicketDynamicFieldUpdate",
    "PrioritySet": "PriorityUpdate",
    "QueueSet": "Move",
    "SLASet": "SLAUpdate",
    "ServiceSet": "ServiceUpdate",
    "TitleUpdate": "TitleUpdate",
    "StateSet": "StateUpdate",
    "OwnerSet": "OwnerUpdate",
    "ResponsibleSet": "ResponsibleUpdate",
    "CustomerSet": "CustomerUpdate",
    "TypeSet": "TypeUpdate",
}
TICKET_ATTRIBUTE = {
    "PrioritySet": "Priority", "QueueSet": "Queue", "SLASet": "SLA", "ServiceSet": "Service",
    "TitleUpdate": "Title", "StateSet": "State", "OwnerSet": "Owner",
    "ResponsibleSet": "Responsible", "TypeSet": "Type",
}


@dataclass
class FakeZnuny:
    """Names the lab Znuny 7.0.19 of the recordings knew, and one ticket to change."""

    ticket: dict[str, Any]
    queues: set[str] = field(default_factory=lambda: {"Postmaster", "Raw", "Junk", "Misc", "IT"})
    services: set[str] = field(default_factory=lambda: {"IT", "IT::Printer", "IT::Network"})
    slas: set[str] = field(default_factory=lambda: {"Gold"})
    types: set[str] = field(default_factory=lambda: {"Unclassified"})
    states: set[str] = field(default_factory=lambda: {"new", "open", "closed successful"})
    agents: set[str] = field(default_factory=lambda: {"root@localhost", "agent1"})
    priorities: set[str] = field(default_factory=lambda: {
        "1 very low", "2 low", "3 normal", "4 high", "5 very high"})
    dynamic_fields: set[str] = field(default_factory=lambda: {"CustomerReference", "Impact"})
    history: list[str] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)

    def _known(self, operation: str, value: str) -> bool:
        table = {
            "PrioritySet": self.priorities, "QueueSet": self.queues, "SLASet": self.slas,
            "ServiceSet": self.services, "StateSet": self.states, "OwnerSet": self.agents,
            "ResponsibleSet": self.agents, "TypeSet": self.types,
        }.get(operation)
        return table is None or value in table

    def apply(self, action: WriteBackAction) -> bool:
        """Apply one action; ``False`` where Znuny fails (unknown names)."""
        op, value = action.operation, action.value
        if op == "DynamicFieldSet":
            if action.field not in self.dynamic_fields:
                return True  # skipped silently (file 10)
            self.ticket[f"DynamicField_{action.field}"] = value
            self.history.append(HISTORY_TYPES[op])
            return True
        if op == "ArticleAdd":
            self.articles.append(dict(value))
            self.history.append(value["HistoryType"])
            return True
        if op == "HistoryAdd":
            self.history.append(value["HistoryType"])
            return True
        if op == "CustomerSet":
            self.ticket["CustomerID"], self.ticket["CustomerUserID"] = value.split(";")
            self.history.append(HISTORY_TYPES[op])
            return True
        if not self._known(op, str(value)):
            return False
        attribute = TICKET_ATTRIBUTE[op]
        if self.ticket.get(attribute) != value:  # same value: no-op, no history row (file 10)
            self.ticket[attribute] = value
            self.history.append(HISTORY_TYPES[op])
        return True
