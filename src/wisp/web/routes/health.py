"""A liveness answer for load balancers and `wisp serve`'s own start-up check."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from wisp import __version__

__all__ = ["Health", "router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The server is up."""

    status: str
    version: str


@router.get("/health")
async def health() -> Health:
    """Up, and which version; says nothing about the data."""
    return Health(status="ok", version=__version__)
