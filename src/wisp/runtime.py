"""The composition root: one installation's settings, database, audit log and vault keys.

The CLI and the web app both start from a `Runtime`; services take what they need from it, so
that nothing below this module reads the environment or opens a database on its own.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from wisp.audit.alert_service import AlertService
from wisp.audit.service import AuditLog
from wisp.errors import ConfigError
from wisp.identity.service import IdentityService
from wisp.storage.engine import check_connection, make_engine
from wisp.storage.migrate import require_current
from wisp.storage.session import SessionFactory, make_session_factory
from wisp.vault.keys import KeyProvider, ProviderContext, open_provider

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from wisp.config import Settings
    from wisp.vault.service import VaultService

__all__ = ["Runtime", "read_passphrase_file"]

_MAX_PASSPHRASE_BYTES = 4096


def read_passphrase_file(path: Path) -> str:
    """The passphrase in `path` (one line, trailing newline dropped); ConfigError if unreadable."""
    try:
        data = path.read_bytes()[: _MAX_PASSPHRASE_BYTES + 1]
    except OSError as exc:
        raise ConfigError(f"cannot read the passphrase file {path}: {exc.strerror}") from exc
    if len(data) > _MAX_PASSPHRASE_BYTES:
        raise ConfigError(
            f"the passphrase file {path} is longer than {_MAX_PASSPHRASE_BYTES} bytes"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"the passphrase file {path} is not UTF-8 text") from None
    passphrase = text.removesuffix("\n").removesuffix("\r")
    if not passphrase:
        raise ConfigError(f"the passphrase file {path} is empty")
    return passphrase


class Runtime:
    """Everything one process needs to serve one installation; close it when done."""

    def __init__(self, settings: Settings, engine: Engine, *, passphrase: str | None = None):
        self.settings = settings
        self.engine = engine
        self.sessions: SessionFactory = make_session_factory(engine)
        self.audit = AuditLog.open(settings, self.sessions)
        self._passphrase = passphrase

    @classmethod
    def open(
        cls, settings: Settings, *, passphrase: str | None = None, **engine_options: object
    ) -> Runtime:
        """The installation `settings` name: its database reachable and migrated, or an error.

        StorageError if the database cannot be reached or is not at this wisp's schema (run
        `wisp init`, which migrates); the vault's keys are opened on first use.
        """
        engine = make_engine(settings, **engine_options)
        try:
            check_connection(engine)
            require_current(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(settings, engine, passphrase=passphrase)

    @cached_property
    def keys(self) -> KeyProvider:
        """The vault's key provider, opened once; KeyMaterialError if its keys are missing."""
        passphrase = self._passphrase
        if passphrase is None and self.settings.key_passphrase_file is not None:
            passphrase = read_passphrase_file(self.settings.key_passphrase_file)
        context = ProviderContext.from_settings(self.settings, passphrase)
        return open_provider(self.settings.key_provider, context)

    # Services are added below, one cached property each (identity, vault, alerts).

    @cached_property
    def identity(self) -> IdentityService:
        """Users, roles, sign-in, MFA, sessions and API tokens; the keyring opens only for MFA."""
        return IdentityService(self.sessions, self.audit, self.settings, lambda: self.keys)

    @cached_property
    def vault(self) -> VaultService:
        """Collections and sealed records; opens the keyring (KeyMaterialError if missing)."""
        from wisp.vault.service import VaultService

        return VaultService(self.sessions, self.audit, self.keys)

    @cached_property
    def alerts(self) -> AlertService:
        """The alert rules, table and e-mail; from the first use on, they watch every entry.

        Touch it at start-up (the web app, the CLI commands that record) so that no entry
        recorded before goes unwatched.
        """
        service = AlertService.open(self.settings, self.sessions, audit=self.audit)
        self.audit.add_listener(service.engine)
        return service

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
