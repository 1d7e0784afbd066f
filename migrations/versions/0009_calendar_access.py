"""calendar connections: what a member's consent grants (read_write, or free_busy only)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("calendar_connections", "calendar_oauth_states")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(
            table,
            sa.Column(
                "access",
                sa.String(length=16),
                nullable=False,
                server_default="read_write",
            ),
        )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_column(table, "access")
