"""What goes in and out for applications and their moves."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field, computed_field, model_validator

from app.clock import utcnow
from app.domain.applications.pipeline import Action, EntryStage, HistoryAction, Outcome, Stage
from app.domain.types import Integer, LongText, PublicModel, StrictModel

BigText = LongText


class ApplicationCreate(StrictModel):
    """A candidate's application to a role, as a recruiter records it."""

    candidate_id: uuid.UUID = Field(description="The candidate who applies")
    role_id: uuid.UUID = Field(description="The role applied to")
    stage: EntryStage = Field(
        default="sourced", description="Where the application starts; later stages are moves"
    )
    screening_notes: BigText | None = Field(
        default=None, description="The recruiter's notes from screening"
    )


class ApplicationUpdate(StrictModel):
    """A change to an application's notes and rating; a field left out is kept."""

    screening_notes: BigText | None = Field(
        default=None, description="The recruiter's notes from screening"
    )
    recruiter_assessment: BigText | None = Field(
        default=None, description="The recruiter's assessment, for the hiring manager"
    )
    recruiter_rating: Integer | None = Field(
        default=None,
        ge=1,
        le=5,
        description="The recruiter's rating, 1 (weak) to 5 (strong)",
    )


class TransitionCreate(StrictModel):
    """A move of an application: to another stage, or ending it, or reopening it."""

    action: Action = Field(
        default="move",
        description="move changes the stage; reject and withdraw end the application; "
        "reopen makes an ended one active again",
    )
    to_stage: Stage | None = Field(default=None, description="The stage to move to (a move only)")
    reason: LongText = Field(description="Why; kept in the history")

    @model_validator(mode="after")
    def _stage_for_move(self) -> TransitionCreate:
        if self.action == "move" and self.to_stage is None:
            raise ValueError("to_stage is required for a move")
        if self.action != "move" and self.to_stage is not None:
            raise ValueError("to_stage is only for a move")
        return self


class ApplicationFilters(StrictModel):
    """Which applications a list shows."""

    stage: Stage | None = Field(default=None, description="Only applications at this stage")
    outcome: Outcome | None = Field(default=None, description="Only applications with this outcome")


class ApplicationPublic(PublicModel):
    """A candidate's application to a role: where it stands in the pipeline."""

    id: uuid.UUID = Field(description="The application's id")
    organization_id: uuid.UUID = Field(description="The organization it belongs to")
    candidate_id: uuid.UUID = Field(description="The candidate who applied")
    role_id: uuid.UUID = Field(description="The role applied to")
    stage: Stage = Field(description="The pipeline stage it is at")
    outcome: Outcome = Field(description="active while in the pipeline, or how it ended")
    stage_entered_at: datetime = Field(description="When it reached its current stage (UTC)")
    screening_notes: str | None = Field(description="The recruiter's notes from screening")
    recruiter_assessment: str | None = Field(
        description="The recruiter's assessment, for the hiring manager"
    )
    recruiter_rating: int | None = Field(
        description="The recruiter's rating, 1 (weak) to 5 (strong); null until rated"
    )
    version: int = Field(description="Increases with every change; send it back to update")
    created_at: datetime = Field(description="When the application was recorded (UTC)")
    updated_at: datetime = Field(description="When it last changed (UTC)")

    @computed_field(  # type: ignore[prop-decorator]
        description="Seconds since it reached its current stage"
    )
    @property
    def time_in_stage_seconds(self) -> int:
        return max(0, int((utcnow() - self.stage_entered_at).total_seconds()))


class TransitionPublic(PublicModel):
    """One entry of an application's history: a move, who made it, when and why."""

    id: uuid.UUID = Field(description="The history entry's id")
    application_id: uuid.UUID = Field(description="The application that moved")
    action: HistoryAction = Field(
        description="What happened: create, move, reject, withdraw or reopen"
    )
    from_stage: Stage | None = Field(description="The stage before; null for create")
    to_stage: Stage = Field(description="The stage after")
    from_outcome: Outcome | None = Field(description="The outcome before; null for create")
    to_outcome: Outcome = Field(description="The outcome after")
    reason: str = Field(description="Why, as the member wrote it")
    actor_member_id: uuid.UUID | None = Field(
        description="The member who made it; null when that member was removed"
    )
    created_at: datetime = Field(description="When it happened (UTC)")
