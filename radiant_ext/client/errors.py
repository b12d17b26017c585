"""Exceptions raised by :mod:`radiant_ext.client`, and the one place answers become exceptions.

::

    RadiantError
    ├── ConfigError
    │   └── ClientConfigError               the client cannot be used as configured
    │       ├── UnknownRouteSetError        route set name not in ROUTE_SETS
    │       ├── MissingCredentialsError     no credentials / session for an authenticated call
    │       └── RouteNotConfiguredError     the route set has no route for what was asked
    └── ZnunyError                          operation, code, message, status, body
        ├── OperationError                  HTTP 200 {"Error": {...}} with an unmapped ErrorCode
        │   ├── AuthenticationError         *.AuthFail
        │   │   └── SessionInvalidError     *.SessionInvalid
        │   ├── PermissionDeniedError       *.AccessDenied, *.NoPermission
        │   ├── InvalidRequestError         *.EmptyRequest, *.WrongStructure, *.WrongInputStructure
        │   │   ├── MissingParameterError   *.MissingParameter
        │   │   └── InvalidParameterError   *.InvalidParameter
        │   ├── NotFoundError               *.NotTicketData, *.NotValidTicketID, no ticket in answer
        │   └── ServerConfigurationError    Webservice.InvalidConfiguration
        ├── HTTPStatusError                 any answer that is not HTTP 200
        │   ├── PayloadTooLargeError        413 (transport MaxLength)
        │   ├── HTMLErrorPageError          an HTML page (proxy or web server), not Znuny's answer
        │   └── ServerError                 500 with Znuny's plain-text or fault body
        │       ├── RouteNotFoundError      "Error while determine Operation" (no route matched)
        │       ├── RequestDecodingError    the server could not read the request body
        │       └── ServerFaultError        {"faultcode", "faultstring"} from the provider
        ├── ResponseValidationError         HTTP 200 whose body is not what the operation returns
        │   └── NonJSONResponseError        HTTP 200 whose body is not JSON at all
        └── ZnunyConnectionError            no answer: refused, reset, closed, DNS, TLS
            ├── NoResponseError             the server closed the connection without any answer
            │   └── WebserviceNotFoundError    … because Znuny has no valid web service of that name
            └── ZnunyTimeoutError           connect or read timeout

Znuny reports operation errors with HTTP 200 and an ``ErrorCode`` such as
``TicketGet.AccessDenied``; the class is chosen by the part after the dot (the suffix), see
:data:`ERROR_CODE_CLASSES`. Note that ``AccessDenied`` also means "no such ticket" (contract
otrs-ce-6 050–052): Znuny checks permissions before existence.
"""

from __future__ import annotations

import json
from typing import Any

from radiant_ext.errors import ConfigError, RadiantError

__all__ = [
    "AuthenticationError",
    "ClientConfigError",
    "ERROR_CODE_CLASSES",
    "HTMLErrorPageError",
    "HTTPStatusError",
    "InvalidParameterError",
    "InvalidRequestError",
    "MissingCredentialsError",
    "MissingParameterError",
    "NoResponseError",
    "NonJSONResponseError",
    "NotFoundError",
    "OperationError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RequestDecodingError",
    "ResponseValidationError",
    "RouteNotConfiguredError",
    "RouteNotFoundError",
    "ServerConfigurationError",
    "ServerError",
    "ServerFaultError",
    "SessionInvalidError",
    "UnknownRouteSetError",
    "WebserviceNotFoundError",
    "ZnunyConnectionError",
    "ZnunyError",
    "ZnunyTimeoutError",
    "decode_response",
    "error_from_response",
]


class ClientConfigError(ConfigError):
    """The client was configured in a way that cannot work; raised before anything is sent."""


class UnknownRouteSetError(ClientConfigError):
    """The route set name is not one of :data:`radiant_ext.client.ROUTE_SETS`."""


class MissingCredentialsError(ClientConfigError):
    """An operation needs credentials or a session and the client has neither."""


class RouteNotConfiguredError(ClientConfigError):
    """The route set has no route for the operation (or no non-GET route where a body is needed)."""


class ZnunyError(RadiantError):
    """Anything that went wrong on the wire with Znuny's GenericInterface.

    :param message: human-readable text (Znuny's ``ErrorMessage`` when there is one).
    :param operation: the GI operation that was called, e.g. ``TicketGet``.
    :param code: Znuny's ``ErrorCode`` (``TicketGet.AccessDenied``) or ``None``.
    :param status: the HTTP status, ``None`` when no answer came back.
    :param body: the raw answer body (text, possibly truncated), ``None`` without an answer.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        code: str | None = None,
        status: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.code = code
        self.status = status
        self.body = body

    def __str__(self) -> str:
        prefix = self.code or self.operation
        status = f" (HTTP {self.status})" if self.status not in (None, 200) else ""
        return f"{prefix}: {self.message}{status}" if prefix else f"{self.message}{status}"


class OperationError(ZnunyError):
    """Znuny answered HTTP 200 with ``{"Error": {"ErrorCode", "ErrorMessage"}}``."""


class AuthenticationError(OperationError):
    """Credentials or session were rejected (``*.AuthFail``).

    Expired sessions, sessions used from another IP and unknown sessions all look like this
    (contract otrs-ce-6 053, 107, 110, 111).
    """


class SessionInvalidError(AuthenticationError):
    """SessionGet was asked about a session that does not exist (``SessionGet.SessionInvalid``)."""


class PermissionDeniedError(OperationError):
    """No permission — or, for TicketGet/TicketUpdate, a ticket that does not exist."""


class InvalidRequestError(OperationError):
    """The request was understood but its content is wrong."""


class MissingParameterError(InvalidRequestError):
    """A required parameter was missing (``*.MissingParameter``)."""


class InvalidParameterError(InvalidRequestError):
    """A parameter had a value Znuny does not accept (``*.InvalidParameter``)."""


class NotFoundError(OperationError):
    """The object asked for does not exist or the answer contained none."""


class ServerConfigurationError(OperationError):
    """The web service itself is misconfigured (``Webservice.InvalidConfiguration``)."""


class HTTPStatusError(ZnunyError):
    """The server answered with an HTTP status other than 200."""


class PayloadTooLargeError(HTTPStatusError):
    """HTTP 413: the request body exceeds the transport's ``MaxLength``."""


class HTMLErrorPageError(HTTPStatusError):
    """An HTML error page came back (a proxy or the web server answered, not Znuny)."""


class ServerError(HTTPStatusError):
    """HTTP 500 from the GenericInterface with a plain-text body."""


class RouteNotFoundError(ServerError):
    """No route of the web service matched method and path (contract otrs-ce-6 102–104)."""


class RequestDecodingError(ServerError):
    """The server could not read the request body (contract otrs-ce-6 032, znuny 005)."""


class ServerFaultError(ServerError):
    """The operation failed inside Znuny and the provider sent a fault object."""


class ResponseValidationError(ZnunyError):
    """HTTP 200, but the body does not have the shape the operation returns."""


class NonJSONResponseError(ResponseValidationError):
    """HTTP 200, but the body is not JSON."""


class ZnunyConnectionError(ZnunyError):
    """No answer arrived.

    :ivar maybe_committed: ``True`` when the request may have reached Znuny and changed data
        (a write whose answer was lost); such a call is never retried automatically.
    """

    maybe_committed: bool = False


class NoResponseError(ZnunyConnectionError):
    """The connection closed without any HTTP answer (contract otrs-ce-6 034, 105)."""


class WebserviceNotFoundError(NoResponseError):
    """No answer, because Znuny has no valid web service of the name (or id) in the URL.

    Znuny's provider closes the connection without a byte for a web service it does not have,
    or one that is not valid (contract otrs-ce-6 105), as a server going down does; the client
    tells the two apart by asking again on a connection of its own and asking the web server
    for its root page (``radiant_ext.client._detect.web_service_missing``).

    :ivar endpoint: the web service's URL (several, joined by " or ", from the detection).
    """

    endpoint: str = ""


class ZnunyTimeoutError(ZnunyConnectionError):
    """The connect or the read timed out."""


#: ErrorCode suffix (the part after the dot) → exception class. Every suffix recorded in
#: shared/contract/otrs-ce-6 and znuny is here, plus those genericinterface.md lists.
ERROR_CODE_CLASSES: dict[str, type[OperationError]] = {
    "AuthFail": AuthenticationError,
    "SessionInvalid": SessionInvalidError,
    "AccessDenied": PermissionDeniedError,
    "NoPermission": PermissionDeniedError,
    "MissingParameter": MissingParameterError,
    "InvalidParameter": InvalidParameterError,
    "EmptyRequest": InvalidRequestError,
    "WrongStructure": InvalidRequestError,
    "WrongInputStructure": InvalidRequestError,
    "NotTicketData": NotFoundError,
    "NotValidTicketID": NotFoundError,
    "InvalidConfiguration": ServerConfigurationError,
}

_BODY_LIMIT = 2000


def _clip(text: str) -> str:
    return text if len(text) <= _BODY_LIMIT else text[:_BODY_LIMIT] + "…"


def _operation_error(operation: str, error: Any, text: str) -> OperationError:
    """Build the exception for an ``{"Error": …}`` body."""
    code = str(error.get("ErrorCode", "")) if isinstance(error, dict) else ""
    message = str(error.get("ErrorMessage", "")) if isinstance(error, dict) else str(error)
    cls = ERROR_CODE_CLASSES.get(code.rpartition(".")[2], OperationError)
    return cls(message or code, operation=operation, code=code or None, status=200, body=text)


def _looks_like_html(text: str, content_type: str) -> bool:
    head = text.lstrip()[:200].lower()
    return "html" in content_type.lower() or head.startswith(("<!doctype", "<html", "<head"))


def _server_error(operation: str, status: int, text: str, content_type: str) -> HTTPStatusError:
    """Classify a non-200 answer."""
    body = _clip(text)
    if status == 413:
        return PayloadTooLargeError(
            "request body too large for the web service (MaxLength)",
            operation=operation, status=status, body=body,
        )
    if _looks_like_html(text, content_type):
        return HTMLErrorPageError(
            f"HTTP {status} HTML page instead of a GenericInterface answer "
            "(proxy or web-server error)",
            operation=operation, status=status, body=body,
        )
    if status != 500:
        return HTTPStatusError(
            text.strip()[:200] or f"HTTP {status}", operation=operation, status=status, body=body
        )
    stripped = text.strip()
    if "Error while determine Operation" in stripped:
        return RouteNotFoundError(stripped, operation=operation, status=status, body=body)
    if "decoding request content" in stripped or "Could not read input data" in stripped:
        return RequestDecodingError(stripped, operation=operation, status=status, body=body)
    try:
        fault = json.loads(stripped)
    except ValueError:
        fault = None
    if isinstance(fault, dict) and "faultstring" in fault:
        return ServerFaultError(
            str(fault["faultstring"]), operation=operation, status=status, body=body
        )
    return ServerError(stripped or "HTTP 500 without a body", operation=operation,
                       status=status, body=body)


def error_from_response(
    operation: str, status: int, text: str, content_type: str = ""
) -> ZnunyError | None:
    """Turn one HTTP answer into the exception it stands for, or ``None`` if it is a success.

    :param operation: the GI operation the request was for.
    :param status: HTTP status code.
    :param text: the decoded body.
    :param content_type: the ``Content-Type`` header (used to recognise HTML pages).
    :return: the exception to raise, or ``None`` for an HTTP 200 JSON object without ``Error``.
    """
    return decode_response(operation, status, text, content_type)[1]


def decode_response(
    operation: str, status: int, text: str, content_type: str = ""
) -> tuple[dict[str, Any], ZnunyError | None]:
    """Parse an answer once: its JSON object (empty on failure) and the error it stands for."""
    if status != 200:
        return {}, _server_error(operation, status, text, content_type)
    try:
        data = json.loads(text)
    except ValueError:
        what = "an HTML page instead of JSON (proxy or login page?)" if _looks_like_html(
            text, content_type) else "a body that is not JSON"
        return {}, NonJSONResponseError(
            f"HTTP 200 with {what}", operation=operation, status=status, body=_clip(text)
        )
    if not isinstance(data, dict):
        return {}, ResponseValidationError(
            f"expected a JSON object, got {type(data).__name__}",
            operation=operation, status=status, body=_clip(text),
        )
    if "Error" in data:
        return data, _operation_error(operation, data["Error"], _clip(text))
    return data, None
