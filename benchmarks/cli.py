"""Time whole `radiant-ext` processes: a command's start to its answer, as a user waits for it.

Usage::

    python benchmarks/cli.py [--rounds 5] [--only simulate sandbox demo demo-empty]

Contenders, each a fresh process in a fresh temporary folder (no ``radiant.toml``, no
``RADIANT_*`` variables), taking turns in a rotating order round after round:

* ``simulate`` — ``radiant-ext simulate --item it.pos-down --store store-001 --json`` until it
  exits (the department plugins installed, as in the venv);
* ``sandbox`` — ``radiant-ext sandbox --data EMPTY --port P`` until its first ``SessionCreate``
  is answered (creating the tables and the retail seed included);
* ``demo`` — ``radiant-ext demo --data NEW --port 0`` until it prints its banner (``Press
  Ctrl-C to stop.``): sandbox, the year of history written and pulled, portal, scheduler;
* ``demo-empty`` — the same with ``--empty`` (no year).

Prints min / median / max seconds per contender, the load average before and after each run,
the machine and the command.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _measure import footer, header, load, rotations, spread

from radiant_ext.client import AgentCredentials, ZnunyClient
from radiant_ext.client.errors import ZnunyError

RADIANT_EXT = str(Path(sys.executable).with_name("radiant-ext"))
BANNER = "Press Ctrl-C to stop."


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("RADIANT_")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def simulate(folder: Path) -> float:
    """Seconds until ``simulate`` has answered and exited."""
    started = time.perf_counter()
    subprocess.run([RADIANT_EXT, "simulate", "--item", "it.pos-down", "--store", "store-001",
                    "--json"], cwd=folder, env=_env(), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def sandbox(folder: Path) -> float:
    """Seconds until a sandbox on an empty folder answers its first ``SessionCreate``."""
    port = _free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([RADIANT_EXT, "sandbox", "--data", str(folder / "empty"), "--port",
                             str(port)], cwd=folder, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        client = ZnunyClient(f"http://127.0.0.1:{port}", timeout=5.0,
                             credentials=AgentCredentials("radiant", "radiant-demo"))
        while True:
            try:
                client.session_create()
                return time.perf_counter() - started
            except ZnunyError:
                if proc.poll() is not None or time.perf_counter() - started > 120:
                    raise SystemExit("the sandbox did not answer within 120 s") from None
                time.sleep(0.01)
    finally:
        _stop(proc)


def _demo(folder: Path, *extra: str) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen([RADIANT_EXT, "demo", "--data", str(folder / "demo"), "--port", "0",
                             *extra], cwd=folder, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == BANNER:
                return time.perf_counter() - started
        raise SystemExit(f"the demo exited ({proc.wait()}) without its banner")
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


CONTENDERS: dict[str, Callable[[Path], float]] = {
    "simulate": simulate,
    "sandbox": sandbox,
    "demo": lambda folder: _demo(folder),
    "demo-empty": lambda folder: _demo(folder, "--empty"),
}


def main(argv: list[str] | None = None) -> None:
    """Run every contender ``--rounds`` times, rotating; print the spread."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="+", choices=list(CONTENDERS), default=list(CONTENDERS))
    args = parser.parse_args(argv)
    logging.getLogger("radiant_ext").setLevel(logging.ERROR)  # refused logins while it starts
    header()
    seconds: dict[str, list[float]] = {name: [] for name in args.only}
    for number, order in rotations(args.only, args.rounds):
        for name in order:
            folder = Path(tempfile.mkdtemp(prefix=f"radiant-bench-cli-{name}-"))
            before = load()
            try:
                seconds[name].append(CONTENDERS[name](folder))
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            print(f"round {number + 1}, {name}: {seconds[name][-1]:.2f} s, load {before} -> "
                  f"{load()}", flush=True)
    print("contender | s min / median / max")
    for name in args.only:
        print(f"{name} | {spread(seconds[name])}")
    footer()


if __name__ == "__main__":
    main()
