"""Scanning one file, in whichever process runs it: extract, recurse into members, analyze.

Each process builds its matcher and extractors once (`FileScanner`); results carry no raw PI.
"""

from __future__ import annotations

from dataclasses import dataclass

from wisp.discovery.analyzer import Analyzer
from wisp.discovery.detectors.base import Detector, NameDetector
from wisp.discovery.engine import Matcher
from wisp.discovery.extractors.base import ExtractContext
from wisp.discovery.extractors.registry import ExtractorRegistry
from wisp.discovery.fingerprint import Fingerprinter
from wisp.discovery.models import FileResult, Member, ScanError
from wisp.errors import EncryptedContent, ExtractError
from wisp.plugins import detector_classes, extractor_classes

__all__ = ["FileScanner", "Limits", "Outcome"]

_HEAD = 8192


@dataclass(frozen=True, slots=True)
class Limits:
    """The safety limits a scan enforces; picklable, so workers get the same ones."""

    max_file_bytes: int
    max_depth: int
    max_members: int
    max_ratio: int
    max_bytes: int
    max_findings: int


@dataclass(slots=True)
class Outcome:
    """Everything one top-level file produced: its results (with members) and errors."""

    results: list[FileResult]
    errors: list[ScanError]


class FileScanner:
    """Scans files with one process's matcher, analyzer and extractors."""

    def __init__(self, key: bytes, limits: Limits, ignore: frozenset[str]) -> None:
        detectors = [cls() for cls in detector_classes()]
        elements = [d for d in detectors if isinstance(d, Detector)]
        names = [d for d in detectors if isinstance(d, NameDetector)]
        self.matcher = Matcher(elements)
        self.analyzer = Analyzer(
            self.matcher,
            names,
            Fingerprinter(key),
            ignore=ignore,
            max_findings=limits.max_findings,
        )
        self.registry = ExtractorRegistry(extractor_classes())
        self.limits = limits

    def scan_file(self, path: str, rel: str) -> Outcome:
        """Read and scan the file at `path`, reported as `rel`."""
        outcome = Outcome([], [])
        try:
            with open(path, "rb") as fh:
                data = fh.read(self.limits.max_file_bytes + 1)
        except PermissionError:
            outcome.errors.append(ScanError(rel, "permission denied"))
            return outcome
        except OSError as exc:
            outcome.errors.append(
                ScanError(rel, f"cannot read file: {exc.strerror or 'I/O error'}")
            )
            return outcome
        self.scan_bytes(rel, data, 0, outcome)
        return outcome

    def scan_bytes(self, rel: str, data: bytes, depth: int, outcome: Outcome) -> None:
        """Scan one file's bytes (a top-level file or a member at nesting `depth`)."""
        if len(data) > self.limits.max_file_bytes:
            limit = _size(self.limits.max_file_bytes)
            outcome.errors.append(ScanError(rel, f"file is larger than the {limit} limit"))
            return
        extractor = self.registry.for_file(rel, data[:_HEAD])
        if extractor is None:
            outcome.errors.append(ScanError(rel, "binary file of no known format; not scanned"))
            return
        result = FileResult(rel, extractor.FORMAT, len(data))
        ctx = ExtractContext(
            rel.rsplit("!", 1)[-1],
            max_members=self.limits.max_members,
            max_ratio=self.limits.max_ratio,
            max_bytes=self.limits.max_bytes,
        )
        members: list[FileResult] = []
        has_text = False
        try:
            for item in extractor.extract(data, ctx):
                if isinstance(item, Member):
                    self._member(rel, item, depth, outcome, members)
                else:
                    has_text = True
                    self.analyzer.analyze(result, (item,))
        except EncryptedContent:
            result.encrypted = True
            result.contains_pi = False
        except ExtractError as exc:
            outcome.errors.append(ScanError(rel, str(exc)))
            outcome.results.extend(members)
            return
        except Exception as exc:
            reason = f"could not read this {extractor.FORMAT} file ({type(exc).__name__})"
            outcome.errors.append(ScanError(rel, reason))
            outcome.results.extend(members)
            return
        if has_text or result.encrypted or not members:
            outcome.results.append(result)
        outcome.results.extend(members)

    def _member(
        self, rel: str, member: Member, depth: int, outcome: Outcome, into: list[FileResult]
    ) -> None:
        name = f"{rel}!{member.name}"
        if member.encrypted:
            ext = self.registry.for_file(member.name, b"")
            into.append(FileResult(name, ext.FORMAT if ext else "unknown", 0, encrypted=True))
            return
        if depth + 1 > self.limits.max_depth:
            outcome.errors.append(
                ScanError(name, f"nested deeper than {self.limits.max_depth} archives; not scanned")
            )
            return
        inner = Outcome(into, outcome.errors)
        self.scan_bytes(name, member.data, depth + 1, inner)


def _size(n: int) -> str:
    """A byte count as people write it: 512 MiB, 1.5 KiB, 900 bytes."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} bytes"
