"""members: the first moment a digest period may be due (periods due before a member joined or
changed when their digest comes are never sent)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing members keep every period (NULL: no restriction).
    op.add_column("members", sa.Column("digest_from", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("members", "digest_from")
