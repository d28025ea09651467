"""17.04(4), 17.03(2)(h): alerts raised by the rules over the audit log, and their delivery.

Revision 0004, after 0003: the `alert` table of `wisp.audit.alert_models`.
"""

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_INDEXED = ("raised_at", "delivery_status")


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("first_sequence", sa.BigInteger(), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("delivery_status", sa.String(length=16), nullable=False),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("delivery_error", sa.String(length=64), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    op.create_index(op.f("ix_alert_rule_subject"), "alert", ["rule", "subject"])
    for column in _INDEXED:
        op.create_index(op.f(f"ix_alert_{column}"), "alert", [column])


def downgrade() -> None:
    for column in _INDEXED:
        op.drop_index(op.f(f"ix_alert_{column}"), table_name="alert")
    op.drop_index(op.f("ix_alert_rule_subject"), table_name="alert")
    op.drop_table("alert")
