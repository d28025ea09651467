"""17.04(2), 17.03(2)(e): administering users and roles (needs `users:manage`).

Disabling a user ends every session and API token of theirs in the same transaction: the
terminated employee's next request fails.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from wisp.identity.roles import ANY, Grant, Permission
from wisp.identity.views import RoleView, UserStatus, UserView
from wisp.web.deps import Caller, Rt, client_address

__all__ = [
    "GrantModel",
    "PasswordResetIn",
    "RoleIn",
    "RoleOut",
    "RolesIn",
    "UserIn",
    "UserOut",
    "router",
]

router = APIRouter(tags=["users"])


class UserIn(BaseModel):
    """A new user: the password is the administrator's choice, checked against the policy."""

    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)
    roles: list[str] = Field(default_factory=list, max_length=20)
    display_name: str | None = Field(default=None, max_length=200)


class UserOut(BaseModel):
    """A user as an administrator sees them."""

    id: uuid.UUID
    username: str
    display_name: str | None
    status: UserStatus
    roles: list[str]
    mfa_enrolled: bool
    locked: bool
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None

    @classmethod
    def of(cls, user: UserView) -> UserOut:
        """The view as the API shows it."""
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            status=user.status,
            roles=list(user.roles),
            mfa_enrolled=user.mfa_enrolled,
            locked=user.locked,
            created_at=user.created_at,
            updated_at=user.updated_at,
            disabled_at=user.disabled_at,
        )


class RolesIn(BaseModel):
    """The complete new list of a user's roles."""

    roles: list[str] = Field(max_length=20)


class PasswordResetIn(BaseModel):
    """A new password for another user."""

    password: str = Field(min_length=1, max_length=1024)


class GrantModel(BaseModel):
    """One permission on some collections and fields (`*`: all)."""

    permission: Permission
    collections: list[str] = Field(default_factory=lambda: [ANY], min_length=1, max_length=100)
    fields: list[str] = Field(default_factory=lambda: [ANY], min_length=1, max_length=100)


class RoleIn(BaseModel):
    """A custom role."""

    name: str = Field(min_length=1, max_length=63)
    description: str = Field(default="", max_length=500)
    grants: list[GrantModel] = Field(min_length=1, max_length=100)


class RoleOut(BaseModel):
    """A role, built in or custom."""

    name: str
    description: str
    builtin: bool
    requires_mfa: bool
    grants: list[GrantModel]

    @classmethod
    def of(cls, role: RoleView) -> RoleOut:
        """The view as the API shows it."""
        grants = [
            GrantModel(
                permission=g.permission,
                collections=sorted(g.collections),
                fields=sorted(g.fields),
            )
            for g in role.grants
        ]
        return cls(
            name=role.name,
            description=role.description,
            builtin=role.builtin,
            requires_mfa=role.requires_mfa,
            grants=grants,
        )


@router.get("/users")
def list_users(principal: Caller, rt: Rt) -> list[UserOut]:
    """Every user."""
    return [UserOut.of(user) for user in rt.identity.list_users(principal)]


@router.post("/users", status_code=201)
def create_user(body: UserIn, request: Request, principal: Caller, rt: Rt) -> UserOut:
    """A new user with the given roles."""
    user = rt.identity.create_user(
        principal,
        body.username,
        body.password,
        body.roles,
        display_name=body.display_name,
        source=client_address(request),
    )
    return UserOut.of(user)


@router.get("/users/{user_id}")
def get_user(user_id: uuid.UUID, principal: Caller, rt: Rt) -> UserOut:
    """One user."""
    return UserOut.of(rt.identity.get_user(principal, user_id))


@router.put("/users/{user_id}/roles")
def set_roles(
    user_id: uuid.UUID, body: RolesIn, request: Request, principal: Caller, rt: Rt
) -> UserOut:
    """Replace a user's roles."""
    user = rt.identity.set_roles(principal, user_id, body.roles, source=client_address(request))
    return UserOut.of(user)


@router.post("/users/{user_id}/disable")
def disable_user(user_id: uuid.UUID, request: Request, principal: Caller, rt: Rt) -> UserOut:
    """Disable a user (a terminated employee): every session and token ends now."""
    return UserOut.of(rt.identity.disable_user(principal, user_id, source=client_address(request)))


@router.post("/users/{user_id}/enable")
def enable_user(user_id: uuid.UUID, request: Request, principal: Caller, rt: Rt) -> UserOut:
    """Let a disabled user sign in again."""
    return UserOut.of(rt.identity.enable_user(principal, user_id, source=client_address(request)))


@router.post("/users/{user_id}/unlock")
def unlock_user(user_id: uuid.UUID, request: Request, principal: Caller, rt: Rt) -> UserOut:
    """Clear a lockout."""
    return UserOut.of(rt.identity.unlock_user(principal, user_id, source=client_address(request)))


@router.post("/users/{user_id}/password", status_code=204)
def reset_password(
    user_id: uuid.UUID, body: PasswordResetIn, request: Request, principal: Caller, rt: Rt
) -> None:
    """Set another user's password; their sessions end."""
    rt.identity.reset_password(principal, user_id, body.password, source=client_address(request))


@router.post("/users/{user_id}/mfa/reset", status_code=204)
def reset_mfa(user_id: uuid.UUID, request: Request, principal: Caller, rt: Rt) -> None:
    """Remove a user's second factor (a lost phone); they enrol again at sign-in."""
    rt.identity.reset_mfa(principal, user_id, source=client_address(request))


@router.get("/roles")
def list_roles(principal: Caller, rt: Rt) -> list[RoleOut]:
    """Built-in roles, then custom ones."""
    return [RoleOut.of(role) for role in rt.identity.list_roles(principal)]


@router.post("/roles", status_code=201)
def create_role(body: RoleIn, request: Request, principal: Caller, rt: Rt) -> RoleOut:
    """A custom role with per-collection and per-field grants."""
    grants = [
        Grant(g.permission, frozenset(g.collections), frozenset(g.fields)) for g in body.grants
    ]
    role = rt.identity.create_role(
        principal,
        body.name,
        grants,
        description=body.description,
        source=client_address(request),
    )
    return RoleOut.of(role)


@router.delete("/roles/{name}", status_code=204)
def delete_role(name: str, request: Request, principal: Caller, rt: Rt) -> None:
    """Remove a custom role nobody holds."""
    rt.identity.delete_role(principal, name, source=client_address(request))
