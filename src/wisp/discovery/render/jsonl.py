"""The JSON Lines report: one `wisp.scan/v1` object per line, for streaming consumers.

Files first, then errors, then one closing summary line; see docs/scan-json.md.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, TextIO

from wisp.discovery.models import ScanReport
from wisp.discovery.render.base import Renderer
from wisp.discovery.render.json import SCHEMA, file_to_dict, report_to_dict

__all__ = ["JsonlRenderer"]


def _summary(report: ScanReport) -> dict[str, Any]:
    # Taken from report_to_dict on an empty copy so the two formats can never disagree.
    empty = dataclasses.replace(report, files=[], errors=[])
    summary: dict[str, Any] = report_to_dict(empty)["summary"]
    return summary


class JsonlRenderer(Renderer):
    """`--format jsonl`: `file` lines, `error` lines, and a final `summary` line."""

    FORMAT = "jsonl"
    SUFFIX = ".jsonl"

    def render(self, report: ScanReport, out: TextIO) -> None:
        for f in report.files:
            self._line(out, {"type": "file", **file_to_dict(f)})
        for e in report.errors:
            self._line(out, {"type": "error", "path": e.path, "error": e.error})
        self._line(out, {"type": "summary", "schema": SCHEMA, **_summary(report)})

    @staticmethod
    def _line(out: TextIO, obj: dict[str, Any]) -> None:
        # json escapes control characters, so a newline in a path cannot split a record.
        out.write(json.dumps(obj, separators=(",", ":")))
        out.write("\n")
