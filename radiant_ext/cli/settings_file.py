"""Which settings file the ``radiant-ext`` commands read, and the demo's own settings file.

Lookup, first found wins (``docs/settings.md``, "Where settings come from"): the file named by
``RADIANT_CONFIG``; ``radiant.toml`` in the working folder; the demo's
``radiant-demo/radiant.toml`` in the working folder (written by ``radiant-ext demo``), which
a command announces in one line on standard error. The library (:func:`radiant_ext.config.
load_settings`, the portal's ``create_app``) reads only the first two: a web server started
beside a demo folder does not take the demo's settings.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from radiant_ext.config import Settings
from radiant_ext.errors import ConfigError

__all__ = ["DEMO_SETTINGS_FILE", "demo_znuny_problem", "forget_settings_file",
           "is_demo_settings", "settings_file", "use_settings_file", "write_settings_file"]

DEMO_SETTINGS_FILE = Path("radiant-demo") / "radiant.toml"
"""Where ``radiant-ext demo`` (with its default ``--data``) writes its settings, relative to
the folder it runs in; ``radiant-ext`` commands run there read them when no ``radiant.toml``
is in that folder (:func:`settings_file`)."""


def settings_file(folder: Path | None = None) -> tuple[Path | None, str]:
    """The TOML file the ``radiant-ext`` commands read in ``folder`` (the working folder),
    and why: ``RADIANT_CONFIG``, else ``radiant.toml`` there, else the demo's
    :data:`DEMO_SETTINGS_FILE` there; ``(None, reason)`` when there is none (the defaults and
    ``RADIANT_*`` variables apply). The library (:func:`load_settings`, the portal's
    ``create_app``) reads only the first two.
    """
    named = os.environ.get("RADIANT_CONFIG")
    if named:
        return Path(named), "named by RADIANT_CONFIG"
    here = Path.cwd() if folder is None else folder
    if (here / "radiant.toml").is_file():
        return Path("radiant.toml"), "radiant.toml in the working folder"
    if (here / DEMO_SETTINGS_FILE).is_file():
        return DEMO_SETTINGS_FILE, "the demo's settings: no radiant.toml in the working folder"
    return None, "no radiant.toml in the working folder and no RADIANT_CONFIG"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    """``value`` as an inline TOML value (strings in JSON's escapes, which TOML shares)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))
    if isinstance(value, SecretStr):
        return json.dumps(value.get_secret_value())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def write_settings_file(path: Path, values: Mapping[str, Any], header: str = "") -> None:
    """Write ``values`` (setting name → value) as a TOML file :func:`load_settings` reads,
    readable and writable by its owner only (0600: it may hold secrets), replacing ``path``
    whole (a reader never sees half a file). Tables (``reports``, ``admin``) go last.

    :raises ConfigError: the file cannot be written (one line naming it).
    """
    lines = [f"# {line}" for line in header.splitlines()]
    tables = {k: v for k, v in values.items() if isinstance(v, Mapping)}
    lines += [f"{k} = {_toml_value(v)}" for k, v in values.items() if k not in tables]
    for name, table in tables.items():
        lines += ["", f"[{_toml_key(name)}]"]
        lines += [f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in table.items()]
    text = "\n".join(lines) + "\n"
    temporary = path.with_name(f".{path.name}.new")
    try:
        temporary.unlink(missing_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise ConfigError(f"cannot write the settings file {path}: "
                          f"{exc.strerror or type(exc).__name__}") from None


def use_settings_file(announce: Any, folder: Path | None = None) -> Path | None:
    """Make this process read the demo's settings when :func:`settings_file` picks them
    (by setting ``RADIANT_CONFIG``, which child processes inherit too), and say so with
    ``announce(line)``; return the file picked, ``None`` for none. :func:`forget_settings_file`
    undoes it once the command has run."""
    path, why = settings_file(folder)
    if path == DEMO_SETTINGS_FILE and not os.environ.get("RADIANT_CONFIG"):
        os.environ["RADIANT_CONFIG"] = str(path)
        os.environ[_CHOSEN] = str(path)
        announce(f"radiant-ext: using the settings in {path} ({why}; RADIANT_CONFIG names "
                 "another file)")
    return path


_CHOSEN = "RADIANT_CLI_CHOSE_CONFIG"
"""Marks a ``RADIANT_CONFIG`` set by :func:`use_settings_file` rather than by the user."""


def forget_settings_file() -> None:
    """Undo :func:`use_settings_file` (a program that runs several commands in one process
    must not keep one folder's choice for the next)."""
    chosen = os.environ.pop(_CHOSEN, None)
    if chosen is not None and os.environ.get("RADIANT_CONFIG") == chosen:
        del os.environ["RADIANT_CONFIG"]


def is_demo_settings(settings: Settings) -> bool:
    """Whether ``settings`` are a demo's: read from ``radiant.toml`` in a data folder that
    holds the demo's sandbox Znuny."""
    named = os.environ.get("RADIANT_CONFIG")
    if not named:
        return False
    data = settings.data_dir.resolve()
    return Path(named).resolve() == data / "radiant.toml" and (data / "sandbox").is_dir()


def demo_znuny_problem(settings: Settings, timeout: float = 1.0) -> str | None:
    """One line when ``settings`` are a demo's and its sandbox Znuny does not answer (it
    listens on a port of its own only while ``radiant-ext demo`` runs); ``None`` otherwise."""
    if not is_demo_settings(settings):
        return None
    parts = urlsplit(settings.znuny_url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80),
                                      timeout=timeout):
            return None
    except OSError:
        return (f"the demo's sandbox Znuny ({settings.znuny_url}) is not running: it lives "
                "only while `radiant-ext demo` runs — start the demo in another terminal "
                "from this folder, then run this command again")
