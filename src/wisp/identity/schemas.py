"""17.04(2): grants as people type them, checked at the edges (CLI, HTTP) before the service.

`PERMISSION[:COLLECTIONS[:FIELDS]]`, where COLLECTIONS and FIELDS are comma-separated names or
`*` (every one, the default): `records:read`, `records:read:payroll`,
`records:reveal:payroll:ssn,account`. An unknown permission is refused loudly.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from wisp.errors import InvalidInput
from wisp.identity.roles import ANY, Grant, Permission

__all__ = ["GrantIn", "format_grant", "parse_grant"]


def _names(text: str, what: str) -> frozenset[str]:
    names = frozenset(part.strip() for part in text.split(","))
    if "" in names:
        raise InvalidInput(f"a grant names an empty {what}")
    return names


def parse_grant(text: str) -> Grant:
    """The grant `text` describes; UnknownPermission or InvalidInput if it describes none."""
    parts = text.strip().split(":")
    # Every permission is itself "area:verb", so it takes the first two parts.
    if len(parts) < 2 or len(parts) > 4:
        raise InvalidInput("a grant is PERMISSION[:COLLECTIONS[:FIELDS]], e.g. records:read:hr")
    permission = Permission.parse(":".join(parts[:2]))
    collections = _names(parts[2], "collection") if len(parts) > 2 else frozenset({ANY})
    fields = _names(parts[3], "field") if len(parts) > 3 else frozenset({ANY})
    return Grant(permission, collections, fields)


def format_grant(grant: Grant) -> str:
    """The grant as `parse_grant` reads it."""
    text = grant.permission.value
    if grant.collections != {ANY} or grant.fields != {ANY}:
        text += ":" + ",".join(sorted(grant.collections))
    if grant.fields != {ANY}:
        text += ":" + ",".join(sorted(grant.fields))
    return text


class GrantIn(BaseModel):
    """A grant in a JSON request body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    permission: str
    collections: list[str] = Field(default_factory=lambda: [ANY], min_length=1)
    fields: list[str] = Field(default_factory=lambda: [ANY], min_length=1)

    def to_grant(self) -> Grant:
        """The grant; UnknownPermission for a permission wisp does not define."""
        return Grant(
            Permission.parse(self.permission), frozenset(self.collections), frozenset(self.fields)
        )
