"""The GI web service files an admin imports (deploy/znuny/) fit the client and the endpoint."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from radiant_ext.client import ROUTE_SETS
from radiant_ext.config import Settings
from radiant_ext.webhook import WEBHOOK_PATH

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "znuny"
GI_TYPE = {
    "SessionCreate": "Session::SessionCreate",
    "SessionGet": "Session::SessionGet",
    "SessionRemove": "Session::SessionRemove",
    "TicketCreate": "Ticket::TicketCreate",
    "TicketGet": "Ticket::TicketGet",
    "TicketGetList": "Ticket::TicketGet",
    "TicketHistoryGet": "Ticket::TicketHistoryGet",
    "TicketSearch": "Ticket::TicketSearch",
    "TicketSearchPOST": "Ticket::TicketSearch",
    "TicketUpdate": "Ticket::TicketUpdate",
}


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))
    return data


def resolve(config: dict[str, Any], method: str, path: str) -> str | None:
    """Znuny's provider routing: operations in name order, anchored regex, method listed."""
    mapping = config["Provider"]["Transport"]["Config"]["RouteOperationMapping"]
    for operation in sorted(mapping):
        route = mapping[operation]
        pattern = "^" + re.sub(r":\w+", "([^/]+)", route["Route"]) + "$"
        methods = route.get("RequestMethod") or []
        if re.match(pattern, path) and (not methods or method in methods):
            return str(config["Provider"]["Operation"][operation]["Type"])
    return None


def _sample(template: str) -> str:
    return re.sub(r":\w+", lambda m: "4" if "TicketID" in m.group() else "abc123", template)


@pytest.mark.parametrize(
    ("name", "route_sets", "extra"),
    [
        ("GenericTicketConnectorREST.znuny.yml", ["znuny", "znuny-r2a"], {}),
        ("GenericTicketConnectorREST.otrs6.yml", ["otrs6"],
         {"TicketSearchPOST": ("POST", "/Ticket/Search")}),
    ],
)
def test_every_route_of_the_client_reaches_the_right_operation(
    name: str, route_sets: list[str], extra: dict[str, tuple[str, str]]
) -> None:
    config = _load(name)
    checked = 0
    for route_set in route_sets:
        routes = {op: (r.method, r.template) for op, r in ROUTE_SETS[route_set].routes.items()}
        for operation, (method, template) in {**routes, **extra}.items():
            found = resolve(config, method, _sample(template))
            assert found == GI_TYPE[operation], f"{route_set} {operation} {method} {template}"
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize(
    "name", ["GenericTicketConnectorREST.znuny.yml", "GenericTicketConnectorREST.otrs6.yml"]
)
def test_provider_settings_keep_alive_error_debugging_and_a_post_search(name: str) -> None:
    config = _load(name)
    transport = config["Provider"]["Transport"]
    assert transport["Type"] == "HTTP::REST"
    assert transport["Config"]["KeepAlive"] == "1"
    assert config["Debugger"]["DebugThreshold"] == "error"
    assert resolve(config, "POST", "/Ticket/Search") == "Ticket::TicketSearch"
    assert resolve(config, "GET", "/Ticket/Search") != "Ticket::TicketSearch"
    mapping = transport["Config"]["RouteOperationMapping"]
    assert set(mapping) == set(config["Provider"]["Operation"])


def test_the_otrs6_file_uses_only_what_otrs6_has() -> None:
    config = _load("GenericTicketConnectorREST.otrs6.yml")
    types = {op["Type"] for op in config["Provider"]["Operation"].values()}
    assert "Session::SessionRemove" not in types
    routes = config["Provider"]["Transport"]["Config"]["RouteOperationMapping"].values()
    assert all("ParserBackend" not in route for route in routes)


def test_unknown_routes_reach_no_operation() -> None:
    config = _load("GenericTicketConnectorREST.znuny.yml")
    assert resolve(config, "GET", "/Ticket/4/") is None
    assert resolve(config, "PUT", "/Ticket/4") is None


# -- the webhook requester ------------------------------------------------------------------


@pytest.fixture(scope="module")
def webhook() -> dict[str, Any]:
    return _load("RadiantWebhook.yml")


def test_webhook_invoker_is_a_synchronous_ticket_generic_on_ticket_create(
    webhook: dict[str, Any]
) -> None:
    invokers = webhook["Requester"]["Invoker"]
    assert list(invokers) == ["TicketCreateHook", "TicketStateUpdateHook"]
    invoker = invokers["TicketCreateHook"]
    assert invoker["Type"] == "Ticket::Generic"
    assert invoker["Events"] == [{"Asynchronous": "0", "Event": "TicketCreate"}]
    assert "MappingInbound" not in invoker  # write-back keys must arrive unmapped


def test_state_changes_go_to_the_workflow_guard_through_the_daemon(
    webhook: dict[str, Any], kit: Any
) -> None:
    invoker = webhook["Requester"]["Invoker"]["TicketStateUpdateHook"]
    assert invoker["Type"] == "Ticket::Generic"
    assert invoker["Events"] == [{"Asynchronous": "1", "Event": "TicketStateUpdate"}]
    assert not {"MappingInbound", "MappingOutbound"} & set(invoker)  # the payload as recorded
    mapping = webhook["Requester"]["Transport"]["Config"]["InvokerControllerMapping"]
    assert set(mapping) == set(webhook["Requester"]["Invoker"])
    route = mapping["TicketStateUpdateHook"]
    assert (route["Command"], route["Controller"]) == ("POST", WEBHOOK_PATH + "/state-update")
    # what Znuny 7.0.19 posted on a state change (file 23) reaches the guard, not the router
    recorded = json.loads((kit.RECORDINGS / "23-TicketStateUpdate-gi-ticketupdate.json")
                          .read_text(encoding="utf-8"))
    client = kit.make_app().test_client()
    response = client.post(route["Controller"], json=recorded["request"]["body"],
                           headers=kit.basic())
    assert (response.status_code, response.get_json()) == (200, {})
    assert "state change" in response.headers["X-Radiant-Webhook"]


def test_webhook_transport_authenticates_and_times_out_quickly(webhook: dict[str, Any]) -> None:
    transport = webhook["Requester"]["Transport"]
    assert transport["Type"] == "HTTP::REST"
    config = transport["Config"]
    auth = config["Authentication"]
    assert auth["AuthType"] == "BasicAuth"
    assert auth["BasicAuthUser"] == Settings.model_fields["webhook_user"].default
    assert auth["BasicAuthPassword"] == "CHANGE-ME"
    assert config["DefaultCommand"] == "POST"
    assert 1 <= int(config["Timeout"]) <= 10


def test_webhook_controller_is_served_by_the_endpoint(webhook: dict[str, Any], kit: Any) -> None:
    mapping = webhook["Requester"]["Transport"]["Config"]["InvokerControllerMapping"]
    controller = mapping["TicketCreateHook"]["Controller"]
    assert controller.startswith(WEBHOOK_PATH + "/")
    assert mapping["TicketCreateHook"]["Command"] == "POST"
    client = kit.make_app().test_client()
    response = client.post(controller, json={"Event": {"Event": "X"}}, headers=kit.basic())
    assert response.status_code == 200


def test_webhook_retry_passes_znunys_request_retry_config_check(webhook: dict[str, Any]) -> None:
    requester = webhook["Requester"]
    assert requester["ErrorHandlingPriority"] == list(requester["ErrorHandling"])
    retry = requester["ErrorHandling"]["RetryLater"]
    assert retry["Type"] == "RequestRetry"
    assert retry["InvokerFilter"] == ["TicketCreateHook"]  # state changes: the pull checks
    # The rules of Kernel::GenericInterface::ErrorHandling::RequestRetry::_ModuleConfigCheck:
    assert retry["ScheduleRetry"] in {"0", "1"}
    assert retry["RetryIntervalFactor"] in {"1", "1.5", "2"}
    assert retry["RetryIntervalStart"].isdigit()
    for key in ("RetryIntervalMax", "RetryCountMax", "RetryPeriodMax"):
        assert isinstance(retry[key], str) and (retry[key] == "" or int(retry[key]) > 0)
