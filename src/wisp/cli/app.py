"""The `wisp` command group; each command group lives in its own module."""

from __future__ import annotations

import click

from wisp import __version__
from wisp.cli.audit import alerts_group, audit_group
from wisp.cli.scan import scan_command
from wisp.cli.server import init_command, serve_command
from wisp.cli.users import roles_group, users_group
from wisp.cli.vault import collections_group, keys_group, records_group

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wisp")
def cli() -> None:
    """wisp: the information security program and computer security system of 201 CMR 17.00."""


cli.add_command(scan_command)
cli.add_command(audit_group)
cli.add_command(alerts_group)
cli.add_command(init_command)
cli.add_command(serve_command)
cli.add_command(users_group)
cli.add_command(roles_group)
cli.add_command(collections_group)
cli.add_command(records_group)
cli.add_command(keys_group)
