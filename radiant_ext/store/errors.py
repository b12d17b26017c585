"""Errors raised by the local store.

::

    RadiantError
    └── StoreError                  the store cannot be used as asked
        └── MigrationError          the schema is not at the version this code needs
"""

from __future__ import annotations

from radiant_ext.errors import RadiantError

__all__ = ["MigrationError", "StoreError"]


class StoreError(RadiantError):
    """The local store cannot be used as asked (bad URL, unknown name, locked)."""


class MigrationError(StoreError):
    """The database schema is missing or not at the head revision."""
