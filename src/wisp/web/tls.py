"""17.04(3): the server's TLS certificate: a self-signed one made at `wisp init`, or the operator's.

The self-signed certificate names localhost, the host's name and the loopback addresses; its key
is ECDSA P-256, written 0600 beside it in the state directory. A browser will warn until the
operator installs a certificate from their own CA (`WISP_TLS_CERT_FILE`, `WISP_TLS_KEY_FILE`);
the fingerprint `wisp init` prints lets a user check the warning is about this certificate.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wisp.errors import ConfigError

__all__ = [
    "CERT_FILE",
    "KEY_FILE",
    "TLS_DIR",
    "TlsFiles",
    "create_self_signed",
    "fingerprint",
    "load_tls_files",
]

TLS_DIR = "tls"
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
#: Short enough that a forgotten self-signed certificate is noticed, long enough to set up a CA.
_VALID_DAYS = 397


@dataclass(frozen=True)
class TlsFiles:
    """Where the server's certificate chain and private key are."""

    cert: Path
    key: Path


def _names() -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    host = socket.gethostname()
    if host and host != "localhost":
        names.append(x509.DNSName(host))
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    return names


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def create_self_signed(home: Path, *, now: datetime | None = None) -> TlsFiles:
    """A new self-signed certificate and key in `<home>/tls/`; ConfigError if one exists."""
    directory = home / TLS_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = TlsFiles(directory / CERT_FILE, directory / KEY_FILE)
    if files.cert.exists() or files.key.exists():
        raise ConfigError(f"a TLS certificate already exists in {directory}")
    key = ec.generate_private_key(ec.SECP256R1())
    start = (now or datetime.now(UTC)) - timedelta(minutes=5)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wisp (self-signed)")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_names()), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    _write_private(
        files.key,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    _write_private(files.cert, certificate.public_bytes(serialization.Encoding.PEM))
    return files


def load_tls_files(cert: Path, key: Path) -> TlsFiles:
    """The pair, checked: both readable, the key private to its owner, the cert still valid."""
    for path in (cert, key):
        if not path.is_file():
            raise ConfigError(f"TLS file {path} does not exist (run wisp init, or set its path)")
    if key.stat().st_mode & 0o077:
        raise ConfigError(f"TLS key {key} is readable by others; chmod 600 it")
    try:
        certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    except ValueError:
        raise ConfigError(f"TLS certificate {cert} is not a PEM certificate") from None
    expires = certificate.not_valid_after_utc
    if expires <= datetime.now(UTC):
        raise ConfigError(f"TLS certificate {cert} expired on {expires:%Y-%m-%d}")
    return TlsFiles(cert, key)


def fingerprint(cert: Path) -> str:
    """The certificate's SHA-256 fingerprint, as browsers show it (AB:CD:...)."""
    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()
