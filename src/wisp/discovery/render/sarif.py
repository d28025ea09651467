"""The SARIF 2.1.0 report, for code-scanning dashboards and CI.

One rule per element type plus `PI_RECORD`; one result per finding and per file holding PI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, TextIO
from urllib.parse import quote

import wisp
from wisp.discovery.models import ELEMENT_TYPES, FileResult, Finding, ScanReport
from wisp.discovery.render.base import Renderer

__all__ = ["PI_RECORD", "SARIF_SCHEMA", "SARIF_VERSION", "SarifRenderer", "artifact_uri"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
#: The rule of a file that pairs a person's name with an element (17.02 personal information).
PI_RECORD = "PI_RECORD"
#: The base every result's relative URI resolves against: the scanned directory.
_BASE_ID = "SRCROOT"

_DESCRIPTIONS: Mapping[str, tuple[str, str]] = {
    "US_SSN": ("Social Security number", "A U.S. Social Security number."),
    "CREDIT_CARD": ("Credit or debit card number", "A payment card number (Luhn-valid)."),
    "US_DRIVER_LICENSE": (
        "Driver's license or state ID number",
        "A U.S. driver's license or state-issued identification card number.",
    ),
    "US_BANK_NUMBER": ("Financial account number", "A bank or other financial account number."),
    PI_RECORD: (
        "Personal information (201 CMR 17.02)",
        "A person's name together with a Social Security number, driver's license or state ID"
        " number, or financial account or card number, in the same record.",
    ),
}


def artifact_uri(path: str) -> str:
    """A report path as a relative URI reference: percent-encoded, `/` and the `!` kept.

    `!` separates an archive from its member (`a.zip!b.csv`) as in `jar:` URLs; it is a URI
    sub-delimiter, so it survives unencoded and the member stays readable.
    """
    return quote(path, safe="/!")


def _rule(rule_id: str, level: str) -> dict[str, Any]:
    short, full = _DESCRIPTIONS.get(rule_id, (rule_id, f"An element of type {rule_id}."))
    return {
        "id": rule_id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": level},
    }


def _location(path: str, where: Mapping[str, str | int] | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": artifact_uri(path), "uriBaseId": _BASE_ID},
    }
    line = None if where is None else where.get("line", where.get("row"))
    if isinstance(line, int) and line >= 1:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _finding_result(f: FileResult, x: Finding, index: int) -> dict[str, Any]:
    return {
        "ruleId": x.type,
        "ruleIndex": index,
        "level": "error" if f.contains_pi else "warning",
        "message": {"text": f"{x.type} {x.masked}"},
        "locations": [_location(f.path, x.location)],
        "partialFingerprints": {"wisp/v1": x.fingerprint},
        "properties": {"confidence": x.confidence, "location": dict(x.location)},
    }


def _pi_result(f: FileResult, index: int) -> dict[str, Any]:
    counts = ", ".join(f"{k} {n}" for k, n in f.elements.items() if n)
    return {
        "ruleId": PI_RECORD,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": f"{f.pi_records} record(s) pair a name with an element ({counts})."},
        "locations": [_location(f.path)],
        "properties": {"pi_records": f.pi_records, "elements": dict(f.elements)},
    }


def _rule_ids(report: ScanReport) -> list[str]:
    # A plugin detector may report a type outside ELEMENT_TYPES; it still needs a rule.
    extra = sorted({x.type for f in report.files for x in f.findings} - set(ELEMENT_TYPES))
    return [*ELEMENT_TYPES, *extra, PI_RECORD]


def _run(report: ScanReport) -> dict[str, Any]:
    ids = _rule_ids(report)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    results: list[dict[str, Any]] = []
    for f in report.files:
        if f.contains_pi:
            results.append(_pi_result(f, index[PI_RECORD]))
        results.extend(_finding_result(f, x, index[x.type]) for x in f.findings)
    notifications = [
        {"level": "error", "message": {"text": e.error}, "locations": [_location(e.path)]}
        for e in report.errors
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "wisp",
                "version": wisp.__version__,
                "rules": [_rule(i, "error" if i == PI_RECORD else "warning") for i in ids],
            }
        },
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    root = PurePath(report.root)
    if root.is_absolute():
        run["originalUriBaseIds"] = {_BASE_ID: {"uri": root.as_uri().rstrip("/") + "/"}}
    return run


class SarifRenderer(Renderer):
    """`--format sarif`: a SARIF 2.1.0 log with one run."""

    FORMAT = "sarif"
    SUFFIX = ".sarif"

    def render(self, report: ScanReport, out: TextIO) -> None:
        log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [_run(report)]}
        json.dump(log, out, indent=2)
        out.write("\n")
