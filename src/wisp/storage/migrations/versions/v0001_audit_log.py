"""17.04(4), 17.03(2)(h): the audit log: its entries, its head row, and append-only triggers.

Revision 0001, the first. The triggers stop the application (and anyone who has not first
dropped them) from changing or deleting an entry; the HMAC chain and signed checkpoints catch
those who do.
"""

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64
REFUSAL = "the audit log is append-only"

_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry"
    f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry"
    f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
)
_POSTGRES_TRIGGERS = (
    "CREATE FUNCTION wisp_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    f" $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry"
    " FOR EACH ROW EXECUTE FUNCTION wisp_audit_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry"
    " FOR EACH STATEMENT EXECUTE FUNCTION wisp_audit_append_only()",
)


def _create_tables() -> None:
    op.create_table(
        "audit_entry",
        sa.Column(
            "sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=45), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_audit_entry")),
    )
    op.create_index(op.f("ix_audit_entry_occurred_at"), "audit_entry", ["occurred_at"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "sequence": 0, "mac": GENESIS}])


def upgrade() -> None:
    _create_tables()
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION wisp_audit_append_only() CASCADE")
    op.drop_table("audit_head")
    op.drop_index(op.f("ix_audit_entry_occurred_at"), table_name="audit_entry")
    op.drop_table("audit_entry")
