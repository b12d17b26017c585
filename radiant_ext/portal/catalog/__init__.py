"""Home page with the catalogs, the request form and the confirmation."""

from __future__ import annotations

from radiant_ext.portal.catalog import departments  # noqa: F401 - registers /d/<department>
from radiant_ext.portal.catalog.views import bp, init_app

__all__ = ["bp", "init_app"]
