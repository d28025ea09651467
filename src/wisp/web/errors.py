"""How wisp's errors become HTTP answers: a status, a stable code and one line, never PI.

A request that fails validation is told where (the field's location) and why, but its values
are never echoed back: FastAPI's default error body repeats the input, which may be an SSN.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from wisp import errors

__all__ = ["STATUS", "install_error_handlers", "status_of"]

_log = logging.getLogger("wisp.web")

#: Most specific first: an error takes the status of the first class in its MRO listed here.
STATUS: Mapping[type[errors.WispError], int] = {
    errors.Throttled: 429,
    errors.AuthError: 401,
    errors.UnknownRole: 422,
    errors.UnknownPermission: 422,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.InvalidInput: 422,
    errors.PasswordRejected: 422,
    errors.ConfigError: 422,
    errors.Shredded: 410,
    errors.DecryptionError: 500,
    errors.CorruptCredential: 500,
    errors.KeyMaterialError: 503,
    errors.StorageError: 503,
    errors.AuditError: 503,
    errors.MailError: 502,
}
#: Errors whose own message could help an attacker or means nothing to a client.
_GENERIC = {
    500: "the server could not complete the request",
    503: "the service is not available; the operator has been told why",
}


def status_of(error: errors.WispError) -> int:
    """The HTTP status for `error`."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _code(error: Exception) -> str:
    name = type(error).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


async def _wisp_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, errors.WispError)
    status = status_of(error)
    if status >= 500:
        # The class only: messages are written PI-free, but a server log outlives a response.
        _log.warning("%s %s failed: %s", request.method, request.url.path, type(error).__name__)
    detail = _GENERIC.get(status, str(error))
    headers = {}
    if isinstance(error, errors.Throttled):
        headers["Retry-After"] = str(error.retry_after)
    elif status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="wisp"'
    return JSONResponse({"error": _code(error), "detail": detail}, status, headers=headers)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"loc": [str(part) for part in item.get("loc", ())], "msg": item.get("msg", "invalid")}
        for item in error.errors()
    ]
    return JSONResponse(
        {"error": "invalid_request", "detail": "the request is malformed", "problems": problems},
        422,
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return JSONResponse(
        {"error": "http_error", "detail": str(error.detail)},
        error.status_code,
        headers=dict(error.headers or {}),
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # Never the message: an unexpected exception may quote the data it choked on.
    _log.error("%s %s raised %s", request.method, request.url.path, type(error).__name__)
    return JSONResponse({"error": "internal_error", "detail": _GENERIC[500]}, 500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(errors.WispError, _wisp_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
