"""bookings: links through which a candidate books a whole panel, and the holds they keep

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = postgresql.JSONB(astext_type=sa.Text())


def _text(name: str, length: int, *, nullable: bool) -> sa.Column[str]:
    return sa.Column(name, AutoString(length=length), nullable=nullable)


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "booking_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        _text("time_zone", 64, nullable=False),
        sa.Column("request", _JSON, nullable=False),
        sa.Column("options", _JSON, nullable=False),
        _text("status", 16, nullable=False),
        _at("expires_at", nullable=False),
        _at("holds_expire_at", nullable=False),
        _at("booked_at", nullable=True),
        sa.Column("interview_ids", _JSON, nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("created_at", nullable=False),
        _at("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_booking_links_organization_id"), "booking_links", ["organization_id"])
    op.create_index(op.f("ix_booking_links_application_id"), "booking_links", ["application_id"])
    op.create_index("ix_booking_links_open", "booking_links", ["status", "expires_at"])
    op.create_table(
        "booking_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        _text("option_key", 32, nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        _at("start_at", nullable=False),
        _at("end_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("released_at", nullable=True),
        _text("release_reason", 32, nullable=True),
        sa.Column("calendar_id", sa.Uuid(), nullable=True),
        _text("action", 16, nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        _text("remote_id", 1000, nullable=True),
        _text("etag", 300, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at", nullable=False),
        _at("claimed_until", nullable=True),
        _text("claimed_by", 100, nullable=True),
        _text("last_error", 1000, nullable=True),
        sa.Column("failed", sa.Boolean(), nullable=False),
        _at("created_at", nullable=False),
        sa.ForeignKeyConstraint(["calendar_id"], ["member_calendars.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["link_id"], ["booking_links.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_booking_holds_organization_id"), "booking_holds", ["organization_id"])
    op.create_index(op.f("ix_booking_holds_link_id"), "booking_holds", ["link_id"])
    op.create_index(
        "ix_booking_holds_expiry",
        "booking_holds",
        ["expires_at"],
        postgresql_where=sa.text("released_at IS NULL"),
    )
    op.create_index(
        "ix_booking_holds_due",
        "booking_holds",
        ["next_attempt_at"],
        postgresql_where=sa.text("pending"),
    )


def downgrade() -> None:
    # A hold's busy time lives in busy_blocks (source `hold`): it goes with the holds.
    op.execute("DELETE FROM busy_blocks WHERE source = 'hold'")
    op.drop_table("booking_holds")
    op.drop_table("booking_links")
