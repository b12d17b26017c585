"""The login limiter's counts, kept in memory or in the store's database (several hosts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from radiant_ext.portal.auth.ratelimit import DatabaseFailureLog, LoginLimiter, MemoryFailureLog
from radiant_ext.store import make_session_factory
from tests._clock import Clock
from tests._store_fixtures import store_engine

LOGS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]




@pytest.fixture(params=LOGS)
def limiters(request: pytest.FixtureRequest,
             tmp_path: Path) -> Iterator[Callable[[Clock], tuple[LoginLimiter, LoginLimiter]]]:
    """Two limiters, as two portal hosts would have them: sharing the database log, or (in
    memory) one process's log seen by both."""
    with ExitStack() as stack:
        def build(clock: Clock) -> tuple[LoginLimiter, LoginLimiter]:
            if request.param == "memory":
                log = MemoryFailureLog()
                return (LoginLimiter(3, 10, 300, 60, log=log, clock=clock),
                        LoginLimiter(3, 10, 300, 60, log=log, clock=clock))
            engine = stack.enter_context(store_engine(request.param, tmp_path,
                                                      suite="login limiter"))
            return tuple(LoginLimiter(3, 10, 300, 60, clock=clock,  # type: ignore[return-value]
                                      log=DatabaseFailureLog(make_session_factory(engine)))
                         for _ in range(2))

        yield build


def test_failures_on_one_host_count_on_the_other(
        limiters: Callable[[Clock], tuple[LoginLimiter, LoginLimiter]]) -> None:
    clock = Clock()
    host_a, host_b = limiters(clock)
    for _ in range(2):
        host_a.failed("Anna", "10.0.0.9")
    assert not host_b.blocked("anna", "10.0.0.9")
    host_b.failed("anna", "10.0.0.9")
    assert host_a.wait("ANNA", "10.0.0.9") == pytest.approx(300)
    assert not host_a.blocked("anna", "10.0.0.7", known_browser=True), \
        "another address, her own browser: not held up"
    clock.now += 301
    assert not host_b.blocked("anna", "10.0.0.9"), "the failures left the window"


def test_a_success_forgets_the_pair_but_not_the_name(
        limiters: Callable[[Clock], tuple[LoginLimiter, LoginLimiter]]) -> None:
    clock = Clock()
    host_a, host_b = limiters(clock)
    for address in ("10.0.0.1", "10.0.0.3", "10.0.0.3", "10.0.0.3"):
        host_a.failed("o'brien_%", address)
    for _ in range(3):  # a name that a careless LIKE pattern for the one above would match
        host_a.failed("o'brienZZZ", "10.0.0.8")
    assert host_b.blocked("o'brien_%", "10.0.0.3", known_browser=True)
    assert host_b.blocked("o'brien_%", "10.0.0.4"), "guessing from many addresses is slowed"
    host_b.succeeded("o'brien_%")
    assert not host_b.blocked("o'brien_%", "10.0.0.3", known_browser=True)
    assert host_a.blocked("o'brien_%", "10.0.0.5"), "the name's count over addresses stays"
    assert host_a.blocked("o'brienZZZ", "10.0.0.8", known_browser=True)


def test_one_address_trying_many_names_is_blocked_on_every_host(
        limiters: Callable[[Clock], tuple[LoginLimiter, LoginLimiter]]) -> None:
    clock = Clock()
    host_a, host_b = limiters(clock)
    for n in range(10):
        (host_a if n % 2 else host_b).failed(f"user{n}", "203.0.113.5")
        clock.now += 1
    assert host_a.blocked("someone-else", "203.0.113.5")
    assert not host_a.blocked("someone-else", "203.0.113.6")
