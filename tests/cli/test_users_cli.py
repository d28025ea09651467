"""`wisp users` and `wisp roles`: end to end on a migrated SQLite installation."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result

from wisp.cli.app import cli
from wisp.config import Settings
from wisp.identity.service import IdentityService
from wisp.storage.engine import make_engine
from wisp.storage.migrate import upgrade

PASSWORD = "violet tundra gazebo sprocket 1987"
OTHER_PASSWORD = "marble quokka lantern drizzle 42"


@pytest.fixture(autouse=True)
def installation(wisp_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated database in the wisp home; argon2 made cheap so the tests stay fast."""
    engine = make_engine(Settings())
    upgrade(engine)
    engine.dispose()
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr("wisp.runtime.IdentityService", partial(IdentityService, hasher=cheap))
    return wisp_home


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


def _run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def _ok(*args: str, stdin: str | None = None) -> Result:
    result = _run(*args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return result


def _users() -> dict[str, Any]:
    listed = json.loads(_ok("users", "list", "--format", "json").stdout)
    return {user["username"]: user for user in listed}


def _refused(result: Result, code: int, words: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("wisp: ")
    assert words in result.stderr
    assert result.stderr.count("\n") == 1  # one line, no traceback
    assert "Traceback" not in result.output


def test_add_and_list_users(password_file: Path) -> None:
    added = _ok(
        "users", "add", "Alice", "--role", "clerk", "--role", "auditor",
        "--display-name", "Alice Lee", "--password-file", str(password_file),
    )  # fmt: skip
    _ok("users", "add", "bob", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")

    assert "added Alice" in added.stdout
    users = _users()
    assert users["Alice"]["roles"] == ["auditor", "clerk"]
    assert users["Alice"]["display_name"] == "Alice Lee"
    assert users["bob"]["status"] == "active"
    table = _ok("users", "list").stdout
    assert table.splitlines()[0].split()[:3] == ["USERNAME", "STATUS", "ROLES"]
    assert "auditor,clerk" in table
    assert PASSWORD not in added.output + table


def test_the_password_is_never_an_argument() -> None:
    result = _run("users", "add", "bob", PASSWORD, "--role", "clerk")

    assert result.exit_code == 2
    assert _users() == {}


def test_without_a_terminal_or_a_password_source_add_refuses() -> None:
    _refused(_run("users", "add", "bob", "--role", "clerk"), 2, "no terminal")


def test_a_weak_password_or_unknown_role_is_a_usage_error(password_file: Path) -> None:
    weak = _run("users", "add", "bob", "--role", "clerk", "--password-stdin", stdin="bob12345\n")
    unknown = _run("users", "add", "bob", "--role", "root", "--password-file", str(password_file))

    _refused(weak, 2, "password not accepted")
    assert "bob12345" not in weak.output
    _refused(unknown, 2, "unknown role")


def test_a_taken_name_or_missing_user_is_refused(password_file: Path) -> None:
    _ok("users", "add", "bob", "--role", "clerk", "--password-file", str(password_file))

    taken = _run("users", "add", "BOB", "--role", "clerk", "--password-file", str(password_file))
    missing = _run("users", "disable", "nobody")

    _refused(taken, 1, "taken")
    _refused(missing, 1, "no such user")


def test_disable_enable_unlock_and_reset(password_file: Path) -> None:
    _ok("users", "add", "bob", "--role", "officer", "--password-file", str(password_file))

    assert "sessions and API tokens are ended" in _ok("users", "disable", "bob").stdout
    assert _users()["bob"]["status"] == "disabled"
    assert _users()["bob"]["disabled_at"] is not None
    _ok("users", "enable", "bob")
    assert _users()["bob"]["status"] == "active"
    _ok("users", "unlock", "bob")
    _ok("users", "reset-password", "bob", "--password-stdin", stdin=OTHER_PASSWORD + "\n")
    _ok("users", "reset-mfa", "bob")
    _ok("users", "set-roles", "bob", "--role", "clerk", "--role", "auditor")
    assert _users()["bob"]["roles"] == ["auditor", "clerk"]
    _refused(_run("users", "reset-password", "bob", "--password-stdin", stdin="\n"), 2, "no")


def test_issue_list_and_revoke_a_token(password_file: Path) -> None:
    _ok("users", "add", "bob", "--role", "clerk", "--password-file", str(password_file))

    issued = _ok(
        "users", "token-issue", "bob", "--name", "sync", "--scope", "records:read", "--days", "7"
    )
    secret = issued.stdout.strip()
    token_id = issued.stderr.split()[1]

    assert secret.startswith("wisp_at_")
    assert "not shown again" in issued.stderr
    listed = _ok("users", "token-list", "bob").stdout
    assert token_id in listed
    assert secret not in listed
    _ok("users", "token-revoke", token_id)
    assert "revoked" in _ok("users", "token-list", "bob").stdout.splitlines()[1]
    too_much = _run(
        "users", "token-issue", "bob", "--name", "x", "--scope", "records:reveal", "--days", "7"
    )
    _refused(too_much, 1, "records:reveal")
    assert _run("users", "token-revoke", "not-a-uuid").exit_code == 2  # click's usage error


def test_purge_keeps_what_ended_recently(password_file: Path) -> None:
    _ok("users", "add", "bob", "--role", "clerk", "--password-file", str(password_file))
    token_id = _ok(
        "users", "token-issue", "bob", "--name", "sync", "--scope", "records:read", "--days", "7"
    ).stderr.split()[1]
    _ok("users", "token-revoke", token_id)

    kept = _ok("users", "purge")
    purged = _ok("users", "purge", "--keep-days", "0")

    assert kept.stdout == (
        "deleted 0 ended session(s) and 0 expired or revoked API token(s)"
        " over for more than 30 day(s)\n"
    )
    assert "and 1 expired or revoked API token(s) over for more than 0 day(s)" in purged.stdout
    assert token_id not in _ok("users", "token-list", "bob").stdout
    assert _run("users", "purge", "--keep-days", "-1").exit_code == 2


def test_custom_roles(password_file: Path) -> None:
    added = _ok(
        "roles", "add", "payroll-reader", "--grant", "records:read:payroll:name,salary",
        "--grant", "records:write:payroll", "--description", "Reads pay.",
    )  # fmt: skip
    _ok("users", "add", "pat", "--role", "payroll-reader", "--password-file", str(password_file))

    assert "records:read:payroll:name,salary" in added.stdout
    roles = {r["name"]: r for r in json.loads(_ok("roles", "list", "--format", "json").stdout)}
    assert roles["payroll-reader"]["grants"] == [
        "records:read:payroll:name,salary",
        "records:write:payroll",
    ]
    assert roles["admin"]["builtin"]
    assert "payroll-reader (custom): Reads pay." in _ok("roles", "list").stdout
    _refused(_run("roles", "delete", "payroll-reader"), 1, "held by 1")
    _refused(_run("roles", "add", "admin", "--grant", "records:read"), 1, "built-in")
    _refused(_run("roles", "add", "x", "--grant", "records:everything"), 2, "unknown permission")
    _ok("users", "set-roles", "pat", "--role", "clerk")
    _ok("roles", "delete", "payroll-reader")


def test_an_unmigrated_database_is_refused(installation: Path) -> None:
    (installation / "wisp.sqlite3").unlink()

    _refused(_run("users", "list"), 1, "schema none")
