"""17.04(1), 17.04(2): the identity tables: users, roles, credentials, sessions, tokens, lockout.

Placeholder: the tables land with the service.
"""

from __future__ import annotations

__all__: list[str] = []
