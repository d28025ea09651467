"""What a route needs from a request: the runtime, the caller's address, and who is calling.

A caller proves who they are with an API token (`Authorization: Bearer ...`) or the session
cookie set at sign-in. A cookie rides along on any request the browser makes, so a state-changing
request that relies on one must also carry `X-Requested-With: wisp`, a header no other site can
make a browser send without a CORS preflight wisp never grants (ASVS 3.5.x, cross-site requests).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from wisp.errors import PermissionDenied, SessionInvalid
from wisp.identity.roles import Principal
from wisp.runtime import Runtime

__all__ = [
    "CSRF_HEADER",
    "CSRF_VALUE",
    "SESSION_COOKIE",
    "Caller",
    "Rt",
    "caller",
    "client_address",
    "runtime",
]

#: `__Host-`: the browser refuses it unless Secure, path /, and without a Domain (no subdomain
#: can plant or read it).
SESSION_COOKIE = "__Host-wisp_session"
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "wisp"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def runtime(request: Request) -> Runtime:
    """The installation this app serves."""
    rt: Runtime = request.app.state.runtime
    return rt


def client_address(request: Request) -> str | None:
    """The caller's IP: the peer, or what a declared TLS proxy says (uvicorn rewrites it)."""
    return request.client.host if request.client else None


async def caller(request: Request) -> Principal:
    """The authenticated principal; SessionInvalid (401) for anyone else.

    `async` on purpose: the check is one indexed query, cheaper than a hop to the thread pool.
    """
    rt = runtime(request)
    source = client_address(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise SessionInvalid("use 'Authorization: Bearer <token>'")
        principal: Principal = rt.identity.authenticate_token(secret.strip(), source)  # type: ignore[attr-defined,unused-ignore]
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise SessionInvalid("sign in first")
    if request.method not in _SAFE_METHODS and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise PermissionDenied(f"a signed-in browser request must send {CSRF_HEADER}: {CSRF_VALUE}")
    principal = rt.identity.authenticate_session(cookie, source)  # type: ignore[attr-defined,unused-ignore]
    return principal


Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
