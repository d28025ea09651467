"""The extractor contract: bytes of one format in, text units and nested members out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from wisp.discovery.models import Member, Unit

__all__ = ["ExtractContext", "Extractor"]


@dataclass(frozen=True, slots=True)
class ExtractContext:
    """What an extractor may need besides the bytes: the member's name and the safety limits."""

    name: str
    max_members: int = 10_000
    max_ratio: int = 100
    max_bytes: int = 1024 * 1024 * 1024


class Extractor:
    """Turns one file format into `Unit`s of text (and `Member`s for containers).

    Subclasses declare `FORMAT` (the name in reports), `EXTENSIONS` (lower-case, with dot) and
    optionally `MAGIC` (byte prefixes). `extract` raises `EncryptedContent` for encrypted
    content, `LimitExceeded` for hostile input and `ExtractError` for anything unreadable, each
    with a one-line message that holds no content from the file.
    """

    FORMAT: ClassVar[str]
    EXTENSIONS: ClassVar[tuple[str, ...]] = ()
    MAGIC: ClassVar[tuple[bytes, ...]] = ()

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes of a file look like this format."""
        return any(head.startswith(magic) for magic in self.MAGIC)

    def claims(self, head: bytes) -> bool:
        """Whether a file named with one of `EXTENSIONS` is really this format; an extractor
        whose extension other formats share too (".msg") looks at the first bytes."""
        return True

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        raise NotImplementedError
