"""The root of every exception radiant_ext raises.

::

    RadiantError
    ├── ConfigError                 settings or catalog files that cannot be used
    │   └── InvalidSettingsError    settings refused at start-up, one line naming each
    └── ZnunyError                  (radiant_ext.client.errors) — everything on the wire

Each subsystem hangs its own branch under :class:`RadiantError`, so a caller can catch one
class for "anything this package raised on purpose".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ConfigError", "InvalidSettingsError", "RadiantError", "SettingProblem"]


class RadiantError(Exception):
    """Base class of every exception raised on purpose by radiant_ext."""


class ConfigError(RadiantError):
    """Settings, catalog files or command-line input that cannot be used as given."""


_ONE_LINE = {ord("\n"): " ", ord("\r"): " ", ord("\t"): " "}


@dataclass(frozen=True)
class SettingProblem:
    """One refused setting.

    :ivar setting: its name where it was set, e.g. ``RADIANT_PORTAL_PAGE_SIZE``, or
        ``znuny_timeout`` for a file's key.
    :ivar value: the value as given, already quoted and shortened for display; ``None`` for a
        secret (never shown).
    :ivar reason: what is wrong with it.
    :ivar allowed: what would be accepted.
    :ivar source: the file it was read from, if any.
    """

    setting: str
    value: str | None
    reason: str
    allowed: str
    source: str = ""

    def __str__(self) -> str:
        shown = f"={self.value}" if self.value is not None else " (secret, value not shown)"
        where = f" in {self.source}" if self.source else ""
        text = f"{self.setting}{shown}{where}: {self.reason}"
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return text.translate(_ONE_LINE)  # one line, whatever the parts contain


class InvalidSettingsError(ConfigError):
    """Settings that cannot be used; ``str()`` is one line naming every refused setting.

    :ivar problems: the refused settings.
    """

    def __init__(self, problems: Sequence[SettingProblem]) -> None:
        self.problems = tuple(problems)
        noun = "setting" if len(self.problems) == 1 else "settings"
        super().__init__(f"invalid {noun}: " + " | ".join(str(p) for p in self.problems))
