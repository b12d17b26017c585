"""What every benchmark prints beside its figures: the machine, the load, the command, and
min / median / max over rounds whose contenders take turns in a rotating order.

Imported by the benchmark scripts (``python benchmarks/<name>.py`` puts this folder first on
``sys.path``).
"""

from __future__ import annotations

import os
import platform
import shlex
import sqlite3
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (the platform's name elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(*extra: str) -> str:
    """One line: CPU, cores, OS, Python, SQLite and whatever else the benchmark adds."""
    parts = [f"{cpu_model()} ({platform.machine()}), {os.cpu_count()} cores",
             f"{platform.system()} {platform.release()}",
             f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}", *extra]
    return ", ".join(parts)


def load() -> str:
    """``os.getloadavg()`` as ``1.23 0.98 0.75`` (1, 5 and 15 minutes)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def command() -> str:
    """The command line that ran this benchmark, to paste beside its figures."""
    return shlex.join(["python", *sys.argv])


def header(*extra: str) -> None:
    """Print the command, the machine and the load average before the run."""
    print(f"command: {command()}")
    print(f"machine: {machine(*extra)}")
    print(f"load average before: {load()}")


def footer() -> None:
    """Print the load average after the run."""
    print(f"load average after: {load()}")


def rotations(contenders: Sequence[T], rounds: int) -> Iterator[tuple[int, list[T]]]:
    """Yield ``(round, order)``: round ``r`` starts with contender ``r mod n``, so each one
    goes first in turn and the shared machine's load falls on all of them alike."""
    for number in range(rounds):
        shift = number % len(contenders)
        yield number, [*contenders[shift:], *contenders[:shift]]


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """``min / median / max`` of ``values``."""
    if not values:
        return "—"
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values),
                                                max(values)))


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssPeak:
    """The peak resident memory above the level at the start, sampled every 20 ms."""

    def __init__(self) -> None:
        self.start = _rss_bytes()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_bytes())

    @property
    def growth_mb(self) -> float:
        """Peak minus start, in MiB."""
        return (self.peak - self.start) / 2**20


@contextmanager
def rss_peak() -> Iterator[RssPeak]:
    """Sample this process's RSS while the block runs."""
    sampler = RssPeak()
    sampler._thread.start()
    try:
        yield sampler
    finally:
        sampler._stop.set()
        sampler._thread.join()
        sampler.peak = max(sampler.peak, _rss_bytes())


@contextmanager
def stopwatch(into: list[float]) -> Iterator[None]:
    """Append the block's wall seconds to ``into``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        into.append(time.perf_counter() - started)
