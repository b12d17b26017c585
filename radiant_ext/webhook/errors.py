"""Errors raised by the webhook area.

::

    RadiantError
    └── WebhookError                 the webhook could not handle a request
        ├── WebhookAuthError         missing or wrong credentials (HTTP 401)
        └── PayloadError             the body is not an invoker payload we understand (HTTP 400)
            ├── PayloadTooLarge      the body exceeds the configured limit (HTTP 413)
            └── UnsupportedContent   the Content-Type is not JSON (HTTP 415)

Every error carries :attr:`WebhookError.status`, the HTTP status the endpoint answers with,
and a message that is safe to log and to send back: it never contains credentials or
ticket content.
"""

from __future__ import annotations

from radiant_ext.errors import RadiantError

__all__ = [
    "PayloadError",
    "PayloadTooLarge",
    "UnsupportedContent",
    "WebhookAuthError",
    "WebhookError",
]


class WebhookError(RadiantError):
    """The webhook endpoint refused a request; :attr:`status` is the HTTP answer."""

    status = 500


class WebhookAuthError(WebhookError):
    """The request carried no credentials, or wrong ones."""

    status = 401


class PayloadError(WebhookError):
    """The body is not JSON, or not shaped like a ``Ticket::Generic`` invoker payload."""

    status = 400


class PayloadTooLarge(PayloadError):
    """The body is larger than the endpoint accepts."""

    status = 413


class UnsupportedContent(PayloadError):
    """The request's ``Content-Type`` is not JSON."""

    status = 415
