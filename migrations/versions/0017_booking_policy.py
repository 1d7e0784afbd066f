"""booking policy per organization: notice, horizon, options, link and hold lifetimes, changes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Null: the deployment's setting of the same name applies.
_COLUMNS = (
    "booking_notice_hours",
    "booking_horizon_days",
    "booking_options",
    "booking_link_hours",
    "booking_hold_hours",
    "booking_change_notice_hours",
    "booking_max_changes",
)


def upgrade() -> None:
    for name in _COLUMNS:
        op.add_column("organizations", sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    for name in reversed(_COLUMNS):
        op.drop_column("organizations", name)
