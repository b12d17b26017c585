"""A gunicorn worker that reads each request whole before a thread serves it.

gunicorn's ``gthread`` worker hands a connection to one of its threads as soon as the first
byte arrives; the thread then reads the headers and the body from the socket itself. A client
that sends its upload a few bytes a second keeps that thread for as long as it likes, and
about a hundred such clients keep every thread of every worker: a normal page then waits
until they give up.

:class:`BufferingThreadWorker` does what a buffering proxy (nginx's ``proxy_request_buffering``)
does, inside the worker: its event loop reads every request — headers, then the body its
``Content-Length`` announces — without blocking, and only a complete request is handed to a
thread. A slow client costs a socket and a buffer (spooled to a temporary file above
:data:`MEMORY_BYTES`), never a thread. The rules (docs/portal.md, "Slow clients"):

* the headers must be complete within :data:`HEADER_TIMEOUT` seconds of the connection (or of
  a kept-alive connection's next request), else the connection is closed (408);
* between two reads of a body at most :data:`BODY_IDLE_TIMEOUT` seconds may pass (408);
* a body larger than the app's ``MAX_CONTENT_LENGTH`` is refused before it is read (413);
* a body without ``Content-Length`` (``Transfer-Encoding: chunked``) is refused (411): browsers
  and Znuny's web service always send the length;
* headers longer than :data:`MAX_HEADER_BYTES` are refused (431).

Everything after the hand-over is gunicorn's own ``gthread`` code: the thread parses the
buffered bytes with gunicorn's parser, then reads from the socket as usual (a pipelined next
request, a kept-alive connection's next request goes through the buffer again).
"""

from __future__ import annotations

import errno
import gc
import selectors
import socket
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from gunicorn.workers.gthread import TConn, ThreadWorker  # type: ignore[import-untyped]

__all__ = [
    "BODY_IDLE_TIMEOUT",
    "HEADER_TIMEOUT",
    "MAX_HEADER_BYTES",
    "MEMORY_BYTES",
    "WORKER_CLASS",
    "BufferingThreadWorker",
]

WORKER_CLASS = "radiant_ext.cli.http_worker.BufferingThreadWorker"
"""The ``--worker-class`` to give gunicorn when it runs the portal without ``radiant-ext
serve``."""

HEADER_TIMEOUT = 30.0
"""Seconds a connection may take to send its request line and headers."""
BODY_IDLE_TIMEOUT = 60.0
"""Seconds a body may pause between two reads (the upload may take longer in all)."""
MAX_HEADER_BYTES = 64 * 1024
"""Longest request line plus headers read."""
MEMORY_BYTES = 1024 * 1024
"""A request larger than this is buffered in a temporary file, not in memory."""
_CHUNK = 64 * 1024


class _BufferedSocket(socket.socket):
    """The client's socket, with the bytes already read served first by ``recv``."""

    def __init__(self, raw: socket.socket) -> None:
        super().__init__(raw.family, raw.type, raw.proto, fileno=raw.detach())
        self._buffered: IO[bytes] | None = None
        self._left = 0

    def refill(self, buffered: IO[bytes], size: int) -> None:
        """Serve ``buffered`` (``size`` bytes from its start) before anything from the
        network."""
        self._drop_buffer()
        self._buffered, self._left = buffered, size

    def has_buffered(self) -> bool:
        """Whether bytes already read (a pipelined next request) wait to be served."""
        return self._buffered is not None and self._left > 0

    def recv_network(self, size: int) -> bytes:
        """Read from the network only (the event loop's read)."""
        return super().recv(size)

    def recv(self, size: int, flags: int = 0) -> bytes:
        if self._buffered is not None and not flags:
            data = self._buffered.read(size)
            if data:
                self._left -= len(data)
                return data
            self._drop_buffer()
        return super().recv(size, flags)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        if self._buffered is not None and not flags:
            view = memoryview(buffer)
            data = self._buffered.read(nbytes or len(view))
            if data:
                view[:len(data)] = data
                self._left -= len(data)
                return len(data)
            self._drop_buffer()
        return super().recv_into(buffer, nbytes, flags)

    def _drop_buffer(self) -> None:
        if self._buffered is not None:
            self._buffered.close()
            self._buffered, self._left = None, 0

    def close(self) -> None:
        self._drop_buffer()
        super().close()


@dataclass
class _Incoming:
    """A request being read by the event loop."""

    deadline: float
    head: bytearray = field(default_factory=bytearray)
    body: IO[bytes] | None = None
    size: int = 0
    """Bytes written to ``body`` (headers included)."""
    needed: int = 0
    """Bytes the complete request has (headers plus ``Content-Length``)."""


def _status(code: int, reason: str) -> bytes:
    text = reason.encode()
    return (f"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(text) + 1}\r\nConnection: close\r\n\r\n").encode() \
        + text + b"\n"


def freeze_loaded() -> None:
    """Move what is loaded so far out of the garbage collector's reach: the application
    (modules, templates, catalogs: a few hundred thousand objects) lives as long as the
    worker, and a full collection then walks only what requests made, not all of it (pauses
    of 70-100 ms in a page that otherwise takes 30)."""
    gc.collect()
    gc.freeze()


class BufferingThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's ``gthread`` worker whose threads only ever see complete requests."""

    header_timeout = HEADER_TIMEOUT
    body_idle_timeout = BODY_IDLE_TIMEOUT
    max_header_bytes = MAX_HEADER_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incoming: dict[TConn, _Incoming] = {}
        self.max_body: int | None = None

    def run(self) -> None:
        config = getattr(self.wsgi, "config", None)
        limit = config.get("MAX_CONTENT_LENGTH") if isinstance(config, dict) else None
        self.max_body = int(limit) if isinstance(limit, int) and limit > 0 else None
        freeze_loaded()
        super().run()

    # -- connections arrive: read them in the event loop --------------------------------------

    def accept(self, listener: socket.socket) -> None:
        try:
            raw, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, _BufferedSocket(raw), address, listener.getsockname())
        self._start_reading(conn)

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        """A kept-alive connection's next request: read it whole too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._start_reading(conn)
        self._on_readable(conn, client)

    def _start_reading(self, conn: TConn) -> None:
        conn.sock.setblocking(False)
        self.incoming[conn] = _Incoming(deadline=time.monotonic() + self.header_timeout)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: TConn, _client: Any) -> None:
        state = self.incoming.get(conn)
        if state is None:
            return
        try:
            data = conn.sock.recv_network(_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        if not data:  # the client gave up
            self._drop(conn)
            return
        if state.body is None:
            self._read_head(conn, state, data)
        else:
            state.body.write(data)
            state.size += len(data)
            state.deadline = time.monotonic() + self.body_idle_timeout
        if state.body is not None and state.size >= state.needed:
            self._hand_over(conn, state)

    def _read_head(self, conn: TConn, state: _Incoming, data: bytes) -> None:
        state.head += data
        end = state.head.find(b"\r\n\r\n")
        if end < 0:
            if len(state.head) > self.max_header_bytes:
                self._refuse(conn, 431, "Request Header Fields Too Large")
            return
        head, rest = bytes(state.head[:end + 4]), bytes(state.head[end + 4:])
        if end + 4 > self.max_header_bytes:
            self._refuse(conn, 431, "Request Header Fields Too Large")
            return
        lines = head.split(b"\r\n")
        headers = [(name.strip().lower(), value.strip())
                   for name, _, value in (line.partition(b":") for line in lines[1:] if line)]
        names = {name for name, _ in headers}
        if b"transfer-encoding" in names:
            self._refuse(conn, 411, "Length Required")
            return
        lengths = {value for name, value in headers if name == b"content-length"}
        length = 0
        if len(lengths) == 1 and next(iter(lengths)).isdigit():
            length = int(next(iter(lengths)))
        # else: no body, or a length gunicorn's parser refuses itself (400) once handed over
        if self.max_body is not None and length > self.max_body:
            self._refuse(conn, 413, "Content Too Large")
            return
        if any(n == b"expect" and v.lower() == b"100-continue" for n, v in headers):
            # The client waits for this before it sends the body; the thread must not send it
            # again once the body is here.
            head = b"\r\n".join(line for line in lines
                                if line.partition(b":")[0].strip().lower() != b"expect")
            if length and len(rest) < length:
                self._send(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
        state.body = tempfile.SpooledTemporaryFile(max_size=MEMORY_BYTES)  # noqa: SIM115
        state.body.write(head)
        state.body.write(rest)
        state.size, state.needed = len(head) + len(rest), len(head) + length
        state.head = bytearray()
        state.deadline = time.monotonic() + self.body_idle_timeout

    def _hand_over(self, conn: TConn, state: _Incoming) -> None:
        """The request is complete: a thread serves it from the buffer."""
        self.poller.unregister(conn.sock)
        del self.incoming[conn]
        assert state.body is not None
        state.body.seek(0)
        conn.sock.refill(state.body, state.size)
        conn.data_ready = True  # gthread must not wait for the network: the bytes are here
        self.enqueue_req(conn)

    def finish_request(self, conn: TConn, fs: Any) -> None:
        """A pipelined request already read stays with the thread pool: the network will not
        announce it again."""
        if (self.alive and not fs.cancelled() and fs.exception() is None
                and fs.result() is True and conn.sock.has_buffered()):
            self.enqueue_req(conn)
            return
        super().finish_request(conn, fs)

    # -- refusals and timeouts ----------------------------------------------------------------

    @staticmethod
    def _send(conn: TConn, data: bytes) -> None:
        try:
            conn.sock.send(data)
        except OSError:
            pass  # the client is gone or not reading: closing is all that is left

    def _refuse(self, conn: TConn, code: int, reason: str) -> None:
        self.log.info("refused a request from %s: %s %s", conn.client, code, reason)
        self._send(conn, _status(code, reason))
        self._drop(conn)

    def _drop(self, conn: TConn) -> None:
        state = self.incoming.pop(conn, None)
        if state is not None and state.body is not None:
            state.body.close()
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        # A stopping worker does not wait for requests that have not even sent their headers.
        for conn in [c for c, state in self.incoming.items()
                     if state.deadline <= now or (not self.alive and state.body is None)]:
            self._send(conn, _status(408, "Request Timeout"))
            self._drop(conn)
