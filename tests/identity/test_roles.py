"""Roles and permissions: deny by default, per collection and per field, unknown names loud."""

from __future__ import annotations

import pytest

from wisp.errors import PermissionDenied, UnknownPermission, UnknownRole
from wisp.identity.roles import (
    ANY,
    BUILTIN_ROLES,
    MFA_PERMISSIONS,
    Grant,
    Permission,
    Principal,
    Role,
    resolve_roles,
)

P = Permission


def _principal(*roles: str) -> Principal:
    return Principal("u-1", resolve_roles(roles))


#: What each built-in role may do (whole collections and fields); anything else is denied.
EXPECTED = {
    "admin": {P.USERS_MANAGE, P.KEYS_MANAGE, P.AUDIT_READ, P.ALERTS_READ},
    "officer": {
        P.RECORDS_READ,
        P.RECORDS_WRITE,
        P.RECORDS_REVEAL,
        P.RECORDS_EXPORT,
        P.COLLECTIONS_MANAGE,
        P.AUDIT_READ,
        P.ALERTS_READ,
    },
    "clerk": {P.RECORDS_READ, P.RECORDS_WRITE},
    "auditor": {P.AUDIT_READ, P.ALERTS_READ},
}


@pytest.mark.parametrize(
    ("role", "permission"), [(r, p) for r in sorted(EXPECTED) for p in Permission]
)
def test_builtin_roles_grant_exactly_what_they_say(role: str, permission: Permission) -> None:
    principal = _principal(role)

    assert principal.can(permission) is (permission in EXPECTED[role])
    assert principal.can(permission, collection="employees", field="ssn") is (
        permission in EXPECTED[role]
    )


def test_the_builtin_set_is_small_and_fixed() -> None:
    assert set(BUILTIN_ROLES) == set(EXPECTED)
    with pytest.raises(TypeError):
        BUILTIN_ROLES["root"] = Role("root", ())  # type: ignore[index]


@pytest.mark.parametrize(
    ("role", "mfa"), [("admin", True), ("officer", True), ("clerk", False), ("auditor", False)]
)
def test_mfa_is_required_of_administrators_and_of_whoever_may_reveal(role: str, mfa: bool) -> None:
    assert BUILTIN_ROLES[role].requires_mfa is mfa
    assert _principal(role).requires_mfa is mfa
    assert _principal("clerk", role).requires_mfa is mfa


def test_mfa_permissions() -> None:
    expected = {
        P.USERS_MANAGE,
        P.KEYS_MANAGE,
        P.COLLECTIONS_MANAGE,
        P.RECORDS_REVEAL,
        P.RECORDS_EXPORT,
    }
    assert expected == MFA_PERMISSIONS


def test_no_roles_means_no_permissions() -> None:
    nobody = Principal("u-1")

    assert not any(nobody.can(p) for p in Permission)
    assert not nobody.requires_mfa


def test_roles_add_up() -> None:
    both = _principal("clerk", "auditor")

    assert both.can(P.RECORDS_WRITE)
    assert both.can(P.AUDIT_READ)
    assert not both.can(P.RECORDS_REVEAL)


HR_CLERK = Role(
    "hr-clerk",
    (
        Grant(P.RECORDS_READ, collections=frozenset({"employees"})),
        Grant(
            P.RECORDS_REVEAL,
            collections=frozenset({"employees"}),
            fields=frozenset({"bank_account"}),
        ),
    ),
)


@pytest.mark.parametrize(
    ("permission", "collection", "field", "allowed"),
    [
        (P.RECORDS_READ, "employees", None, True),
        (P.RECORDS_READ, "customers", None, False),
        (P.RECORDS_READ, None, None, False),  # "all collections" needs a grant of ANY
        (P.RECORDS_REVEAL, "employees", "bank_account", True),
        (P.RECORDS_REVEAL, "employees", "ssn", False),
        (P.RECORDS_REVEAL, "employees", None, False),  # "every field" needs ANY
        (P.RECORDS_REVEAL, "customers", "bank_account", False),
        (P.RECORDS_EXPORT, "employees", "bank_account", False),
    ],
)
def test_grants_are_per_collection_and_per_field(
    permission: Permission, collection: str | None, field: str | None, allowed: bool
) -> None:
    principal = Principal("u-2", (HR_CLERK,))

    assert principal.can(permission, collection=collection, field=field) is allowed


def test_a_grant_of_any_covers_every_collection_and_field() -> None:
    grant = Grant(P.RECORDS_READ)

    assert grant.collections == grant.fields == frozenset({ANY})
    assert grant.covers(P.RECORDS_READ, "anything", "at_all")
    assert grant.covers(P.RECORDS_READ, None, None)
    assert not grant.covers(P.RECORDS_WRITE, None, None)


def test_permission_names_are_accepted_as_strings() -> None:
    officer = _principal("officer")

    assert officer.can("records:reveal", collection="employees", field="ssn")
    assert Permission.parse("audit:read") is P.AUDIT_READ


@pytest.mark.parametrize("name", ["records:delete", "RECORDS:READ", "records", "", "*"])
def test_an_unknown_permission_is_denied_loudly(name: str) -> None:
    officer = _principal("officer")

    with pytest.raises(UnknownPermission, match="unknown permission"):
        officer.can(name)
    with pytest.raises(PermissionDenied):  # UnknownPermission is a denial
        officer.require(name)


@pytest.mark.parametrize("names", [["root"], ["admin", "superuser"], ["Admin"], [""]])
def test_an_unknown_role_is_denied_loudly(names: list[str]) -> None:
    with pytest.raises(UnknownRole, match="unknown role"):
        resolve_roles(names)
    assert issubclass(UnknownRole, PermissionDenied)


def test_a_custom_registry_is_used_instead_of_the_builtin_one() -> None:
    registry = {"hr-clerk": HR_CLERK}

    assert resolve_roles(["hr-clerk"], registry) == (HR_CLERK,)
    with pytest.raises(UnknownRole):
        resolve_roles(["admin"], registry)


@pytest.mark.parametrize(
    ("principal", "args", "message"),
    [
        (Principal("u-3"), (P.AUDIT_READ,), "permission denied: audit:read"),
        (Principal("u-3", (HR_CLERK,)), (P.RECORDS_REVEAL, "employees", "ssn"), "on employees.ssn"),
        (Principal("u-3", (HR_CLERK,)), (P.RECORDS_READ, "customers", None), "on customers"),
    ],
)
def test_require_raises_permission_denied(
    principal: Principal, args: tuple[Permission, str | None, str | None], message: str
) -> None:
    permission, collection, field = (*args, None, None)[:3]

    with pytest.raises(PermissionDenied, match=message):
        principal.require(permission, collection=collection, field=field)


def test_require_passes_silently_when_granted() -> None:
    _principal("officer").require(P.RECORDS_EXPORT, collection="customers")
