"""`WISP_MASTER_KEY`: hex or base64 keys, versions for hand rotation, read-only, fail closed."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from vaultdata import leaks

from wisp.errors import KeyMaterialError, ReadOnlyKeys, UnknownKeyVersion
from wisp.vault.keyenv import MASTER_KEY_VARIABLE, EnvKeyProvider, parse_master_key
from wisp.vault.keys import ProviderContext, open_provider

#: Fixed (not random) so that every xdist worker collects the same test ids.
KEY = bytes(range(7, 39))
OTHER = bytes(range(101, 133))


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def _url(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (KEY.hex(), {1: KEY}),
        (KEY.hex().upper(), {1: KEY}),
        (_b64(KEY), {1: KEY}),
        (_url(KEY), {1: KEY}),
        (f"  {_b64(KEY)}\n", {1: KEY}),
        (f"1:{KEY.hex()},2:{_b64(OTHER)}", {1: KEY, 2: OTHER}),
        (f"7:{_url(OTHER)} , 3:{KEY.hex()}", {3: KEY, 7: OTHER}),
    ],
    ids=["hex", "HEX", "base64", "base64url", "whitespace", "two-versions", "unordered"],
)
def test_the_variable_is_read_in_every_documented_form(
    value: str, expected: dict[int, bytes]
) -> None:
    keys = parse_master_key(value)

    assert {k.version: k.secret for k in keys.keys} == expected
    assert keys.current().version == max(expected)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "is empty"),
        (" , ", "is empty"),
        ("abc", "32-byte key"),
        (KEY[:31].hex(), "32-byte key"),
        (_b64(KEY + b"!"), "32-byte key"),
        ("not a key at all!", "not VERSION:KEY"),
        ("*" * 44, "neither 64 hex digits nor base64"),
        ("00" * 32, "placeholder"),
        (_b64(b"change-me-change-me-change-me!!!"), "placeholder"),
        (f"0:{KEY.hex()}", "version outside"),
        (f"x:{KEY.hex()}", "not VERSION:KEY"),
        (f"1:{KEY.hex()},1:{OTHER.hex()}", "same key version twice"),
        (f"1:{KEY.hex()},2:", "not VERSION:KEY"),
    ],
)
def test_a_bad_variable_fails_closed_without_echoing_it(value: str, reason: str) -> None:
    with pytest.raises(KeyMaterialError, match=reason) as caught:
        parse_master_key(value)
    secrets_in_value = [p.split(":")[-1] for p in value.split(",") if len(p.strip()) > 8]
    assert leaks(str(caught.value), KEY, OTHER, *secrets_in_value) == []


def test_an_unset_variable_is_a_clear_error(home: Path) -> None:
    with pytest.raises(KeyMaterialError, match=f"{MASTER_KEY_VARIABLE} is not set"):
        EnvKeyProvider.from_context(ProviderContext(home, {}))


def test_the_provider_serves_versions_and_refuses_unknown_ones(home: Path) -> None:
    environ = {MASTER_KEY_VARIABLE: f"1:{KEY.hex()},2:{_b64(OTHER)}"}

    provider = open_provider("env", ProviderContext(home, environ))

    assert isinstance(provider, EnvKeyProvider)
    assert provider.versions() == (1, 2)
    assert provider.current().secret == OTHER
    assert provider.get(1).secret == KEY
    with pytest.raises(UnknownKeyVersion, match="version 3"):
        provider.get(3)


def test_rotation_tells_the_operator_to_rotate_the_variable(home: Path) -> None:
    provider = EnvKeyProvider.from_context(ProviderContext(home, {MASTER_KEY_VARIABLE: KEY.hex()}))

    with pytest.raises(ReadOnlyKeys, match="rotate the variable yourself") as caught:
        provider.rotate()
    assert "add 2:NEWKEY" in str(caught.value)
    assert leaks(str(caught.value), KEY) == []
    assert provider.versions() == (1,)
