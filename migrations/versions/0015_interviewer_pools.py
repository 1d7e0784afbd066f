"""interviewer pools (trained or in training, with personal preferences), the pool an interview
is staffed from and how often it was re-staffed, and trainees' seats on interviews

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interviewer_pools",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=True),
        sa.Column("skill", sa.String(length=100), nullable=True),
        sa.Column("shadow_rounds", sa.Integer(), nullable=False),
        sa.Column("reverse_shadow_rounds", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "name"),
    )
    op.create_index(
        op.f("ix_interviewer_pools_organization_id"), "interviewer_pools", ["organization_id"]
    )
    op.create_table(
        "interviewer_pool_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.String(length=5), nullable=True),
        sa.Column("max_per_day", sa.Integer(), nullable=True),
        sa.Column("max_per_week", sa.Integer(), nullable=True),
        sa.Column("signed_off_by", sa.Uuid(), nullable=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pool_id"], ["interviewer_pools.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["signed_off_by"], ["members.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pool_id", "member_id"),
    )
    op.create_index(
        op.f("ix_interviewer_pool_members_organization_id"),
        "interviewer_pool_members",
        ["organization_id"],
    )
    op.create_index(
        "ix_interviewer_pool_members_member",
        "interviewer_pool_members",
        ["organization_id", "member_id"],
    )
    op.add_column("interviews", sa.Column("pool_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        "interviews_pool_id_fkey",
        "interviews",
        "interviewer_pools",
        ["pool_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column(
        "interviews",
        sa.Column("replacements", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "interview_participants",
        sa.Column("seat", sa.String(length=16), nullable=False, server_default="interviewer"),
    )


def downgrade() -> None:
    op.drop_column("interview_participants", "seat")
    op.drop_column("interviews", "replacements")
    op.drop_constraint("interviews_pool_id_fkey", "interviews", type_="foreignkey")
    op.drop_column("interviews", "pool_id")
    op.drop_index("ix_interviewer_pool_members_member", table_name="interviewer_pool_members")
    op.drop_index(
        op.f("ix_interviewer_pool_members_organization_id"), table_name="interviewer_pool_members"
    )
    op.drop_table("interviewer_pool_members")
    op.drop_index(op.f("ix_interviewer_pools_organization_id"), table_name="interviewer_pools")
    op.drop_table("interviewer_pools")
