"""HTTPS load on `wisp serve`: 50 concurrent clients reading masked records, with h2load.

For each database (SQLite, then PostgreSQL in a throwaway schema) it builds a fresh installation
(keyring, TLS certificate, schema, a clerk with a read-only API token, a collection of N records
with names, SSNs and account numbers), starts `wisp serve` over HTTPS with one worker per core,
and runs h2load (HTTP/1.1, one thread, 50 keep-alive connections) against
GET /api/collections/employees/records/<id>, cycling through the record ids. The connections
are opened and used for a warm-up period first; only the requests after it count, each timed
from h2load's per-request log. Floors (the issue's): >= 1,000 requests/s, p99 < 50 ms, no
errors.

    python bench/http_load.py [--seconds 20] [--warm-up 3] [--records 2000]
                              [--only sqlite|postgresql] [--workers N]

h2load is Debian's nghttp2-client package, a load generator in C; bench/run_http.sh installs
it. wrk, used before, cannot leave out the connections' set-up: a run of it opens 50 TLS
connections at once, and the requests queued behind those handshakes weigh on its p99.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from wisp.audit.events import SystemActor
from wisp.config import Settings
from wisp.runtime import Runtime
from wisp.storage.engine import make_engine
from wisp.storage.migrate import upgrade
from wisp.vault.keyfile import FileKeyProvider
from wisp.vault.views import Classification, CollectionSpec, FieldSpec
from wisp.web.tls import create_self_signed

POSTGRES_URL = os.environ.get(
    "WISP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FLOOR_RPS = 1000.0
FLOOR_P99_MS = 50.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _postgres_schema() -> Iterator[str]:
    schema = f"wisp_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _install(home: Path, database_url: str | None, records: int) -> tuple[str, list[str]]:
    """A fresh installation; the clerk's token and the record ids."""
    settings = Settings(home=home, database_url=database_url)
    FileKeyProvider.create(home)
    create_self_signed(home)
    engine = make_engine(settings)
    upgrade(engine)
    rng = random.Random(17)
    with Runtime(settings, engine) as rt:
        cli = SystemActor.CLI
        clerk = rt.identity.create_user(
            cli, "bench-clerk", "correct horse battery staple 17", ["clerk"]
        )
        secret, _ = rt.identity.issue_token(cli, clerk.id, "bench", ["records:read"], 30)
        spec = CollectionSpec(
            "employees",
            "Payroll and tax filing for staff.",
            (
                FieldSpec("first_name", Classification.NAME),
                FieldSpec("last_name", Classification.NAME),
                FieldSpec("ssn", Classification.SSN, indexed=True),
                FieldSpec("account", Classification.ACCOUNT),
                FieldSpec("department", Classification.NOT_PI),
            ),
        )
        rt.vault.create_collection(cli, spec)
        ids = []
        for n in range(records):
            values = {
                "first_name": rng.choice(["Maria", "James", "Aisha", "Wei", "John"]),
                "last_name": rng.choice(["Lopez", "Smith", "Khan", "Chen", "Doe"]),
                "ssn": f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
                "account": str(rng.randint(10**9, 10**12)),
                "department": f"dept {n % 12}",
            }
            ids.append(str(rt.vault.create_record(cli, "employees", values).id))
    return secret, ids


@contextmanager
def _server(home: Path, database_url: str | None, port: int, workers: int) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISP_")}
    env.update({"WISP_HOME": str(home), "WISP_PORT": str(port), "WISP_WEB_WORKERS": str(workers)})
    if database_url:
        env["WISP_DATABASE_URL"] = database_url
    command = [sys.executable, "-c", "from wisp.cli import main; main()", "serve"]
    # Its log goes to a file: a pipe nobody reads would stall the server once full.
    with _log_path(home).open("w") as log:
        process = subprocess.Popen(command, env=env, stderr=log, text=True)
    url = f"https://127.0.0.1:{port}"
    try:
        _wait_healthy(url, home / "tls" / "cert.pem", process, _log_path(home))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _log_path(home: Path) -> Path:
    return home.parent / "serve.log"


def _wait_healthy(url: str, cert: Path, process: subprocess.Popen[str], log: Path) -> None:
    context = ssl.create_default_context(cafile=str(cert))
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit(f"wisp serve exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", context=context, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("wisp serve did not answer within 20 s")


def _failures(output: str) -> int:
    """The requests h2load counts as failed, errored or timed out."""
    match = re.search(r"(\d+) failed, (\d+) errored, (\d+) timeout", output)
    if match is None:
        raise SystemExit(f"h2load printed no request counts:\n{output}")
    return sum(int(g) for g in match.groups())


def _figures(log: Path, seconds: float, failures: int) -> dict[str, float]:
    """req/s, p50 and p99 (ms) and errors from h2load's log: start us, status, duration us.

    h2load logs a request it stopped when the time was up with status 0, and counts it neither
    as done nor failed: such a request, begun in the last second, is left out. A status 0
    earlier is an error.
    """
    rows = [[int(field) for field in line.split("\t")] for line in log.read_text().splitlines()]
    if not rows:
        raise SystemExit("h2load logged no requests")
    end = max(start + took for start, _, took in rows)
    cut_off = [row for row in rows if row[1] == 0 and row[0] >= end - 1_000_000]
    done = [row for row in rows if row not in cut_off]
    cuts = statistics.quantiles([took / 1000 for _, _, took in done], n=100, method="inclusive")
    return {
        "rps": len(done) / seconds,
        "p50": cuts[49],
        "p99": cuts[98],
        "errors": float(sum(1 for _, status, _ in done if not 200 <= status < 300) + failures),
    }


def _run(kind: str, args: argparse.Namespace) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        _postgres_schema() if kind == "postgresql" else _nothing() as database_url,
    ):
        home = Path(tmp) / "home"
        token, ids = _install(home, database_url, args.records)
        with _server(home, database_url, _free_port(), args.workers) as url:
            uris = Path(tmp) / "uris.txt"
            uris.write_text("".join(f"{url}/api/collections/employees/records/{i}\n" for i in ids))
            log = Path(tmp) / "requests.tsv"
            h2load = [
                "h2load", "--h1", "-t1", f"-c{args.connections}",
                f"-D{args.seconds}", f"--warm-up-time={args.warm_up}",
                "-H", f"Authorization: Bearer {token}", "-i", str(uris), "--log-file", str(log),
            ]  # fmt: skip
            done = subprocess.run(h2load, capture_output=True, text=True, check=True)
            figures = _figures(log, args.seconds, _failures(done.stdout))
            if figures["errors"]:
                summary = [line for line in done.stdout.splitlines() if "requests:" in line]
                statuses = sorted({line.split("\t")[1] for line in log.read_text().splitlines()})
                print(
                    f"{kind}: h2load {'; '.join(summary).strip()}; statuses {statuses}",
                    file=sys.stderr,
                )
            return figures


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="measured, after the warm-up")
    parser.add_argument("--warm-up", type=int, default=3, help="seconds before measuring")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--workers", type=int, default=0, help="WISP_WEB_WORKERS (0: default)")
    args = parser.parse_args()
    if shutil.which("h2load") is None:
        raise SystemExit("h2load is not installed: run bash bench/run_http.sh (installs it)")
    print(f"wisp serve over HTTPS, {args.connections} connections, {args.seconds} s, masked reads")
    print(f"floors: >= {FLOOR_RPS:,.0f} req/s, p99 < {FLOOR_P99_MS:.0f} ms, no errors")
    print(f"{'database':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}  floors")
    failed = False
    for kind in [args.only] if args.only else ["sqlite", "postgresql"]:
        r = _run(kind, args)
        ok = r["rps"] >= FLOOR_RPS and r["p99"] < FLOOR_P99_MS and r["errors"] == 0
        failed |= not ok
        print(
            f"{kind:<12}{r['rps']:>10,.0f}{r['p50']:>10.1f}{r['p99']:>10.1f}{r['errors']:>8.0f}"
            f"  {'met' if ok else 'MISSED'}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
