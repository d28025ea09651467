"""Fixtures for the detector tables: a cached matcher per detector, and Presidio's own
recognizer test cases from the shared vectors directory beside the repository."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wisp.discovery.detectors.base import Detector
from wisp.discovery.engine import Candidate, Matcher
from wisp.discovery.models import Unit

#: `<repo>/../shared/vectors`: tests/discovery/detectors/conftest.py is three levels down.
VECTORS = Path(__file__).parents[3] / ".." / "shared" / "vectors"

Scan = Callable[[Detector, Unit], list[Candidate]]
Masked = Callable[[Detector, Unit], list[str]]
Presidio = Callable[[str], dict[str, dict[str, Any]]]


@pytest.fixture(scope="session")
def scan() -> Scan:
    """Candidates of one detector in a unit, through the real (Hyperscan) matcher."""
    matchers: dict[type[Detector], Matcher] = {}

    def run(detector: Detector, unit: Unit) -> list[Candidate]:
        matcher = matchers.get(type(detector))
        if matcher is None:
            matcher = matchers[type(detector)] = Matcher([detector])
        return matcher.candidates(unit)

    return run


@pytest.fixture(scope="session")
def masked(scan: Scan) -> Masked:
    """What a report would show of each candidate: tests compare these, never raw values."""

    def run(detector: Detector, unit: Unit) -> list[str]:
        return [c.detector.mask(c.raw) for c in scan(detector, unit)]

    return run


@pytest.fixture(scope="session")
def presidio() -> Presidio:
    """`load("presidio_us_ssn.json")` -> that file's cases by id; skips without the vectors."""
    directory = VECTORS / "presidio"
    if not (directory / "index.json").is_file():
        pytest.skip(f"Presidio test vectors not found in {directory.resolve()}")

    def load(name: str) -> dict[str, dict[str, Any]]:
        data = json.loads((directory / name).read_text(encoding="utf-8"))
        return {case["id"]: case for case in data["cases"]}

    return load
