"""FileScanner: one file's bytes to results and errors; members, depth, size, binary, damage."""

from __future__ import annotations

import copy
import dataclasses
import io
import pickle
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pyzipper  # type: ignore[import-untyped]

from wisp.discovery.extractors.base import ExtractContext
from wisp.discovery.extractors.text import TextExtractor
from wisp.discovery.models import FileResult, ScanError, Unit
from wisp.discovery.worker import FileScanner, Limits, Outcome
from wisp.errors import ExtractError

KEY = bytes(range(32))
LIMITS = Limits(
    max_file_bytes=1 << 20,
    max_depth=5,
    max_members=100,
    max_ratio=100,
    max_bytes=1 << 24,
    max_findings=100,
)
#: Made-up values; the SSN passes the SSA's rules and the Visa number the Luhn check.
PI_TEXT = b"John Smith, SSN 123-45-6788, Visa 4556 7375 8689 9855\n"
PI_CSV = b"name,ssn\nJohn Smith,123-45-6788\n"
PLAIN = b"Nothing personal.\n"


@pytest.fixture(scope="module")
def shared() -> FileScanner:
    """One scanner for the module: building its Hyperscan database is the slow part."""
    return FileScanner(KEY, LIMITS, frozenset())


@pytest.fixture
def scanner(shared: FileScanner) -> FileScanner:
    return shared


def _with(scanner: FileScanner, **limits: int) -> FileScanner:
    """The same scanner (matcher, analyzer, extractors) under other limits."""
    clone = copy.copy(scanner)
    clone.limits = dataclasses.replace(scanner.limits, **limits)
    return clone


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _scan(scanner: FileScanner, rel: str, data: bytes) -> Outcome:
    outcome = Outcome([], [])
    scanner.scan_bytes(rel, data, 0, outcome)
    return outcome


def _by_path(outcome: Outcome) -> dict[str, FileResult]:
    return {r.path: r for r in outcome.results}


def test_limits_and_outcomes_pickle_for_worker_processes(scanner: FileScanner) -> None:
    outcome = _scan(scanner, "a.txt", PI_TEXT)

    # Worker processes receive limits and send outcomes back pickled; these bytes are our own.
    assert pickle.loads(pickle.dumps(LIMITS)) == LIMITS  # noqa: S301
    assert pickle.loads(pickle.dumps(outcome)).results == outcome.results  # noqa: S301


@pytest.mark.parametrize(
    ("rel", "data", "fmt", "elements"),
    [
        ("memo.txt", PI_TEXT, "text", {"US_SSN": 1, "CREDIT_CARD": 1}),
        ("people.csv", PI_CSV, "csv", {"US_SSN": 1}),
        ("noext", PI_TEXT, "text", {"US_SSN": 1, "CREDIT_CARD": 1}),
        ("data.json", b'[{"name": "John Smith", "ssn": "123-45-6788"}]', "json", {"US_SSN": 1}),
    ],
)
def test_file_with_pi(
    scanner: FileScanner, rel: str, data: bytes, fmt: str, elements: dict[str, int]
) -> None:
    outcome = _scan(scanner, rel, data)

    assert outcome.errors == []
    (result,) = outcome.results
    assert (result.path, result.format, result.bytes) == (rel, fmt, len(data))
    assert result.contains_pi is True
    assert {k: v for k, v in result.elements.items() if v} == elements


def test_archive_members_are_named_with_bangs(scanner: FileScanner) -> None:
    data = _zip({"inner.csv": PI_CSV, "b.zip": _zip({"c.txt": PI_TEXT, "d.txt": PLAIN})})

    outcome = _scan(scanner, "dir/a.zip", data)

    assert outcome.errors == []
    results = _by_path(outcome)
    assert sorted(results) == [
        "dir/a.zip!b.zip!c.txt",
        "dir/a.zip!b.zip!d.txt",
        "dir/a.zip!inner.csv",
    ]
    assert results["dir/a.zip!inner.csv"].contains_pi
    assert results["dir/a.zip!b.zip!c.txt"].contains_pi
    assert not results["dir/a.zip!b.zip!d.txt"].contains_pi
    assert results["dir/a.zip!inner.csv"].bytes == len(PI_CSV)


def test_encrypted_member_is_listed_without_pi(scanner: FileScanner) -> None:
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(b"secret")
        zf.writestr("payroll.xlsx", PI_CSV)

    outcome = _scan(scanner, "backup.zip", buf.getvalue())

    assert outcome.errors == []
    (member,) = outcome.results
    assert member.path == "backup.zip!payroll.xlsx"
    assert member.format == "xlsx"
    assert (member.encrypted, member.contains_pi, member.bytes) == (True, False, 0)


@pytest.mark.parametrize(
    ("depth", "errors"),
    [
        (0, ["a.zip!b.zip", "a.zip!x.txt"]),
        (1, ["a.zip!b.zip!c.zip"]),
        (2, ["a.zip!b.zip!c.zip!d.txt"]),
        (3, []),
    ],
)
def test_depth_limit(scanner: FileScanner, depth: int, errors: list[str]) -> None:
    data = _zip({"b.zip": _zip({"c.zip": _zip({"d.txt": PI_TEXT})}), "x.txt": PLAIN})

    outcome = _scan(_with(scanner, max_depth=depth), "a.zip", data)

    assert sorted(e.path for e in outcome.errors) == errors
    assert all(
        e.error == f"nested deeper than {depth} archives; not scanned" for e in outcome.errors
    )
    found = [r.path for r in outcome.results if r.contains_pi]
    assert found == ([] if errors else ["a.zip!b.zip!c.zip!d.txt"])


def test_oversize_file_and_member(scanner: FileScanner) -> None:
    small = _with(scanner, max_file_bytes=1000)
    archive = _zip({"big.txt": b"x" * 5000, "ok.txt": PI_TEXT})
    assert len(archive) < 1000

    top = _scan(small, "big.txt", b"x" * 1001)
    inner = _scan(small, "a.zip", archive)

    assert top.results == []
    assert [e.path for e in top.errors] == ["big.txt"]
    assert "larger than" in top.errors[0].error
    assert [e.path for e in inner.errors] == ["a.zip!big.txt"]
    assert [r.path for r in inner.results] == ["a.zip!ok.txt"]


def test_scan_file_reads_at_most_one_byte_over_the_limit(
    scanner: FileScanner, tmp_path: Path
) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 5000)
    seen: list[int] = []
    small = _with(scanner, max_file_bytes=100)
    real = small.scan_bytes

    def spy(rel: str, data: bytes, depth: int, outcome: Outcome) -> None:
        seen.append(len(data))
        real(rel, data, depth, outcome)

    small.scan_bytes = spy  # type: ignore[method-assign]
    outcome = small.scan_file(str(path), "big.txt")

    assert seen == [101]
    assert [e.path for e in outcome.errors] == ["big.txt"]


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"\x00\x01\x02\x03" * 100,
        b"\x89PNG\r\n\x1a\n" + bytes(range(255, -1, -1)) * 2,
    ],
)
def test_binary_file_is_an_error(scanner: FileScanner, data: bytes) -> None:
    outcome = _scan(scanner, "blob.bin", data)

    assert outcome.results == []
    assert outcome.errors == [ScanError("blob.bin", "binary file of no known format; not scanned")]


@pytest.mark.parametrize(
    ("rel", "data"),
    [
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 64),
        ("broken.pdf", b"%PDF-1.4\n" + b"\x00" * 64),
        ("broken.zip", b"PK\x03\x04" + b"\x01" * 64),
        ("broken.gz", b"\x1f\x8b\x08\x00" + b"\x01" * 64),
    ],
)
def test_damaged_file_is_one_error_line(scanner: FileScanner, rel: str, data: bytes) -> None:
    outcome = _scan(scanner, rel, data)

    assert outcome.results == []
    (error,) = outcome.errors
    assert error.path == rel
    assert error.error
    assert "\n" not in error.error


@pytest.fixture
def failing_text(monkeypatch: pytest.MonkeyPatch) -> list[Exception]:
    """Make the text extractor raise after one unit; the test appends the exception."""
    raised: list[Exception] = []

    def extract(self: TextExtractor, data: bytes, ctx: ExtractContext) -> Iterator[Unit]:
        yield Unit(b"first unit\n")
        raise raised[0]

    monkeypatch.setattr(TextExtractor, "extract", extract)
    return raised


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ExtractError("not valid text"), "not valid text"),
        # An unexpected error's message may quote the file; only its type is reported.
        (ValueError("John Smith 123-45-6788"), "could not read this text file (ValueError)"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "123-45-6788"), "(UnicodeDecodeError)"),
    ],
)
def test_extractor_failure_is_reported_without_its_message(
    scanner: FileScanner, failing_text: list[Exception], exc: Exception, expected: str
) -> None:
    failing_text.append(exc)

    outcome = _scan(scanner, "memo.txt", PLAIN)

    (error,) = outcome.errors
    assert error.path == "memo.txt"
    assert expected in error.error
    assert "6788" not in error.error
    assert outcome.results == []


def test_members_found_before_a_failure_are_kept(
    scanner: FileScanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wisp.discovery.extractors.archive import ZipExtractor

    real = ZipExtractor.extract

    def extract(self: ZipExtractor, data: bytes, ctx: ExtractContext) -> Iterator[Any]:
        it = real(self, data, ctx)
        yield next(it)
        raise ExtractError("zip is damaged after the first member")

    monkeypatch.setattr(ZipExtractor, "extract", extract)

    outcome = _scan(scanner, "a.zip", _zip({"one.csv": PI_CSV, "two.csv": PI_CSV}))

    assert [r.path for r in outcome.results] == ["a.zip!one.csv"]
    assert outcome.errors == [ScanError("a.zip", "zip is damaged after the first member")]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p / "missing.txt", "cannot read file: No such file or directory"),
        (lambda p: p, "cannot read file: Is a directory"),
    ],
)
def test_scan_file_read_errors(
    scanner: FileScanner, tmp_path: Path, make: Any, expected: str
) -> None:
    outcome = scanner.scan_file(str(make(tmp_path)), "x.txt")

    assert outcome.results == []
    assert outcome.errors == [ScanError("x.txt", expected)]


def test_scan_file_permission_denied(
    scanner: FileScanner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.csv"
    path.write_bytes(PI_CSV)

    def deny(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Root can read a chmod 000 file, so the denial is injected where the worker opens files.
    monkeypatch.setattr("wisp.discovery.worker.open", deny, raising=False)
    outcome = scanner.scan_file(str(path), "locked.csv")

    assert outcome.results == []
    assert outcome.errors == [ScanError("locked.csv", "permission denied")]


def test_scan_file_reads_the_file(scanner: FileScanner, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(PI_CSV)

    outcome = scanner.scan_file(str(path), "hr/people.csv")

    assert outcome.errors == []
    assert [(r.path, r.contains_pi) for r in outcome.results] == [("hr/people.csv", True)]


def test_ignored_fingerprint_is_not_reported(scanner: FileScanner) -> None:
    (before,) = _scan(scanner, "memo.txt", PI_TEXT).results
    ssn = next(f.fingerprint for f in before.findings if f.type == "US_SSN")
    ignoring = FileScanner(KEY, LIMITS, frozenset({ssn}))

    (after,) = _scan(ignoring, "memo.txt", PI_TEXT).results

    assert before.elements["US_SSN"] == 1
    assert after.elements["US_SSN"] == 0
    assert after.elements["CREDIT_CARD"] == 1
    assert [f.type for f in after.findings] == ["CREDIT_CARD"]
