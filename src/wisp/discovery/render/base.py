"""The report renderer contract: a ScanReport in, one output format out."""

from __future__ import annotations

from typing import ClassVar, TextIO

from wisp.discovery.models import ScanReport

__all__ = ["Renderer"]


class Renderer:
    """Writes a `ScanReport` in one format; `FORMAT` is the `--format` name."""

    FORMAT: ClassVar[str]
    #: Suggested file suffix for `--output` defaults and docs.
    SUFFIX: ClassVar[str] = ".txt"

    def render(self, report: ScanReport, out: TextIO) -> None:
        raise NotImplementedError
