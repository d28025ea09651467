"""17.04(1): WebAuthn security keys as a second kind of second factor, and their challenges.

Revision 0005, after 0004: the `identity_webauthn_credential` and `identity_webauthn_challenge`
tables of `wisp.identity.models`.
"""

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_webauthn_credential",
        sa.Column("credential_id", sa.String(length=1366), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_identity_webauthn_credential_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_identity_webauthn_credential")),
    )
    op.create_index(
        op.f("ix_identity_webauthn_credential_user_id"),
        "identity_webauthn_credential",
        ["user_id"],
    )
    op.create_table(
        "identity_webauthn_challenge",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("challenge", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "session_hash", "purpose", name=op.f("pk_identity_webauthn_challenge")
        ),
    )


def downgrade() -> None:
    op.drop_table("identity_webauthn_challenge")
    op.drop_index(
        op.f("ix_identity_webauthn_credential_user_id"), table_name="identity_webauthn_credential"
    )
    op.drop_table("identity_webauthn_credential")
