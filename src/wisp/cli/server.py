"""`wisp init` and `wisp serve`: set up an installation, then serve its API over HTTPS.

17.04(1)(b): no default password: the first administrator's password is the operator's, read from
a file, standard input or a prompt. 17.04(3): the server's certificate is made at init.
"""

from __future__ import annotations

from pathlib import Path

import click

from wisp.audit.events import Action, AuditEvent, Outcome, SystemActor, Target
from wisp.audit.keys import load_or_create_audit_keys
from wisp.cli.common import exit_code, fail, load_settings
from wisp.cli.secrets import read_secret
from wisp.config import Settings
from wisp.errors import Conflict, WispError
from wisp.runtime import Runtime
from wisp.storage.engine import describe, make_engine
from wisp.storage.migrate import upgrade
from wisp.vault.keyfile import KEYRING_FILE, FileKeyProvider
from wisp.web.server import plan, run
from wisp.web.tls import CERT_FILE, TLS_DIR, create_self_signed, fingerprint

__all__ = ["init_command", "serve_command"]


def _keyring(settings: Settings, passphrase: str | None) -> None:
    if settings.key_provider != "file":
        return  # the keys live elsewhere; Runtime.keys opens (and so checks) them below
    if (settings.home / KEYRING_FILE).exists():
        raise Conflict(f"{settings.home} is already initialized (its keyring exists)")
    FileKeyProvider.create(settings.home, passphrase)


def _tls(settings: Settings) -> str | None:
    if settings.tls_cert_file is not None:
        return fingerprint(settings.tls_cert_file)
    cert = settings.home / TLS_DIR / CERT_FILE
    if not cert.exists():
        create_self_signed(settings.home)
    return fingerprint(cert)


@click.command("init")
@click.option("--admin", "admin", required=True, help="User name of the first administrator.")
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the administrator's password from this file.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Protect the vault keyring with the passphrase in this file (Argon2id).",
)
@click.option("--passphrase", "ask_passphrase", is_flag=True, help="Ask for a keyring passphrase.")
def init_command(
    admin: str,
    password_file: Path | None,
    password_stdin: bool,
    passphrase_file: Path | None,
    ask_passphrase: bool,
) -> None:
    """Create the state directory, keys, TLS certificate, database and first administrator."""
    settings = load_settings()
    try:
        password = read_secret("password", file=password_file, stdin=password_stdin)
        passphrase = None
        if passphrase_file is not None or ask_passphrase:
            passphrase = read_secret("keyring passphrase", file=passphrase_file, stdin=False)
        settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        _keyring(settings, passphrase)
        load_or_create_audit_keys(settings.home)
        tls = _tls(settings)
        engine = make_engine(settings)
        upgrade(engine)
        with Runtime(settings, engine, passphrase=passphrase) as rt:
            versions = rt.keys.versions()
            rt.audit.record(
                AuditEvent(
                    Action.KEY_CREATED,
                    Outcome.SUCCESS,
                    actor=SystemActor.CLI,
                    target=Target("vault_key", versions[-1]),
                )
            )
            rt.identity.create_user(SystemActor.CLI, admin, password, ["admin"])
            where = describe(engine)
    except WispError as error:
        fail(str(error), exit_code(error))
    click.echo(f"wisp: initialized {settings.home}")
    click.echo(f"  database: {where}")
    if tls is not None:
        click.echo(f"  TLS certificate SHA-256: {tls}")
    click.echo("  first administrator created; they enroll MFA at their first sign-in")
    click.echo("  next: wisp serve")


@click.command("serve")
@click.option("--verbose", "-v", is_flag=True, help="Log each worker's start and stop.")
def serve_command(verbose: bool) -> None:
    """Serve the HTTPS API (settings: WISP_BIND, WISP_PORT, WISP_TLS_*, WISP_WEB_WORKERS)."""
    settings = load_settings()
    try:
        serving = plan(settings)
        # Fail here, with one line, rather than in every worker.
        with Runtime.open(settings) as rt:
            rt.keys.current()
    except WispError as error:
        fail(str(error), exit_code(error))
    click.echo(f"wisp: serving {serving.url} with {serving.workers} worker(s)", err=True)
    run(serving, log_level="info" if verbose else "warning")
