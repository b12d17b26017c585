"""The PostgreSQL pool's checkout check: quiet sockets pass without a ping, a socket with
something to read (the server said goodbye) is pinged, whatever the descriptor's number."""

from __future__ import annotations

import os
import resource
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.exc import DisconnectionError

from radiant_ext.store.engine import _checked_out, make_engine

HIGH_FD = 1500
"""Above 1023, where ``select.select`` gives up: a busy portal process can hold that many."""


class _Connection:
    """The parts of a DB-API connection the check looks at."""

    def __init__(self, fd: int) -> None:
        self.fd, self.closed, self.broken = fd, False, False

    def fileno(self) -> int:
        return self.fd


@pytest.fixture
def high_socket() -> Iterator[tuple[socket.socket, int]]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= HIGH_FD:
        pytest.skip(f"the hard limit of open files ({hard}) is below {HIGH_FD}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, HIGH_FD + 1), hard))
    ours, theirs = socket.socketpair()
    os.dup2(ours.fileno(), HIGH_FD)
    try:
        yield theirs, HIGH_FD
    finally:
        os.close(HIGH_FD)
        ours.close()
        theirs.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _check(monkeypatch: pytest.MonkeyPatch, pings: list[Any], fail: bool = False) -> Any:
    engine = make_engine("postgresql+psycopg://radiant@127.0.0.1:1/none")
    dialect = engine.dialect

    def ping(connection: Any) -> bool:
        pings.append(connection)
        if fail:
            raise dialect.loaded_dbapi.OperationalError("server closed the connection")
        return True

    monkeypatch.setattr(dialect, "do_ping", ping)
    return _checked_out(engine)


def test_a_quiet_connection_on_a_high_descriptor_is_used_without_a_ping(
        monkeypatch: pytest.MonkeyPatch, high_socket: tuple[socket.socket, int]) -> None:
    pings: list[Any] = []
    _check(monkeypatch, pings)(_Connection(high_socket[1]), None, None)
    assert pings == []


def test_a_connection_the_server_closed_is_pinged_and_replaced(
        monkeypatch: pytest.MonkeyPatch, high_socket: tuple[socket.socket, int]) -> None:
    server, fd = high_socket
    server.close()  # the server's side went away: the socket reads end-of-file
    pings: list[Any] = []
    with pytest.raises(DisconnectionError):
        _check(monkeypatch, pings, fail=True)(_Connection(fd), None, None)
    assert len(pings) == 1


def test_a_connection_with_a_pending_message_is_pinged_and_kept_when_it_answers(
        monkeypatch: pytest.MonkeyPatch, high_socket: tuple[socket.socket, int]) -> None:
    server, fd = high_socket
    server.sendall(b"N")  # e.g. a notice the server sent meanwhile
    pings: list[Any] = []
    _check(monkeypatch, pings)(_Connection(fd), None, None)
    assert len(pings) == 1


def test_a_connection_known_to_be_broken_is_replaced_without_touching_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[Any] = []
    connection = _Connection(-1)
    connection.broken = True
    with pytest.raises(DisconnectionError):
        _check(monkeypatch, pings)(connection, None, None)
    assert pings == []
