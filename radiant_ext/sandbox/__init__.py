"""radiant_ext.sandbox."""

from __future__ import annotations

__all__: list[str] = []
