"""`wisp scan`: walk the given paths, scan files on every core, and build the report."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from wisp import __version__
from wisp.config import Settings
from wisp.discovery.cache import ScanCache
from wisp.discovery.fingerprint import load_or_create_key
from wisp.discovery.models import ScanError, ScanReport
from wisp.discovery.policy import ScanPolicy
from wisp.discovery.sources.filesystem import FileEntry, walk
from wisp.discovery.worker import FileScanner, Limits, Outcome
from wisp.plugins import detector_classes, extractor_classes

__all__ = ["Progress", "ScanOptions", "scan"]

CACHE_FILE = "scan-cache.sqlite"

#: Called after each file with (files done, bytes done).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScanOptions:
    """How one scan runs; `workers` None means the settings' choice (one per core)."""

    workers: int | None = None
    incremental: bool = False
    policy: ScanPolicy = field(default_factory=ScanPolicy)
    progress: Progress | None = None


_worker: FileScanner | None = None


def _init_worker(key: bytes, limits: Limits, ignore: frozenset[str]) -> None:
    global _worker  # noqa: PLW0603 - one scanner per worker process, built once
    _worker = FileScanner(key, limits, ignore)


def _scan_in_worker(job: tuple[str, str]) -> Outcome:
    assert _worker is not None, "worker not initialized"
    return _worker.scan_file(*job)


def _limits(settings: Settings) -> Limits:
    return Limits(
        max_file_bytes=settings.max_file_bytes,
        max_depth=settings.archive_max_depth,
        max_members=settings.archive_max_members,
        max_ratio=settings.archive_max_ratio,
        max_bytes=settings.archive_max_bytes,
        max_findings=settings.max_findings_per_file,
    )


def _digest(key: bytes, limits: Limits, policy: ScanPolicy) -> str:
    text = repr((__version__, hashlib.sha256(key).hexdigest(), limits, policy.ignore_paths))
    text += repr(sorted(policy.ignore_fingerprints))
    # A plugin that adds a detector or an extractor changes what a scan finds.
    plugins = (*detector_classes(), *extractor_classes())
    text += repr([f"{cls.__module__}.{cls.__qualname__}" for cls in plugins])
    return hashlib.sha256(text.encode()).hexdigest()


def _entries(roots: Sequence[Path], policy: ScanPolicy, report: ScanReport) -> Iterator[FileEntry]:
    names = [root.name or str(root) for root in roots]
    for root, name in zip(roots, names, strict=True):
        # Several roots: each one's paths start with its name (its whole path if two share one).
        label = name if names.count(name) == 1 else str(root)
        prefix = f"{label}/" if len(roots) > 1 and root.is_dir() else ""
        for item in walk(root, skip=policy.skips):
            if isinstance(item, ScanError):
                report.errors.append(ScanError(prefix + item.path, item.error))
            else:
                yield FileEntry(item.path, prefix + item.rel, item.size, item.mtime_ns)


def scan(
    paths: Sequence[Path], settings: Settings, options: ScanOptions | None = None
) -> ScanReport:
    """Scan files and directories; the report lists files with their findings, and errors."""
    options = options or ScanOptions()
    started = time.perf_counter()
    key = load_or_create_key(settings.home)
    limits = _limits(settings)
    report = ScanReport(root=", ".join(str(p) for p in paths))
    cache = (
        ScanCache(settings.home / CACHE_FILE, _digest(key, limits, options.policy))
        if options.incremental
        else None
    )
    todo: list[FileEntry] = []
    outcomes: list[tuple[FileEntry, Outcome]] = []
    for entry in _entries(paths, options.policy, report):
        where = os.path.abspath(entry.path)
        cached = cache.get(where, entry.size, entry.mtime_ns, entry.rel) if cache else None
        if cached is not None:
            outcomes.append((entry, cached))
        else:
            todo.append(entry)
    fresh = list(_run(todo, key, limits, options, settings))
    if cache is not None:
        cache.put_many(
            (os.path.abspath(e.path), e.size, e.mtime_ns, e.rel, o)
            for e, o in fresh
            if not o.errors
        )
        cache.close()
    outcomes.extend(fresh)
    outcomes.sort(key=lambda pair: pair[0].rel)
    for entry, outcome in outcomes:
        if outcome.results:  # bytes of files that were read, not of those refused
            report.summary.bytes_scanned += entry.size
        report.files.extend(outcome.results)
        report.errors.extend(outcome.errors)
    report.summary.files_scanned = len(report.files)
    report.summary.files_with_pi = sum(f.contains_pi for f in report.files)
    report.errors.sort(key=lambda e: e.path)
    report.summary.seconds = time.perf_counter() - started
    return report


def _run(
    todo: list[FileEntry], key: bytes, limits: Limits, options: ScanOptions, settings: Settings
) -> Iterator[tuple[FileEntry, Outcome]]:
    global _worker  # noqa: PLW0603 - the scanner forked workers inherit
    workers = options.workers or settings.worker_count()
    ignore = options.policy.ignore_fingerprints
    done_files = done_bytes = 0
    scanner = FileScanner(key, limits, ignore)
    if workers <= 1 or len(todo) <= 1:
        outcomes: Iterator[Outcome] = (scanner.scan_file(e.path, e.rel) for e in todo)
        pool = None
    elif "fork" in multiprocessing.get_all_start_methods():
        # Compile every pattern database once, here; forked workers inherit them.
        scanner.matcher.warm()
        _worker = scanner
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(todo)), mp_context=multiprocessing.get_context("fork")
        )
    else:  # pragma: no cover - platforms without fork build a scanner per worker
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(todo)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(key, limits, ignore),
        )
    if pool is not None:
        chunk = max(1, min(32, len(todo) // (workers * 8)))
        outcomes = pool.map(_scan_in_worker, [(e.path, e.rel) for e in todo], chunksize=chunk)
    try:
        for entry, outcome in zip(todo, outcomes, strict=True):
            done_files += 1
            done_bytes += entry.size
            if options.progress is not None:
                options.progress(done_files, done_bytes)
            yield entry, outcome
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
            _worker = None
