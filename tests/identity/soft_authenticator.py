"""A software WebAuthn authenticator, for tests only.

No security key can be plugged into this machine, and wisp has no browser page yet from which
Chromium's virtual authenticator could answer, so this does what an authenticator and browser
do between them (W3C WebAuthn Level 3): an ES256 key pair, "none" attestation, client data
signed over with the authenticator data, and a signature counter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

_UP, _UV, _AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SoftAuthenticator:
    """One credential, created on the first `create`."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.sign_count = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**data, "crossOrigin": False}).encode()

    def create(self, options_json: str, *, origin: str | None = None) -> dict[str, Any]:
        """The response to `navigator.credentials.create(options)`."""
        options = json.loads(options_json)
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        attested = (  # AAGUID (none), credential id, public key
            bytes(16)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        auth_data = rp_hash + bytes([_UP | _UV | _AT]) + struct.pack(">I", self.sign_count)
        attestation = {"fmt": "none", "attStmt": {}, "authData": auth_data + attested}
        client = self._client_data("webauthn.create", options["challenge"], origin)
        return self._credential(client, attestationObject=b64url(cbor2.dumps(attestation)))

    def _credential(self, client_data: bytes, **response: str | None) -> dict[str, Any]:
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), **response},
        }

    def get(
        self, options_json: str, *, origin: str | None = None, count: int | None = None
    ) -> dict[str, Any]:
        """The response to `navigator.credentials.get(options)`; the counter moves on by one
        unless `count` says where it is (a cloned key's stale counter)."""
        options = json.loads(options_json)
        self.sign_count = self.sign_count + 1 if count is None else count
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        auth_data = rp_hash + bytes([_UP | _UV]) + struct.pack(">I", self.sign_count)
        client = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return self._credential(
            client,
            authenticatorData=b64url(auth_data),
            signature=b64url(signature),
            userHandle=None,
        )
