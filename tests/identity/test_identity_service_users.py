"""Users and roles: unique names, least privilege per collection and field, fixed built-in roles."""

from __future__ import annotations

import uuid

import pytest
from identity_world import HOME_IP, OFFICE_IP, OTHER_PASSWORD, PASSWORD, World

from wisp.audit.events import SystemActor
from wisp.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SignInFailed,
    Throttled,
    UnknownPermission,
    UnknownRole,
)
from wisp.identity.context import role_id
from wisp.identity.roles import Grant, Permission
from wisp.identity.schemas import parse_grant
from wisp.identity.views import UserStatus

PAYROLL_READER = (
    Grant(Permission.RECORDS_READ, frozenset({"payroll"}), frozenset({"name", "salary"})),
    Grant(Permission.RECORDS_WRITE, frozenset({"payroll"})),
)


def test_create_user_stores_a_hash_and_names_unique_in_any_case(world: World) -> None:
    user = world.service.create_user(
        SystemActor.CLI, "Alice.Lee", PASSWORD, ["clerk", "auditor"], display_name="Alice Lee"
    )

    assert (user.username, user.display_name, user.status) == (
        "Alice.Lee",
        "Alice Lee",
        UserStatus.ACTIVE,
    )
    assert user.roles == ("auditor", "clerk")
    assert not user.mfa_enrolled
    assert not user.locked
    (stored,) = world.database.execute("SELECT password_hash FROM identity_user")[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    with pytest.raises(Conflict):
        world.service.create_user(SystemActor.CLI, "alice.LEE", OTHER_PASSWORD, ["clerk"])
    assert world.service.find_user(SystemActor.CLI, "ALICE.lee").id == user.id
    created = world.actions("user.created")[0]
    assert created.actor == "cli"
    assert sorted(created.details["roles"]) == sorted(
        str(role_id(name)) for name in ("auditor", "clerk")
    )
    assert len(world.actions("access.role_granted")) == 2


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "tab\tname", "semi;colon"])
def test_bad_user_names_are_refused(world: World, name: str) -> None:
    with pytest.raises(InvalidInput):
        world.service.create_user(SystemActor.CLI, name, PASSWORD, ["clerk"])


def test_unknown_roles_are_refused_loudly(world: World) -> None:
    with pytest.raises(UnknownRole):
        world.service.create_user(SystemActor.CLI, "alice", PASSWORD, ["superuser"])
    user = world.add("alice", "clerk")
    with pytest.raises(UnknownRole):
        world.service.set_roles(SystemActor.CLI, user.id, ["clerk", "superuser"])

    assert world.service.get_user(SystemActor.CLI, user.id).roles == ("clerk",)


def test_managing_users_needs_users_manage(world: World) -> None:
    clerk = world.add("clara", "clerk")
    principal = world.service.authenticate_session(world.sign_in_full("clara").secret, HOME_IP)

    for call in (
        lambda: world.service.list_users(principal),
        lambda: world.service.create_user(principal, "eve", PASSWORD, ["admin"]),
        lambda: world.service.disable_user(principal, world.admin().user_id),
        lambda: world.service.create_role(principal, "x", PAYROLL_READER),
        lambda: world.service.unlock_user(principal, clerk.id),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(PermissionDenied):
        world.service.list_users(SystemActor.SYSTEM)


def test_an_admin_manages_users_and_every_change_is_audited(world: World) -> None:
    admin = world.admin()
    user = world.service.create_user(admin, "bob", PASSWORD, ["clerk"], source=OFFICE_IP)

    world.service.set_roles(admin, user.id, ["auditor"], source=OFFICE_IP)
    world.service.reset_password(admin, user.id, OTHER_PASSWORD, source=OFFICE_IP)

    rows = [row for row in world.audit() if row.target_id == str(user.id)]
    assert [(row.action, row.actor, row.source) for row in rows] == [
        ("user.created", admin.user_id, OFFICE_IP),
        ("access.role_granted", admin.user_id, OFFICE_IP),
        ("access.role_granted", admin.user_id, OFFICE_IP),
        ("access.role_revoked", admin.user_id, OFFICE_IP),
        ("auth.password_reset", admin.user_id, OFFICE_IP),
    ]
    assert rows[2].details == {"role": str(role_id("auditor"))}
    assert [u.username for u in world.service.list_users(admin)] == ["bob", "root-admin"]
    with pytest.raises(NotFound):
        world.service.get_user(admin, uuid.uuid4())


def test_custom_roles_grant_per_collection_and_field(world: World) -> None:
    role = world.service.create_role(
        SystemActor.CLI, "payroll-reader", PAYROLL_READER, description="Reads pay."
    )
    user = world.add("pat", "payroll-reader")

    principal = world.service.authenticate_session(world.sign_in_full("pat").secret, HOME_IP)

    assert not role.builtin
    assert not role.requires_mfa
    assert principal.can("records:read", collection="payroll", field="salary")
    assert not principal.can("records:read", collection="payroll", field="ssn")
    assert not principal.can("records:read", collection="hr", field="salary")
    assert principal.can("records:write", collection="payroll", field="ssn")
    assert not principal.can("records:reveal", collection="payroll", field="salary")
    listed = {r.name: r for r in world.service.list_roles(SystemActor.CLI)}
    assert listed["payroll-reader"].grants == PAYROLL_READER
    assert listed["admin"].builtin
    changed = world.actions("access.permission_changed")[0]
    assert changed.details == {"permissions": ["records:read", "records:write"], "grants": 2}
    assert user.roles == ("payroll-reader",)


def test_a_role_is_deleted_only_once_nobody_holds_it(world: World) -> None:
    world.service.create_role(SystemActor.CLI, "payroll-reader", PAYROLL_READER)
    user = world.add("pat", "payroll-reader")

    with pytest.raises(Conflict, match="held by 1"):
        world.service.delete_role(SystemActor.CLI, "payroll-reader")
    world.service.set_roles(SystemActor.CLI, user.id, [])
    world.service.delete_role(SystemActor.CLI, "payroll-reader")

    assert "payroll-reader" not in {r.name for r in world.service.list_roles(SystemActor.CLI)}
    with pytest.raises(NotFound):
        world.service.delete_role(SystemActor.CLI, "payroll-reader")
    assert world.actions("access.permission_changed")[-1].details == {"deleted": True}


@pytest.mark.parametrize("name", ["admin", "officer", "clerk", "auditor"])
def test_built_in_roles_cannot_be_redefined_or_deleted(world: World, name: str) -> None:
    with pytest.raises(Conflict, match="built-in"):
        world.service.create_role(SystemActor.CLI, name, PAYROLL_READER)
    with pytest.raises(Conflict, match="built-in"):
        world.service.delete_role(SystemActor.CLI, name)


def test_role_definitions_are_checked(world: World) -> None:
    world.service.create_role(SystemActor.CLI, "reader", PAYROLL_READER)

    with pytest.raises(Conflict):
        world.service.create_role(SystemActor.CLI, "reader", PAYROLL_READER)
    for bad_name in ("Reader", "1st", "has space", "x" * 65):
        with pytest.raises(InvalidInput):
            world.service.create_role(SystemActor.CLI, bad_name, PAYROLL_READER)
    with pytest.raises(InvalidInput):
        world.service.create_role(SystemActor.CLI, "empty", [])
    with pytest.raises(InvalidInput):
        world.service.create_role(
            SystemActor.CLI, "bad", [Grant(Permission.RECORDS_READ, frozenset({"a b"}))]
        )
    with pytest.raises(UnknownPermission):
        parse_grant("records:everything:payroll")


def test_an_admin_unlocks_and_the_locked_flag_shows(world: World) -> None:
    user = world.add("alice", "clerk")
    assert not world.service.unlock_user(SystemActor.CLI, user.id).locked
    assert world.actions("auth.unlock")[0].details == {"was_locked": False}


def test_audit_entries_never_hold_a_user_name_password_or_display_name(world: World) -> None:
    admin = world.admin()
    user = world.service.create_user(
        admin, "Zebulon", PASSWORD, ["clerk"], display_name="Zebulon Quintessa"
    )
    world.service.sign_in("zebulon", PASSWORD, HOME_IP)
    for wrong in (OTHER_PASSWORD, "Zebulon-typo"):
        with pytest.raises((SignInFailed, Throttled)):
            world.service.sign_in("zebulon", wrong, OFFICE_IP)
    with pytest.raises((SignInFailed, Throttled)):
        world.service.sign_in("zebulon-typo", PASSWORD, OFFICE_IP)
    world.service.reset_password(admin, user.id, OTHER_PASSWORD)
    world.service.disable_user(admin, user.id)

    text = world.audit_text()
    assert len(world.audit()) >= 8
    for secret in ("zebulon", "quintessa", PASSWORD, OTHER_PASSWORD, "typo"):
        assert secret.casefold() not in text
