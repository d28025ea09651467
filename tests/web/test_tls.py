"""The self-signed certificate made at init, and the checks on an operator's pair."""

from __future__ import annotations

import ipaddress
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from wisp.errors import ConfigError
from wisp.web.tls import create_self_signed, fingerprint, load_tls_files


def test_self_signed_names_loopback_and_keeps_its_key_private(tmp_path: Path) -> None:
    files = create_self_signed(tmp_path)

    certificate = x509.load_pem_x509_certificate(files.cert.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
    assert certificate.not_valid_after_utc - certificate.not_valid_before_utc < timedelta(days=400)
    assert load_tls_files(files.cert, files.key) == files


def test_an_existing_certificate_is_never_overwritten(tmp_path: Path) -> None:
    files = create_self_signed(tmp_path)
    before = files.cert.read_bytes()

    with pytest.raises(ConfigError, match="already exists"):
        create_self_signed(tmp_path)
    assert files.cert.read_bytes() == before


def test_fingerprint_is_the_sha256_browsers_show(tmp_path: Path) -> None:
    files = create_self_signed(tmp_path)

    shown = fingerprint(files.cert)

    assert len(shown.split(":")) == 32
    assert shown == shown.upper()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("missing", "does not exist"),
        ("loose_key", "readable by others"),
        ("not_pem", "not a PEM certificate"),
        ("expired", "expired"),
    ],
)
def test_a_bad_pair_is_refused_with_one_line(tmp_path: Path, damage: str, message: str) -> None:
    now = datetime.now(UTC) - timedelta(days=500) if damage == "expired" else None
    files = create_self_signed(tmp_path, now=now)
    if damage == "missing":
        files.key.unlink()
    elif damage == "loose_key":
        files.key.chmod(0o644)
    elif damage == "not_pem":
        files.cert.write_text("not a certificate\n")

    with pytest.raises(ConfigError, match=message):
        load_tls_files(files.cert, files.key)
