"""The clock identity code is given: UTC, timezone-aware, injected so tests can move time.

Expiry, lockout and TOTP all compare instants; 17.04(1)(e) and 17.04(2) depend on them being right.
"""

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "require_aware", "utc_now"]

#: Returns the current instant, timezone-aware; `utc_now` in production, a fake in tests.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant in UTC."""
    return datetime.now(UTC)


def require_aware(instant: datetime) -> datetime:
    """`instant` itself, refused if naive: a naive time is local to an unknown zone."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
    return instant
