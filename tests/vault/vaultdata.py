"""Made-up PI and helpers shared by the vault tests (not a test module)."""

from __future__ import annotations

import base64

from wisp.vault.keyfile import KdfParams

__all__ = ["ACCOUNT", "FAST_KDF", "SSN", "SSN_DIGITS", "leaks"]

#: Made-up PI: an SSN valid in form that belongs to no one, and a made-up account number.
SSN = "123-45-6788"
SSN_DIGITS = "123456788"
ACCOUNT = "000123456789"
#: The cheapest Argon2id costs the keyring accepts, so passphrase tests stay fast.
FAST_KDF = KdfParams(time_cost=1, memory_cost=8, parallelism=1)


def leaks(message: str, *secrets: bytes | str) -> list[str]:
    """Which secrets (as text, or as hex, base64 or repr when bytes) appear in a message."""
    found = []
    for secret in secrets:
        if isinstance(secret, str):
            forms = [secret]
        else:
            forms = [secret.hex(), base64.b64encode(secret).decode(), repr(secret)[2:-1]]
        found += [form for form in forms if form and form in message]
    return found
