"""Interviews and the people on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class Interview(SQLModel, table=True):
    __tablename__ = "interviews"
    __table_args__ = (
        Index("ix_interviews_application", "organization_id", "application_id", "start_at"),
        Index("ix_interviews_status_end", "status", "end_at"),
        UniqueConstraint("ical_uid"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    kind: str = Field(max_length=100)
    start_at: datetime = timestamp_field(nullable=False)
    end_at: datetime = timestamp_field(nullable=False)
    time_zone: str = Field(max_length=64)
    location: str | None = Field(default=None, max_length=300)
    video_url: str | None = Field(default=None, max_length=500)
    status: str = Field(default="scheduled", max_length=16)
    status_reason: str | None = Field(default=None, max_length=2000)
    organizer_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    ical_uid: str = Field(max_length=200)
    ical_sequence: int = 0
    calendar_event_ids: dict[str, Any] = json_field()
    # The pool its interviewers come from (declines are replaced from it), and how many times
    # an interviewer has been replaced already (capped by a setting).
    pool_id: uuid.UUID | None = fk("interviewer_pools.id", ondelete="SET NULL", index=False)
    replacements: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class InterviewParticipant(SQLModel, table=True):
    __tablename__ = "interview_participants"
    __table_args__ = (
        UniqueConstraint("interview_id", "member_id"),
        Index("ix_interview_participants_member", "organization_id", "member_id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    interview_id: uuid.UUID = fk("interviews.id", nullable=False, ondelete="CASCADE", index=False)
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    response: str = Field(default="needs_action", max_length=16)
    # interviewer, or a trainee's extra seat: shadow (watches) or reverse_shadow (leads while a
    # trained interviewer watches). Only interviewers count toward the panel.
    seat: str = Field(
        default="interviewer", max_length=16, sa_column_kwargs={"server_default": "interviewer"}
    )
    responded_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()
