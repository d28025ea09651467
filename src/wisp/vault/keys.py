"""Where the vault's versioned root keys come from, behind one interface and one hook.

17.04(1)(c) and 17.02 "breach of security": keys kept apart from the data they protect.

A provider keeps root keys by version (1, 2, ...); the newest wraps new data keys, older ones
stay to unwrap what they wrapped until every record has been re-wrapped (`wisp keys rotate`).
Each root key is only ever used through the subkeys `RootKey.kek()` and `RootKey.index_key()`.

Built-in providers: `file` (a keyring in the state directory, optionally passphrase-protected,
see `wisp.vault.keyfile`) and `env` (`WISP_MASTER_KEY`, read-only, see `wisp.vault.keyenv`).

Extension point, for HashiCorp Vault transit or a cloud KMS: a plugin module defines a class
that satisfies `KeyProvider` (a unique `NAME`, `from_context`, `current`, `get`, `rotate`,
`versions`) and returns it from the `wisp_key_providers()` hook (`wisp.hookspecs`), named in the
`wisp` entry-point group. The usual shape keeps each root key at rest only as the service's
ciphertext (Vault `transit/datakey/wrapped/<name>`, AWS KMS `GenerateDataKey`, GCP KMS `encrypt`)
and has the service decrypt them when the provider is opened: root keys then never sit in the
clear on disk, and disabling the service's key revokes the vault. `rotate` asks the service for
a new wrapped key and stores it as the next version.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from wisp.errors import ConfigError, KeyMaterialError, UnknownKeyVersion
from wisp.vault.crypto import KEY_BYTES, Purpose, derive_key

if TYPE_CHECKING:
    from wisp.config import Settings

__all__ = [
    "KeyProvider",
    "KeySet",
    "ProviderContext",
    "RootKey",
    "open_provider",
    "provider_classes",
]


@dataclass(frozen=True, slots=True, eq=False)
class RootKey:
    """One version of a provider's root key; use it only through its derived subkeys."""

    version: int
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.version < 2**32:
            raise ValueError("a key version is between 1 and 2**32 - 1")
        if len(self.secret) != KEY_BYTES:
            raise ValueError(f"a root key is {KEY_BYTES} bytes")

    def kek(self) -> bytes:
        """The key-encryption key that wraps data keys."""
        return derive_key(self.secret, Purpose.KEY_WRAP)

    def index_key(self) -> bytes:
        """The key of the blind indexes made under this version."""
        return derive_key(self.secret, Purpose.BLIND_INDEX)


@dataclass(frozen=True, slots=True, eq=False)
class KeySet:
    """Root keys by version, at least one; the highest version is the current one."""

    keys: tuple[RootKey, ...]

    def __post_init__(self) -> None:
        versions = [k.version for k in self.keys]
        if not versions:
            raise KeyMaterialError("a keyring holds no key")
        if len(set(versions)) != len(versions):
            raise KeyMaterialError("a keyring holds the same key version twice")
        object.__setattr__(self, "keys", tuple(sorted(self.keys, key=lambda k: k.version)))

    def current(self) -> RootKey:
        """The newest version: it wraps every new data key."""
        return self.keys[-1]

    def get(self, version: int) -> RootKey:
        """One version; UnknownKeyVersion when it is not here."""
        for key in self.keys:
            if key.version == version:
                return key
        raise UnknownKeyVersion(f"no vault key of version {version}")

    def versions(self) -> tuple[int, ...]:
        """Every version held, oldest first."""
        return tuple(k.version for k in self.keys)

    def with_key(self, key: RootKey) -> KeySet:
        """This set plus one new version."""
        return KeySet((*self.keys, key))


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What a provider may read to open itself: the state directory, the environment, and a
    passphrase when the operator gave one."""

    home: Path
    environ: Mapping[str, str]
    passphrase: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, passphrase: str | None = None) -> ProviderContext:
        """The context of this process: its settings' home and its real environment."""
        return cls(settings.home, dict(os.environ), passphrase)


class KeyProvider(Protocol):
    """Where the vault's root keys live. Implementations fail closed with `wisp.errors`:
    KeyMaterialError when keys are missing or unsafe, UnknownKeyVersion, ReadOnlyKeys."""

    NAME: ClassVar[str]

    @classmethod
    def from_context(cls, context: ProviderContext) -> KeyProvider:
        """Open the provider's existing keys; never creates them."""
        ...

    def current(self) -> RootKey:
        """The newest root key version."""
        ...

    def get(self, version: int) -> RootKey:
        """One root key version; UnknownKeyVersion if the provider has none."""
        ...

    def rotate(self) -> RootKey:
        """Create, store and return a new newest version; older versions stay readable."""
        ...

    def versions(self) -> tuple[int, ...]:
        """Every version held, oldest first."""
        ...


def _by_name(classes: Iterable[type[KeyProvider]]) -> dict[str, type[KeyProvider]]:
    found: dict[str, type[KeyProvider]] = {}
    for cls in classes:
        if cls.NAME in found:
            # Two plugins claiming one name could swap a deployment's keys: refuse, loudly.
            raise ConfigError(f"two key providers are named {cls.NAME!r}")
        found[cls.NAME] = cls
    return found


def provider_classes() -> dict[str, type[KeyProvider]]:
    """Every registered key provider by name, built-ins first."""
    from wisp.plugins import plugin_manager

    groups: list[list[type[KeyProvider]]] = plugin_manager().hook.wisp_key_providers()
    # pluggy calls the most recently registered plugin first; reverse so built-ins come first.
    return _by_name(cls for group in reversed(groups) for cls in group)


def open_provider(name: str, context: ProviderContext) -> KeyProvider:
    """The named provider, opened; ConfigError for a name no plugin provides."""
    classes = provider_classes()
    if name not in classes:
        raise ConfigError(f"unknown key provider {name!r}; known: {', '.join(sorted(classes))}")
    return classes[name].from_context(context)
