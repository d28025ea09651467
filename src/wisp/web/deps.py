"""What a route needs from a request: the runtime, the caller's address, and who is calling.

A caller proves who they are with an API token (`Authorization: Bearer ...`) or the session
cookie set at sign-in. A cookie rides along on any request the browser makes, so a state-changing
request that relies on one must also carry `X-Requested-With: wisp`, a header no other site can
make a browser send without a CORS preflight wisp never grants (ASVS 3.5.x, cross-site requests).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import Depends, Request

from wisp.errors import PermissionDenied, SessionInvalid
from wisp.identity.roles import Principal
from wisp.runtime import Runtime

__all__ = [
    "CSRF_HEADER",
    "CSRF_VALUE",
    "SESSION_COOKIE",
    "UNKNOWN_PEER",
    "Caller",
    "Rt",
    "caller",
    "client_address",
    "require_browser_header",
    "runtime",
    "sign_in_source",
]

#: `__Host-`: the browser refuses it unless Secure, path /, and without a Domain (no subdomain
#: can plant or read it).
SESSION_COOKIE = "__Host-wisp_session"
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "wisp"
#: Where sign-ins from peers without an IP address are throttled together.
UNKNOWN_PEER = "0.0.0.0"  # noqa: S104 - an address to count under, never one to bind
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def runtime(request: Request) -> Runtime:
    """The installation this app serves (`async`: a sync dependency costs a thread hop)."""
    rt: Runtime = request.app.state.runtime
    return rt


def client_address(request: Request) -> str | None:
    """The caller's IP: the peer, or what a declared TLS proxy says (uvicorn rewrites it).

    None for a peer without an IP address (a Unix socket): the audit log takes addresses only.
    """
    host = request.client.host if request.client else None
    if host is None:
        return None
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return None


def sign_in_source(request: Request) -> str:
    """The address a sign-in is throttled under; peers without one share `UNKNOWN_PEER`."""
    return client_address(request) or UNKNOWN_PEER


def require_browser_header(request: Request) -> None:
    """PermissionDenied unless the request carries `X-Requested-With: wisp` (see above)."""
    if request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise PermissionDenied(f"a browser request must send {CSRF_HEADER}: {CSRF_VALUE}")


async def caller(request: Request) -> Principal:
    """The authenticated principal; SessionInvalid (401) for anyone else.

    `async` on purpose: the check is one indexed query, cheaper than a hop to the thread pool.
    """
    rt: Runtime = request.app.state.runtime
    source = client_address(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise SessionInvalid("use 'Authorization: Bearer <token>'")
        return rt.identity.authenticate_token(secret.strip(), source)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise SessionInvalid("sign in first")
    if request.method not in _SAFE_METHODS:
        require_browser_header(request)
    return rt.identity.authenticate_session(cookie, source)


Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
