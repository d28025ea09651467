"""`wisp users` and `wisp roles`: people and what they may do, from the host's shell.

17.04(1)(a)-(b) unique user ids and passwords; 17.04(2)(a) access only for those who need it,
terminated staff cut off at once. Thin: each command parses, calls one method of the identity
service as `SystemActor.CLI` (someone at the shell who owns the state directory), and renders.

A password is never an argument (arguments show in `ps` and shell history): it comes from
`--password-file`, `--password-stdin`, or is asked twice on the terminal. Errors are one line
on standard error; the exit code is 2 for a usage, input or configuration error (a bad option,
a refused password, an unknown role or permission) and 1 for a refused or failed operation (no
such user, a name taken, a role still held, the database unreachable).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from wisp.audit.events import SystemActor
from wisp.cli.common import EXIT_REFUSED, EXIT_USAGE, fail, format_option, open_runtime
from wisp.cli.secrets import read_secret
from wisp.errors import (
    WispError,
)
from wisp.identity.roles import Permission
from wisp.identity.schemas import format_grant, parse_grant
from wisp.identity.views import RoleView, TokenView, UserView
from wisp.runtime import Runtime

__all__ = ["EXIT_REFUSED", "EXIT_USAGE", "roles_group", "users_group"]

_CLI = SystemActor.CLI

_password_file_option = click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the password from this file (its first line).",
)
_password_stdin_option = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (first line)."
)


def _password(file: Path | None, stdin: bool) -> str:
    try:
        return read_secret("password", file=file, stdin=stdin)
    except WispError as exc:
        fail(str(exc), EXIT_USAGE)


def _user_id(runtime: Runtime, username: str) -> uuid.UUID:
    return runtime.identity.find_user(_CLI, username).id


def _when(instant: datetime | None) -> str:
    return "-" if instant is None else instant.strftime("%Y-%m-%d %H:%M UTC")


def _user_document(user: UserView) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.username,
        "display_name": user.display_name,
        "status": user.status.value,
        "roles": list(user.roles),
        "mfa_enrolled": user.mfa_enrolled,
        "locked": user.locked,
        "created_at": user.created_at.isoformat(),
        "updated_at": user.updated_at.isoformat(),
        "disabled_at": user.disabled_at.isoformat() if user.disabled_at else None,
    }


def _user_line(user: UserView) -> str:
    flags = ", ".join(
        flag for flag, on in (("mfa", user.mfa_enrolled), ("locked", user.locked)) if on
    )
    return (
        f"{user.username:<24} {user.status.value:<9} {','.join(user.roles) or '-':<28}"
        f" {flags or '-':<12} {_when(user.created_at)}"
    )


@click.group("users")
def users_group() -> None:
    """People who sign in to wisp (17.04(1), 17.04(2)): add, list, disable, unlock, tokens."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="A role to hold; repeatable.")
@click.option("--display-name", help="The person's name, as shown to administrators.")
@_password_file_option
@_password_stdin_option
def add_command(
    username: str,
    roles: tuple[str, ...],
    display_name: str | None,
    password_file: Path | None,
    password_stdin: bool,
) -> None:
    """Add USERNAME holding the given roles; the password must pass the policy."""
    password = _password(password_file, password_stdin)
    with open_runtime() as runtime:
        user = runtime.identity.create_user(
            _CLI, username, password, roles, display_name=display_name
        )
    click.echo(f"added {user.username} ({user.id}) with roles {', '.join(user.roles)}")


@users_group.command("list")
@format_option
def list_command(fmt: str) -> None:
    """List every user: status, roles, second factor, lockout."""
    with open_runtime() as runtime:
        users = runtime.identity.list_users(_CLI)
    if fmt == "json":
        click.echo(json.dumps([_user_document(user) for user in users], indent=2))
        return
    click.echo(f"{'USERNAME':<24} {'STATUS':<9} {'ROLES':<28} {'FLAGS':<12} CREATED")
    for user in users:
        click.echo(_user_line(user))


@users_group.command("disable")
@click.argument("username")
def disable_command(username: str) -> None:
    """Disable USERNAME at once: every session and API token of theirs ends."""
    with open_runtime() as runtime:
        user = runtime.identity.disable_user(_CLI, _user_id(runtime, username))
    click.echo(f"disabled {user.username}; their sessions and API tokens are ended")


@users_group.command("enable")
@click.argument("username")
def enable_command(username: str) -> None:
    """Let USERNAME sign in again (their old API tokens stay revoked)."""
    with open_runtime() as runtime:
        user = runtime.identity.enable_user(_CLI, _user_id(runtime, username))
    click.echo(f"enabled {user.username}")


@users_group.command("unlock")
@click.argument("username")
def unlock_command(username: str) -> None:
    """Clear USERNAME's lockout after failed sign-ins."""
    with open_runtime() as runtime:
        user = runtime.identity.unlock_user(_CLI, _user_id(runtime, username))
    click.echo(f"unlocked {user.username}")


@users_group.command("purge")
@click.option(
    "--keep-days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Keep sessions and tokens this many days after they end.",
)
def purge_command(keep_days: int) -> None:
    """Delete sessions and API tokens that ended more than --keep-days ago (run it daily)."""
    with open_runtime() as runtime:
        sessions, tokens = runtime.identity.purge_ended(_CLI, timedelta(days=keep_days))
    click.echo(
        f"deleted {sessions} ended session(s) and {tokens} expired or revoked API token(s)"
        f" over for more than {keep_days} day(s)"
    )


@users_group.command("reset-password")
@click.argument("username")
@_password_file_option
@_password_stdin_option
def reset_password_command(username: str, password_file: Path | None, password_stdin: bool) -> None:
    """Give USERNAME a new password; their sessions end."""
    password = _password(password_file, password_stdin)
    with open_runtime() as runtime:
        runtime.identity.reset_password(_CLI, _user_id(runtime, username), password)
    click.echo(f"reset the password of {username}; their sessions are ended")


@users_group.command("reset-mfa")
@click.argument("username")
def reset_mfa_command(username: str) -> None:
    """Remove USERNAME's second factor (a lost phone); they enrol again at next sign-in."""
    with open_runtime() as runtime:
        runtime.identity.reset_mfa(_CLI, _user_id(runtime, username))
    click.echo(f"reset the second factor of {username}; their sessions are ended")


@users_group.command("set-roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="A role to hold; repeatable.")
def set_roles_command(username: str, roles: tuple[str, ...]) -> None:
    """Make the given roles USERNAME's only roles."""
    with open_runtime() as runtime:
        user = runtime.identity.set_roles(_CLI, _user_id(runtime, username), roles)
    click.echo(f"{user.username} now holds {', '.join(user.roles)}")


@users_group.command("token-issue")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'nightly export'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice([p.value for p in Permission]),
    help="A permission the token may use (the user's roles must grant it); repeatable.",
)
@click.option("--days", type=click.IntRange(min=1), required=True, help="Days until it expires.")
def token_issue_command(username: str, name: str, scopes: tuple[str, ...], days: int) -> None:
    """Issue an API token for USERNAME; its secret is printed once, on standard output."""
    with open_runtime() as runtime:
        secret, token = runtime.identity.issue_token(
            _CLI, _user_id(runtime, username), name, scopes, days
        )
    click.echo(secret)
    click.echo(
        f"token {token.id} expires {_when(token.expires_at)}; the secret above is not shown again",
        err=True,
    )


def _token_line(token: TokenView) -> str:
    state = "revoked" if token.revoked_at else "active"
    scopes = ",".join(sorted(scope.value for scope in token.scopes))
    return (
        f"{token.id}  {state:<8} {_when(token.expires_at):<21} {_when(token.last_used_at):<21}"
        f" {scopes:<28} {token.name}"
    )


@users_group.command("token-list")
@click.argument("username")
def token_list_command(username: str) -> None:
    """List USERNAME's API tokens, newest first (never their secrets)."""
    with open_runtime() as runtime:
        tokens = runtime.identity.list_tokens(_CLI, _user_id(runtime, username))
    click.echo(f"{'ID':<36}  {'STATE':<8} {'EXPIRES':<21} {'LAST USED':<21} {'SCOPES':<28} NAME")
    for token in tokens:
        click.echo(_token_line(token))


@users_group.command("token-revoke")
@click.argument("token_id", type=click.UUID)
def token_revoke_command(token_id: uuid.UUID) -> None:
    """Revoke the API token TOKEN_ID (from token-issue or token-list) at once."""
    with open_runtime() as runtime:
        runtime.identity.revoke_token(_CLI, token_id)
    click.echo(f"revoked token {token_id}")


@click.group("roles")
def roles_group() -> None:
    """Roles: the built-in ones, and custom ones granting per collection and field (17.04(2))."""


def _role_document(role: RoleView) -> dict[str, Any]:
    return {
        "name": role.name,
        "builtin": role.builtin,
        "description": role.description,
        "requires_mfa": role.requires_mfa,
        "grants": [format_grant(grant) for grant in role.grants],
    }


@roles_group.command("list")
@format_option
def roles_list_command(fmt: str) -> None:
    """List the built-in and custom roles and their grants."""
    with open_runtime() as runtime:
        roles = runtime.identity.list_roles(_CLI)
    if fmt == "json":
        click.echo(json.dumps([_role_document(role) for role in roles], indent=2))
        return
    for role in roles:
        kind = "built-in" if role.builtin else "custom"
        mfa = ", needs MFA" if role.requires_mfa else ""
        click.echo(f"{role.name} ({kind}{mfa}): {role.description or '-'}")
        for grant in role.grants:
            click.echo(f"    {format_grant(grant)}")


@roles_group.command("add")
@click.argument("name")
@click.option(
    "--grant",
    "grants",
    multiple=True,
    required=True,
    help="PERMISSION[:COLLECTIONS[:FIELDS]], lists comma-separated; repeatable.",
)
@click.option("--description", default="", help="What the role is for.")
def roles_add_command(name: str, grants: tuple[str, ...], description: str) -> None:
    """Define the custom role NAME (a built-in role's name is refused)."""
    with open_runtime() as runtime:
        parsed = [parse_grant(text) for text in grants]
        role = runtime.identity.create_role(_CLI, name, parsed, description=description)
    click.echo(f"added role {role.name}: {'; '.join(format_grant(g) for g in role.grants)}")


@roles_group.command("delete")
@click.argument("name")
def roles_delete_command(name: str) -> None:
    """Delete the custom role NAME; refused while anyone holds it."""
    with open_runtime() as runtime:
        runtime.identity.delete_role(_CLI, name)
    click.echo(f"deleted role {name}")
