"""Interviewer pools: who can run a kind of interview (or test a skill), trained or in training."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, org_field, timestamp_field


class InterviewerPool(SQLModel, table=True):
    __tablename__ = "interviewer_pools"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    name: str = Field(max_length=100)
    # The interview kind it staffs (matched to an interview's `kind` when the interview was not
    # booked from a pool explicitly) and, or instead, the skill it tests.
    kind: str | None = Field(default=None, max_length=100)
    skill: str | None = Field(default=None, max_length=100)
    shadow_rounds: int = 2
    reverse_shadow_rounds: int = 1
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class InterviewerPoolMember(SQLModel, table=True):
    __tablename__ = "interviewer_pool_members"
    __table_args__ = (
        UniqueConstraint("pool_id", "member_id"),
        Index("ix_interviewer_pool_members_member", "organization_id", "member_id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    pool_id: uuid.UUID = fk("interviewer_pools.id", nullable=False, ondelete="CASCADE", index=False)
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    status: str = Field(default="trained", max_length=16)  # trained | in_training
    # Personal preferences for this pool's interviews, on top of the member's own caps.
    not_before: str | None = Field(default=None, max_length=5)  # "HH:MM", their local time
    max_per_day: int | None = None
    max_per_week: int | None = None
    signed_off_by: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    trained_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()
    updated_at: datetime = created_field()
