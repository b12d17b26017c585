"""radiant_ext.store."""

from __future__ import annotations

__all__: list[str] = []
