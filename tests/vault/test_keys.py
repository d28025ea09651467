"""The key-provider interface: root keys, key sets, and providers found through the hook."""

from __future__ import annotations

import secrets
import types
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pluggy
import pytest

from wisp.config import Settings
from wisp.errors import ConfigError, KeyMaterialError, ReadOnlyKeys, UnknownKeyVersion
from wisp.hookspecs import hookimpl
from wisp.plugins import plugin_manager
from wisp.vault import EnvKeyProvider, FileKeyProvider, wisp_key_providers
from wisp.vault.keys import (
    KeyProvider,
    KeySet,
    ProviderContext,
    RootKey,
    open_provider,
    provider_classes,
)


class TransitLikeProvider:
    """A third party's provider, shaped like a Vault-transit one, holding keys in memory."""

    NAME: ClassVar[str] = "transit-test"

    def __init__(self, keys: KeySet) -> None:
        self._keys = keys

    @classmethod
    def from_context(cls, context: ProviderContext) -> TransitLikeProvider:
        return cls(KeySet((RootKey(1, secrets.token_bytes(32)),)))

    def current(self) -> RootKey:
        return self._keys.current()

    def get(self, version: int) -> RootKey:
        return self._keys.get(version)

    def rotate(self) -> RootKey:
        raise ReadOnlyKeys("rotate in the transit engine")

    def versions(self) -> tuple[int, ...]:
        return self._keys.versions()


class ImpostorFileProvider(TransitLikeProvider):
    NAME: ClassVar[str] = "file"


def _root(version: int) -> RootKey:
    return RootKey(version, secrets.token_bytes(32))


@pytest.fixture
def fresh_manager() -> Iterator[pluggy.PluginManager]:
    plugin_manager.cache_clear()
    try:
        yield plugin_manager()
    finally:
        plugin_manager.cache_clear()


def _register(pm: pluggy.PluginManager, *classes: type[KeyProvider]) -> None:
    plugin = types.ModuleType("wisp_keys_test")

    @hookimpl
    def wisp_key_providers() -> list[type[KeyProvider]]:
        return list(classes)

    plugin.wisp_key_providers = wisp_key_providers  # type: ignore[attr-defined]
    pm.register(plugin, name="wisp_keys_test")


def test_root_key_subkeys_differ_from_each_other_and_from_the_root() -> None:
    key = _root(1)

    assert len({key.kek(), key.index_key(), key.secret}) == 3
    assert key.kek() == RootKey(1, key.secret).kek()
    assert key.secret.hex() not in repr(key)


@pytest.mark.parametrize(("version", "length"), [(0, 32), (2**32, 32), (1, 16), (1, 33)])
def test_root_keys_out_of_shape_are_refused(version: int, length: int) -> None:
    with pytest.raises(ValueError, match=r"version|bytes"):
        RootKey(version, bytes(length))


def test_key_set_current_is_the_highest_version_and_lookups_fail_closed() -> None:
    keys = KeySet((_root(3), _root(1), _root(2)))

    assert keys.versions() == (1, 2, 3)
    assert keys.current().version == 3
    assert keys.get(2).version == 2
    with pytest.raises(UnknownKeyVersion, match="version 4"):
        keys.get(4)
    assert keys.with_key(_root(9)).current().version == 9


@pytest.mark.parametrize(
    ("roots", "message"), [((), "no key"), ((1, 1), "twice")], ids=["empty", "duplicate"]
)
def test_key_sets_without_keys_or_with_repeats_are_refused(
    roots: tuple[int, ...], message: str
) -> None:
    with pytest.raises(KeyMaterialError, match=message):
        KeySet(tuple(_root(v) for v in roots))


def test_builtin_providers_are_registered_through_the_hook() -> None:
    assert wisp_key_providers() == [FileKeyProvider, EnvKeyProvider]
    assert plugin_manager().has_plugin("wisp.vault")
    assert provider_classes() == {"file": FileKeyProvider, "env": EnvKeyProvider}


def test_builtins_satisfy_the_protocol() -> None:
    members = ("NAME", "from_context", "current", "get", "rotate", "versions")

    for cls in provider_classes().values():
        assert all(callable(getattr(cls, m)) for m in members if m != "NAME"), cls
        assert isinstance(cls.NAME, str)


def test_an_unknown_provider_name_is_a_config_error(home: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key provider 'kms'; known: env, file"):
        open_provider("kms", ProviderContext(home, {}))


def test_a_third_party_provider_is_opened_by_name(
    fresh_manager: pluggy.PluginManager, home: Path
) -> None:
    _register(fresh_manager, TransitLikeProvider)

    provider = open_provider("transit-test", ProviderContext(home, {}))

    assert isinstance(provider, TransitLikeProvider)
    assert provider.versions() == (1,)
    assert list(provider_classes()) == ["file", "env", "transit-test"]


def test_a_plugin_claiming_a_builtin_name_is_refused(fresh_manager: pluggy.PluginManager) -> None:
    _register(fresh_manager, ImpostorFileProvider)

    with pytest.raises(ConfigError, match="two key providers are named 'file'"):
        provider_classes()


def test_open_provider_reads_the_context(home: Path, keyring: FileKeyProvider) -> None:
    provider = open_provider("file", ProviderContext(home, {}))

    assert isinstance(provider, FileKeyProvider)
    assert provider.current().secret == keyring.current().secret


def test_context_from_settings_hides_the_passphrase(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setenv("WISP_HOME", str(home))
    monkeypatch.setenv("WISP_MASTER_KEY", "placeholder-for-the-test")

    context = ProviderContext.from_settings(Settings(), passphrase="correct horse")

    assert context.home == home
    assert context.environ["WISP_MASTER_KEY"] == "placeholder-for-the-test"
    assert "correct horse" not in repr(context)
