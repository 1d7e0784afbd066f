"""follow_ups: questions sent to a candidate (usually to settle a waitlist) and their answers;
slate_decisions.settled_by_follow_up_id: the answer a decision was taken on

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("question", sa.String(length=2000), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sent_by_id", sa.Uuid(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminder_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_text", sa.String(length=4000), nullable=True),
        sa.Column("answer_link", sa.String(length=500), nullable=True),
        sa.Column("answer_document_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sent_by_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["answer_document_id"], ["documents.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_follow_ups_organization_id"), "follow_ups", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_follow_ups_application",
        "follow_ups",
        ["organization_id", "application_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_follow_ups_role", "follow_ups", ["organization_id", "role_id", "state"], unique=False
    )
    op.create_index(
        "ix_follow_ups_open",
        "follow_ups",
        ["reminder_due_at"],
        unique=False,
        postgresql_where=sa.text("state IN ('sent', 'reminded')"),
    )
    op.add_column("slate_decisions", sa.Column("settled_by_follow_up_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        "slate_decisions_settled_by_follow_up_id_fkey",
        "slate_decisions",
        "follow_ups",
        ["settled_by_follow_up_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        "slate_decisions_settled_by_follow_up_id_fkey", "slate_decisions", type_="foreignkey"
    )
    op.drop_column("slate_decisions", "settled_by_follow_up_id")
    op.drop_index("ix_follow_ups_open", table_name="follow_ups")
    op.drop_index("ix_follow_ups_role", table_name="follow_ups")
    op.drop_index("ix_follow_ups_application", table_name="follow_ups")
    op.drop_index(op.f("ix_follow_ups_organization_id"), table_name="follow_ups")
    op.drop_table("follow_ups")
