"""`wisp init` then `wisp serve`: a real HTTPS server in its own processes, on both databases."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from webworld import PASSWORD
from wisp_testdb import Database

from wisp.web.middleware import HSTS

WISP = [sys.executable, "-c", "from wisp.cli import main; main()"]


def _env(database: Database, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISP_")}
    env["WISP_HOME"] = str(database.settings.home)
    if database.kind == "postgresql":
        url = database.settings.database_url
        assert url is not None
        env["WISP_DATABASE_URL"] = url.get_secret_value()
    env.update(extra)
    return env


def _init(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WISP, "init", "--admin", "root", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class _Server:
    process: subprocess.Popen[str]
    url: str
    port: int
    context: ssl.SSLContext
    env: dict[str, str]


def _start(database: Database) -> _Server:
    """`wisp init`, then `wisp serve` with two workers, answering /api/health."""
    port = _free_port()
    env = _env(database, WISP_PORT=str(port), WISP_WEB_WORKERS="2")
    done = _init(env)
    assert done.returncode == 0, done.stderr
    assert "TLS certificate SHA-256" in done.stdout
    context = ssl.create_default_context(cafile=str(database.settings.home / "tls" / "cert.pem"))
    process = subprocess.Popen([*WISP, "serve"], env=env, stderr=subprocess.PIPE, text=True)
    server = _Server(process, f"https://127.0.0.1:{port}", port, context, env)
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"{server.url}/api/health", context=context, timeout=2):  # noqa: S310
                return server
        except OSError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.1)
    return server


@pytest.fixture
def served(database: Database) -> Iterator[tuple[str, ssl.SSLContext, dict[str, str]]]:
    server = _start(database)
    try:
        yield server.url, server.context, server.env
    finally:
        server.process.terminate()
        server.process.communicate(timeout=30)


def test_init_then_serve_speaks_https_with_hsts(
    served: tuple[str, ssl.SSLContext, dict[str, str]],
) -> None:
    url, context, _ = served

    with urllib.request.urlopen(f"{url}/api/openapi.json", context=context) as answer:  # noqa: S310
        assert answer.headers["Strict-Transport-Security"] == HSTS.decode()
        assert "/api/auth/sign-in" in json.load(answer)["paths"]


def test_the_first_administrator_signs_in_and_must_enrol_mfa(
    served: tuple[str, ssl.SSLContext, dict[str, str]],
) -> None:
    url, context, _ = served
    request = urllib.request.Request(  # noqa: S310
        f"{url}/api/auth/sign-in",
        data=json.dumps({"username": "root", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json", "X-Requested-With": "wisp"},
    )

    with urllib.request.urlopen(request, context=context) as answer:  # noqa: S310
        assert json.load(answer)["state"] == "pending_enrollment"
        assert "Secure" in answer.headers["Set-Cookie"]


def test_plain_http_to_the_https_port_gets_nothing(
    served: tuple[str, ssl.SSLContext, dict[str, str]],
) -> None:
    url, _, _ = served

    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen(url.replace("https", "http") + "/api/health", timeout=5)  # noqa: S310


def test_init_refuses_to_run_twice(served: tuple[str, ssl.SSLContext, dict[str, str]]) -> None:
    _, _, env = served

    again = _init(env)

    assert again.returncode == 1
    assert "already initialized" in again.stderr


def test_serve_refuses_plain_http_off_loopback(database: Database) -> None:
    env = _env(database, WISP_PLAIN_HTTP="true", WISP_BIND="0.0.0.0")  # noqa: S104

    done = subprocess.run(
        [*WISP, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 2
    assert "unencrypted" in done.stderr
    assert done.stderr.count("\n") == 1


def test_stopping_the_server_stops_every_worker(database: Database) -> None:
    server = _start(database)

    server.process.terminate()
    server.process.communicate(timeout=30)

    assert server.process.returncode == 0
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", server.port), timeout=2),
    ):
        pass
