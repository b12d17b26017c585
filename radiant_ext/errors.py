"""The root of every exception radiant_ext raises.

::

    RadiantError
    ├── ConfigError                 settings or catalog files that cannot be used
    └── ZnunyError                  (radiant_ext.client.errors) — everything on the wire

Each subsystem hangs its own branch under :class:`RadiantError`, so a caller can catch one
class for "anything this package raised on purpose".
"""

from __future__ import annotations


class RadiantError(Exception):
    """Base class of every exception raised on purpose by radiant_ext."""


class ConfigError(RadiantError):
    """Settings, catalog files or command-line input that cannot be used as given."""
