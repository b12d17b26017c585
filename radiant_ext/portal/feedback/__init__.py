"""Guest feedback (``/feedback/<store>``): shoppers tell a store what happened without an
account; the ticket goes to customer service through the outbox. See ``docs/feedback.md``."""

from __future__ import annotations

from radiant_ext.portal.feedback.views import (
    FEEDBACK_ITEM,
    SHOPPERS,
    WEB_SHOP,
    blueprint,
    init_feedback,
)

__all__ = ["FEEDBACK_ITEM", "SHOPPERS", "WEB_SHOP", "blueprint", "init_feedback"]
