"""Approvals in the portal: requests of items that need a yes first are filed waiting, and
their approver decides them on the "Waiting for my approval" page. See ``docs/portal.md``,
"Approvals"."""

from radiant_ext.portal.approvals.views import bp, init_app

__all__ = ["bp", "init_app"]
