"""Seeds: ``lab`` and ``znuny-lab`` (the recordings' fixtures) and ``retail`` (the demo world)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from radiant_ext_sandbox.seeds.labs import seed_lab, seed_znuny_lab
from radiant_ext_sandbox.seeds.retail import seed_retail
from radiant_ext_sandbox.timeutil import Clock

SEEDS: dict[str, Callable[[Connection, Clock], None]] = {
    "lab": seed_lab,
    "retail": seed_retail,
    "znuny-lab": seed_znuny_lab,
}

__all__ = ["SEEDS"]
