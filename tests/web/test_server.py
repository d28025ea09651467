"""`wisp serve`'s plan: HTTPS unless loopback or behind a declared TLS proxy."""

from __future__ import annotations

from pathlib import Path

import pytest

from wisp.config import Settings
from wisp.errors import ConfigError
from wisp.web.server import plan
from wisp.web.tls import create_self_signed


def test_https_with_the_certificate_from_init(tmp_path: Path) -> None:
    files = create_self_signed(tmp_path)

    serving = plan(Settings(home=tmp_path, web_workers=2))

    assert serving.tls == files
    assert serving.url == "https://127.0.0.1:8443"
    assert serving.workers == 2


def test_https_without_a_certificate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        plan(Settings(home=tmp_path))


@pytest.mark.parametrize(
    ("bind", "proxies", "allowed"),
    [
        ("127.0.0.1", "", True),
        ("::1", "", True),
        ("localhost", "", True),
        ("0.0.0.0", "", False),  # noqa: S104 - the case under test
        ("192.168.1.10", "", False),
        ("0.0.0.0", "10.0.0.5", True),  # noqa: S104 - behind a declared TLS proxy
    ],
)
def test_plain_http_only_on_loopback_or_behind_a_proxy(
    tmp_path: Path, bind: str, proxies: str, allowed: bool
) -> None:
    settings = Settings(home=tmp_path, plain_http=True, bind=bind, trusted_proxies=proxies)

    if allowed:
        assert plan(settings).tls is None
    else:
        with pytest.raises(ConfigError, match="unencrypted"):
            plan(settings)


def test_a_malformed_proxy_address_is_named(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, plain_http=True, trusted_proxies="10.0.0.5, proxy.local")

    with pytest.raises(ConfigError, match=r"proxy\.local"):
        plan(settings)
