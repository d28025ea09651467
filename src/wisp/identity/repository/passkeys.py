"""17.04(1): the SQL of WebAuthn credentials (security keys, passkeys) and their challenges."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from wisp.identity.models import WebAuthnChallenge, WebAuthnCredential
from wisp.identity.repository.common import NO_SYNC, changed

__all__ = [
    "PasskeyRecord",
    "advance_sign_count",
    "delete_passkeys",
    "get_passkey",
    "insert_passkey",
    "passkeys_of",
    "put_challenge",
    "take_challenge",
]


@dataclass(frozen=True)
class PasskeyRecord:
    """A registered WebAuthn credential's row."""

    credential_id: str
    user_id: uuid.UUID
    public_key: bytes
    sign_count: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


_COLUMNS = (
    WebAuthnCredential.credential_id,
    WebAuthnCredential.user_id,
    WebAuthnCredential.public_key,
    WebAuthnCredential.sign_count,
    WebAuthnCredential.name,
    WebAuthnCredential.created_at,
    WebAuthnCredential.last_used_at,
)


def insert_passkey(session: Session, record: PasskeyRecord) -> None:
    """Store a newly registered credential."""
    session.add(
        WebAuthnCredential(
            credential_id=record.credential_id,
            user_id=record.user_id,
            public_key=record.public_key,
            sign_count=record.sign_count,
            name=record.name,
            created_at=record.created_at,
            last_used_at=record.last_used_at,
        )
    )
    session.flush()


def passkeys_of(session: Session, user_id: uuid.UUID) -> list[PasskeyRecord]:
    """The user's credentials, oldest first."""
    rows = session.execute(
        select(*_COLUMNS)
        .where(WebAuthnCredential.user_id == user_id)
        .order_by(WebAuthnCredential.created_at)
    )
    return [PasskeyRecord(*row) for row in rows]


def get_passkey(session: Session, credential_id: str) -> PasskeyRecord | None:
    """One credential by its id, whoever it belongs to."""
    row = session.execute(
        select(*_COLUMNS).where(WebAuthnCredential.credential_id == credential_id)
    ).one_or_none()
    return None if row is None else PasskeyRecord(*row)


def advance_sign_count(
    session: Session, credential_id: str, seen: int, new: int, at: datetime
) -> bool:
    """Move the counter from `seen` to `new` and note the use; False if it moved meanwhile
    (another request used the same assertion's key first)."""
    statement = (
        update(WebAuthnCredential)
        .where(
            WebAuthnCredential.credential_id == credential_id,
            WebAuthnCredential.sign_count == seen,
        )
        .values(sign_count=new, last_used_at=at)
    )
    return changed(session, statement.execution_options(**NO_SYNC)) == 1


def delete_passkeys(session: Session, user_id: uuid.UUID) -> int:
    """Remove every credential of the user; how many."""
    statement = delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user_id)
    return changed(session, statement.execution_options(**NO_SYNC))


def put_challenge(
    session: Session, session_hash: str, purpose: str, challenge: bytes, at: datetime
) -> None:
    """Remember the challenge sent to a session for one ceremony (replacing an earlier one)."""
    session.execute(
        delete(WebAuthnChallenge).where(
            WebAuthnChallenge.session_hash == session_hash, WebAuthnChallenge.purpose == purpose
        ),
        execution_options=NO_SYNC,
    )
    session.add(
        WebAuthnChallenge(
            session_hash=session_hash, purpose=purpose, challenge=challenge, created_at=at
        )
    )
    session.flush()


def take_challenge(
    session: Session, session_hash: str, purpose: str
) -> tuple[bytes, datetime] | None:
    """The challenge sent to a session for a ceremony, deleted as it is read (single use)."""
    where = (WebAuthnChallenge.session_hash == session_hash, WebAuthnChallenge.purpose == purpose)
    row = session.execute(
        select(WebAuthnChallenge.challenge, WebAuthnChallenge.created_at).where(*where)
    ).one_or_none()
    if row is None:
        return None
    if changed(session, delete(WebAuthnChallenge).where(*where).execution_options(**NO_SYNC)) != 1:
        return None  # another request took it first
    return row[0], row[1]
