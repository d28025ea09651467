"""The API's routers, one module per domain; `create_app` mounts each under /api."""

from fastapi import APIRouter

from wisp.web.routes import auth, health, monitoring, users, vault

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    users.router,
    vault.router,
    monitoring.router,
)
