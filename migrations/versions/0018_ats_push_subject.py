"""ATS pushes name the vendor record they are about, so one record's go out in order while
different records' go out at once

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "ats_pushes",
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    # Pushes planned before this revision: the application's id at the vendor, or for an
    # erasure the candidate's.
    op.execute(
        "UPDATE ats_pushes SET subject = coalesce(payload->>'application_external_id', "
        "payload->>'candidate_external_id', id::text)"
    )
    op.alter_column("ats_pushes", "subject", nullable=False)
    op.create_index(
        "ix_ats_pushes_subject",
        "ats_pushes",
        ["connection_id", "subject", "id"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_ats_pushes_subject",
        table_name="ats_pushes",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_column("ats_pushes", "subject")
