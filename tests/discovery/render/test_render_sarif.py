"""The SARIF 2.1.0 report, checked by hand against the parts of the schema consumers need.

No SARIF schema ships offline, so `_check_log` asserts the required properties and types of
sarifLog, run, tool, reportingDescriptor, result, location and notification.
"""

from __future__ import annotations

import io
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pytest

import wisp
from wisp.discovery.models import ELEMENT_TYPES, FileResult, Finding, ScanReport
from wisp.discovery.render.sarif import PI_RECORD, SarifRenderer, artifact_uri

if TYPE_CHECKING:
    from conftest import Sample

LEVELS = {"none", "note", "warning", "error"}
# RFC 3986 characters: unreserved, reserved and the percent of an escape.
URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*$")


def _render(report: ScanReport) -> dict[str, Any]:
    out = io.StringIO()
    SarifRenderer().render(report, out)
    log: dict[str, Any] = json.loads(out.getvalue())
    _check_log(log)
    return log


def _check_location(loc: dict[str, Any]) -> None:
    artifact = loc["physicalLocation"]["artifactLocation"]
    assert isinstance(artifact["uri"], str)
    assert URI_REFERENCE.match(artifact["uri"]), artifact["uri"]
    region = loc["physicalLocation"].get("region")
    if region is not None:
        assert isinstance(region["startLine"], int)
        assert region["startLine"] >= 1


def _check_result(result: dict[str, Any], rules: list[dict[str, Any]]) -> None:
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert result["level"] in LEVELS
    assert isinstance(result["message"]["text"], str)
    for loc in result["locations"]:
        _check_location(loc)
    for key, value in result.get("partialFingerprints", {}).items():
        assert isinstance(key, str)
        assert isinstance(value, str)


def _check_log(log: dict[str, Any]) -> None:
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert isinstance(log["runs"], list)
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str)
        rules = driver["rules"]
        assert len({r["id"] for r in rules}) == len(rules)
        for rule in rules:
            assert isinstance(rule["shortDescription"]["text"], str)
            assert rule["defaultConfiguration"]["level"] in LEVELS
        for result in run["results"]:
            _check_result(result, rules)
        for invocation in run["invocations"]:
            assert isinstance(invocation["executionSuccessful"], bool)
            for note in invocation["toolExecutionNotifications"]:
                assert isinstance(note["message"]["text"], str)
                assert note["level"] in LEVELS
                for loc in note["locations"]:
                    _check_location(loc)


def test_driver_and_rules(report: ScanReport) -> None:
    driver = _render(report)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("wisp", wisp.__version__)
    assert [r["id"] for r in driver["rules"]] == [*ELEMENT_TYPES, PI_RECORD]
    assert driver["rules"][-1]["defaultConfiguration"]["level"] == "error"


def test_one_result_per_finding_plus_one_per_pi_file(report: ScanReport) -> None:
    results = _render(report)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == [PI_RECORD, "US_SSN", "CREDIT_CARD", "US_SSN"]
    assert all(r["level"] == "error" for r in results)
    assert results[0]["properties"]["pi_records"] == 2


def test_finding_result_carries_masked_value_line_and_fingerprint(
    report: ScanReport, sample: Sample
) -> None:
    result = _render(report)["runs"][0]["results"][1]
    assert result["message"]["text"] == f"US_SSN {sample.masked[0]}"
    physical = result["locations"][0]["physicalLocation"]
    assert unquote(physical["artifactLocation"]["uri"]) == sample.hostile
    assert physical["region"] == {"startLine": 2}
    assert result["partialFingerprints"] == {"wisp/v1": "fa" * 16}


def test_findings_in_a_file_without_pi_are_warnings() -> None:
    found = Finding("US_SSN", {"page": 3}, "***-**-6789", "ab" * 16, 0.5)
    f = FileResult(path="a.pdf", format="pdf", bytes=10, findings=[found])
    [result] = _render(ScanReport(root=".", files=[f]))["runs"][0]["results"]
    assert result["level"] == "warning"
    assert "region" not in result["locations"][0]["physicalLocation"]


def test_errors_are_notifications(report: ScanReport, sample: Sample) -> None:
    invocation = _render(report)["runs"][0]["invocations"][0]
    [note] = invocation["toolExecutionNotifications"]
    assert note["message"]["text"] == "not a PDF file"
    uri = note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert unquote(uri) == sample.broken


def test_root_is_the_uri_base(report: ScanReport) -> None:
    run = _render(report)["runs"][0]
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": "file:///srv/share/"}}
    assert "originalUriBaseIds" not in _render(ScanReport(root="relative/dir"))["runs"][0]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("a.zip!b.csv", "a.zip!b.csv"),
        ("dir/a b.csv", "dir/a%20b.csv"),
        ("<x>&\"'.csv", "%3Cx%3E%26%22%27.csv"),
        ("100%.txt", "100%25.txt"),
        ("caf\u00e9.txt", "caf%C3%A9.txt"),
        ("back\\slash.txt", "back%5Cslash.txt"),
    ],
)
def test_artifact_uri(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


def test_masked_values_only(report: ScanReport, sample: Sample) -> None:
    out = io.StringIO()
    SarifRenderer().render(report, out)
    text = out.getvalue()
    assert all(m in text for m in sample.masked)
    assert not sample.unmasked.search(text)
