"""organizations: the candidate pages' branding (logo, accent colour, recruiter contact) and the
link templates messages use to point a person somewhere they can open

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("organizations", sa.Column("logo_url", sa.String(length=500), nullable=True))
    op.add_column("organizations", sa.Column("accent_color", sa.String(length=7), nullable=True))
    op.add_column(
        "organizations",
        sa.Column("show_recruiter_contact", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "organizations",
        sa.Column(
            "link_templates",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
    )


def downgrade() -> None:
    op.drop_column("organizations", "link_templates")
    op.drop_column("organizations", "show_recruiter_contact")
    op.drop_column("organizations", "accent_color")
    op.drop_column("organizations", "logo_url")
