"""ScanCache: stored outcomes, valid only for the same file stat and configuration; private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wisp.config import Settings
from wisp.discovery.cache import ScanCache
from wisp.discovery.models import FileResult, Finding, ScanError
from wisp.discovery.scanner import CACHE_FILE, ScanOptions, scan
from wisp.discovery.worker import Outcome

DIGEST = "d" * 64
#: Made-up values; the SSN passes the SSA's rules and the Visa number the Luhn check.
PI_CSV = b"name,ssn,card\nJohn Smith,123-45-6788,4556 7375 8689 9855\n"
RAW = (b"123-45-6788", b"123456788", b"4556 7375 8689 9855", b"4556737586899855")


def _outcome(rel: str) -> Outcome:
    finding = Finding("US_SSN", {"line": 2, "column": "ssn"}, "***-**-6788", "ab" * 16, 0.95)
    top = FileResult(rel, "zip", 300)
    member = FileResult(
        f"{rel}!inner.csv",
        "csv",
        120,
        contains_pi=True,
        pi_records=1,
        elements={"US_SSN": 1, "CREDIT_CARD": 0, "US_DRIVER_LICENSE": 0, "US_BANK_NUMBER": 0},
        findings=[finding],
    )
    locked = FileResult(f"{rel}!locked.xlsx", "xlsx", 0, encrypted=True)
    return Outcome([top, member, locked], [ScanError(f"{rel}!bad.pdf", "not a valid PDF")])


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "home" / CACHE_FILE


def test_outcome_round_trips_and_is_rerooted(cache_path: Path) -> None:
    cache = ScanCache(cache_path, DIGEST)
    cache.put_many([("/srv/a.zip", 300, 42, "a.zip", _outcome("a.zip"))])

    got = cache.get("/srv/a.zip", 300, 42, "share/a.zip")
    cache.close()

    assert got == _outcome("share/a.zip")


def test_cache_survives_reopening(cache_path: Path) -> None:
    cache = ScanCache(cache_path, DIGEST)
    cache.put_many([("/srv/a.zip", 300, 42, "a.zip", _outcome("a.zip"))])
    cache.close()

    again = ScanCache(cache_path, DIGEST)
    got = again.get("/srv/a.zip", 300, 42, "a.zip")
    again.close()

    assert got == _outcome("a.zip")


@pytest.mark.parametrize(
    ("path", "size", "mtime_ns", "digest"),
    [
        pytest.param("/srv/other.zip", 300, 42, DIGEST, id="other-path"),
        pytest.param("/srv/a.zip", 301, 42, DIGEST, id="size"),
        pytest.param("/srv/a.zip", 300, 43, DIGEST, id="mtime"),
        pytest.param("/srv/a.zip", 300, 42, "e" * 64, id="digest"),
    ],
)
def test_changed_file_or_configuration_misses(
    cache_path: Path, path: str, size: int, mtime_ns: int, digest: str
) -> None:
    ScanCache(cache_path, DIGEST).put_many([("/srv/a.zip", 300, 42, "a.zip", _outcome("a.zip"))])
    cache = ScanCache(cache_path, digest)

    assert cache.get(path, size, mtime_ns, "a.zip") is None
    cache.close()


def test_put_replaces_an_older_row(cache_path: Path) -> None:
    cache = ScanCache(cache_path, DIGEST)
    cache.put_many([("/srv/a.zip", 300, 42, "a.zip", _outcome("a.zip"))])
    cache.put_many(
        [("/srv/a.zip", 10, 43, "a.zip", Outcome([FileResult("a.zip", "text", 10)], []))]
    )

    assert cache.get("/srv/a.zip", 300, 42, "a.zip") is None
    got = cache.get("/srv/a.zip", 10, 43, "a.zip")
    cache.close()
    assert got is not None
    assert [r.format for r in got.results] == ["text"]


def test_cache_file_is_private(cache_path: Path) -> None:
    old = os.umask(0)
    try:
        ScanCache(cache_path, DIGEST).close()
    finally:
        os.umask(old)

    assert stat.S_IMODE(cache_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_path.parent.stat().st_mode) == 0o700


def test_existing_world_readable_cache_file_is_made_private(cache_path: Path) -> None:
    ScanCache(cache_path, DIGEST).close()
    cache_path.chmod(0o644)

    ScanCache(cache_path, DIGEST).close()

    assert stat.S_IMODE(cache_path.stat().st_mode) == 0o600


def test_incremental_scan_cache_is_private_and_holds_no_raw_pi(tmp_path: Path) -> None:
    root = tmp_path / "share"
    root.mkdir()
    (root / "payroll.csv").write_bytes(PI_CSV)
    (root / "memo.txt").write_bytes(b"John Smith, SSN 123-45-6788, card 4556737586899855.\n")
    settings = Settings(home=tmp_path / "home", workers=1)

    report = scan([root], settings, ScanOptions(workers=1, incremental=True))

    assert report.summary.files_with_pi == 2
    path = settings.home / CACHE_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Only the database itself: no journal or WAL file is left behind beside it.
    assert sorted(p.name for p in settings.home.iterdir()) == sorted(
        [CACHE_FILE, "fingerprint.key"]
    )
    data = path.read_bytes()
    assert b"***-**-6788" in data  # the masked form is there, so the rows were written
    for raw in RAW:
        assert raw not in data
