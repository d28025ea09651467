"""Where discovery reads from: today the local filesystem."""

from wisp.discovery.sources.filesystem import FileEntry, walk

__all__ = ["FileEntry", "walk"]
