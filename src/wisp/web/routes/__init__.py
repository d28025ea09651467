"""The API's routers, one module per domain; `create_app` mounts each under /api."""

from fastapi import APIRouter

from wisp.web.routes import health

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (health.router,)
