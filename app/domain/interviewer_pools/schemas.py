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
    """A new interviewer pool: who can run a kind of interview, or test a skill."""

    name: Name = Field(description="The pool's name, e.g. Backend technical")
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
    """Changes to an interviewer pool; a field left out keeps its value."""

    name: Name | None = Field(default=None, description="A new name")
    kind: Name | None = Field(default=None, description="A new interview kind it staffs")
    skill: Name | None = Field(default=None, description="A new skill it tests")
    shadow_rounds: Integer | None = Field(
        default=None, ge=0, le=20, description="Interviews a trainee watches before leading"
    )
    reverse_shadow_rounds: Integer | None = Field(
        default=None, ge=0, le=20, description="Interviews a trainee leads while watched"
    )


class PoolMemberAdd(StrictModel):
    """A member joining an interviewer pool, trained or in training, with their limits."""

    member_id: uuid.UUID = Field(description="The member who joins")
    status: PoolStatus = Field(
        default="trained", description="trained, or in_training (sits shadow rounds first)"
    )
    not_before: ClockTime | None = Field(
        default=None, description="No interview of this pool starts before this local time"
    )
    max_per_day: Integer | None = Field(
        default=None, ge=1, le=20, description="At most this many of the pool's interviews a day"
    )
    max_per_week: Integer | None = Field(
        default=None, ge=1, le=100, description="At most this many of the pool's interviews a week"
    )


class PoolMemberUpdate(StrictModel):
    """New limits for a member of an interviewer pool; null removes a limit."""

    not_before: ClockTime | None = Field(
        default=None,
        description="No interview of this pool starts before this local time (HH:MM); null: any",
    )
    max_per_day: Integer | None = Field(
        default=None, ge=1, le=20, description="At most this many a day; null: no limit"
    )
    max_per_week: Integer | None = Field(
        default=None, ge=1, le=100, description="At most this many a week; null: no limit"
    )


class PoolMemberPublic(PublicModel):
    """A member of an interviewer pool: their training, limits and sign-off."""

    member_id: uuid.UUID = Field(description="The member")
    name: str = Field(description="The member's name")
    status: PoolStatus = Field(description="trained, or in_training")
    not_before: str | None = Field(
        description="No interview of this pool starts before this local time (HH:MM); null: any"
    )
    max_per_day: int | None = Field(description="At most this many a day; null: no limit")
    max_per_week: int | None = Field(description="At most this many a week; null: no limit")
    shadows_done: int = Field(description="Interviews the trainee has watched")
    reverse_shadows_done: int = Field(description="Interviews the trainee has led while watched")
    next_seat: Seat | None = Field(description="A trainee's next seat; none once trained")
    ready_for_sign_off: bool = Field(
        description="Whether a trainee has sat every round the pool asks for"
    )
    signed_off_by: uuid.UUID | None = Field(
        description="The member who signed the trainee off; null when not signed off"
    )
    trained_at: datetime | None = Field(
        description="When they became trained (UTC): added trained or signed off; null in training"
    )


class PoolPublic(PublicModel):
    """An interviewer pool: who can run a kind of interview, or test a skill."""

    id: uuid.UUID = Field(description="The pool's id")
    name: str = Field(description="The pool's name")
    kind: str | None = Field(description="The interview kind it staffs; null when none")
    skill: str | None = Field(description="The skill it tests; null when none")
    shadow_rounds: int = Field(description="Interviews a trainee watches before leading")
    reverse_shadow_rounds: int = Field(description="Interviews a trainee leads while watched")
    members: list[PoolMemberPublic] = Field(description="Its members, trained and in training")
    version: int = Field(description="Raised by each change")
    created_at: datetime = Field(description="When it was created (UTC)")
    updated_at: datetime = Field(description="When it last changed (UTC)")


class ReplacementRequest(StrictModel):
    """Which interviewer to replace from the interview's pool."""

    member_id: uuid.UUID = Field(description="The interviewer to replace")


class ReplacementPublic(PublicModel):
    """What replacing an interviewer did: who came in, or why no one did."""

    interview_id: uuid.UUID = Field(description="The interview")
    replaced_member_id: uuid.UUID = Field(description="The interviewer who was replaced")
    replacement_member_id: uuid.UUID | None = Field(
        description="The interviewer who took the seat; null when no one was free"
    )
    replaced: bool = Field(description="Whether someone took the seat")
    reason: str = Field(description="Why this person, or why no one was chosen")
    replacements: int = Field(description="How many times the interview has been re-staffed")
