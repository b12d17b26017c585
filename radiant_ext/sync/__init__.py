"""radiant_ext.sync."""

from __future__ import annotations

__all__: list[str] = []
