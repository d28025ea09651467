"""17.04(1), 17.04(2): users, roles, credentials, sessions, API tokens and lockout state.

Revision 0002, after 0001. (Placeholder until the identity tables land: it changes nothing.)
"""

import sqlalchemy as sa  # noqa: F401 - used once the tables land
from alembic import op  # noqa: F401 - used once the tables land

__all__ = ["downgrade", "upgrade"]

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
