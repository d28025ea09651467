"""17.04(3): `wisp serve`: HTTPS by default; plain HTTP only on loopback or behind a declared proxy.

Each worker process opens its own runtime from the environment (`app_from_environment`), so the
settings the parent checked are the ones every worker serves.
"""

from __future__ import annotations

import gc
import ipaddress
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from wisp.config import Settings
from wisp.errors import ConfigError
from wisp.runtime import Runtime
from wisp.web.app import create_app
from wisp.web.tls import CERT_FILE, KEY_FILE, TLS_DIR, TlsFiles, load_tls_files

__all__ = ["ServePlan", "app_from_environment", "plan", "run"]


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


def run(serve: ServePlan, *, log_level: str = "warning") -> None:
    """Serve until interrupted."""
    uvicorn.run(
        "wisp.web.server:app_from_environment",
        factory=True,
        host=serve.host,
        port=serve.port,
        workers=serve.workers,
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
