"""Security headers on every answer, HSTS only over HTTPS, and the request body cap."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from wisp.web.middleware import HSTS, BodyLimit, SecurityHeaders


def _app(limit: int = 100) -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.get("/custom")
    async def custom() -> dict[str, str]:
        return {}

    app.add_middleware(BodyLimit, limit=limit)
    app.add_middleware(SecurityHeaders)
    return app


@pytest.mark.parametrize(
    ("base", "hsts"), [("https://testserver", True), ("http://testserver", False)]
)
def test_headers_and_hsts_over_https_only(base: str, hsts: bool) -> None:
    with TestClient(_app(), base_url=base) as client:
        response = client.get("/custom")

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert (response.headers.get("strict-transport-security") == HSTS.decode()) is hsts


def test_a_body_within_the_limit_passes() -> None:
    with TestClient(_app(), base_url="https://testserver") as client:
        response = client.post("/echo", content=b"x" * 100)

    assert response.json() == {"bytes": 100}


def test_a_declared_oversize_body_is_refused_before_it_is_read() -> None:
    with TestClient(_app(), base_url="https://testserver") as client:
        response = client.post("/echo", content=b"x" * 101)

    assert response.status_code == 413
    assert response.json()["error"] == "request_too_large"


def test_a_streamed_oversize_body_is_refused() -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(5):
            yield b"x" * 40

    with TestClient(_app(), base_url="https://testserver") as client:
        response = client.post("/echo", content=chunks())

    assert response.status_code == 413
