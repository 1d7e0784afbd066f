"""What goes in and out for interviewer pools, training and replacement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from app.domain.types import ClockTime, Integer, Name, PublicModel, StrictModel

PoolStatus = Literal["trained", "in_training"]
Seat = Literal["interviewer", "shadow", "reverse_shadow"]


class PoolCreate(StrictModel):
    name: Name
    kind: Name | None = Field(
        default=None, description="The interview kind it staffs (matched without case)"
    )
    skill: Name | None = Field(default=None, description="Or the skill it tests")
    shadow_rounds: Integer = Field(
        default=2, ge=0, le=20, description="Interviews a trainee watches before leading"
    )
    reverse_shadow_rounds: Integer = Field(
        default=1, ge=0, le=20, description="Interviews a trainee leads while watched"
    )


class PoolUpdate(StrictModel):
    name: Name | None = None
    kind: Name | None = None
    skill: Name | None = None
    shadow_rounds: Integer | None = Field(default=None, ge=0, le=20)
    reverse_shadow_rounds: Integer | None = Field(default=None, ge=0, le=20)


class PoolMemberAdd(StrictModel):
    member_id: uuid.UUID
    status: PoolStatus = "trained"
    not_before: ClockTime | None = Field(
        default=None, description="No interview of this pool starts before this local time"
    )
    max_per_day: Integer | None = Field(default=None, ge=1, le=20)
    max_per_week: Integer | None = Field(default=None, ge=1, le=100)


class PoolMemberUpdate(StrictModel):
    not_before: ClockTime | None = None
    max_per_day: Integer | None = Field(default=None, ge=1, le=20)
    max_per_week: Integer | None = Field(default=None, ge=1, le=100)


class PoolMemberPublic(PublicModel):
    member_id: uuid.UUID
    name: str
    status: PoolStatus
    not_before: str | None
    max_per_day: int | None
    max_per_week: int | None
    shadows_done: int
    reverse_shadows_done: int
    next_seat: Seat | None = Field(description="A trainee's next seat; none once trained")
    ready_for_sign_off: bool
    signed_off_by: uuid.UUID | None
    trained_at: datetime | None


class PoolPublic(PublicModel):
    id: uuid.UUID
    name: str
    kind: str | None
    skill: str | None
    shadow_rounds: int
    reverse_shadow_rounds: int
    members: list[PoolMemberPublic]
    version: int
    created_at: datetime
    updated_at: datetime


class ReplacementRequest(StrictModel):
    member_id: uuid.UUID = Field(description="The interviewer to replace")


class ReplacementPublic(PublicModel):
    interview_id: uuid.UUID
    replaced_member_id: uuid.UUID
    replacement_member_id: uuid.UUID | None
    replaced: bool
    reason: str = Field(description="Why this person, or why no one was chosen")
    replacements: int = Field(description="How many times the interview has been re-staffed")
