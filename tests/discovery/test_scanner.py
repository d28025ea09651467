"""scan(): the report of a folder, archives and their limits, errors, workers, incremental reuse."""

from __future__ import annotations

import io
import json
import os
import re
import types
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import pytest

from wisp.config import Settings
from wisp.discovery.detectors.base import Detector, Pattern
from wisp.discovery.fingerprint import KEY_FILE
from wisp.discovery.models import ELEMENT_TYPES, ScanError
from wisp.discovery.policy import ScanPolicy
from wisp.discovery.render.json import report_to_dict
from wisp.discovery.scanner import ScanOptions, scan
from wisp.discovery.worker import FileScanner, Outcome
from wisp.hookspecs import hookimpl
from wisp.plugins import plugin_manager

#: Made-up values; the SSN passes the SSA's rules and the Visa number the Luhn check.
PI_CSV = b"name,ssn,card\nJohn Smith,123-45-6788,4556 7375 8689 9855\n"
OTHER_CSV = b"name,ssn\nJane Doe,234-56-7891\n"
PLAIN = b"Meeting notes: nothing personal here.\n"
#: Every way the raw values could leak into a report.
RAW = ("123-45-6788", "123456788", "4556 7375 8689 9855", "4556737586899855", "234567891")

FILE_KEYS = {
    "path",
    "format",
    "bytes",
    "encrypted",
    "contains_pi",
    "pi_records",
    "elements",
    "findings",
}


@pytest.fixture(autouse=True)
def _isolated_env(wisp_home: Path) -> None:
    """Every test runs in its own wisp home (see tests/conftest.py)."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", workers=1)


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _doc(report_dict: dict[str, Any]) -> dict[str, Any]:
    """The report without its timing, for comparing two scans."""
    out = dict(report_dict)
    out["summary"] = {k: v for k, v in report_dict["summary"].items() if k != "seconds"}
    return out


def _paths(report_dict: dict[str, Any]) -> list[str]:
    return [f["path"] for f in report_dict["files"]]


def _errors(report_dict: dict[str, Any]) -> dict[str, str]:
    return {e["path"]: e["error"] for e in report_dict["errors"]}


def _run(root: Path | list[Path], settings: Settings, **options: Any) -> dict[str, Any]:
    roots = root if isinstance(root, list) else [root]
    return report_to_dict(scan(roots, settings, ScanOptions(**{"workers": 1, **options})))


# --- the report -------------------------------------------------------------------------------


def test_report_follows_the_v1_schema(tmp_path: Path, settings: Settings) -> None:
    root = _tree(tmp_path / "share", {"hr/payroll.csv": PI_CSV, "notes.txt": PLAIN})

    doc = _run(root, settings)

    assert list(doc) == ["schema", "summary", "files", "errors"]
    assert doc["schema"] == "wisp.scan/v1"
    assert _paths(doc) == ["hr/payroll.csv", "notes.txt"]
    assert doc["errors"] == []
    summary = doc["summary"]
    assert set(summary) == {"files_scanned", "bytes_scanned", "files_with_pi", "seconds"}
    assert summary["files_scanned"] == 2
    assert summary["files_with_pi"] == 1
    assert summary["bytes_scanned"] == len(PI_CSV) + len(PLAIN)
    assert isinstance(summary["seconds"], float)
    assert summary["seconds"] >= 0
    payroll, notes = doc["files"]
    assert set(payroll) == FILE_KEYS
    assert payroll["format"] == "csv"
    assert payroll["bytes"] == len(PI_CSV)
    assert payroll["contains_pi"] is True
    assert payroll["encrypted"] is False
    assert payroll["pi_records"] == 2
    assert list(payroll["elements"]) == list(ELEMENT_TYPES)
    assert payroll["elements"] == {
        "US_SSN": 1,
        "CREDIT_CARD": 1,
        "US_DRIVER_LICENSE": 0,
        "US_BANK_NUMBER": 0,
    }
    masked = {f["type"]: f["masked"] for f in payroll["findings"]}
    assert masked["US_SSN"] == "***-**-6788"
    assert masked["CREDIT_CARD"].endswith("9855")
    for finding in payroll["findings"]:
        assert set(finding) == {"type", "location", "masked", "fingerprint", "confidence"}
        assert re.fullmatch(r"[0-9a-f]{32}", finding["fingerprint"])
        assert 0 < finding["confidence"] <= 1
        assert finding["location"]["line"] == 2
    assert notes["contains_pi"] is False
    assert notes["elements"] == dict.fromkeys(ELEMENT_TYPES, 0)


def test_report_holds_no_raw_pi(tmp_path: Path, settings: Settings) -> None:
    root = _tree(
        tmp_path / "share",
        {
            "a.csv": PI_CSV,
            "b.txt": b"John Smith's SSN is 123-45-6788.\n",
            "c.zip": _zip({"d.csv": OTHER_CSV}),
        },
    )

    text = json.dumps(_run(root, settings))

    assert '"contains_pi": true' in text
    for raw in RAW:
        assert raw not in text


def test_findings_are_capped_but_counts_are_complete(tmp_path: Path) -> None:
    rows = b"".join(b"John Smith,123-45-67%02d\n" % n for n in range(11, 41))
    root = _tree(tmp_path / "share", {"many.csv": b"name,ssn\n" + rows})
    settings = Settings(home=tmp_path / "home", max_findings_per_file=3)

    (many,) = _run(root, settings)["files"]

    assert many["elements"]["US_SSN"] == 30
    assert many["pi_records"] == 30
    assert len(many["findings"]) == 3


# --- archives ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"a.zip": _zip({"inner.csv": PI_CSV})}, ["a.zip!inner.csv"], id="member"),
        pytest.param(
            {"a.zip": _zip({"b.zip": _zip({"c.csv": PI_CSV})})},
            ["a.zip!b.zip!c.csv"],
            id="zip-in-zip",
        ),
        pytest.param(
            {"a.zip": _zip({"dir/x.csv": PI_CSV, "y.txt": PLAIN})},
            ["a.zip!dir/x.csv", "a.zip!y.txt"],
            id="folders-in-zip",
        ),
    ],
)
def test_archive_members_are_reported_inside_their_archive(
    tmp_path: Path, settings: Settings, files: dict[str, bytes], expected: list[str]
) -> None:
    root = _tree(tmp_path / "share", files)

    doc = _run(root, settings)

    # An archive that holds only members is listed through its members.
    assert _paths(doc) == expected
    assert doc["files"][0]["contains_pi"] is True
    assert doc["summary"]["files_with_pi"] == 1
    assert doc["errors"] == []


@pytest.mark.parametrize(
    ("depth", "scanned", "too_deep"),
    [
        (0, ["z.csv"], ["a.zip!b.zip", "a.zip!top.csv"]),
        (1, ["a.zip!b.zip", "a.zip!top.csv", "z.csv"], ["a.zip!b.zip!c.csv"]),
        (2, ["a.zip!b.zip!c.csv", "a.zip!top.csv", "z.csv"], []),
    ],
)
def test_archive_depth_limit_gives_one_error_per_member_and_the_scan_goes_on(
    tmp_path: Path, depth: int, scanned: list[str], too_deep: list[str]
) -> None:
    inner = _zip({"c.csv": PI_CSV})
    root = _tree(
        tmp_path / "share",
        {"a.zip": _zip({"b.zip": inner, "top.csv": OTHER_CSV}), "z.csv": OTHER_CSV},
    )
    settings = Settings(home=tmp_path / "home", workers=1, archive_max_depth=depth)

    doc = _run(root, settings)

    assert sorted(p for p in _paths(doc) if p != "a.zip") == scanned
    errors = _errors(doc)
    assert sorted(errors) == too_deep
    for message in errors.values():
        assert f"nested deeper than {depth} archives" in message
        assert "\n" not in message


# --- files that cannot be scanned -------------------------------------------------------------


def test_oversize_file_is_one_error_and_others_are_still_scanned(tmp_path: Path) -> None:
    root = _tree(tmp_path / "share", {"big.txt": b"x" * 4096, "small.csv": OTHER_CSV})
    settings = Settings(home=tmp_path / "home", workers=1, max_file_bytes=1024)

    doc = _run(root, settings)

    assert _paths(doc) == ["small.csv"]
    assert doc["files"][0]["contains_pi"] is True
    assert list(_errors(doc)) == ["big.txt"]
    assert "larger than" in doc["errors"][0]["error"]
    assert "\n" not in doc["errors"][0]["error"]


def test_bytes_scanned_leaves_out_files_that_were_not_scanned(tmp_path: Path) -> None:
    root = _tree(tmp_path / "share", {"big.txt": b"x" * 4096, "small.csv": OTHER_CSV})
    settings = Settings(home=tmp_path / "home", workers=1, max_file_bytes=1024)

    doc = _run(root, settings)

    assert doc["summary"]["bytes_scanned"] == len(OTHER_CSV)


def test_oversize_error_states_the_real_limit(tmp_path: Path) -> None:
    root = _tree(tmp_path / "share", {"big.txt": b"x" * 4096})
    settings = Settings(home=tmp_path / "home", workers=1, max_file_bytes=1000)

    (error,) = _run(root, settings)["errors"]

    assert "0 MiB" not in error["error"]


def test_binary_file_is_an_error(tmp_path: Path, settings: Settings) -> None:
    root = _tree(tmp_path / "share", {"blob.bin": bytes(range(256)) * 8, "ok.csv": OTHER_CSV})

    doc = _run(root, settings)

    assert _paths(doc) == ["ok.csv"]
    assert _errors(doc)["blob.bin"].startswith("binary file")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.docx", b"PK\x03\x04" + b"\x00garbage" * 20),
        ("broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 20),
        ("broken.zip", b"PK\x03\x04" + b"\x01" * 100),
        ("broken.xlsx", b"not a spreadsheet at all"),
    ],
)
def test_corrupt_document_is_one_error_and_others_are_still_scanned(
    tmp_path: Path, settings: Settings, name: str, data: bytes
) -> None:
    root = _tree(tmp_path / "share", {name: data, "ok.csv": OTHER_CSV})

    doc = _run(root, settings)

    assert _paths(doc) == ["ok.csv"]
    assert doc["summary"]["files_with_pi"] == 1
    errors = _errors(doc)
    assert list(errors) == [name]
    assert errors[name]
    assert "\n" not in errors[name]
    assert "garbage" not in errors[name]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a chmod 000 file"
)
def test_unreadable_file_is_an_error(tmp_path: Path, settings: Settings) -> None:
    root = _tree(tmp_path / "share", {"locked.csv": PI_CSV, "ok.csv": OTHER_CSV})
    (root / "locked.csv").chmod(0)
    try:
        doc = _run(root, settings)
    finally:
        (root / "locked.csv").chmod(0o600)

    assert _paths(doc) == ["ok.csv"]
    assert _errors(doc) == {"locked.csv": "permission denied"}


def test_file_that_vanishes_between_walk_and_read_is_an_error(
    tmp_path: Path, settings: Settings
) -> None:
    root = _tree(tmp_path / "share", {"a.csv": OTHER_CSV, "b.csv": PI_CSV, "c.csv": OTHER_CSV})

    def delete_b(files: int, _bytes: int) -> None:
        # With one worker, files are read one at a time after the walk listed all three.
        if files == 1:
            (root / "b.csv").unlink()

    doc = _run(root, settings, progress=delete_b)

    assert _paths(doc) == ["a.csv", "c.csv"]
    errors = _errors(doc)
    assert list(errors) == ["b.csv"]
    assert errors["b.csv"].startswith("cannot read file")


def test_missing_root_is_an_error_not_a_crash(tmp_path: Path, settings: Settings) -> None:
    doc = _run(tmp_path / "nope", settings)

    assert doc["files"] == []
    assert [e["path"] for e in doc["errors"]] == [str(tmp_path / "nope")]


# --- roots, order, workers --------------------------------------------------------------------


def test_multiple_roots_are_prefixed_with_their_names(tmp_path: Path, settings: Settings) -> None:
    first = _tree(tmp_path / "first", {"x.csv": PI_CSV})
    second = _tree(tmp_path / "second", {"sub/y.txt": PLAIN})
    single = _tree(tmp_path / "loose", {"z.csv": OTHER_CSV}) / "z.csv"

    doc = _run([second, single, first], settings)

    assert _paths(doc) == ["first/x.csv", "second/sub/y.txt", "z.csv"]
    assert doc["summary"]["files_with_pi"] == 2


def test_single_file_root_is_reported_by_its_name(tmp_path: Path, settings: Settings) -> None:
    path = _tree(tmp_path / "share", {"deep/dir/payroll.csv": PI_CSV}) / "deep/dir/payroll.csv"

    doc = _run(path, settings)

    assert _paths(doc) == ["payroll.csv"]
    assert doc["summary"]["bytes_scanned"] == len(PI_CSV)


def test_results_and_errors_are_sorted_by_path(tmp_path: Path, settings: Settings) -> None:
    blob = bytes(range(256)) * 4
    files = {
        "m.txt": PLAIN,
        "b/z.csv": PLAIN,
        "a-b.txt": PLAIN,
        "a/x.bin": blob,
        "Z.txt": PLAIN,
        "a/b/c.csv": PLAIN,
        "b.bin": blob,
        "a.zip": _zip({"i.csv": PI_CSV}),
    }
    root = _tree(tmp_path / "share", files)

    doc = _run(root, settings)

    paths = _paths(doc)
    assert paths == sorted(paths)
    assert paths == ["Z.txt", "a-b.txt", "a.zip!i.csv", "a/b/c.csv", "b/z.csv", "m.txt"]
    errors = [e["path"] for e in doc["errors"]]
    assert errors == ["a/x.bin", "b.bin"]


def test_two_workers_give_the_same_report_as_one(tmp_path: Path, settings: Settings) -> None:
    files = {f"d{i % 3}/f{i:02d}.csv": PI_CSV if i % 2 else OTHER_CSV for i in range(12)}
    files |= {"a.zip": _zip({"b.zip": _zip({"c.csv": PI_CSV})}), "x.bin": bytes(range(256))}
    root = _tree(tmp_path / "share", files)

    one = _run(root, settings, workers=1)
    two = _run(root, settings, workers=2)

    assert _doc(two) == _doc(one)
    assert one["summary"]["files_scanned"] == 13
    assert one["summary"]["files_with_pi"] == 13
    assert len(one["errors"]) == 1


def test_progress_is_called_once_per_file_with_running_totals(
    tmp_path: Path, settings: Settings
) -> None:
    root = _tree(tmp_path / "share", {"a.csv": PI_CSV, "b.txt": PLAIN})
    calls: list[tuple[int, int]] = []

    _run(root, settings, progress=lambda n, b: calls.append((n, b)))

    assert calls == [(1, len(PI_CSV)), (2, len(PI_CSV) + len(PLAIN))]


# --- incremental ------------------------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths `FileScanner.scan_file` was called with (in-process, so one worker only)."""
    calls: list[str] = []
    real = FileScanner.scan_file

    def scan_file(self: FileScanner, path: str, rel: str) -> Outcome:
        calls.append(rel)
        return real(self, path, rel)

    monkeypatch.setattr(FileScanner, "scan_file", scan_file)
    return calls


def _touch(path: Path, data: bytes) -> None:
    """Rewrite `path` and move its mtime on, as an editor saving it later would."""
    st = path.stat()
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_incremental_scan_reuses_unchanged_files_and_rescans_changed_ones(
    tmp_path: Path, settings: Settings, counted: list[str]
) -> None:
    root = _tree(
        tmp_path / "share",
        {"a.csv": PI_CSV, "b.txt": PLAIN, "c.zip": _zip({"d.csv": OTHER_CSV}), "e.bin": b"\0" * 99},
    )

    first = _run(root, settings, incremental=True)
    assert sorted(counted) == ["a.csv", "b.txt", "c.zip", "e.bin"]

    counted.clear()
    second = _run(root, settings, incremental=True)
    assert counted == []
    assert _doc(second) == _doc(first)

    _touch(root / "b.txt", b"Jane Doe SSN 234-56-7891\n")
    counted.clear()
    third = _run(root, settings, incremental=True)
    assert counted == ["b.txt"]
    b_txt = next(f for f in third["files"] if f["path"] == "b.txt")
    assert b_txt["contains_pi"] is True
    assert third["summary"]["files_with_pi"] == 3


def test_incremental_cache_follows_a_root_given_under_another_name(
    tmp_path: Path, settings: Settings, counted: list[str]
) -> None:
    share = _tree(tmp_path / "share", {"a.zip": _zip({"x.csv": PI_CSV})})
    other = _tree(tmp_path / "other", {"y.txt": PLAIN})

    _run(share, settings, incremental=True)
    counted.clear()
    doc = _run([share, other], settings, incremental=True)

    assert counted == ["other/y.txt"]
    assert _paths(doc) == ["other/y.txt", "share/a.zip!x.csv"]


def test_non_incremental_scan_neither_reads_nor_writes_the_cache(
    tmp_path: Path, settings: Settings, counted: list[str]
) -> None:
    root = _tree(tmp_path / "share", {"a.csv": PI_CSV})

    _run(root, settings)
    _run(root, settings)

    assert counted == ["a.csv", "a.csv"]
    assert not (settings.home / "scan-cache.sqlite").exists()


@pytest.mark.parametrize(
    "change",
    ["policy", "key", "limits"],
)
def test_changed_configuration_invalidates_the_cache(
    tmp_path: Path, settings: Settings, counted: list[str], change: str
) -> None:
    root = _tree(tmp_path / "share", {"a.csv": PI_CSV, "b.txt": PLAIN})
    first = _run(root, settings, incremental=True)
    counted.clear()

    policy = ScanPolicy()
    if change == "policy":
        policy = ScanPolicy(ignore_fingerprints=frozenset({"0" * 32}))
    elif change == "key":
        (settings.home / KEY_FILE).unlink()
    else:
        settings = Settings(home=settings.home, workers=1, max_findings_per_file=1)
    second = _run(root, settings, incremental=True, policy=policy)

    assert sorted(counted) == ["a.csv", "b.txt"]
    if change == "key":
        fingerprints = {f["fingerprint"] for f in first["files"][0]["findings"]}
        assert fingerprints.isdisjoint(f["fingerprint"] for f in second["files"][0]["findings"])


def test_read_error_is_not_cached(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path / "share", {"a.csv": PI_CSV})
    with monkeypatch.context() as patch:
        # What scan_file returns for a chmod 000 file; root can read any file, so fake it.
        patch.setattr(
            FileScanner,
            "scan_file",
            lambda _self, _path, rel: Outcome([], [ScanError(rel, "permission denied")]),
        )
        first = _run(root, settings, incremental=True)
    assert _errors(first) == {"a.csv": "permission denied"}

    second = _run(root, settings, incremental=True)

    assert second["errors"] == []
    assert second["summary"]["files_with_pi"] == 1


class _AcmeIdDetector(Detector):
    """A third party's element: `ACME-` and six digits."""

    ENTITY = "ACME_ID"
    PATTERNS: ClassVar[tuple[Pattern, ...]] = (
        Pattern("acme", r"(?<![\w-])ACME-\d{6}(?![\w-])", r"ACME-\d{6}", 11, 0.9),
    )


def test_new_plugin_detector_invalidates_the_cache(tmp_path: Path, settings: Settings) -> None:
    root = _tree(tmp_path / "share", {"ids.csv": b"name,member\nJohn Smith,ACME-123456\n"})
    plugin_manager.cache_clear()
    try:
        _run(root, settings, incremental=True)
        plugin = types.ModuleType("wisp_acme")

        @hookimpl
        def wisp_detectors() -> list[type[Detector]]:
            return [_AcmeIdDetector]

        plugin.wisp_detectors = wisp_detectors  # type: ignore[attr-defined]
        plugin_manager().register(plugin, name="wisp_acme")
        fresh = _run(root, settings)
        assert fresh["files"][0]["elements"].get("ACME_ID") == 1

        cached = _run(root, settings, incremental=True)
    finally:
        plugin_manager.cache_clear()

    assert cached["files"][0]["elements"].get("ACME_ID") == 1
