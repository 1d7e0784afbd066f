"""What goes in and out for applications and their moves."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, computed_field, model_validator

from app.clock import utcnow
from app.domain.applications.pipeline import Action, HistoryAction, Outcome, Stage
from app.domain.types import Integer, LongText, PublicModel, StrictModel

BigText = LongText


class ApplicationCreate(StrictModel):
    candidate_id: uuid.UUID
    role_id: uuid.UUID
    stage: Literal["sourced", "screening", "submitted"] = "sourced"
    screening_notes: BigText | None = None


class ApplicationUpdate(StrictModel):
    screening_notes: BigText | None = None
    recruiter_assessment: BigText | None = None
    recruiter_rating: Integer | None = Field(
        default=None, ge=1, le=5, description="1 (weak) to 5 (strong)"
    )


class TransitionCreate(StrictModel):
    action: Action = "move"
    to_stage: Stage | None = Field(default=None, description="Required for a move")
    reason: LongText = Field(description="Why; kept in the history")

    @model_validator(mode="after")
    def _stage_for_move(self) -> TransitionCreate:
        if self.action == "move" and self.to_stage is None:
            raise ValueError("to_stage is required for a move")
        if self.action != "move" and self.to_stage is not None:
            raise ValueError("to_stage is only for a move")
        return self


class ApplicationFilters(StrictModel):
    stage: Stage | None = None
    outcome: Outcome | None = None


class ApplicationPublic(PublicModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    candidate_id: uuid.UUID
    role_id: uuid.UUID
    stage: Stage
    outcome: Outcome
    stage_entered_at: datetime
    screening_notes: str | None
    recruiter_assessment: str | None
    recruiter_rating: int | None
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def time_in_stage_seconds(self) -> int:
        return max(0, int((utcnow() - self.stage_entered_at).total_seconds()))


class TransitionPublic(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID
    action: HistoryAction
    from_stage: Stage | None
    to_stage: Stage
    from_outcome: Outcome | None
    to_outcome: Outcome
    reason: str
    actor_member_id: uuid.UUID | None
    created_at: datetime
