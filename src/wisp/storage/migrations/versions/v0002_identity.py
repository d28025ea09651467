"""17.04(1), 17.04(2): users, roles, credentials, sessions, API tokens and lockout state.

Revision 0002, after 0001. The tables of `wisp.identity.models`, column for column.
"""

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["identity_user.id"], name=op.f(f"fk_{table}_user_id_identity_user")
    )


def _create_users_and_roles() -> None:
    op.create_table(
        "identity_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("username_key", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("password_changed_at", _AT, nullable=False),
        sa.Column("disabled_at", _AT, nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'disabled')", name=op.f("ck_identity_user_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_user")),
        sa.UniqueConstraint("username_key", name=op.f("uq_identity_user_username_key")),
    )
    op.create_table(
        "identity_role",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("grants", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_role")),
        sa.UniqueConstraint("name", name=op.f("uq_identity_role_name")),
    )
    op.create_table(
        "identity_user_role",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role_name", sa.String(length=64), nullable=False),
        _user_fk("identity_user_role"),
        sa.PrimaryKeyConstraint("user_id", "role_name", name=op.f("pk_identity_user_role")),
    )
    op.create_index(op.f("ix_identity_user_role_role_name"), "identity_user_role", ["role_name"])


def _create_credentials() -> None:
    op.create_table(
        "identity_mfa",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("enrolled_at", _AT, nullable=True),
        _user_fk("identity_mfa"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_identity_mfa")),
    )
    op.create_table(
        "identity_recovery_code",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        _user_fk("identity_recovery_code"),
        sa.PrimaryKeyConstraint("user_id", "code_hash", name=op.f("pk_identity_recovery_code")),
    )
    op.create_table(
        "identity_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("last_seen_at", _AT, nullable=False),
        sa.Column("revoked_at", _AT, nullable=True),
        sa.CheckConstraint(
            "state IN ('pending_mfa', 'pending_enrollment', 'full')",
            name=op.f("ck_identity_session_state"),
        ),
        _user_fk("identity_session"),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_identity_session")),
    )
    op.create_index(op.f("ix_identity_session_user_id"), "identity_session", ["user_id"])
    op.create_table(
        "identity_api_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("revoked_at", _AT, nullable=True),
        sa.Column("last_used_at", _AT, nullable=True),
        _user_fk("identity_api_token"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_identity_api_token_token_hash")),
    )
    op.create_index(op.f("ix_identity_api_token_user_id"), "identity_api_token", ["user_id"])


def _create_lockout() -> None:
    op.create_table(
        "identity_account_lockout",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("counted", sa.JSON(), nullable=False),
        sa.Column("consecutive", sa.Integer(), nullable=False),
        sa.Column("locked_at", _AT, nullable=True),
        sa.Column("locked_until", _AT, nullable=True),
        _user_fk("identity_account_lockout"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_identity_account_lockout")),
    )
    op.create_table(
        "identity_source_throttle",
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", _AT, nullable=True),
        sa.Column("by_account", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("source_key", name=op.f("pk_identity_source_throttle")),
    )
    op.create_index(
        op.f("ix_identity_source_throttle_last_failure_at"),
        "identity_source_throttle",
        ["last_failure_at"],
    )


def upgrade() -> None:
    _create_users_and_roles()
    _create_credentials()
    _create_lockout()


def downgrade() -> None:
    op.drop_index(
        op.f("ix_identity_source_throttle_last_failure_at"), table_name="identity_source_throttle"
    )
    op.drop_table("identity_source_throttle")
    op.drop_table("identity_account_lockout")
    op.drop_index(op.f("ix_identity_api_token_user_id"), table_name="identity_api_token")
    op.drop_table("identity_api_token")
    op.drop_index(op.f("ix_identity_session_user_id"), table_name="identity_session")
    op.drop_table("identity_session")
    op.drop_table("identity_recovery_code")
    op.drop_table("identity_mfa")
    op.drop_index(op.f("ix_identity_user_role_role_name"), table_name="identity_user_role")
    op.drop_table("identity_user_role")
    op.drop_table("identity_role")
    op.drop_table("identity_user")
