"""The API's routers, one module per domain; `create_app` mounts each under /api."""

from fastapi import APIRouter

from wisp.web.routes import auth, health, monitoring, users, vault

__all__ = ["ROUTERS"]

# Requests are matched against the routes in this order, one by one: the vault's record reads,
# the API's busiest requests, are looked at first. No two routers share a path.
ROUTERS: tuple[APIRouter, ...] = (
    vault.router,
    health.router,
    auth.router,
    users.router,
    monitoring.router,
)
