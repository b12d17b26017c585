"""Every ErrorCode in the recorded exchanges maps to a specific exception class."""

from __future__ import annotations

import json
from pathlib import Path

from radiant_ext.client import errors as e


def recorded_codes(contract: Path) -> set[str]:
    codes = set()
    for folder in ("otrs-ce-6", "znuny"):
        for path in (contract / folder).glob("*.json"):
            body = json.loads(path.read_text(encoding="utf-8"))["response_body"]
            if isinstance(body, dict) and "Error" in body:
                codes.add(body["Error"]["ErrorCode"])
    return codes


def test_every_recorded_error_code_has_its_own_class(contract: Path) -> None:
    codes = recorded_codes(contract)
    assert len(codes) >= 15
    for code in codes:
        error = e.error_from_response("Op", 200, json.dumps(
            {"Error": {"ErrorCode": code, "ErrorMessage": "m"}}))
        assert error is not None and type(error) is not e.OperationError, code
        assert error.code == code and error.message == "m"


def test_error_classes_sit_under_the_documented_branches() -> None:
    assert issubclass(e.SessionInvalidError, e.AuthenticationError)
    assert issubclass(e.MissingParameterError, e.InvalidRequestError)
    assert issubclass(e.ZnunyTimeoutError, e.ZnunyConnectionError)
    assert issubclass(e.RouteNotFoundError, e.ServerError)
    assert issubclass(e.NonJSONResponseError, e.ResponseValidationError)
    assert issubclass(e.UnknownRouteSetError, e.ConfigError)
    for cls in (e.OperationError, e.HTTPStatusError, e.ResponseValidationError,
                e.ZnunyConnectionError):
        assert issubclass(cls, e.ZnunyError) and issubclass(cls, e.RadiantError)
