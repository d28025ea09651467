"""docs/scan-json.md stays true: every field, element type and format it must name, it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from wisp.discovery.models import ELEMENT_TYPES, FileResult, Finding, ScanReport
from wisp.discovery.render.csv import COLUMNS
from wisp.discovery.render.json import SCHEMA, file_to_dict, report_to_dict
from wisp.plugins import renderer_classes

DOC = Path(__file__).parents[3] / "docs" / "scan-json.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _json_fields() -> set[str]:
    finding = Finding("US_SSN", {}, "***-**-6789", "ab" * 16, 0.9)
    entry = file_to_dict(FileResult("a", "text", 1, findings=[finding]))
    report = report_to_dict(ScanReport(root="."))
    fields = set(report) | set(report["summary"]) | set(entry) | set(entry["findings"][0])
    return fields | {"path", "error"}


def test_every_json_field_is_documented(doc: str) -> None:
    missing = sorted(f for f in _json_fields() if f"`{f}`" not in doc)
    assert missing == []
    assert SCHEMA in doc


def test_every_element_type_and_csv_column_is_documented(doc: str) -> None:
    assert [t for t in (*ELEMENT_TYPES, *COLUMNS) if f"`{t}`" not in doc] == []


def test_every_builtin_format_is_documented(doc: str) -> None:
    formats = [cls.FORMAT for cls in renderer_classes()]
    assert formats[0] == "json"
    assert {"json", "jsonl", "csv", "sarif", "html", "table"} <= set(formats)
    assert [f for f in formats if f"`--format {f}`" not in doc] == []


def test_location_keys_are_documented(doc: str) -> None:
    keys = ("line", "row", "column", "sheet", "page", "slide", "record", "message")
    assert [k for k in keys if f"| `{k}` |" not in doc] == []
