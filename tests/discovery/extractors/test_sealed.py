"""OpenPGP and age files: encrypted ones reported as such, others not mistaken for them."""

from __future__ import annotations

import os
from collections.abc import Callable

import pyrage  # type: ignore[import-untyped]
import pysequoia
import pytest

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.sealed import AgeExtractor, PgpExtractor, pgp_kind
from wisp.discovery.models import Member, Unit
from wisp.errors import EncryptedContent, ExtractError

PLAIN = b"John Smith, SSN 123-45-6788\n"
CTX = ExtractContext(name="file")


def _items(ex: Extractor, data: bytes) -> list[Unit | Member]:
    return list(ex.extract(data, CTX))


@pytest.fixture(scope="module")
def tsk() -> pysequoia.Tsk:
    return pysequoia.Tsk.generate("John Smith <john@example.com>")


# Hand-built packets, as GnuPG writes them for a 2048-bit RSA key (RFC 4880 section 4.2):
# 0x85 = old format (bit 7), tag 1 (bits 5-2: PKESK), length type 1 (a two-octet length);
# 0x010c = 268 octets: version 3, an 8-octet key id, algorithm 1 (RSA), a 2048-bit MPI.
_GNUPG_PKESK = b"\x85\x01\x0c\x03" + os.urandom(8) + b"\x01\x08\x00" + os.urandom(256)
# 0xd2 = new format (bits 7 and 6), tag 18 (SEIPD); a one-octet length 0x20; version 1.
_SEIPD = b"\xd2\x20\x01" + os.urandom(31)
# 0x8c = old format, tag 3 (SKESK), one-octet length 0x0d: version 4, AES-128 (7), iterated
# and salted S2K (3), SHA-256 (8), an 8-octet salt and the count octet.
_SKESK = b"\x8c\x0d\x04\x07\x03\x08" + os.urandom(8) + b"\x60"


def _armor(packets: bytes, kind: str = "MESSAGE") -> bytes:
    import base64

    body = base64.encodebytes(packets)
    return (
        f"-----BEGIN PGP {kind}-----\nComment: made up\n\n".encode()
        + body
        + (f"=abcd\n-----END PGP {kind}-----\n".encode())
    )


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda t: pysequoia.encrypt(PLAIN, recipients=[t.extract_certificate()]),
                     id="public-key-armored"),
        pytest.param(lambda t: pysequoia.encrypt(
            PLAIN, recipients=[t.extract_certificate()], armor=False), id="public-key-binary-v6"),
        pytest.param(lambda t: pysequoia.encrypt(PLAIN, passwords=["pw"], armor=False),
                     id="password-binary"),
        pytest.param(lambda t: pysequoia.encrypt(PLAIN, passwords=["pw"]), id="password-armored"),
        pytest.param(lambda t: _GNUPG_PKESK + _SEIPD, id="gnupg-old-format-pkesk-v3"),
        pytest.param(lambda t: _SKESK + _SEIPD, id="old-format-skesk"),
        pytest.param(lambda t: _SEIPD, id="seipd-first"),
        pytest.param(lambda t: b"\n  " + _armor(_GNUPG_PKESK + _SEIPD), id="armored-leading-space"),
    ],
)  # fmt: skip
def test_encrypted_openpgp_is_sniffed_and_reported_encrypted(
    tsk: pysequoia.Tsk, build: Callable[[pysequoia.Tsk], bytes]
) -> None:
    data = build(tsk)
    assert PgpExtractor().sniff(data[:8192])
    with pytest.raises(EncryptedContent, match=r"^OpenPGP-encrypted file$"):
        _items(PgpExtractor(), data)


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        pytest.param(lambda t: bytes(t.extract_certificate()), "keys", id="public-key-binary"),
        pytest.param(lambda t: str(t.extract_certificate()).encode(), "keys", id="public-armored"),
        pytest.param(lambda t: str(t).encode(), "keys", id="private-key-armored"),
        pytest.param(lambda t: pysequoia.sign(t.signer(), PLAIN,
                     mode=pysequoia.SignatureMode.DETACHED, armor=False), "keys", id="detached"),
        pytest.param(lambda t: pysequoia.sign(t.signer(), PLAIN, armor=False), "plain",
                     id="signed-binary"),
        pytest.param(lambda t: pysequoia.sign(t.signer(), PLAIN), "plain", id="signed-armored"),
        pytest.param(lambda t: pysequoia.sign(t.signer(), PLAIN,
                     mode=pysequoia.SignatureMode.CLEAR), "cleartext", id="cleartext-signed"),
    ],
)  # fmt: skip
def test_openpgp_that_is_not_encrypted_is_not_reported_encrypted(
    tsk: pysequoia.Tsk, build: Callable[[pysequoia.Tsk], bytes], kind: str
) -> None:
    data = build(tsk)
    assert pgp_kind(data) == kind
    if kind == "plain":
        with pytest.raises(ExtractError, match="not encrypted") as info:
            _items(PgpExtractor(), data)
        assert not isinstance(info.value, EncryptedContent)
        return
    items = _items(PgpExtractor(), data)
    if kind == "keys":
        assert items == []
    else:
        assert len(items) == 1
        assert isinstance(items[0], Unit)
        assert PLAIN in items[0].text


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"\x85\x01\x0c\x03" + bytes(264) + b"\x89PNG", id="pkesk-then-no-packet"),
        pytest.param(_GNUPG_PKESK + b"\xb4\x04\x00\x00\x00\x00", id="pkesk-then-user-id"),
        pytest.param(b"\x85\x01\x0c\x07" + bytes(300), id="pkesk-bad-version"),
        pytest.param(b"\xd2\x20\x07" + bytes(40), id="seipd-bad-version"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(40), id="png"),
        pytest.param(b"%PDF-1.7\n", id="pdf"),
        pytest.param(b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ\n", id="armored-key"),
        pytest.param(b"the text -----BEGIN PGP MESSAGE----- later", id="armor-mid-text"),
        pytest.param(b"", id="empty"),
    ],
)
def test_pgp_sniff_rejects(head: bytes) -> None:
    assert not PgpExtractor().sniff(head)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"John Smith 123-45-6788 in a file named .gpg\n", "not an OpenPGP file"),
        (b"\x85\x01", "not an OpenPGP file"),
        (b"-----BEGIN PGP MESSAGE-----\n\n!!!!\n-----END PGP MESSAGE-----\n", "not an OpenPGP"),
        (b"-----BEGIN PGP MESSAGE-----\n\nab=c\n", "not valid base64"),
        (_armor(b"\x00\x01\x02", "ARMORED FILE"), "not an OpenPGP message"),
    ],
    ids=["text", "short-header", "armor-no-data", "armor-bad-base64", "other-armor"],
)
def test_pgp_corrupt_is_an_extract_error(data: bytes, message: str) -> None:
    with pytest.raises(ExtractError, match=message) as info:
        _items(PgpExtractor(), data)
    assert not isinstance(info.value, EncryptedContent)
    assert "123-45-6788" not in str(info.value)


def test_pgp_does_not_claim_asc_by_name() -> None:
    assert ".asc" not in PgpExtractor.EXTENSIONS


# --- age -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: pyrage.passphrase.encrypt(PLAIN, "pw"), id="passphrase"),
        pytest.param(lambda: pyrage.encrypt(
            PLAIN, [pyrage.x25519.Identity.generate().to_public()]), id="x25519"),
        pytest.param(lambda: pyrage.encrypt(
            PLAIN, [pyrage.x25519.Identity.generate().to_public()], armored=True), id="armored"),
    ],
)  # fmt: skip
def test_age_is_sniffed_and_reported_encrypted(build: Callable[[], bytes]) -> None:
    data = build()
    assert AgeExtractor().sniff(data[:8192])
    with pytest.raises(EncryptedContent, match=r"^age-encrypted file$"):
        _items(AgeExtractor(), data)


@pytest.mark.parametrize(
    "head",
    [b"notes about age-encryption.org/v1\n", b"age-encryption.org/v", b"John Smith\n", b""],
    ids=["mid-text", "cut-magic", "text", "empty"],
)
def test_age_sniff_rejects(head: bytes) -> None:
    assert not AgeExtractor().sniff(head)


def test_age_named_file_that_is_not_age_is_an_extract_error() -> None:
    with pytest.raises(ExtractError, match="not an age-encrypted file") as info:
        _items(AgeExtractor(), PLAIN)
    assert not isinstance(info.value, EncryptedContent)
