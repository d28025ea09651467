"""What a user has declared public or not worth reporting: paths and values, from a TOML file.

The file may list raw public values (a published test card number); they are turned into
fingerprints on load, so only fingerprints are kept in memory past that point.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wisp.discovery.detectors.base import Detector
from wisp.discovery.fingerprint import Fingerprinter
from wisp.errors import ConfigError

__all__ = ["ScanPolicy", "load_policy"]


@dataclass(frozen=True, slots=True)
class ScanPolicy:
    """Paths to skip (glob patterns) and fingerprints of values to ignore."""

    ignore_paths: tuple[str, ...] = ()
    ignore_fingerprints: frozenset[str] = frozenset()

    def skips(self, rel: str) -> bool:
        """Whether the path `rel` (relative, '/'-separated) matches an ignore pattern."""
        name = rel.rsplit("/", 1)[-1]
        return any(
            fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(name, pat)
            for pat in self.ignore_paths
        )


def _strings(table: dict[str, object], key: str, path: Path) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [scan] {key} must be a list of strings")
    return list(value)


def load_policy(
    path: Path | None, detectors: Sequence[Detector], fingerprint: Fingerprinter
) -> ScanPolicy:
    """Read `[scan]` from a TOML file: `ignore_paths`, `public_values`, `ignore_fingerprints`."""
    if path is None:
        return ScanPolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML") from exc
    table = data.get("scan", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [scan] must be a table")
    unknown = set(table) - {"ignore_paths", "public_values", "ignore_fingerprints"}
    if unknown:
        raise ConfigError(f"{path}: unknown [scan] setting {sorted(unknown)[0]!r}")
    fingerprints = set(_strings(table, "ignore_fingerprints", path))
    for raw in _strings(table, "public_values", path):
        for d in detectors:
            fingerprints.add(fingerprint(d.ENTITY, d.normalize(raw)))
    return ScanPolicy(tuple(_strings(table, "ignore_paths", path)), frozenset(fingerprints))
