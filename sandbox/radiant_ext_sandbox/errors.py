"""The sandbox's error type."""

from __future__ import annotations

from radiant_ext.errors import RadiantError

__all__ = ["SandboxError"]


class SandboxError(RadiantError):
    """The sandbox cannot do what was asked (unknown seed, bad invoker settings, bad mail …)."""
