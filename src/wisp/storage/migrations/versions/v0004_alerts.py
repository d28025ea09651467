"""17.04(4), 17.03(2)(h): alerts raised by the rules over the audit log, and their delivery.

Revision 0004, after 0003. (Placeholder until the alerts tables land: it changes nothing.)
"""

import sqlalchemy as sa  # noqa: F401 - used once the tables land
from alembic import op  # noqa: F401 - used once the tables land

__all__ = ["downgrade", "upgrade"]

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
