"""One test per hook: a plugin implementing it changes what :class:`Plugins` returns.

``test_docs.py`` checks that every hook has a ``test_hook_<name>`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import flask
import pytest

from radiant_ext.plugins import (
    CatalogItem,
    Classification,
    Department,
    EmailTicket,
    FieldError,
    MemoryEnablement,
    Message,
    PluginError,
    Plugins,
    RequestContext,
    RoutingDecision,
    StoreDefaults,
    StoreInfo,
    SyncJob,
    hookimpl,
)

MakePlugins = Callable[..., Plugins]
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []


def test_hook_radiant_departments(make_plugins: MakePlugins) -> None:
    class Legal:
        @hookimpl
        def radiant_departments(self) -> list[Department]:
            return [Department(id="legal", title="Legal", order=1)]

    legal = Legal()
    p = make_plugins("", legal)
    [dept] = p.departments()
    # no catalog of its own: the title stays English in Russian too
    assert (dept.id, dept.translate(dept.title, "ru")) == ("legal", "Legal")
    assert dept.plugin == p.pm.get_name(legal)


def test_hook_radiant_catalog_items(make_plugins: MakePlugins, base_catalog: str) -> None:
    p = make_plugins(base_catalog)
    assert [i.id for i in p.catalog_items()] == ["ops.till", "ops.paper"]
    assert [i.id for i in p.catalog_items("ops")] == ["ops.till", "ops.paper"]
    assert p.catalog_items("hr") == []


def test_hook_radiant_stores(make_plugins: MakePlugins) -> None:
    class Minsk:
        @hookimpl
        def radiant_stores(self) -> list[StoreInfo]:
            return [StoreInfo(id="store-001", name="Renamed", tier="standard"),
                    StoreInfo(id="store-900", name="Store 900 Minsk", time_zone="Europe/Minsk")]

    p = make_plugins("", Minsk())
    minsk = p.store("store-900")
    assert minsk is not None and minsk.time_zone == "Europe/Minsk"
    assert p.stores()["store-001"].name == "Renamed"  # a plugin's entry wins over a catalog's
    assert p.stores()["store-002"].tier == "flagship"  # the catalog directory's is still there
    assert len(p.stores()) == 31


def test_without_a_configured_directory_there_are_no_stores(make_plugins: MakePlugins) -> None:
    # Production never gets the demo's store-001 … store-030.
    p = make_plugins("", demo_stores=False)
    assert p.stores() == {}
    assert p.store("store-001") is None


def test_hook_radiant_route_request(make_plugins: MakePlugins, base_catalog: str) -> None:
    class Override:
        @hookimpl
        def radiant_route_request(
            self, item: CatalogItem, request: RequestContext, store: StoreInfo | None
        ) -> RoutingDecision | None:
            if item.id != "ops.paper":
                return None
            return RoutingDecision(item_id=item.id, department="ops", type="Incident",
                                   queue="Misc", priority="1 very low", priority_level=1,
                                   deadline=request.submitted_at, business_hours=0,
                                   calendar="none", decided_by="override")

    p = make_plugins(base_catalog, Override())
    paper = p.route(p.item("ops.paper"), RequestContext(submitted_at=MONDAY_9))
    assert (paper.queue, paper.decided_by) == ("Misc", "override")
    till = p.route(p.item("ops.till"), RequestContext(store_id="store-001",
                                                      submitted_at=MONDAY_9))
    assert (till.queue, till.decided_by) == ("IT::Stores", "radiant_ext.builtin")
    assert till.priority == "4 high" and till.rules_fired[0].id == "flagship"
    assert till.deadline == datetime(2026, 11, 23, 13, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert till.dynamic_fields() == {"RadiantCategory": "ops.till", "RadiantStore": "store-001",
                                     "RadiantDeadline": "2026-11-23 10:00:00"}


def test_builtin_routing_picks_pool_owner_deterministically(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    p = make_plugins(base_catalog)
    item = p.item("ops.paper")
    owners = {p.route(item, RequestContext(request_id=f"R{n}", submitted_at=MONDAY_9)).owner
              for n in range(30)}
    assert owners == {"a1", "a2", "a3"}
    again = p.route(item, RequestContext(request_id="R7", submitted_at=MONDAY_9))
    assert again.owner == p.route(item, RequestContext(request_id="R7",
                                                       submitted_at=MONDAY_9)).owner
    assert again.rules_fired[-1].id == "owner-pool"


def test_an_unknown_store_routes_with_the_defaults_and_says_so(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    p = make_plugins(base_catalog, demo_stores=False,
                     store_defaults=StoreDefaults(time_zone="Asia/Vladivostok"))
    till = p.route(p.item("ops.till"), RequestContext(store_id="store-001",
                                                      submitted_at=MONDAY_9))
    assert till.priority == "3 normal"  # tier standard: the flagship rule does not fire
    assert till.store_id == "store-001"
    assert [(r.id, str(r.text)) for r in till.rules_fired] == [(
        "unknown-store", "Store store-001 is not in the store directory: tier standard, "
        "time zone Asia/Vladivostok")]
    assert till.rules_fired[0].text.get("ru") == (
        "Магазина store-001 нет в справочнике магазинов: категория standard, "
        "часовой пояс Asia/Vladivostok")
    assert p.route(p.item("ops.till"), RequestContext(submitted_at=MONDAY_9)).rules_fired == []


def test_routing_refuses_a_naive_time(make_plugins: MakePlugins, base_catalog: str) -> None:
    p = make_plugins(base_catalog)
    item = p.item("ops.till")
    with pytest.raises(PluginError, match="time zone"):
        p.route(item, RequestContext(submitted_at=datetime(2026, 11, 23, 9)))


def test_hook_radiant_validate_fields(make_plugins: MakePlugins, base_catalog: str) -> None:
    class NoOnes:
        @hookimpl
        def radiant_validate_fields(
            self, item: CatalogItem, fields: Mapping[str, Any], store: StoreInfo | None
        ) -> list[FieldError]:
            if fields.get("impact") == "one" and store is not None and store.tier == "flagship":
                return [FieldError(field="impact", code="call",
                                   message=Message(msgid="Call IT."))]
            return []

    p = make_plugins(base_catalog, NoOnes())
    till = p.item("ops.till")
    assert [e.code for e in p.validate(till, {"impact": "one"}, store_id="store-001")] == ["call"]
    assert p.validate(till, {"impact": "one"}, store_id="store-007") == []
    assert [e.code for e in p.validate(till, {"impact": "x"})] == ["invalid_choice"]


def test_hook_radiant_classify_ticket(make_plugins: MakePlugins, base_catalog: str) -> None:
    p = make_plugins(base_catalog)
    found = p.classify(EmailTicket(ticket_id=1, title="Касса зависла", body="till is dead"))
    assert found is not None
    assert (found.item_id, found.matched) == ("ops.till", ["till", "касса"])
    assert found.score > 0
    assert p.classify(EmailTicket(ticket_id=2, title="Hello", body="nothing to see")) is None
    tie = EmailTicket(ticket_id=3, title="", body="till and paper")
    assert p.classify(tie) is None

    class Smarter:
        @hookimpl
        def radiant_classify_ticket(
            self, ticket: EmailTicket, items: Sequence[CatalogItem]
        ) -> Classification | None:
            return Classification(item_id=items[-1].id, score=1, decided_by="smarter")

    assert make_plugins(base_catalog, Smarter()).classify(tie) == Classification(
        item_id="ops.paper", score=1, decided_by="smarter")


def test_email_ticket_from_a_client_ticket() -> None:
    class Article:
        body = "Касса не работает"

    class Ticket:
        ticket_id = "42"
        title = "POS"
        articles = [Article()]
        customer_id = "store-007"
        customer_user_id = "demo-customer"
        queue = "Postmaster"

    t = EmailTicket.from_ticket(Ticket())
    assert (t.ticket_id, t.body, t.customer_id, t.queue) == (42, "Касса не работает",
                                                              "store-007", "Postmaster")


def test_hook_radiant_ticket_created(make_plugins: MakePlugins, base_catalog: str) -> None:
    rec = Recorder()

    class Listener:
        @hookimpl
        def radiant_ticket_created(self, ticket_id: int, ticket_number: str,
                                   item: CatalogItem | None,
                                   decision: RoutingDecision | None) -> None:
            rec.calls.append(("created", {"id": ticket_id, "tn": ticket_number,
                                          "item": item.id if item else None,
                                          "queue": decision.queue if decision else None}))

    p = make_plugins(base_catalog, Listener())
    item = p.item("ops.till")
    p.ticket_created(7, "2026112310000071", item=item,
                     decision=p.route(item, RequestContext(submitted_at=MONDAY_9)))
    p.ticket_created(8, "2026112310000081")
    assert rec.calls == [
        ("created", {"id": 7, "tn": "2026112310000071", "item": "ops.till",
                     "queue": "IT::Stores"}),
        ("created", {"id": 8, "tn": "2026112310000081", "item": None, "queue": None}),
    ]


def test_hook_radiant_ticket_updated(make_plugins: MakePlugins) -> None:
    rec = Recorder()

    class Listener:
        @hookimpl
        def radiant_ticket_updated(self, ticket_id: int, ticket_number: str,
                                   changes: Mapping[str, Any]) -> None:
            rec.calls.append(("updated", {"id": ticket_id, **changes}))

    make_plugins("", Listener()).ticket_updated(7, "1001", {"state": "closed successful"})
    assert rec.calls == [("updated", {"id": 7, "state": "closed successful"})]


def test_hook_radiant_workflow_move_refused(make_plugins: MakePlugins) -> None:
    rec = Recorder()

    class Listener:
        @hookimpl
        def radiant_workflow_move_refused(self, ticket_id: int, from_step: str | None,
                                          to_step: str | None, actor: str) -> None:
            rec.calls.append(("refused", {"id": ticket_id, "from": from_step, "to": to_step,
                                          "by": actor}))

    class Broken:
        @hookimpl
        def radiant_workflow_move_refused(self, ticket_id: int) -> None:
            raise RuntimeError("a plugin's bug")

    make_plugins("", Broken(), Listener()).workflow_move_refused(
        7, "1001", item="it.software-defect", from_state="in testing",
        to_state="client testing", from_step="in-testing", to_step="client-testing",
        actor="agent")
    assert rec.calls == [("refused", {"id": 7, "from": "in-testing", "to": "client-testing",
                                      "by": "agent"})]


class CreatedListener:
    """Records what ``radiant_ticket_created`` receives."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str | None, str | None]] = []

    @hookimpl
    def radiant_ticket_created(self, ticket_id: int, item: CatalogItem | None,
                               decision: RoutingDecision | None) -> None:
        self.calls.append((ticket_id, item.id if item else None,
                           decision.item_id if decision else None))


def test_ticket_created_takes_an_item_id_or_the_decisions_item(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    listener = CreatedListener()
    p = make_plugins(base_catalog, listener, enablement=MemoryEnablement({"ops": False}))
    p.ticket_created(1, "1001", item="ops.till")  # the outbox row's category; dept disabled
    p.ticket_created(2, "1002", item="ops.gone")  # an item no plugin has any more
    decision = make_plugins(base_catalog).route(
        p.item("ops.paper", include_disabled=True), RequestContext(submitted_at=MONDAY_9))
    p.ticket_created(3, "1003", decision=decision)
    assert listener.calls == [(1, "ops.till", None), (2, None, None),
                              (3, "ops.paper", "ops.paper")]


def test_a_failing_listener_neither_raises_nor_silences_the_others(
    make_plugins: MakePlugins, base_catalog: str, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        __name__ = "broken-listener"

        @hookimpl
        def radiant_ticket_created(self, ticket_number: str) -> None:
            raise RuntimeError(f"register unavailable for {ticket_number}")

        @hookimpl
        def radiant_ticket_updated(self, changes: Mapping[str, Any]) -> None:
            raise KeyError("state")

    first, last = CreatedListener(), CreatedListener()
    updated = Recorder()

    class Updates:
        @hookimpl
        def radiant_ticket_updated(self, ticket_id: int, changes: Mapping[str, Any]) -> None:
            updated.calls.append(("updated", {"id": ticket_id, **changes}))

    p = make_plugins(base_catalog, first, Broken(), last, Updates())
    with caplog.at_level("ERROR", logger="radiant_ext.plugins"):
        p.ticket_created(7, "2026112310000071", item="ops.till")
        p.ticket_updated(7, "2026112310000071", {"state": "open"})
    assert first.calls == last.calls == [(7, "ops.till", None)]
    assert updated.calls == [("updated", {"id": 7, "state": "open"})]
    assert [r.getMessage() for r in caplog.records] == [
        "plugin broken-listener failed in radiant_ticket_created for ticket 7",
        "plugin broken-listener failed in radiant_ticket_updated for ticket 7",
    ]
    assert "register unavailable for 2026112310000071" in caplog.text  # with the traceback


def test_a_hook_wrapper_is_called_with_the_whole_hook_and_failures_are_logged(
    make_plugins: MakePlugins, base_catalog: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def radiant_ticket_created(self, ticket_number: str) -> object:
            seen.append(f"before {ticket_number}")
            result = yield
            seen.append("after")
            return result

    class Broken:
        @hookimpl
        def radiant_ticket_created(self) -> None:
            raise RuntimeError("boom")

    listener = CreatedListener()
    make_plugins(base_catalog, listener, Wrapper()).ticket_created(5, "1005")
    assert seen == ["before 1005", "after"] and listener.calls == [(5, None, None)]
    make_plugins(base_catalog, Wrapper(), Broken()).ticket_created(6, "1006")
    assert "failed in radiant_ticket_created for ticket 6" in caplog.text


def test_hook_radiant_portal_blueprints(make_plugins: MakePlugins) -> None:
    bp = flask.Blueprint("it_tools", __name__, url_prefix="/it")

    class Portal:
        @hookimpl
        def radiant_portal_blueprints(self) -> list[flask.Blueprint]:
            return [bp]

    assert make_plugins("", Portal()).portal_blueprints() == [bp]
    assert make_plugins("").portal_blueprints() == []


def test_hook_radiant_template_folders(make_plugins: MakePlugins, tmp_path: Path) -> None:
    class Templates:
        @hookimpl
        def radiant_template_folders(self) -> list[str]:
            return [str(tmp_path)]

    assert make_plugins("", Templates()).template_folders() == [tmp_path]


def test_hook_radiant_sync_jobs(make_plugins: MakePlugins) -> None:
    def job(settings: object) -> None:
        return None

    class Jobs:
        def __init__(self, job_id: str) -> None:
            self.job_id = job_id

        @hookimpl
        def radiant_sync_jobs(self) -> list[SyncJob]:
            return [SyncJob(id=self.job_id, func=job, trigger_args={"minutes": 5})]

    jobs = make_plugins("", Jobs("it.report")).sync_jobs()
    assert [(j.id, j.trigger, dict(j.trigger_args)) for j in jobs] == [
        ("it.report", "interval", {"minutes": 5})]
    with pytest.raises(PluginError, match="it.report"):
        make_plugins("", Jobs("it.report"), Jobs("it.report")).sync_jobs()


def test_classification_prefers_items_the_senders_company_may_see(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    p = make_plugins(base_catalog.replace("keywords: [paper, бумага]",
                                          "keywords: [paper, бумага, till]"))
    mail = "The till is out of paper, paper jam in the till"
    office = p.classify(EmailTicket(ticket_id=1, title="", body=mail, customer_id="head-office"))
    assert office is not None and office.item_id == "ops.paper"
    # ops.paper is for the head office only: for a store's mail the till comes first.
    store = p.classify(EmailTicket(ticket_id=2, title="", body=mail, customer_id="store-007"))
    assert store is not None and store.item_id == "ops.till"
    unknown = p.classify(EmailTicket(ticket_id=3, title="", body=mail, customer_id="cust1"))
    assert unknown is not None and unknown.item_id == "ops.paper"
    # Nothing visible matches: every enabled item competes.
    paper_only = EmailTicket(ticket_id=4, title="", body="no paper left", customer_id="store-007")
    found = p.classify(paper_only)
    assert found is not None and found.item_id == "ops.paper"


def test_every_hook_call_goes_through_pluggy_so_tracing_sees_it(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    """An admin debugging a plugin turns on pluggy's call monitoring: it must see the calls
    the wrapper makes one plugin at a time (departments, items, notifications) too."""
    listener = CreatedListener()
    p = make_plugins(base_catalog, listener)
    seen: list[str] = []
    p.pm.add_hookcall_monitoring(lambda name, impls, kwargs: seen.append(name),
                                 lambda outcome, name, impls, kwargs: None)
    p.reload()
    item = p.item("ops.till")
    p.ticket_created(5, "1005", item=item)
    assert {"radiant_departments", "radiant_catalog_items", "radiant_ticket_created"} <= set(seen)
    assert listener.calls == [(5, "ops.till", None)]
