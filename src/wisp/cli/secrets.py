"""Reading a password or passphrase at the command line: from a file, standard input, or a prompt.

Never from an argument: arguments show in `ps`, shell history and audit trails of the host.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wisp.errors import ConfigError, InvalidInput
from wisp.runtime import read_passphrase_file

__all__ = ["read_secret"]

_MAX_STDIN_BYTES = 4096


def read_secret(what: str, *, file: Path | None, stdin: bool, confirm: bool = True) -> str:
    """The secret from `file`, from standard input (first line), or asked twice on a terminal.

    InvalidInput if none of these can give one (not a terminal and no file or --stdin).
    """
    if file is not None and stdin:
        raise InvalidInput(f"give the {what} by file or by standard input, not both")
    if file is not None:
        try:
            return read_passphrase_file(file)
        except ConfigError as exc:
            raise InvalidInput(str(exc).replace("passphrase", what)) from None
    if stdin:
        line = sys.stdin.readline(_MAX_STDIN_BYTES + 1).removesuffix("\n").removesuffix("\r")
        if not line:
            raise InvalidInput(f"no {what} on standard input")
        if len(line) > _MAX_STDIN_BYTES:
            raise InvalidInput(f"the {what} on standard input is too long")
        return line
    if not sys.stdin.isatty():
        raise InvalidInput(f"no terminal to ask for the {what}: give a file or use standard input")
    value: str = click.prompt(
        what.capitalize(), hide_input=True, confirmation_prompt=confirm, err=True
    )
    return value
