"""The real Znuny the live tests run against, read from the environment.

``eval "$(scripts/znuny-server env 7.0.9)"`` sets everything (docs/live-servers.md). Without
it the live tests skip and say which variables are missing; with ``RADIANT_LIVE_REQUIRED=1``
(CI) a missing variable fails them instead, so a run never passes by skipping them silently.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

from radiant_ext.config import Settings, load_settings

__all__ = [
    "CLIENT_VARIABLES",
    "REQUIRED_FLAG",
    "SERVER_VARIABLES",
    "LiveServer",
    "live_required",
    "live_settings",
    "need_env",
    "unavailable",
]

REQUIRED_FLAG = "RADIANT_LIVE_REQUIRED"
"""``1``: a live test that cannot run fails (CI) instead of skipping."""

CLIENT_VARIABLES = ("RADIANT_ZNUNY_URL", "RADIANT_ZNUNY_USER", "RADIANT_ZNUNY_PASSWORD")
"""What the client alone needs: the GI's address and the companion's agent."""

SERVER_VARIABLES = (
    *CLIENT_VARIABLES,
    "RADIANT_ZNUNY_SCRIPT_PATH",
    "RADIANT_ZNUNY_ROUTE_SET",
    "RADIANT_ZNUNY_WEBSERVICE",
    "RADIANT_ZNUNY_DB_URL",
    "RADIANT_WEBHOOK_USER",
    "RADIANT_WEBHOOK_SECRET",
    "RADIANT_WEBHOOK_URL",
    "RADIANT_LIVE_CUSTOMER",
    "RADIANT_LIVE_CUSTOMER_PASSWORD",
    "RADIANT_LIVE_CUSTOMER_COMPANY",
    "RADIANT_LIVE_OTHER_CUSTOMER",
    "RADIANT_LIVE_OTHER_PASSWORD",
    "RADIANT_LIVE_OTHER_COMPANY",
    "RADIANT_LIVE_GUEST",
    "RADIANT_LIVE_GUEST_PASSWORD",
    "RADIANT_LIVE_GUEST_COMPANY",
    "ZNUNY_VERSION",
    "ZNUNY_HOME",
    "ZNUNY_CONSOLE",
    "ZNUNY_OS_USER",
)
"""What the journeys need: a server brought up by ``scripts/znuny-server`` on this machine."""

SETUP_HINT = 'eval "$(scripts/znuny-server env 7.0.9)"'


def live_required() -> bool:
    """Whether missing live settings fail the run (``RADIANT_LIVE_REQUIRED=1``)."""
    return os.environ.get(REQUIRED_FLAG, "").strip() not in ("", "0")


def unavailable(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it when live tests are required."""
    if live_required():
        pytest.fail(f"{reason} ({REQUIRED_FLAG}=1: live tests must run)", pytrace=False)
    pytest.skip(reason)


def need_env(*names: str) -> dict[str, str]:
    """Return the values of ``names``; skip (or fail) the test naming the missing ones."""
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        unavailable(f"live Znuny tests need {', '.join(missing)} (set them with {SETUP_HINT})")
    return {name: os.environ[name] for name in names}


@dataclass(frozen=True)
class LiveServer:
    """One server of ``scripts/znuny-server``, as its ``env`` command describes it."""

    version: str
    url: str
    webhook_url: str
    webhook_user: str
    webhook_secret: str
    customer: str
    customer_password: str
    customer_company: str
    other: str
    other_password: str
    other_company: str
    guest: str
    guest_password: str
    guest_company: str
    home: Path
    console: Path
    os_user: str

    @classmethod
    def from_env(cls) -> LiveServer:
        """Read the environment; skip (or fail) when a variable is missing."""
        env = need_env(*SERVER_VARIABLES)
        return cls(
            version=env["ZNUNY_VERSION"], url=env["RADIANT_ZNUNY_URL"],
            webhook_url=env["RADIANT_WEBHOOK_URL"], webhook_user=env["RADIANT_WEBHOOK_USER"],
            webhook_secret=env["RADIANT_WEBHOOK_SECRET"],
            customer=env["RADIANT_LIVE_CUSTOMER"],
            customer_password=env["RADIANT_LIVE_CUSTOMER_PASSWORD"],
            customer_company=env["RADIANT_LIVE_CUSTOMER_COMPANY"],
            other=env["RADIANT_LIVE_OTHER_CUSTOMER"],
            other_password=env["RADIANT_LIVE_OTHER_PASSWORD"],
            other_company=env["RADIANT_LIVE_OTHER_COMPANY"],
            guest=env["RADIANT_LIVE_GUEST"], guest_password=env["RADIANT_LIVE_GUEST_PASSWORD"],
            guest_company=env["RADIANT_LIVE_GUEST_COMPANY"],
            home=Path(env["ZNUNY_HOME"]), console=Path(env["ZNUNY_CONSOLE"]),
            os_user=env["ZNUNY_OS_USER"],
        )

    @property
    def release(self) -> tuple[int, ...]:
        """The version as numbers, ``(7, 0, 9)``."""
        return tuple(int(part) for part in re.findall(r"\d+", self.version))

    @property
    def product(self) -> str:
        """``Znuny``, or ``((OTRS))`` for the 6.0 release."""
        return "Znuny" if self.release >= (6, 1) else "((OTRS))"

    @property
    def has_webhook(self) -> bool:
        """Whether the release has the ``Ticket::Generic`` invoker (Znuny 6.1 and later);
        ((OTRS)) 6.0 has none, and ``scripts/znuny-server`` sets no webhook up there."""
        return self.release >= (6, 1)

    @property
    def webhook_address(self) -> tuple[str, int]:
        """Host and port Znuny's invoker posts to."""
        parts = urlsplit(self.webhook_url)
        return parts.hostname or "127.0.0.1", parts.port or 80

    def customers(self) -> list[tuple[str, str, str]]:
        """``(login, password, company)`` of the live customers: a store's staff, another
        store's, and an outside customer (the public's catalog)."""
        return [(self.customer, self.customer_password, self.customer_company),
                (self.other, self.other_password, self.other_company),
                (self.guest, self.guest_password, self.guest_company)]

    @property
    def customer_email(self) -> str:
        """The live customer's e-mail address (``provision.pl``: ``<login>@example.com``)."""
        return f"{self.customer}@example.com"

    def daemon_running(self) -> bool:
        """Whether Znuny's daemon runs (it sends the webhook's retries)."""
        for pid_file in (self.home / "var" / "run").glob("Daemon*.pid"):
            try:
                pid = int(pid_file.read_text().strip())
                os.kill(pid, 0)
            except (OSError, ValueError):
                continue
            return True
        return False

    def console_command(self, *args: str) -> list[str]:
        """A console command run as the tree's OS user (never as root: Znuny's cache files)."""
        return ["runuser", "-u", self.os_user, "--", "perl", str(self.console), *args]

    def postmaster(self, mail: bytes, timeout: float = 120) -> None:
        """Deliver ``mail`` through ``Maint::PostMaster::Read`` as the fetcher would.

        Exit status 75 is the PostMaster's "temporary failure, try again" (a mail server
        delivers again; seen when Znuny's daemon cleared the cache meanwhile): it is tried
        again, up to three times.
        """
        for attempt in range(3):
            done = subprocess.run(self.console_command("Maint::PostMaster::Read"), input=mail,
                                  cwd=self.home, capture_output=True, timeout=timeout,
                                  check=False)
            if done.returncode != 75:
                break
            time.sleep(2 * (attempt + 1))
        if done.returncode != 0:
            raise AssertionError(f"PostMaster::Read exited {done.returncode}: "
                                 f"{done.stderr.decode(errors='replace')[-2000:]}")


def live_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for the companion against the live server, as an administrator would write
    them: Znuny from the ``RADIANT_*`` environment, a store in ``data_dir``, and the
    catalog directory named explicitly (the demo's store directory, which holds the live
    customers' stores ``store-007`` and ``store-001``)."""
    from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

    values: dict[str, Any] = {
        "data_dir": data_dir, "database_url": "", "catalog_dirs": [DEMO_CATALOG_DIR],
        "secret_key": "live-tests-portal-key", "blocked_plugins": [],
    }
    values.update(overrides)
    return load_settings(**values)
