"""Speed bench: wisp's throughput on three data sets against its floors, beside ripgrep and
Presidio run on the same bytes in the same run. Prints figures; it never passes or fails.

    python bench/speed.py [--repeat 3] [--scale 1] [--sets text,csv,docs] [--no-rg] [--no-presidio]

Data sets (bench/data.py, seeded, cached under bench/out/data):
  text  ~100 MB of business mail, notes and logs in 16 files, a name+element paragraph per ~100 KB
  csv   ~32 MB payroll export in 4 files, every row a name, SSN, routing and account number
  docs  300 small docx/xlsx/pdf files, one in three with PI

wisp runs `scan()` with one worker (the per-core figure held against the floor) and with one
worker per core; each figure is the best of --repeat runs, MB = 10^6 bytes. ripgrep searches
the same files for the detectors' patterns (see `rg_patterns`), counting matching lines (`-c`)
and every match (`--count-matches`); Presidio's AnalyzerEngine with spaCy's small English model
reads the first 1 MB of one file of each set (bench/presidio_speed.py), on one thread.
Profiles of the same scans: python bench/hotspots.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import data
from wisp import __version__
from wisp.config import Settings
from wisp.discovery.detectors.base import Detector
from wisp.discovery.engine import Matcher
from wisp.discovery.scanner import ScanOptions, scan
from wisp.plugins import detector_classes

__all__ = ["FLOORS", "Row", "main", "rg_patterns"]

HERE = Path(__file__).resolve().parent
CORES = os.cpu_count() or 1
#: Per-core floors: (figure, unit).
FLOORS = {"text": (100.0, "MB/s"), "csv": (20.0, "MB/s"), "docs": (50.0, "files/s")}
_NOT_SCANNED = "binary file of no known format"


@dataclass
class Row:
    """The figures for one data set; None where a tool did not run."""

    name: str
    size: str
    unit: str
    wisp1: float = 0.0
    wisp_n: float = 0.0
    rg1: float | None = None
    rg_n: float | None = None
    rg_all1: float | None = None
    rg_pcre1: float | None = None
    presidio: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def floor(self) -> float:
        return FLOORS[self.name][0]


def best_of(repeat: int, run: Callable[[], float]) -> float:
    """The shortest of `repeat` timings of `run` (which returns its own elapsed seconds)."""
    return min(run() for _ in range(repeat))


# --------------------------------------------------------------------------- wisp


def time_wisp(ds: data.Dataset, workers: int, repeat: int, home: Path, row: Row) -> float:
    """wisp's best throughput on `ds` with `workers` processes, in the row's unit."""
    settings = Settings(home=home)
    seen: dict[str, int] = {}

    def once() -> float:
        started = time.perf_counter()
        report = scan([ds.path], settings, ScanOptions(workers=workers))
        seconds = time.perf_counter() - started
        skipped = sum(_NOT_SCANNED in e.error for e in report.errors)
        seen.update(pi=report.summary.files_with_pi, skipped=skipped, errors=len(report.errors))
        return seconds

    seconds = best_of(repeat, once)
    note = f"{seen['pi']}/{ds.pi_files} planted PI files found"
    if seen["skipped"]:
        note += f"; {seen['skipped']} files of no known format (extractor missing?)"
    elif seen["errors"]:
        note += f"; {seen['errors']} scan errors"
    if note not in row.notes:
        row.notes.append(note)
    return (ds.files if row.unit == "files/s" else ds.bytes / 1e6) / seconds


# --------------------------------------------------------------------------- ripgrep


def _relative_backrefs(regex: str) -> str:
    r"""`\1`-style backreferences as PCRE2 relative ones (`\g{-1}`), so that the patterns
    still refer to their own groups once rg joins them into one alternation."""
    out, opened, i = [], 0, 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\" and i + 1 < len(regex):
            nxt = regex[i + 1]
            if nxt.isdigit() and nxt != "0":
                out.append(f"\\g{{{int(nxt) - opened - 1}}}")
            else:
                out.append(regex[i : i + 2])
            i += 2
            continue
        if ch == "(" and not regex.startswith("(?", i):
            opened += 1
        out.append(ch)
        i += 1
    return "".join(out)


def rg_patterns(*, precise: bool) -> list[str]:
    """The element detectors' patterns for rg.

    rg's default (Rust) engine has no look-around or backreferences, which every precise
    pattern uses, so it gets the Hyperscan prefilters wisp runs first; `rg -P` (PCRE2) gets
    the precise patterns themselves. Neither gets wisp's context words, checksums or names:
    rg finds candidates, wisp decides which are personal information.
    """
    detectors = [cls() for cls in detector_classes() if issubclass(cls, Detector)]
    slots = Matcher(detectors, use_hyperscan=False).slots
    if precise:
        return [_relative_backrefs(s.pattern.regex) for s in slots]
    return [s.pattern.prefilter for s in slots]


def rg_command(
    path: Path, threads: int, *, precise: bool = False, every: bool = False
) -> list[str]:
    """rg over `path`: `-c` counts matching lines, so stops at a line's first match;
    `every` (--count-matches) finds every match, the work wisp has to do."""
    count = "--count-matches" if every else "-c"
    cmd = ["rg", count, "--no-config", "-uu", "--no-unicode", f"-j{threads}"]
    if precise:
        cmd.append("-P")
    for pattern in rg_patterns(precise=precise):
        cmd += ["-e", pattern]
    return [*cmd, str(path)]


def time_rg(
    ds: data.Dataset, threads: int, repeat: int, *, precise: bool = False, every: bool = False
) -> float:
    """rg's best MB/s over `ds` with `threads` threads."""
    cmd = rg_command(ds.path, threads, precise=precise, every=every)

    def once() -> float:
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode > 1:  # 1 means no line matched
            raise RuntimeError(done.stderr.decode(errors="replace").strip()[:300])
        return seconds

    return ds.bytes / 1e6 / best_of(repeat, once)


# --------------------------------------------------------------------------- Presidio


def time_presidio(ds: data.Dataset, size: int, chunk: int) -> tuple[float | None, str]:
    """Presidio's MB/s on the first `size` bytes of the set's first file, and a note."""
    sample = min(p for p in ds.path.iterdir() if p.is_file())
    cmd = [sys.executable, str(HERE / "presidio_speed.py"), "--bytes", str(size)]
    cmd += ["--chunk", str(chunk), str(sample)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    if done.returncode != 0 or "seconds" not in result:
        reason = result.get("error") or done.stderr.strip().splitlines()[-1:] or "failed"
        return None, f"presidio: {reason}"
    found = ", ".join(f"{k} {v}" for k, v in sorted(result["found"].items()))
    rate = result["bytes"] / 1e6 / result["seconds"]
    where = f"first {result['bytes']:,} bytes of {sample.name} in {chunk:,}-char pieces"
    return rate, f"presidio on {where}, found {found}"


# --------------------------------------------------------------------------- report


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 1 else f"{value:.3f}"


def _ratio(a: float, b: float | None) -> str:
    if not b:
        return "-"
    r = a / b
    return f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 1 else f"{r:.2f}x"


def table(rows: list[Row], command: str, load: str) -> str:
    """The compact result table, headed by the command and machine that produced it."""
    head = [
        "set",
        "size",
        "unit",
        "wisp 1 core",
        f"wisp {CORES} cores",
        "floor/core",
        "meets",
        "rg -c -j1",
        f"rg -c -j{CORES}",
        "rg all -j1",
        "rg -P all -j1",
        "presidio",
        "wisp/rg",
        "wisp/presidio",
    ]
    body = [
        [
            r.name,
            r.size,
            r.unit,
            _fmt(r.wisp1),
            _fmt(r.wisp_n),
            _fmt(r.floor),
            "yes" if r.wisp1 >= r.floor else "NO",
            _fmt(r.rg1),
            _fmt(r.rg_n),
            _fmt(r.rg_all1),
            _fmt(r.rg_pcre1),
            _fmt(r.presidio),
            _ratio(r.wisp1, r.rg1),
            _ratio(r.wisp1, r.presidio),
        ]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = [
        f"$ {command}",
        f"# {dt.date.today()} wisp {__version__}, {CORES} cores, python {sys.version.split()[0]}"
        f", {_rg_version()}, load average {load} at start, {_load()} at end",
        "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip(),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)).rstrip() for b in body]
    lines += [
        "# rg -c counts lines with a match (it stops at a line's first); 'all' is --count-matches,",
        "# every match, as wisp must. rg gets the Hyperscan prefilters, -P (PCRE2) the precise",
        "# regexes. Ratios are per core: wisp 1 core / rg -c -j1, and / presidio on one thread.",
    ]
    lines += [f"# {r.name}: {note}" for r in rows for note in r.notes]
    return "\n".join(lines)


def _load() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


def _rg_version() -> str:
    if shutil.which("rg") is None:
        return "rg missing"
    out = subprocess.run(["rg", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.split("\n", 1)[0]


# --------------------------------------------------------------------------- main


def _measure(ds: data.Dataset, args: argparse.Namespace, home: Path) -> Row:
    unit = FLOORS[ds.name][1]
    row = Row(ds.name, f"{ds.bytes / 1e6:.1f} MB/{ds.files} files", unit)
    row.wisp1 = time_wisp(ds, 1, args.repeat, home, row)
    print(f"  wisp 1 worker   {_fmt(row.wisp1)} {unit}", flush=True)
    row.wisp_n = time_wisp(ds, CORES, args.repeat, home, row)
    print(f"  wisp {CORES} workers  {_fmt(row.wisp_n)} {unit}", flush=True)
    if ds.name == "docs":
        row.notes.append("rg and Presidio read text, not docx/xlsx/pdf: not run")
        return row
    if args.rg and shutil.which("rg") is None:
        row.notes.append("rg is missing (bench/run.sh installs it): not run")
    elif args.rg:
        try:
            row.rg1 = time_rg(ds, 1, args.repeat)
            row.rg_n = time_rg(ds, CORES, args.repeat)
            row.rg_all1 = time_rg(ds, 1, args.repeat, every=True)
            row.rg_pcre1 = time_rg(ds, 1, args.repeat, precise=True, every=True)
        except RuntimeError as exc:
            row.notes.append(f"rg failed: {exc}")
        print(
            f"  rg -c -j1 {_fmt(row.rg1)}, -c -j{CORES} {_fmt(row.rg_n)}, --count-matches -j1 "
            f"{_fmt(row.rg_all1)}, -P --count-matches -j1 {_fmt(row.rg_pcre1)} MB/s",
            flush=True,
        )
    if args.presidio:
        row.presidio, note = time_presidio(ds, args.presidio_bytes, args.presidio_chunk)
        row.notes.append(note)
        print(f"  presidio {_fmt(row.presidio)} MB/s", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; best is kept")
    parser.add_argument("--scale", type=float, default=1.0, help="data size multiplier")
    parser.add_argument("--sets", default=",".join(data.DATASETS), help="comma-separated")
    parser.add_argument("--no-rg", dest="rg", action="store_false")
    parser.add_argument("--no-presidio", dest="presidio", action="store_false")
    parser.add_argument("--presidio-bytes", type=int, default=1_000_000, help="sample size")
    parser.add_argument("--presidio-chunk", type=int, default=10_000, help="chars per call")
    parser.add_argument("--out", type=Path, default=data.DEFAULT_OUT, help="where data is kept")
    args = parser.parse_args(argv)
    sets = [s for s in re.split(r"[,\s]+", args.sets) if s]
    if unknown := set(sets) - set(data.DATASETS):
        parser.error(f"unknown set: {', '.join(sorted(unknown))}")
    command = shlex.join(["python", "bench/speed.py", *(sys.argv[1:] if argv is None else argv)])
    rows, load = [], _load()
    with tempfile.TemporaryDirectory(prefix="wisp-bench-") as home:
        for name in sets:
            print(f"{name}: preparing data (cached under {args.out})", flush=True)
            ds = data.ensure(name, args.out, args.scale)
            print(f"{name}: {ds.bytes / 1e6:.1f} MB in {ds.files} files", flush=True)
            rows.append(_measure(ds, args, Path(home)))
    print()
    print(table(rows, command, load))
    print("\nQuality (precision/recall) is a separate bench: python bench/quality.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
