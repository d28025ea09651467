"""17.04(5), 17.03(2): collections, their fields, sealed records, blind indexes, reveal reasons.

Revision 0003, after 0002. Matches `wisp.vault.models`; no column holds PI in the clear.
"""

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _collection_tables() -> None:
    op.create_table(
        "vault_collection",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("retention_basis", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_collection")),
        sa.UniqueConstraint("name", name=op.f("uq_vault_collection_name")),
    )
    op.create_table(
        "vault_field",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("collection_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("classification", sa.String(length=32), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["vault_collection.id"],
            name=op.f("fk_vault_field_collection_id_vault_collection"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_field")),
        sa.UniqueConstraint("collection_id", "name", name=op.f("uq_vault_field_collection_id")),
    )
    op.create_index(op.f("ix_vault_field_collection_id"), "vault_field", ["collection_id"])
    op.create_table(
        "vault_reason",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("collection_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["vault_collection.id"],
            name=op.f("fk_vault_reason_collection_id_vault_collection"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_reason")),
        sa.UniqueConstraint("collection_id", "label", name=op.f("uq_vault_reason_collection_id")),
    )
    op.create_index(op.f("ix_vault_reason_collection_id"), "vault_reason", ["collection_id"])


def _record_tables() -> None:
    op.create_table(
        "vault_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("collection_id", sa.Uuid(), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("canary", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["vault_collection.id"],
            name=op.f("fk_vault_record_collection_id_vault_collection"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_record")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_vault_record_listing"), "vault_record", ["collection_id", "created_at", "id"]
    )
    op.create_table(
        "vault_index",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("field_id", sa.Uuid(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"], ["vault_field.id"], name=op.f("fk_vault_index_field_id_vault_field")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["vault_record.id"],
            name=op.f("fk_vault_index_record_id_vault_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "field_id", name=op.f("pk_vault_index")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_vault_index_digest"), "vault_index", ["digest"])


def upgrade() -> None:
    _collection_tables()
    _record_tables()


def downgrade() -> None:
    op.drop_index(op.f("ix_vault_index_digest"), table_name="vault_index")
    op.drop_table("vault_index")
    op.drop_index(op.f("ix_vault_record_listing"), table_name="vault_record")
    op.drop_table("vault_record")
    op.drop_index(op.f("ix_vault_reason_collection_id"), table_name="vault_reason")
    op.drop_table("vault_reason")
    op.drop_index(op.f("ix_vault_field_collection_id"), table_name="vault_field")
    op.drop_table("vault_field")
    op.drop_table("vault_collection")
