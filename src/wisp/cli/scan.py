"""`wisp scan`: find personal information in files and folders (17.03(2)(b), 17.04(4))."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn, TextIO

import click
from pydantic import ValidationError

from wisp.cli.output import write_output
from wisp.config import Settings
from wisp.discovery.demo import demo_folder
from wisp.discovery.detectors.base import Detector
from wisp.discovery.fingerprint import Fingerprinter, load_or_create_key
from wisp.discovery.models import ScanReport
from wisp.discovery.policy import load_policy
from wisp.discovery.scanner import Progress, ScanOptions, scan
from wisp.errors import WispError
from wisp.plugins import detector_classes, renderer_classes

__all__ = ["EXIT_PI_FOUND", "EXIT_USAGE", "scan_command"]

EXIT_PI_FOUND = 1
EXIT_USAGE = 2


def _formats() -> list[str]:
    return [cls.FORMAT for cls in renderer_classes()]


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_formats()),
    default=None,
    help="Report format; 'table' on a terminal, 'json' otherwise.",
)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report here.")
@click.option("--workers", type=click.IntRange(min=1), help="Processes to use (default: cores).")
@click.option(
    "--incremental", is_flag=True, help="Reuse results of files unchanged since last scan."
)
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path),
    help="TOML file with [scan] ignore_paths, public_values, ignore_fingerprints.",
)
@click.option("--fail-on-pi", is_flag=True, help="Exit 1 if any file contains PI.")
@click.option("--demo", is_flag=True, help="Scan the bundled demo folder.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def scan_command(
    paths: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    workers: int | None,
    incremental: bool,
    config: Path | None,
    fail_on_pi: bool,
    demo: bool,
    quiet: bool,
) -> None:
    """Find personal information (201 CMR 17.02) in PATHS: files, folders, archives, mail."""
    try:
        settings = Settings()
    except ValidationError as exc:
        _fail(f"invalid setting {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    if demo:
        paths = (*paths, demo_folder())
    if not paths:
        _fail("give at least one path to scan (or --demo)")
    if fmt is None:
        fmt = (
            "table" if output is None and sys.stdout.isatty() and "table" in _formats() else "json"
        )
    try:
        key = load_or_create_key(settings.home)
        detectors = [cls() for cls in detector_classes() if issubclass(cls, Detector)]
        policy = load_policy(config or _default_config(settings), detectors, Fingerprinter(key))
        with _progress(quiet) as progress:
            report = scan(
                list(paths),
                settings,
                ScanOptions(workers, incremental, policy, progress),
            )
        write_output(output, lambda out: _render(fmt, report, out))
    except WispError as exc:
        _fail(str(exc))
    if fail_on_pi and report.summary.files_with_pi:
        sys.exit(EXIT_PI_FOUND)


def _default_config(settings: Settings) -> Path | None:
    path = settings.home / "scan.toml"
    return path if path.exists() else None


def _render(fmt: str, report: ScanReport, out: TextIO) -> None:
    renderer = next(cls for cls in renderer_classes() if fmt == cls.FORMAT)
    renderer().render(report, out)


class _progress:
    """A progress line on stderr when it is a terminal; a no-op otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self._bar: object | None = None

    def __enter__(self) -> Progress | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import Progress as Bar
        from rich.progress import SpinnerColumn, TextColumn

        bar = Bar(
            SpinnerColumn(),
            TextColumn("{task.completed} files, {task.fields[mb]:.1f} MB scanned"),
            console=Console(stderr=True),
            transient=True,
        )
        bar.start()
        task = bar.add_task("scan", total=None, mb=0.0)
        self._bar = bar

        def update(files: int, nbytes: int) -> None:
            bar.update(task, completed=files, mb=nbytes / 1e6)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()  # type: ignore[attr-defined]


def _fail(message: str) -> NoReturn:
    click.echo(f"wisp: {message}", err=True)
    sys.exit(EXIT_USAGE)
