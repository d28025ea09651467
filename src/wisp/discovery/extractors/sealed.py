"""Encrypted containers (OpenPGP, age): recognised and reported as encrypted, never decrypted.

17.02 does not count data as personal information while it cannot be read without its key.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.text import to_utf8
from wisp.discovery.models import Member, Unit
from wisp.errors import EncryptedContent, ExtractError

__all__ = ["AgeExtractor", "PgpExtractor", "pgp_kind"]

_ARMOR = re.compile(rb"-----BEGIN PGP ([A-Z0-9 ,/]+)-----[ \t]*\r?\n")
_ARMOR_HEADER = re.compile(rb"[A-Za-z][A-Za-z0-9-]*: ")
#: How many bytes of armored text are decoded to read the first packets.
_ARMOR_PEEK = 4096
#: Packets that open an encrypted message (RFC 9580 section 5, LibrePGP): the versions each
#: may have. 1 public-key and 3 symmetric-key encrypted session key, 18 integrity-protected
#: encrypted data, 20 OCB-encrypted data.
_ENCRYPTED = {1: (3, 6), 3: (4, 5, 6), 18: (1, 2), 20: (1,)}
#: Packets that may follow a session key packet: more session keys, or the encrypted data.
_AFTER_SESSION_KEY = frozenset({1, 3, 9, 18, 20})
#: Keys, subkeys and signatures: no personal information under 17.02 to scan.
_KEY_MATERIAL = frozenset({2, 5, 6, 7, 14})
#: The openings of a message that is only signed, compressed or literal: readable by anyone.
_PLAIN_MESSAGE = frozenset({4, 8, 11})
_KEY_ARMORS = (b"PUBLIC KEY BLOCK", b"PRIVATE KEY BLOCK", b"SECRET KEY BLOCK", b"SIGNATURE")


def _packet(data: bytes, at: int = 0) -> tuple[int, int, int | None] | None:
    """The tag, body offset and body length (None: partial or indeterminate) of the packet
    whose header starts at `at`; None when no packet header fits there."""
    if at >= len(data) or not data[at] & 0x80:
        return None
    if data[at] & 0x40:
        return _new_format_packet(data, at)
    # Old format: tag in 4 bits, then a 1-, 2- or 4-octet length, or none (to the end).
    tag, length_type = (data[at] >> 2) & 0x0F, data[at] & 0x03
    if length_type == 3:
        return tag, at + 1, None
    end = at + 1 + (1 << length_type)
    return (tag, end, int.from_bytes(data[at + 1 : end])) if end <= len(data) else None


def _new_format_packet(data: bytes, at: int) -> tuple[int, int, int | None] | None:
    """New format: tag in 6 bits, then a 1-, 2- or 5-octet length, or a partial one."""
    tag = data[at] & 0x3F
    if at + 1 >= len(data):
        return None
    o1 = data[at + 1]
    if o1 < 192:
        return tag, at + 2, o1
    if 224 <= o1 < 255:
        return tag, at + 2, None
    end = at + (3 if o1 < 224 else 6)
    if end > len(data):
        return None
    if o1 < 224:
        return tag, end, ((o1 - 192) << 8) + data[at + 2] + 192
    return tag, end, int.from_bytes(data[at + 2 : end])


def _is_encrypted(packets: bytes) -> bool:
    """Whether binary OpenPGP data opens with a well-formed encrypted message.

    Sniffing sees only the first bytes of any binary file, so one byte that happens to look
    like a packet tag is not enough: the version octet must be valid, and a session key packet
    must be followed by another session key or the encrypted data.
    """
    first = _packet(packets)
    if first is None or first[0] not in _ENCRYPTED:
        return False
    tag, body, length = first
    if body >= len(packets) or packets[body] not in _ENCRYPTED[tag]:
        return False
    if tag in (1, 3) and length is not None and body + length < len(packets):
        following = _packet(packets, body + length)
        return following is not None and following[0] in _AFTER_SESSION_KEY
    return True


def _dearmor(text: bytes) -> tuple[bytes, bytes]:
    """The armor's kind (b"MESSAGE", b"PUBLIC KEY BLOCK"...) and its first decoded bytes."""
    match = _ARMOR.search(text)
    if match is None:
        raise ExtractError("not an OpenPGP file")
    lines = text[match.end() : match.end() + _ARMOR_PEEK].splitlines()
    while lines and _ARMOR_HEADER.match(lines[0]):
        lines.pop(0)
    chunks: list[bytes] = []
    for line in lines:
        if line.startswith((b"=", b"-----")):
            break
        chunks.append(line.strip())
    encoded = b"".join(chunks)
    try:
        return match.group(1), binascii.a2b_base64(encoded[: len(encoded) // 4 * 4])
    except binascii.Error as exc:
        raise ExtractError("OpenPGP armor is not valid base64") from exc


def pgp_kind(data: bytes) -> str:
    """What an OpenPGP file holds: "encrypted", "keys" (keys or signatures), "cleartext"
    (a cleartext-signed text), "plain" (a signed or compressed message); else ExtractError."""
    stripped = data.lstrip()
    if stripped.startswith(b"-----BEGIN PGP SIGNED MESSAGE-----"):
        return "cleartext"
    if stripped.startswith(b"-----BEGIN PGP "):
        armor, packets = _dearmor(stripped)
        if armor.startswith(_KEY_ARMORS):
            return "keys"
        if armor != b"MESSAGE":
            raise ExtractError("not an OpenPGP message")
    else:
        packets = data
    first = _packet(packets)
    if _is_encrypted(packets):
        return "encrypted"
    if first is not None and first[0] in _KEY_MATERIAL:
        return "keys"
    if first is not None and first[0] in _PLAIN_MESSAGE:
        return "plain"
    raise ExtractError("not an OpenPGP file")


class PgpExtractor(Extractor):
    """OpenPGP files: encrypted messages are reported encrypted; keys and signatures hold no
    personal information and yield nothing; a cleartext-signed text is read as text.

    A message that is only signed or compressed is readable by anyone but is not unpacked
    here, so it is an error to look at rather than a file passed as clean. `.asc` is not
    claimed by name (it also names keys and signatures); armored messages are found by sniff.
    """

    FORMAT = "pgp"
    EXTENSIONS = (".pgp", ".gpg")
    MAGIC = (b"-----BEGIN PGP MESSAGE-----",)

    def sniff(self, head: bytes) -> bool:
        return head.lstrip().startswith(self.MAGIC) or _is_encrypted(head)

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        kind = pgp_kind(data)
        if kind == "encrypted":
            raise EncryptedContent("OpenPGP-encrypted file")
        if kind == "plain":
            raise ExtractError("OpenPGP message is signed or compressed, not encrypted; not read")
        if kind == "cleartext":
            yield Unit(to_utf8(data))


class AgeExtractor(Extractor):
    """Files encrypted with age (age-encryption.org/v1), binary or armored."""

    FORMAT = "age"
    EXTENSIONS = (".age",)
    MAGIC = (b"age-encryption.org/v1", b"-----BEGIN AGE ENCRYPTED FILE-----")

    def sniff(self, head: bytes) -> bool:
        return head.startswith(self.MAGIC[0]) or head.lstrip().startswith(self.MAGIC[1])

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        if self.sniff(data[:64]):
            raise EncryptedContent("age-encrypted file")
        raise ExtractError("not an age-encrypted file")
        yield  # a generator, so it raises when read, as every extractor does
