"""The PI vault: field-level encryption at rest, key providers, rotation and crypto-shredding.

17.04(5) and 17.02 "encrypted"; the built-in key providers register through `wisp_key_providers()`.
"""

from wisp.hookspecs import hookimpl
from wisp.vault.keyenv import EnvKeyProvider
from wisp.vault.keyfile import FileKeyProvider
from wisp.vault.keys import KeyProvider

__all__ = ["EnvKeyProvider", "FileKeyProvider", "KeyProvider", "wisp_key_providers"]


@hookimpl
def wisp_key_providers() -> list[type[KeyProvider]]:
    return [FileKeyProvider, EnvKeyProvider]
