"""No input gives a 500: every route of the portal, the reports and the webhook, fuzzed.

The routes are read from the app's ``url_map``, so a route added later is fuzzed without a
change here. Each route gets ``RADIANT_FUZZ_EXAMPLES`` hostile requests (default 16) as each
of three visitors — a stranger, a logged-in customer, a reports agent — and every answer must
be 2xx, 3xx or 4xx with no ERROR record and no traceback in the log. Every route and visitor
has a fixed seed (the same examples on every run); ``RADIANT_FUZZ_SEED`` picks other ones.

Before the drawn examples, a fixed sweep puts CR/LF and a 5,000-digit number into every
known query parameter and, one at a time, into every field of the route's valid form.
All routes are tried before the test fails, and the failure lists one example per route;
``RADIANT_FUZZ_SHRINK=1`` makes hypothesis shrink it to a minimal one (slower).
"""

from __future__ import annotations

import logging
import os
import traceback
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from tests.fuzz.conftest import WEBHOOK_SECRET, WEBHOOK_USER, Identity, World, identify
from tests.fuzz.strategies import FuzzRequest, requests_for, sweep

EXAMPLES = int(os.environ.get("RADIANT_FUZZ_EXAMPLES", "16"))
SEED = int(os.environ.get("RADIANT_FUZZ_SEED", "0"))
SHRINK = os.environ.get("RADIANT_FUZZ_SHRINK", "") == "1"

# Loggers of the sandbox Znuny, which runs in this process; its own log is not the portal's.
_FOREIGN_LOGGERS = ("radiant_ext_sandbox", "werkzeug")


def _known(world: World) -> dict[str, list[Any]]:
    """Argument values that exist in the seeded world, by converter argument name."""
    from radiant_ext.reports.export import EXPORT_FORMATS
    from radiant_ext.reports.registry import REPORTS

    return {
        "ticket_id": [world.ticket_id, world.closed_ticket_id],
        "article_id": [world.article_id],
        "file_id": [world.file_id],
        # the item of the valid form of ``World.base_forms`` comes up half the time
        "item_id": ["it.pos-down"] * len(world.item_ids) + world.item_ids,
        "reference": [world.reference],
        "name": sorted(REPORTS),
        "fmt": sorted(EXPORT_FORMATS),
        "filename": ["portal.css", "portal.js", "reports.css"],
        "rest": ["ticket-create", "ticket/update"],
    }


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    found = []
    for record in caplog.records:
        if record.name.startswith(_FOREIGN_LOGGERS):
            continue
        if record.levelno >= logging.ERROR or record.exc_info:
            where = ""
            if record.exc_info and record.exc_info[2] is not None:
                tb = record.exc_info[2]
                while tb.tb_next is not None:
                    tb = tb.tb_next
                where = f" at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
            found.append(f"{record.levelname} {record.name}: {record.getMessage()[:300]}{where}")
    return found


def _fuzz_route(world: World, rule: Rule, identity: Identity,
                caplog: pytest.LogCaptureFixture) -> str | None:
    """Send hostile requests for ``rule``; the last failure, described, or ``None``."""
    failure: dict[str, str] = {}
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if SHRINK else [])

    # A fixed seed per route and visitor: the same examples on every run, different ones
    # for each visitor.
    @seed(zlib.crc32(f"{SEED}:{identity}:{rule.endpoint}:{rule.rule}".encode()))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              phases=phases, suppress_health_check=list(HealthCheck), print_blob=False)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        request: FuzzRequest = data.draw(requests_for(
            rule, _known(world), world.form_fields, f"{WEBHOOK_USER}:{WEBHOOK_SECRET}",
            world.form_values, world.base_forms.get(rule.endpoint)))
        client, issued = identify(world.app, identity)
        caplog.clear()
        problem = _answer_problem(request, client, issued, caplog)
        if problem:
            failure["last"] = problem
            raise AssertionError(problem)

    for request in sweep(rule, _known(world), world.base_forms.get(rule.endpoint)):
        client, issued = identify(world.app, identity)
        caplog.clear()
        problem = _answer_problem(request, client, issued, caplog)
        if problem:
            return problem
    try:
        run()
    except AssertionError:
        return failure.get("last", "failed without a recorded example")
    return None


def _answer_problem(request: FuzzRequest, client: Any, issued: dict[str, str],
                    caplog: pytest.LogCaptureFixture) -> str | None:
    """What is wrong with the answer to ``request``: a 5xx, an exception or a logged error."""
    try:
        response = request.send(client, issued)
    except Exception as exc:  # TESTING propagates what the app did not handle
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return (f"{request.describe()}\n  raised {type(exc).__name__}: {str(exc)[:300]} "
                f"at {frame.filename}:{frame.lineno}")
    status = response.status_code
    response.close()  # a file answer (static, attachment) holds its file open until then
    problems = _problems(caplog)
    if status >= 500 or problems:
        return f"{request.describe()}\n  answered {status}; log: {problems}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("identity", ["anonymous", "customer", "agent"])
def test_no_route_answers_a_server_error_to_hostile_input(
    world: World, identity: Identity, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    rules = sorted(world.app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    failures = {}
    for rule in rules:
        failure = _fuzz_route(world, rule, identity, caplog)
        if failure:
            failures[f"{rule.rule} ({rule.endpoint})"] = failure
    report = "\n".join(f"- {route}: {example}" for route, example in failures.items())
    assert not failures, f"server errors as {identity}:\n{report}"


def test_every_area_is_among_the_fuzzed_routes(world: World) -> None:
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert {
        "auth.login", "auth.logout", "i18n.switch_language", "catalog.home",
        "catalog.request_form", "catalog.submitted", "requests.mine", "requests.company",
        "requests.detail", "requests.attachment", "requests.reply", "requests.close",
        "requests.reopen", "reports.index", "reports.report", "reports.export",
        "reports.agent_login", "reports.agent_logout", "radiant_webhook.receive",
    } <= endpoints
