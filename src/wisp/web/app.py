"""The HTTP API: `create_app(runtime)` builds it; routes live in `wisp.web.routes.<domain>`.

OpenAPI is served at /api/openapi.json. No interactive docs page: it would load scripts from a
CDN, which this server's content security policy (and an offline install) forbids.
"""

from __future__ import annotations

from fastapi import FastAPI

from wisp import __version__
from wisp.runtime import Runtime
from wisp.web.errors import install_error_handlers
from wisp.web.middleware import BodyLimit, SecurityHeaders
from wisp.web.routes import ROUTERS

__all__ = ["MAX_BODY_BYTES", "create_app"]

#: Largest request body: a bulk import of a few hundred thousand rows fits.
MAX_BODY_BYTES = 64 * 1024 * 1024


def create_app(rt: Runtime) -> FastAPI:
    """The API over one installation's runtime."""
    app = FastAPI(
        title="wisp",
        version=__version__,
        summary="The computer security system of 201 CMR 17.04: vault, identity, audit.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = rt
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router, prefix="/api")
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(SecurityHeaders)
    return app
