"""Organizations (tenants), their members and members' API keys."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import DateTime, Index, Time, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    time_zone: str = Field(default="UTC", max_length=64)
    feedback_due_hours: int = 24
    close_the_loop_days: int = 30
    culture_notes: str | None = Field(default=None, max_length=4000)
    # Where organization-wide Slack messages go when a member has no webhook of their own.
    slack_webhook_url: str | None = Field(default=None, max_length=500)
    # Where interviews are written in connected calendars: each interviewer's own interview
    # calendar, or once, in the organizer's, with the interviewers as attendees.
    interview_calendar: str = Field(
        default="interviewers",
        max_length=16,
        sa_column_kwargs={"server_default": "interviewers"},
    )
    # Privacy (docs/privacy.md): candidates with no activity for this many months are
    # anonymised by the retention job (None keeps them); whether recruiters may erase.
    candidate_retention_months: int | None = None
    recruiters_may_erase: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Candidate pages (docs/pages.md): a logo and an accent colour, and whether a page for a
    # link that no longer works names the recruiter's email address (their name always).
    logo_url: str | None = Field(default=None, max_length=500)
    accent_color: str | None = Field(default=None, max_length=7)
    show_recruiter_contact: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # Where messages link a person to: {kind: "https://ats.example.com/slates/{slate_id}"}.
    link_templates: dict[str, str] = json_field()
    # Booking links' policy (app/domain/bookings/policy.py): None takes the deployment's
    # setting of the same name (scheduling_min_notice_hours for the notice).
    booking_notice_hours: int | None = None
    booking_horizon_days: int | None = None
    booking_options: int | None = None
    booking_link_hours: int | None = None
    booking_hold_hours: int | None = None
    booking_change_notice_hours: int | None = None
    booking_max_changes: int | None = None
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class Member(SQLModel, table=True):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("organization_id", "email"),
        Index("ix_members_email", "email"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    email: str = Field(max_length=320)
    name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=200)
    bio: str | None = Field(default=None, max_length=2000)
    permission_set: str = Field(max_length=32)
    time_zone: str = Field(default="UTC", max_length=64)
    working_hours: dict[str, Any] = json_field()
    max_interviews_per_day: int | None = None
    max_interviews_per_week: int | None = None
    update_cadence: str = Field(default="daily", max_length=16)
    update_channel: str = Field(default="email", max_length=16)
    update_local_time: time = Field(default=time(9, 0), sa_type=Time())
    # A digest period due before this is never sent: a member who joins, or moves their digest,
    # at 13:05 gets the first one due after that, not the one due at 12:59 a minute later.
    digest_from: datetime | None = Field(
        default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=True
    )
    delegate_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL")
    slack_webhook_url: str | None = Field(default=None, max_length=500)
    is_active: bool = True
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE")
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_field()
    last_used_at: datetime | None = timestamp_field()
    revoked_at: datetime | None = timestamp_field()
    # After this the key no longer works (set at creation, or by a rotation's grace period).
    expires_at: datetime | None = timestamp_field()
