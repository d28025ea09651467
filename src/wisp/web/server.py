"""17.04(3): `wisp serve`: HTTPS by default; plain HTTP only on loopback or behind a declared proxy.

Each worker process opens its own runtime from the environment (`app_from_environment`), so the
settings the parent checked are the ones every worker serves.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import multiprocessing
import signal
import socket
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess

import uvicorn
from fastapi import FastAPI

from wisp.config import Settings
from wisp.errors import ConfigError
from wisp.runtime import Runtime
from wisp.web.app import create_app
from wisp.web.tls import CERT_FILE, KEY_FILE, TLS_DIR, TlsFiles, load_tls_files

__all__ = ["ServePlan", "app_from_environment", "plan", "run"]

_log = logging.getLogger("wisp.web")
_BACKLOG = 2048
#: A worker that dies sooner than this after its start is broken, not unlucky: stop.
_MIN_LIFETIME_S = 5.0


@dataclass(frozen=True)
class ServePlan:
    """What `wisp serve` will do, decided and checked before any worker starts."""

    host: str
    port: int
    workers: int
    tls: TlsFiles | None
    trusted_proxies: tuple[str, ...]

    @property
    def url(self) -> str:
        """Where clients reach it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _proxies(text: str) -> tuple[str, ...]:
    proxies = tuple(part.strip() for part in text.split(",") if part.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(f"WISP_TRUSTED_PROXIES: {proxy!r} is not an address") from None
    return proxies


def plan(settings: Settings) -> ServePlan:
    """The checked plan; ConfigError if it would expose PI over plain HTTP."""
    proxies = _proxies(settings.trusted_proxies)
    tls = None
    if settings.plain_http:
        if not (_is_loopback(settings.bind) or proxies):
            raise ConfigError(
                f"plain HTTP on {settings.bind} would send PI unencrypted: serve HTTPS, bind a"
                " loopback address, or declare the TLS proxy in WISP_TRUSTED_PROXIES"
            )
    else:
        default = settings.home / TLS_DIR
        tls = load_tls_files(
            settings.tls_cert_file or default / CERT_FILE,
            settings.tls_key_file or default / KEY_FILE,
        )
    workers = settings.web_workers or settings.worker_count()
    return ServePlan(settings.bind, settings.port, workers, tls, proxies)


def app_from_environment() -> FastAPI:
    """One worker's app: the runtime from `WISP_*`, with alert rules watching its audit log."""
    rt = Runtime.open(Settings())
    rt.alerts  # noqa: B018 - registers the alert rules
    app = create_app(rt)
    # Everything built so far lives as long as the worker: keep the cyclic collector from
    # walking it again and again under load (each full pass shows up as a latency spike).
    gc.collect()
    gc.freeze()
    return app


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(_BACKLOG)
    return sock


def _serve_one(serve: ServePlan, log_level: str) -> None:
    """One worker: its own listening socket, one uvicorn server on it."""
    config = uvicorn.Config(
        "wisp.web.server:app_from_environment",
        factory=True,
        ssl_certfile=str(serve.tls.cert) if serve.tls else None,
        ssl_keyfile=str(serve.tls.key) if serve.tls else None,
        proxy_headers=bool(serve.trusted_proxies),
        forwarded_allow_ips=list(serve.trusted_proxies) or None,
        server_header=False,
        # Paths hold ids only, but an access line per request costs throughput; the audit log
        # records what matters.
        access_log=False,
        log_level=log_level,
    )
    uvicorn.Server(config).run(sockets=[_listen(serve.host, serve.port)])


def run(serve: ServePlan, *, log_level: str = "warning") -> None:
    """Serve until interrupted: one process per worker, each with a socket of its own.

    Workers sharing one accept queue (uvicorn's own multi-process mode) split connections
    unevenly, and the busier one sets the tail latency; with SO_REUSEPORT the kernel spreads
    connections evenly. A worker that dies is restarted; one that dies at start stops all.
    """
    _listen(serve.host, serve.port).close()  # the port must be free (or ours): fail here
    if serve.workers == 1:
        _serve_one(serve, log_level)
        return
    _Supervisor(serve, log_level).run()


class _Supervisor:
    """Starts the workers, restarts a dead one, stops them all on SIGINT or SIGTERM."""

    def __init__(self, serve: ServePlan, log_level: str) -> None:
        self._serve = serve
        self._log_level = log_level
        self._context = multiprocessing.get_context("spawn")
        self._stopping = False

    def _start(self) -> tuple[BaseProcess, float]:
        process = self._context.Process(target=_serve_one, args=(self._serve, self._log_level))
        process.start()
        return process, time.monotonic()

    def _stop(self, *_: object) -> None:
        self._stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        workers = [self._start() for _ in range(self._serve.workers)]
        try:
            while not self._stopping:
                time.sleep(0.2)
                for index, (process, started) in enumerate(workers):
                    if process.is_alive() or self._stopping:
                        continue
                    if time.monotonic() - started < _MIN_LIFETIME_S:
                        raise ConfigError(
                            f"a server worker exited at start (code {process.exitcode})"
                        )
                    _log.warning(
                        "server worker %d exited (code %s); restarting", index, process.exitcode
                    )
                    workers[index] = self._start()
        finally:
            for process, _ in workers:
                process.terminate()
            for process, _ in workers:
                process.join(timeout=30)
