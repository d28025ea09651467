"""The JSON Lines report: one parseable object per line, summary last."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from wisp.discovery.models import ScanReport
from wisp.discovery.render.json import SCHEMA, file_to_dict
from wisp.discovery.render.jsonl import JsonlRenderer

if TYPE_CHECKING:
    from conftest import Sample


def _render(report: ScanReport) -> str:
    out = io.StringIO()
    JsonlRenderer().render(report, out)
    return out.getvalue()


def test_one_object_per_line_files_errors_then_summary(report: ScanReport, sample: Sample) -> None:
    lines = _render(report).splitlines()
    objs = [json.loads(line) for line in lines]
    assert [o["type"] for o in objs] == ["file", "file", "error", "summary"]
    assert [o["path"] for o in objs[:3]] == [sample.hostile, sample.encrypted, sample.broken]


def test_file_lines_are_the_json_file_entries(report: ScanReport) -> None:
    objs = [json.loads(line) for line in _render(report).splitlines()]
    first = objs[0]
    assert first.pop("type") == "file"
    assert first == file_to_dict(report.files[0])
    assert first["pi_records"] == 2
    assert first["elements"]["US_SSN"] == 3
    assert objs[1]["encrypted"] is True
    assert objs[1]["contains_pi"] is False


def test_error_and_summary_lines(report: ScanReport, sample: Sample) -> None:
    objs = [json.loads(line) for line in _render(report).splitlines()]
    assert objs[2] == {"type": "error", "path": sample.broken, "error": "not a PDF file"}
    assert objs[-1] == {
        "type": "summary",
        "schema": SCHEMA,
        "files_scanned": 2,
        "bytes_scanned": 6144,
        "files_with_pi": 1,
        "seconds": 0.25,
    }


def test_newline_in_a_path_does_not_split_a_line(report: ScanReport) -> None:
    text = _render(report)
    assert text.endswith("\n")
    assert text.count("\n") == 4


def test_masked_values_only(report: ScanReport, sample: Sample) -> None:
    text = _render(report)
    assert all(m in text for m in sample.masked)
    assert not sample.unmasked.search(text)


def test_empty_report_is_just_a_summary() -> None:
    objs = [json.loads(line) for line in _render(ScanReport(root=".")).splitlines()]
    assert [o["type"] for o in objs] == ["summary"]
    assert objs[0]["files_scanned"] == 0
