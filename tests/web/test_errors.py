"""wisp's errors as HTTP answers: the right status, one line, and never the input echoed."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from wisp import errors
from wisp.web.errors import install_error_handlers, status_of


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.SignInFailed("invalid username or password"), 401),
        (errors.SessionInvalid("sign in first"), 401),
        (errors.Throttled("wait", 30), 429),
        (errors.PermissionDenied("permission denied: records:reveal"), 403),
        (errors.UnknownRole("unknown role 'x'"), 422),
        (errors.NotFound("no such record"), 404),
        (errors.Conflict("exists"), 409),
        (errors.InvalidInput("field 'ssn' is not an SSN"), 422),
        (errors.PasswordRejected("too short"), 422),
        (errors.Shredded("gone"), 410),
        (errors.DecryptionError("tampered"), 500),
        (errors.KeyMaterialError("no key"), 503),
        (errors.StorageError("down"), 503),
        (errors.AuditTampered("entry 3 edited"), 503),
        (errors.WispError("other"), 400),
    ],
)
def test_status_of_each_error(error: errors.WispError, status: int) -> None:
    assert status_of(error) == status


class _Body(BaseModel):
    ssn: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/typed")
    async def typed(body: _Body) -> dict[str, int]:
        return {"ssn": body.ssn}

    @app.get("/raise/{kind}")
    async def fail(kind: str) -> None:
        if kind == "throttled":
            raise errors.Throttled("this source must wait", 42)
        if kind == "auth":
            raise errors.SignInFailed("invalid username or password")
        if kind == "key":
            raise errors.KeyMaterialError("keyring /srv/wisp/vault-keyring.json is missing")
        raise ValueError("could not parse 123-45-6789")

    return app


def test_a_validation_error_never_echoes_the_input() -> None:
    with TestClient(_app()) as client:
        response = client.post("/typed", json={"ssn": "John Smith 123-45-6789"})

    assert response.status_code == 422
    assert response.json()["problems"][0]["loc"] == ["body", "ssn"]
    assert "6789" not in response.text
    assert "Smith" not in response.text


def test_throttled_says_when_to_retry() -> None:
    with TestClient(_app()) as client:
        response = client.get("/raise/throttled")

    assert response.status_code == 429
    assert response.headers["retry-after"] == "42"


def test_auth_failure_is_401_with_a_challenge() -> None:
    with TestClient(_app()) as client:
        response = client.get("/raise/auth")

    assert response.status_code == 401
    assert response.json() == {"error": "sign_in_failed", "detail": "invalid username or password"}
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_server_side_failures_hide_their_message() -> None:
    with TestClient(_app(), raise_server_exceptions=False) as client:
        key = client.get("/raise/key")
        crash = client.get("/raise/crash")

    assert key.status_code == 503
    assert "keyring" not in key.text
    assert crash.status_code == 500
    assert "6789" not in crash.text
