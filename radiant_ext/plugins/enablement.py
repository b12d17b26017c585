"""Per-department enablement: which departments an admin switched on or off.

:class:`EnablementStore` is the interface :class:`~radiant_ext.plugins.Plugins` reads;
:class:`JsonEnablement` keeps the switches in a JSON file in the data directory and
:class:`DatabaseEnablement` in the store's ``department_state`` table.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from radiant_ext.plugins.errors import PluginError

if TYPE_CHECKING:
    from radiant_ext.store.departments import DepartmentScope

__all__ = ["DatabaseEnablement", "EnablementStore", "JsonEnablement", "MemoryEnablement"]


@runtime_checkable
class EnablementStore(Protocol):
    """Where department switches live; a department nobody switched is enabled.

    An implementation may also offer ``disabled_items() -> Mapping[str, str]`` (item id →
    reason) for single items the catalog check switched off; :class:`Plugins` hides those;
    and ``department_scopes() -> Mapping[str, DepartmentScope]``: for whom an enabled
    department's catalog is (a department without one: everyone).
    """

    def department_states(self) -> Mapping[str, bool]:
        """Return the departments an admin switched, id → enabled."""
        ...

    def set_department_enabled(self, department: str, enabled: bool, actor: str) -> None:
        """Persist the switch for ``department``; ``actor`` says who switched it."""
        ...


class MemoryEnablement:
    """Switches kept in memory (tests, previews); ``items`` maps disabled item ids to reasons."""

    def __init__(self, states: Mapping[str, bool] | None = None,
                 items: Mapping[str, str] | None = None,
                 scopes: Mapping[str, DepartmentScope] | None = None) -> None:
        self._states = dict(states or {})
        self.items = dict(items or {})
        self.scopes = dict(scopes or {})

    def department_scopes(self) -> Mapping[str, DepartmentScope]:
        return dict(self.scopes)

    def disabled_items(self) -> Mapping[str, str]:
        return dict(self.items)

    def department_states(self) -> Mapping[str, bool]:
        return dict(self._states)

    def set_department_enabled(self, department: str, enabled: bool, actor: str) -> None:
        self._states[department] = enabled


class JsonEnablement:
    """Switches in a JSON file, written atomically (``<data_dir>/departments.json``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"departments": {}}
        except (OSError, ValueError) as exc:
            raise PluginError(f"cannot read department switches {self.path}: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("departments"), dict):
            raise PluginError(f"{self.path}: expected {{\"departments\": {{id: true|false}}}}")
        return data

    def department_states(self) -> Mapping[str, bool]:
        entries = self._read()["departments"]
        return {str(k): bool(v["enabled"] if isinstance(v, dict) else v)
                for k, v in entries.items()}

    def set_department_enabled(self, department: str, enabled: bool, actor: str) -> None:
        data = self._read()
        data["departments"][department] = {"enabled": enabled, "changed_by": actor}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".departments-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
        os.replace(tmp, self.path)


class DatabaseEnablement:
    """Switches in the local store (``radiant_ext.store.departments``).

    :param session_scope: a zero-argument callable returning a context manager that yields
        a session and commits on exit (``lambda: session_scope(factory)``).
    :param max_age: seconds a read may be reused. Routing one request reads the switches
        several times; in a web worker or the webhook a short cache turns five database
        reads per request into one every ``max_age`` seconds (docs/performance.md,
        "Webhook"). A switch made through this object is visible at once; one made by
        another process within ``max_age`` seconds. ``0`` reads every time.
    """

    def __init__(self, session_scope: Callable[[], AbstractContextManager[Any]],
                 *, max_age: float = 0.0) -> None:
        self._scope = session_scope
        self._max_age = max_age
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Mapping[str, Any]]] = {}

    def _cached(self, key: str, read: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any]:
        if self._max_age <= 0:
            return read()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < self._max_age:
                return dict(hit[1])
        value = read()
        with self._lock:
            self._cache[key] = (now, value)
        return dict(value)

    def department_states(self) -> Mapping[str, bool]:
        return self._cached("departments", self._read_departments)

    def _read_departments(self) -> Mapping[str, bool]:
        from radiant_ext.store.departments import get_department_states

        with self._scope() as session:
            return {k: bool(v.enabled) for k, v in get_department_states(session).items()}

    def set_department_enabled(self, department: str, enabled: bool, actor: str) -> None:
        from radiant_ext.store.departments import set_department_enabled

        with self._scope() as session:
            set_department_enabled(session, department, enabled, actor)
        with self._lock:
            self._cache.clear()

    def department_scopes(self) -> Mapping[str, DepartmentScope]:
        """Return the departments enabled for some customers only, id → scope."""
        return self._cached("scopes", self._read_scopes)

    def _read_scopes(self) -> Mapping[str, DepartmentScope]:
        from radiant_ext.store.departments import get_department_scopes

        with self._scope() as session:
            return get_department_scopes(session)

    def set_department_enablement(self, department: str, *, enabled: bool,
                                  scope: DepartmentScope | None, actor: str) -> bool:
        """Set the switch and the scope together (recorded with before and after); return
        whether anything changed."""
        from radiant_ext.store.departments import set_department_enablement

        with self._scope() as session:
            _, changed = set_department_enablement(session, department, enabled=enabled,
                                                   scope=scope, actor=actor)
        with self._lock:
            self._cache.clear()
        return changed

    def disabled_items(self) -> Mapping[str, str]:
        """Return items the catalog check disabled, id → reason shown to admins."""
        return self._cached("items", self._read_disabled_items)

    def _read_disabled_items(self) -> Mapping[str, str]:
        from radiant_ext.store.departments import get_catalog_item_states

        with self._scope() as session:
            return {k: v.reason or "disabled" for k, v in get_catalog_item_states(session).items()
                    if not v.enabled}
