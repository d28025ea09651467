"""What the web tests share: the real app over a real runtime, reached through HTTPS URLs.

The app runs in-process (Starlette's TestClient); tests/web/test_serve.py starts the real server.
argon2 is made cheap, the rest is what `wisp serve` runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from wisp_testdb import Database

from wisp.audit.events import SystemActor
from wisp.identity.service import IdentityService
from wisp.runtime import Runtime
from wisp.vault.keyfile import FileKeyProvider
from wisp.vault.views import Classification, CollectionSpec, FieldSpec
from wisp.web.app import create_app

__all__ = ["BROWSER", "PASSWORD", "Site", "make_site"]

PASSWORD = "violet tundra gazebo sprocket 1987"
BROWSER = {"X-Requested-With": "wisp"}
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Site:
    """One installation served in-process, with helpers to act as its users."""

    rt: Runtime
    client: TestClient
    database: Database

    def add_user(self, name: str, *roles: str) -> str:
        """A user made at the host's shell; their id."""
        user = self.rt.identity.create_user(SystemActor.CLI, name, PASSWORD, list(roles))
        return str(user.id)

    def token(self, name: str, *scopes: str) -> dict[str, str]:
        """An Authorization header with a fresh API token of the user called `name`."""
        user = self.rt.identity.find_user(SystemActor.CLI, name)
        secret, _ = self.rt.identity.issue_token(SystemActor.CLI, user.id, "test", scopes, 7)
        return {"Authorization": f"Bearer {secret}"}

    def browser(self) -> TestClient:
        """A second client with its own cookie jar, like another browser."""
        return TestClient(self.client.app, base_url="https://testserver")

    def sign_in_with_mfa(self, client: TestClient, name: str) -> None:
        """Sign `client` in as `name`, enrolling TOTP on the way (officers and admins need it)."""
        answer = client.post(
            "/api/auth/sign-in", json={"username": name, "password": PASSWORD}, headers=BROWSER
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "pending_enrollment"
        setup = client.post("/api/auth/mfa/enrollment", headers=BROWSER).json()
        code = pyotp.TOTP(setup["secret"]).now()
        confirmed = client.post(
            "/api/auth/mfa/enrollment/confirm", json={"code": code}, headers=BROWSER
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["state"] == "full"


def employees(rt: Runtime) -> None:
    """The collection the tests work on: names, an indexed SSN, an account, a department."""
    spec = CollectionSpec(
        "employees",
        "Payroll and tax filing for staff.",
        (
            FieldSpec("first_name", Classification.NAME, required=True),
            FieldSpec("last_name", Classification.NAME, required=True),
            FieldSpec("ssn", Classification.SSN, indexed=True),
            FieldSpec("account", Classification.ACCOUNT),
            FieldSpec("department", Classification.NOT_PI),
        ),
        reasons=("payroll",),
    )
    rt.vault.create_collection(SystemActor.CLI, spec)


@contextmanager
def make_site(database: Database) -> Iterator[Site]:
    """The app over a fresh installation on `database`, with an `employees` collection."""
    home = database.settings.home
    FileKeyProvider.create(home)
    rt = Runtime(database.settings, database.engine)
    rt.__dict__["identity"] = IdentityService(
        rt.sessions, rt.audit, rt.settings, lambda: rt.keys, hasher=CHEAP
    )
    rt.alerts  # noqa: B018 - the rules watch the log, as in `wisp serve`
    employees(rt)
    with TestClient(create_app(rt), base_url="https://testserver") as client:
        yield Site(rt, client, database)
