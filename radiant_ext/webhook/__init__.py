"""radiant_ext.webhook — real-time routing through Znuny's ``Ticket::Generic`` invoker.

::

    from radiant_ext.webhook import init_webhook
    init_webhook(app, settings=settings)          # POST /-/znuny/webhook[/...] (portal)

    from radiant_ext.webhook import setup_check
    findings = setup_check(settings)                       # for ``radiant-ext check``

Znuny's side of the exchange — the invoker's call and how Znuny applies the answer — is
played by the sandbox (``radiant_ext_sandbox.znuny_invoker``,
``radiant_ext_sandbox.znuny_writeback``), never by production code.

See docs/webhook.md and docs/znuny-setup.md.
"""

from __future__ import annotations

from radiant_ext.webhook.answers import (
    CATEGORY_FIELD,
    DEADLINE_FIELD,
    NOTE_FROM,
    NOTE_HISTORY_TYPE,
    REQUEST_ID_FIELD,
    STORE_FIELD,
    routing_answer,
    routing_note,
)
from radiant_ext.webhook.blueprint import (
    EXTENSION_KEY,
    SECRET_HEADER,
    WEBHOOK_PATH,
    WebhookConfig,
    WebhookService,
    handle_webhook,
    init_webhook,
    webhook_blueprint,
)
from radiant_ext.webhook.checks import (
    REQUIRED_DYNAMIC_FIELDS,
    Finding,
    setup_check,
    setup_check_safely,
)
from radiant_ext.webhook.errors import (
    PayloadError,
    PayloadTooLarge,
    UnsupportedContent,
    WebhookAuthError,
    WebhookError,
)
from radiant_ext.webhook.factory import (
    recent_incidents_from_store,
    router_for,
    router_from_settings,
)
from radiant_ext.webhook.payload import (
    KNOWN_EVENTS,
    WebhookArticle,
    WebhookEvent,
    WebhookPayload,
    WebhookTicket,
    decode_body,
    event_name,
    is_known_event,
    validate_payload,
)
from radiant_ext.webhook.routing import (
    RoutingPlugins,
    TicketRouter,
    WebhookResult,
    email_ticket,
    ignored,
)

__all__ = [
    "CATEGORY_FIELD",
    "DEADLINE_FIELD",
    "EXTENSION_KEY",
    "Finding",
    "KNOWN_EVENTS",
    "NOTE_FROM",
    "NOTE_HISTORY_TYPE",
    "PayloadError",
    "PayloadTooLarge",
    "REQUEST_ID_FIELD",
    "REQUIRED_DYNAMIC_FIELDS",
    "RoutingPlugins",
    "SECRET_HEADER",
    "STORE_FIELD",
    "TicketRouter",
    "UnsupportedContent",
    "WEBHOOK_PATH",
    "WebhookArticle",
    "WebhookAuthError",
    "WebhookConfig",
    "WebhookError",
    "WebhookEvent",
    "WebhookPayload",
    "WebhookResult",
    "WebhookService",
    "WebhookTicket",
    "decode_body",
    "email_ticket",
    "event_name",
    "handle_webhook",
    "ignored",
    "init_webhook",
    "is_known_event",
    "recent_incidents_from_store",
    "router_for",
    "router_from_settings",
    "routing_answer",
    "routing_note",
    "setup_check",
    "setup_check_safely",
    "validate_payload",
    "webhook_blueprint",
]
