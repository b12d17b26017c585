"""``radiant-ext serve`` (or ``demo``) as a real process on 127.0.0.1, or an app served in a
thread, for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any ``RADIANT_*`` variable, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADIANT_")}
    return {**env, "PYTHONUNBUFFERED": "1", **values}


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    """Stop ``proc`` with ``sig`` (killed after a minute); return what it printed."""
    proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


@contextmanager
def serving(args: Sequence[str], env: Mapping[str, str], cwd: Path,
            port: int | None = None, *, timeout: float = 90) -> Iterator[tuple[str,
                                                                              subprocess.Popen[str]]]:
    """``python -m radiant_ext serve --host 127.0.0.1 --port P <args>``, once ``/login``
    answers: yields its base URL and the process; stopped with SIGTERM afterwards."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "radiant_ext", "serve", "--host", "127.0.0.1",
         "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(env), cwd=cwd)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"serve ended: {proc.communicate()[0]}")
            try:
                requests.get(f"{url}/login", timeout=10)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{url} does not answer") from None
                time.sleep(0.25)
        yield url, proc
    finally:
        if proc.poll() is None:
            stop(proc)


@contextmanager
def in_thread(app: Any) -> Iterator[str]:
    """A WSGI ``app`` served by werkzeug on a free port of 127.0.0.1 in a daemon thread (for
    the browser tests); yields its base URL and shuts it down afterwards."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
