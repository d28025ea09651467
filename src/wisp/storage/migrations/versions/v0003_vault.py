"""17.04(5), 17.03(2): collections, their fields, sealed records, blind indexes, reveal reasons.

Revision 0003, after 0002. (Placeholder until the vault tables land: it changes nothing.)
"""

import sqlalchemy as sa  # noqa: F401 - used once the tables land
from alembic import op  # noqa: F401 - used once the tables land

__all__ = ["downgrade", "upgrade"]

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
