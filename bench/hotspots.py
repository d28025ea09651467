"""Where a one-worker scan spends its time: cProfile over `scan()` on a bench data set.

    python bench/hotspots.py [--scale 1] [--top 15] [--sort tottime] [text csv docs]

One scan runs first to warm the page cache and the name lists, then the profiled one, so the
lines show the per-byte cost rather than start-up; `--cold` profiles the first scan instead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

import data
from wisp.config import Settings
from wisp.discovery.scanner import ScanOptions, scan

__all__ = ["main", "profile"]


def profile(ds: data.Dataset, top: int, sort: str, *, cold: bool = False) -> str:
    """The top `top` lines of a profile of one one-worker scan of `ds`, sorted by `sort`."""
    with tempfile.TemporaryDirectory(prefix="wisp-hotspots-") as home:
        settings = Settings(home=Path(home))
        if not cold:
            scan([ds.path], settings, ScanOptions(workers=1))
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        report = scan([ds.path], settings, ScanOptions(workers=1))
        profiler.disable()
        seconds = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(sort).print_stats(top)
    # Paths relative to the checkout read better in a report than absolute ones.
    text = out.getvalue().replace(str(Path(__file__).resolve().parents[1]) + "/", "")
    body = text[text.index("   ncalls") :] if "   ncalls" in text else text
    summary = report.summary
    head = (
        f"{ds.name}: {summary.bytes_scanned / 1e6:.1f} MB, {summary.files_scanned} files, "
        f"{seconds:.2f} s under the profiler ({summary.bytes_scanned / 1e6 / seconds:.1f} MB/s)"
    )
    return f"{head}\n{body.rstrip()}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="*", metavar="SET", help="text, csv, docs (default all)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sort", default="tottime", help="a pstats sort key (cumulative, ...)")
    parser.add_argument("--cold", action="store_true", help="profile the first scan")
    parser.add_argument("--out", type=Path, default=data.DEFAULT_OUT)
    args = parser.parse_args(argv)
    if unknown := set(args.sets) - set(data.DATASETS):
        parser.error(f"unknown set: {', '.join(sorted(unknown))}")
    for name in args.sets or data.DATASETS:
        ds = data.ensure(name, args.out, args.scale)
        print(profile(ds, args.top, args.sort, cold=args.cold), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
