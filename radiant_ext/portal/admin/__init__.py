"""The admin area of the portal (``/admin/``): department admins enable and scope their
department's catalog, preview it as a customer, try routing cases, and see the health of
the catalogs, the sync jobs and the outbox — in the browser. See ``docs/admin.md``."""

from __future__ import annotations

from radiant_ext.portal.admin.settings import (
    AdminRole,
    AdminSettings,
    AdminSettingsError,
    admin_settings,
)
from radiant_ext.portal.admin.views import blueprint, current_admin, init_admin

__all__ = ["AdminRole", "AdminSettings", "AdminSettingsError", "admin_settings", "blueprint",
           "current_admin", "init_admin"]
