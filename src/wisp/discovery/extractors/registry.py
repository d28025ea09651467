"""Which extractor reads a file: by its name's extension, else by its first bytes."""

from __future__ import annotations

from collections.abc import Iterable

from wisp.discovery.extractors.base import Extractor

__all__ = ["ExtractorRegistry", "looks_like_text"]

_SNIFF_BYTES = 8192


def looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file look like text in some encoding."""
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:_SNIFF_BYTES]
    if b"\x00" in sample:
        # UTF-16 without a BOM has a NUL in every other byte of ASCII text.
        return sample[1::2].count(0) > len(sample) * 0.4 or sample[::2].count(0) > len(sample) * 0.4
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= len(sample) * 0.05


class ExtractorRegistry:
    """Picks one extractor per file from the registered ones (built-ins first)."""

    def __init__(self, classes: Iterable[type[Extractor]]) -> None:
        self.extractors = tuple(cls() for cls in classes)
        self._by_ext: dict[str, Extractor] = {}
        for ex in self.extractors:
            for ext in ex.EXTENSIONS:
                self._by_ext.setdefault(ext.lower(), ex)
        self._text = next((ex for ex in self.extractors if ex.FORMAT == "text"), None)

    def by_format(self, fmt: str) -> Extractor | None:
        """The extractor whose `FORMAT` is `fmt`."""
        return next((ex for ex in self.extractors if fmt == ex.FORMAT), None)

    def for_file(self, name: str, head: bytes) -> Extractor | None:
        """The extractor for a file called `name` starting with `head`; None for a binary."""
        lower = name.lower().rsplit("/", 1)[-1]
        parts = lower.split(".")
        for i in range(1, len(parts)):
            ex = self._by_ext.get("." + ".".join(parts[i:]))
            if ex is not None and ex.claims(head):
                return ex
        for ex in self.extractors:
            if ex.sniff(head):
                return ex
        if self._text is not None and looks_like_text(head):
            return self._text
        return None
