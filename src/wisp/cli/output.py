"""Writing command output: to standard output, or atomically to a private file."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from wisp.errors import WispError

__all__ = ["write_output"]


def write_output(target: Path | None, write: Callable[[TextIO], None]) -> None:
    """Run `write` on stdout, or on a temp file renamed over `target` when it succeeds.

    The file is created 0600: reports say where personal information lives.
    """
    if target is None:
        write(sys.stdout)
        sys.stdout.flush()
        return
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as exc:
        raise WispError(f"cannot write {target}: {_reason(exc)}") from exc
    try:
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise WispError(f"cannot write {target}: {_reason(exc)}") from exc
        raise


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()
