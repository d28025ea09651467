"""What the identity service tests share: a settable clock, a cheap argon2 that tells what it
checked, passwords that pass the policy, and a `World` to drive and inspect one service."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from wisp_testdb import Database

from wisp.audit.events import SystemActor
from wisp.audit.keys import AuditKeys
from wisp.audit.service import AuditLog
from wisp.identity.mfa import totp_code, totp_step
from wisp.identity.roles import Principal
from wisp.identity.service import IdentityService
from wisp.identity.views import SignIn, UserView
from wisp.vault.keyfile import FileKeyProvider

__all__ = [
    "ATTACKER_IP",
    "HOME_IP",
    "OFFICE_IP",
    "OTHER_PASSWORD",
    "PASSWORD",
    "AuditRow",
    "FakeClock",
    "SpyHasher",
    "World",
    "make_world",
]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Passwords that pass the policy; never a default anywhere in wisp.
PASSWORD = "violet tundra gazebo sprocket 1987"
OTHER_PASSWORD = "marble quokka lantern drizzle 42"
HOME_IP = "198.51.100.20"
OFFICE_IP = "192.0.2.44"
ATTACKER_IP = "203.0.113.7"


@dataclass
class FakeClock:
    """A clock tests move by hand."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **by: float) -> None:
        self.now += timedelta(**by)


class SpyHasher(PasswordHasher):
    """A cheap argon2id (the suite stays fast) that remembers each hash it verified against."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


@dataclass(frozen=True)
class AuditRow:
    """One audit entry, as stored."""

    action: str
    outcome: str
    actor: str | None
    target_id: str | None
    source: str | None
    details: dict[str, Any]


@dataclass
class World:
    """A service over one database, with what the tests need to drive and inspect it."""

    database: Database
    service: IdentityService
    clock: FakeClock
    hasher: SpyHasher
    keys: FileKeyProvider
    make_service: Callable[..., IdentityService]
    users: dict[str, UserView] = field(default_factory=dict)

    def add(self, username: str, *roles: str, password: str = PASSWORD) -> UserView:
        user = self.service.create_user(SystemActor.CLI, username, password, list(roles))
        self.users[username] = user
        return user

    def admin(self) -> Principal:
        """A principal holding the built-in admin role (as a FULL session would give)."""
        if "root-admin" not in self.users:
            self.add("root-admin", "admin")
        return Principal(str(self.users["root-admin"].id), _roles("admin"))

    def sign_in_full(self, username: str, source: str = HOME_IP) -> SignIn:
        signed = self.service.sign_in(username, PASSWORD, source)
        assert signed.state.value == "full"
        return signed

    def audit(self) -> list[AuditRow]:
        rows = self.database.execute(
            "SELECT action, outcome, actor, target_id, source, details FROM audit_entry"
            " ORDER BY sequence"
        )
        return [
            AuditRow(a, o, actor, target, source, d if isinstance(d, dict) else json.loads(d))
            for a, o, actor, target, source, d in rows
        ]

    def actions(self, action: str) -> list[AuditRow]:
        return [row for row in self.audit() if row.action == action]

    def audit_text(self) -> str:
        return "\n".join(
            repr(row) for row in self.database.execute("SELECT * FROM audit_entry")
        ).casefold()

    def code(self, secret: str, steps_ahead: int = 0) -> str:
        return totp_code(secret, totp_step(self.clock.now) + steps_ahead)


def _roles(*names: str) -> tuple[Any, ...]:
    from wisp.identity.roles import resolve_roles

    return resolve_roles(names)


def make_world(database: Database, tmp_path: Path) -> World:
    """A service over `database`, with a fresh keyring and audit keys in `tmp_path`."""
    clock = FakeClock()
    hasher = SpyHasher()
    keys_home = tmp_path / "keys"
    keys_home.mkdir(mode=0o700)
    keys = FileKeyProvider.create(keys_home)
    audit = AuditLog(
        database.sessions,
        AuditKeys(secrets.token_bytes(32), Ed25519PrivateKey.generate()),
        tmp_path / "checkpoints",
        clock=clock,
    )

    def make_service(**settings: Any) -> IdentityService:
        configured = database.settings.model_copy(update=settings)
        return IdentityService(
            database.sessions, audit, configured, keys, clock=clock, hasher=hasher
        )

    return World(database, make_service(), clock, hasher, keys, make_service)
