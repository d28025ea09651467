"""Who is acting on the vault, and whether they may: a signed-in principal, or the host's CLI.

17.04(2)(a) access only for those who need it; 17.04(4) every access attributable in the audit.

A `Principal` is checked against its grants (deny by default). A `SystemActor` is the host's
administrator at the command line (`cli`) or wisp's own scheduled work (`system`): whoever can
run wisp on the host can already read its keyring and database, so the vault does not pretend
to restrict them, but every change they make is audited under their name.
"""

from __future__ import annotations

import uuid

from wisp.audit.events import SystemActor
from wisp.errors import PermissionDenied
from wisp.identity.roles import Permission, Principal

__all__ = ["Actor", "actor_label", "allowed", "audit_actor"]

Actor = Principal | SystemActor


def audit_actor(actor: Actor) -> uuid.UUID | SystemActor:
    """The actor as the audit log names it; PermissionDenied for a principal without a UUID."""
    if isinstance(actor, SystemActor):
        return actor
    try:
        return uuid.UUID(actor.user_id)
    except (ValueError, TypeError, AttributeError):
        # Fail closed: an action nobody can be held to is not done.
        raise PermissionDenied("permission denied: the principal has no valid user id") from None


def actor_label(actor: Actor) -> str:
    """The actor as a record's `created_by` keeps it: the user's UUID, or `cli` / `system`."""
    return str(audit_actor(actor))


def allowed(
    actor: Actor, permission: Permission, *, collection: str | None = None, field: str | None = None
) -> bool:
    """Whether `actor` may do `permission` on `collection` (and `field`)."""
    if isinstance(actor, SystemActor):
        return True
    return actor.can(permission, collection=collection, field=field)
