"""Fixtures shared by the scanner and CLI tests: an isolated wisp home with a fixed key."""

import os
from pathlib import Path

import pytest

from wisp.discovery.fingerprint import KEY_FILE
from wisp.discovery.worker import FileScanner, Limits
from wisp.plugins import detector_classes, extractor_classes

#: One FileScanner per configuration for the whole session: scan() builds one per call, and
#: its Hyperscan compile (~0.1 s) would otherwise dominate these tests. Same class, same results.
_SCANNERS: dict[tuple[object, ...], FileScanner] = {}
#: A fixed installation key, so that scanners can be shared between tests.
_KEY_HEX = bytes(range(32)).hex()


def _shared_scanner(key: bytes, limits: Limits, ignore: frozenset[str]) -> FileScanner:
    config = (key, limits, ignore, detector_classes(), extractor_classes())
    if config not in _SCANNERS:
        _SCANNERS[config] = FileScanner(key, limits, ignore)
    return _SCANNERS[config]


def install_key(home: Path) -> None:
    """Write the fixed key into a new wisp home, as `wisp` itself would (0700 and 0600)."""
    home.mkdir(mode=0o700, parents=True)
    key = home / KEY_FILE
    key.write_text(_KEY_HEX + "\n", encoding="ascii")
    key.chmod(0o600)


@pytest.fixture
def wisp_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """WISP_HOME in tmp_path with the fixed key, no other WISP_ variables, shared scanners."""
    for name in list(os.environ):
        if name.startswith("WISP_"):
            monkeypatch.delenv(name)
    path = tmp_path / "home"
    monkeypatch.setenv("WISP_HOME", str(path))
    install_key(path)
    monkeypatch.setattr("wisp.discovery.scanner.FileScanner", _shared_scanner)
    return path
