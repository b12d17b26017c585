"""A normal page's latency while a hundred clients trickle their uploads, under ``serve``.

Usage::

    python benchmarks/slow_clients.py [--tricklers 100] [--requests 50] [--rounds 3]
                                      [--workers 2] [--threads 4] [--no-compare]

Set-up: a retail sandbox Znuny (in a thread), a migrated SQLite store, then the portal on
127.0.0.1 under ``radiant-ext serve`` (its own worker, which reads requests whole before a
thread serves them) and, for comparison, under plain gunicorn ``gthread`` with the same
workers and threads (what ``serve`` ran before).

Measurement, in ``--rounds`` rounds, the servers interleaved (round 1: serve, gthread; round
2: serve, gthread; …) so that the shared machine's load falls on both alike: ``--requests``
sequential ``GET /login`` with nothing else going on (idle), then ``--tricklers`` connections
each send a POST's headers announcing a 100 kB body and then one byte a second, and the same
GETs are measured while they trickle (each GET waits at most 5 s: a GET that gets no answer
counts as a timeout and the rest of that round's GETs are skipped). The tricklers are closed
at the end of each round. Printed: p50 / p95 / max in ms per server and condition, and the
timeouts.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests

GET_TIMEOUT = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(command: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[str]:
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, cwd=cwd)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                requests.get(f"{url}/login", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.25)
        else:
            raise SystemExit(f"{command[2:4]} did not start")
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Tricklers:
    """``count`` connections that each send a POST body one byte a second."""

    def __init__(self, port: int, count: int) -> None:
        self.socks: list[socket.socket] = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         b"Content-Length: 100000\r\n\r\nlogin=")
            self.socks.append(sock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.wait(1.0):
            for sock in self.socks:
                try:
                    sock.send(b"a")
                except OSError:
                    pass

    def alive(self) -> int:
        """How many of the connections the server has not closed."""
        open_ = 0
        for sock in self.socks:
            sock.setblocking(False)
            try:
                open_ += sock.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                open_ += 1
            except OSError:
                pass
            finally:
                sock.setblocking(True)
        return open_

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in self.socks:
            sock.close()


def _gets(url: str, count: int) -> tuple[list[float], int]:
    """Sequential GETs on fresh connections; return latencies (ms) and timeouts."""
    times: list[float] = []
    for _ in range(count):
        start = time.perf_counter()
        try:
            page = requests.get(f"{url}/login", timeout=GET_TIMEOUT)
        except requests.Timeout:
            return times, 1
        if page.status_code != 200:
            raise SystemExit(f"GET /login answered {page.status_code}")
        times.append((time.perf_counter() - start) * 1000)
    return times, 0


def _summary(times: list[float]) -> str:
    if not times:
        return "—"
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered):.1f} / {p95:.1f} / {ordered[-1]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tricklers", type=int, default=100)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-compare", action="store_true",
                        help="measure radiant-ext serve only (not plain gthread)")
    args = parser.parse_args()

    from radiant_ext.config import load_settings
    from radiant_ext.store import make_engine, upgrade_database
    from radiant_ext_sandbox import create_app as sandbox_app
    from radiant_ext_sandbox import serve_in_thread

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        znuny = serve_in_thread(sandbox_app(tmp / "sandbox", seed="retail"))
        stack.callback(znuny.stop)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RADIANT_")}
        env.update(RADIANT_ZNUNY_URL=str(znuny.url), RADIANT_ZNUNY_USER="radiant",
                   RADIANT_ZNUNY_PASSWORD="radiant-demo", RADIANT_DATA_DIR=str(tmp),
                   RADIANT_SECRET_KEY="a-long-random-secret-for-the-benchmark")
        engine = make_engine(load_settings(data_dir=tmp, database_url="").effective_database_url)
        upgrade_database(engine)
        engine.dispose()
        sizing = ["--workers", str(args.workers), "--threads", str(args.threads)]
        servers: dict[str, Callable[[int], list[str]]] = {"radiant-ext serve": lambda port: [
            sys.executable, "-m", "radiant_ext", "serve", "--host", "127.0.0.1",
            "--port", str(port), *sizing]}
        if not args.no_compare:
            servers["gunicorn gthread"] = lambda port: [
                sys.executable, "-m", "gunicorn", "--worker-class", "gthread", *sizing,
                "--bind", f"127.0.0.1:{port}", "radiant_ext.portal:create_app()"]
        results: dict[tuple[str, str], list[float]] = {}
        timeouts: dict[str, int] = dict.fromkeys(servers, 0)
        for round_ in range(1, args.rounds + 1):
            for name, command in servers.items():
                port = _free_port()
                with _server(command(port), env, tmp, port) as url:
                    _gets(url, 5)  # warm up
                    idle, _ = _gets(url, args.requests)
                    tricklers = Tricklers(port, args.tricklers)
                    try:
                        time.sleep(2)  # every slow client has started its body
                        busy, timed_out = _gets(url, args.requests)
                    finally:
                        tricklers.close()
                results.setdefault((name, "idle"), []).extend(idle)
                results.setdefault((name, "tricklers"), []).extend(busy)
                timeouts[name] += timed_out
                print(f"  round {round_} {name}: idle {_summary(idle)} ms, "
                      f"with {args.tricklers} tricklers {_summary(busy)} ms"
                      + (f", GET timed out after {GET_TIMEOUT:.0f} s" if timed_out else ""),
                      flush=True)
        print(f"\nGET /login, p50 / p95 / max ms over {args.rounds} rounds "
              f"({args.workers} workers x {args.threads} threads, {args.tricklers} tricklers):")
        print("| server | idle | while trickling | GETs answered / timed out |")
        print("|---|---|---|---|")
        for name in servers:
            busy = results[(name, "tricklers")]
            print(f"| {name} | {_summary(results[(name, 'idle')])} | {_summary(busy)} "
                  f"| {len(busy)} / {timeouts[name]} |")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
