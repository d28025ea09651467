"""What every administrative command shares: exit codes, one-line errors, the runtime, --format.

A command fails with one line on standard error and exit code 2 for a usage, input or setting
error, 1 for an operation refused or failed (no such user, a conflict, the database down).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click
from pydantic import ValidationError

from wisp.config import Settings
from wisp.errors import (
    ConfigError,
    InvalidInput,
    PasswordRejected,
    UnknownPermission,
    UnknownRole,
    WispError,
)
from wisp.runtime import Runtime

__all__ = [
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "USAGE_ERRORS",
    "exit_code",
    "fail",
    "format_option",
    "load_settings",
    "open_runtime",
]

#: The operation was refused or failed: no such user, a conflict, the database unreachable.
EXIT_REFUSED = 1
#: A usage, input or configuration error.
EXIT_USAGE = 2
#: Errors that mean the command was given something wrong, rather than refused.
USAGE_ERRORS = (InvalidInput, PasswordRejected, UnknownRole, UnknownPermission, ConfigError)

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, JSON for scripts.",
)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print `wisp: message` on standard error and exit with `code`."""
    click.echo(f"wisp: {message}", err=True)
    sys.exit(code)


def exit_code(error: WispError) -> int:
    """EXIT_USAGE for something given wrong, EXIT_REFUSED for anything else."""
    return EXIT_USAGE if isinstance(error, USAGE_ERRORS) else EXIT_REFUSED


def load_settings() -> Settings:
    """The settings from the environment, or exit 2 naming the bad one (never its value)."""
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        fail(f"invalid setting {error['loc'][0]}: {error['msg']}")


@contextmanager
def open_runtime() -> Iterator[Runtime]:
    """The installation the environment names, its alert rules listening; errors as one line."""
    settings = load_settings()
    try:
        with Runtime.open(settings) as runtime:
            runtime.alerts  # noqa: B018 - from here on the rules watch what commands record
            yield runtime
    except WispError as exc:
        fail(str(exc), exit_code(exc))
