"""Request lists, request detail, replies, closing and reopening."""

from __future__ import annotations

from radiant_ext.portal.requests.views import bp, init_app

__all__ = ["bp", "init_app"]
