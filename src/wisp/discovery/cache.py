"""The incremental-scan cache: results of files unchanged since the last scan are reused.

One SQLite file in the state directory, keyed by absolute path; a row counts only when the
file's size and mtime and the scan's configuration digest are all the same as when stored.
Outcomes with errors are not stored: a file that could not be read is tried again.
Rows hold what reports hold (masked values, fingerprints), never raw PI.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wisp.discovery.models import FileResult, Finding, ScanError
from wisp.discovery.worker import Outcome

__all__ = ["ScanCache"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scan_cache (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL,
    outcome TEXT NOT NULL
)
"""


def _dump(outcome: Outcome, rel: str) -> str:
    def result(r: FileResult) -> dict[str, Any]:
        return {
            "path": r.path[len(rel) :],
            "format": r.format,
            "bytes": r.bytes,
            "encrypted": r.encrypted,
            "contains_pi": r.contains_pi,
            "pi_records": r.pi_records,
            "elements": r.elements,
            "findings": [
                [f.type, dict(f.location), f.masked, f.fingerprint, f.confidence]
                for f in r.findings
            ],
        }

    return json.dumps(
        {
            "results": [result(r) for r in outcome.results],
            "errors": [[e.path[len(rel) :], e.error] for e in outcome.errors],
        }
    )


def _load(text: str, rel: str) -> Outcome:
    doc = json.loads(text)
    results = [
        FileResult(
            path=rel + r["path"],
            format=r["format"],
            bytes=r["bytes"],
            encrypted=r["encrypted"],
            contains_pi=r["contains_pi"],
            pi_records=r["pi_records"],
            elements=r["elements"],
            findings=[Finding(t, loc, m, fp, c) for t, loc, m, fp, c in r["findings"]],
        )
        for r in doc["results"]
    ]
    return Outcome(results, [ScanError(rel + p, e) for p, e in doc["errors"]])


class ScanCache:
    """Stored outcomes of earlier scans, valid for one configuration `digest`."""

    def __init__(self, path: Path, digest: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._digest = digest
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError:
            # The cache holds only what a scan can recompute: a damaged one is started anew.
            path.unlink(missing_ok=True)
            self._db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # private from the start
        path.chmod(0o600)
        db = sqlite3.connect(path)
        try:
            db.execute(_SCHEMA)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get(self, path: str, size: int, mtime_ns: int, rel: str) -> Outcome | None:
        """The stored outcome of `path` if it has not changed; paths re-rooted at `rel`."""
        row = self._db.execute(
            "SELECT outcome FROM scan_cache WHERE path = ? AND size = ? AND mtime_ns = ?"
            " AND digest = ?",
            (path, size, mtime_ns, self._digest),
        ).fetchone()
        return _load(row[0], rel) if row else None

    def put_many(self, rows: Iterable[tuple[str, int, int, str, Outcome]]) -> None:
        """Store the outcomes of freshly scanned files: (path, size, mtime_ns, rel, outcome)."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO scan_cache VALUES (?, ?, ?, ?, ?)",
                [(p, s, m, self._digest, _dump(o, rel)) for p, s, m, rel, o in rows],
            )

    def close(self) -> None:
        self._db.close()
