"""The versioned JSON report (`wisp.scan/v1`), documented in docs/scan-json.md."""

from __future__ import annotations

import json
from typing import Any, TextIO

from wisp.discovery.models import FileResult, ScanReport
from wisp.discovery.render.base import Renderer

__all__ = ["SCHEMA", "JsonRenderer", "file_to_dict", "report_to_dict"]

SCHEMA = "wisp.scan/v1"


def file_to_dict(f: FileResult) -> dict[str, Any]:
    """One entry of `files`, in schema order."""
    return {
        "path": f.path,
        "format": f.format,
        "bytes": f.bytes,
        "encrypted": f.encrypted,
        "contains_pi": f.contains_pi,
        "pi_records": f.pi_records,
        "elements": dict(f.elements),
        "findings": [
            {
                "type": x.type,
                "location": dict(x.location),
                "masked": x.masked,
                "fingerprint": x.fingerprint,
                "confidence": x.confidence,
            }
            for x in f.findings
        ],
    }


def report_to_dict(report: ScanReport) -> dict[str, Any]:
    """The whole report as the `wisp.scan/v1` document."""
    s = report.summary
    return {
        "schema": SCHEMA,
        "summary": {
            "files_scanned": s.files_scanned,
            "bytes_scanned": s.bytes_scanned,
            "files_with_pi": s.files_with_pi,
            "seconds": round(s.seconds, 3),
        },
        "files": [file_to_dict(f) for f in report.files],
        "errors": [{"path": e.path, "error": e.error} for e in report.errors],
    }


class JsonRenderer(Renderer):
    FORMAT = "json"
    SUFFIX = ".json"

    def render(self, report: ScanReport, out: TextIO) -> None:
        json.dump(report_to_dict(report), out, indent=2)
        out.write("\n")
