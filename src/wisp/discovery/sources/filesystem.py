"""Walks directories for scanning: follows links to directories once, never in a loop."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from wisp.discovery.models import ScanError

__all__ = ["FileEntry", "walk"]


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A regular file found by the walk: where it is, how it is reported, and its stat."""

    path: str
    rel: str
    size: int
    mtime_ns: int


def walk(
    root: Path, *, skip: Callable[[str], bool] = lambda _rel: False
) -> Iterator[FileEntry | ScanError]:
    """Regular files under `root` (or `root` itself if it is a file), in sorted order.

    `skip(rel)` prunes files and directories by their path relative to `root`. Directories are
    entered once by (device, inode), so symlink loops end; unreadable entries become errors.
    """
    try:
        st = root.stat()
    except OSError as exc:
        yield ScanError(str(root), _reason(exc))
        return
    if stat.S_ISREG(st.st_mode):
        yield FileEntry(str(root), root.name, st.st_size, st.st_mtime_ns)
        return
    if not stat.S_ISDIR(st.st_mode):
        yield ScanError(str(root), "not a regular file or directory")
        return
    seen: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    yield from _walk_dir(str(root), "", seen, skip)


def _walk_dir(
    path: str, rel: str, seen: set[tuple[int, int]], skip: Callable[[str], bool]
) -> Iterator[FileEntry | ScanError]:
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield ScanError(rel or ".", _reason(exc))
        return
    for entry in entries:
        child_rel = f"{rel}/{entry.name}" if rel else entry.name
        if skip(child_rel):
            continue
        try:
            st = entry.stat(follow_symlinks=True)
        except OSError as exc:
            yield ScanError(child_rel, _reason(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue  # a link back to a directory already walked: a loop or a duplicate
            seen.add(key)
            yield from _walk_dir(entry.path, child_rel, seen, skip)
        elif stat.S_ISREG(st.st_mode):
            yield FileEntry(entry.path, child_rel, st.st_size, st.st_mtime_ns)


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory (or a broken link)"
    return (exc.strerror or type(exc).__name__).lower()
