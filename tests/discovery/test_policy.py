"""The scan policy file: `[scan]` ignore_paths, public_values, ignore_fingerprints; bad files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wisp.config import Settings
from wisp.discovery.detectors.base import Detector
from wisp.discovery.fingerprint import Fingerprinter, load_or_create_key
from wisp.discovery.policy import ScanPolicy, load_policy
from wisp.discovery.scanner import ScanOptions, scan
from wisp.errors import ConfigError
from wisp.plugins import detector_classes

KEY = bytes(range(32))
FP = Fingerprinter(KEY)
DETECTORS = [cls() for cls in detector_classes() if issubclass(cls, Detector)]


def _load(tmp_path: Path, text: str | bytes) -> ScanPolicy:
    path = tmp_path / "scan.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_policy(path, DETECTORS, FP)


def test_no_file_is_an_empty_policy() -> None:
    policy = load_policy(None, DETECTORS, FP)

    assert policy == ScanPolicy()
    assert not policy.skips("anything.csv")


def test_file_without_scan_table_is_an_empty_policy(tmp_path: Path) -> None:
    assert _load(tmp_path, "# nothing yet\n") == ScanPolicy()


def test_all_three_settings_are_read(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        """
        [scan]
        ignore_paths = ["*.log", "build/*"]
        ignore_fingerprints = ["0123456789abcdef0123456789abcdef"]
        public_values = ["123-45-6788"]
        """,
    )

    assert policy.ignore_paths == ("*.log", "build/*")
    assert "0123456789abcdef0123456789abcdef" in policy.ignore_fingerprints
    assert FP("US_SSN", "123456788") in policy.ignore_fingerprints


@pytest.mark.parametrize(
    ("patterns", "rel", "skipped"),
    [
        (("*.log",), "app.log", True),
        (("*.log",), "deep/dir/app.log", True),  # a basename match anywhere
        (("*.log",), "app.log.csv", False),
        (("build/*",), "build/out.csv", True),
        (("build/*",), "src/build/out.csv", False),
        (("build",), "build", True),  # a directory, pruned by name
        (("build",), "src/build", True),
        (("node_modules",), "web/node_modules/x.js", False),  # the walk prunes the directory
        (("*/secret.txt",), "a/secret.txt", True),
        (("*.CSV",), "people.csv", False),  # case matters
        (("a/*",), "a/b/c.csv", True),  # fnmatch's * crosses '/'
        ((), "anything", False),
    ],
)
def test_ignore_paths_match_relative_path_or_basename(
    patterns: tuple[str, ...], rel: str, skipped: bool
) -> None:
    assert ScanPolicy(ignore_paths=patterns).skips(rel) is skipped


@pytest.mark.parametrize(
    "written",
    ["123-45-6788", "123456788", "123 45 6788"],
)
def test_public_value_becomes_the_fingerprint_of_its_normal_form(
    tmp_path: Path, written: str
) -> None:
    policy = _load(tmp_path, f'[scan]\npublic_values = ["{written}"]\n')

    assert FP("US_SSN", "123456788") in policy.ignore_fingerprints
    # Only fingerprints are kept, never the value itself.
    assert all(len(fp) == 32 for fp in policy.ignore_fingerprints)
    assert written not in repr(policy)


def test_public_value_is_not_reported_but_other_values_are(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home, workers=1)
    root = tmp_path / "share"
    root.mkdir()
    (root / "staff.csv").write_text(
        "name,ssn,card\nJohn Smith,123-45-6788,4556 7375 8689 9855\nJane Doe,234-56-7891,\n",
        encoding="utf-8",
    )
    (root / "skip.log").write_text("John Smith 234-56-7891\n", encoding="utf-8")
    config = tmp_path / "scan.toml"
    config.write_text(
        '[scan]\npublic_values = ["123-45-6788", "4556737586899855"]\nignore_paths = ["*.log"]\n',
        encoding="utf-8",
    )
    policy = load_policy(config, DETECTORS, Fingerprinter(load_or_create_key(home)))

    report = scan([root], settings, ScanOptions(workers=1, policy=policy))

    (staff,) = report.files
    assert staff.path == "staff.csv"
    assert staff.elements["US_SSN"] == 1
    assert staff.elements["CREDIT_CARD"] == 0
    assert [f.masked for f in staff.findings] == ["***-**-7891"]
    assert staff.pi_records == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[scan\nignore_paths = []\n", "is not valid TOML", id="syntax"),
        pytest.param(b"[scan]\nignore_paths = ['\xff']\n", "is not valid TOML", id="not-utf8"),
        pytest.param("scan = 3\n", "[scan] must be a table", id="scan-not-table"),
        pytest.param(
            '[scan]\nignore_paths = "*.log"\n',
            "[scan] ignore_paths must be a list of strings",
            id="paths-not-list",
        ),
        pytest.param(
            "[scan]\nignore_fingerprints = [1]\n",
            "[scan] ignore_fingerprints must be a list of strings",
            id="fingerprints-not-strings",
        ),
        pytest.param(
            '[scan]\npublic_values = ["123-45-6788", 4556737586899855]\n',
            "[scan] public_values must be a list of strings",
            id="values-not-strings",
        ),
        pytest.param(
            "[scan]\nignore_path = []\n", "unknown [scan] setting 'ignore_path'", id="unknown-key"
        ),
    ],
)
def test_bad_file_is_one_line_naming_it(tmp_path: Path, text: str | bytes, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)

    line = str(info.value)
    assert message in line
    assert str(tmp_path / "scan.toml") in line
    assert "\n" not in line
    assert "6788" not in line  # a public value is never echoed


@pytest.mark.parametrize("make", [lambda p: p / "missing.toml", lambda p: p])
def test_unreadable_file_is_one_line_naming_it(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)

    with pytest.raises(ConfigError, match="cannot read config file") as info:
        load_policy(path, DETECTORS, FP)

    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
