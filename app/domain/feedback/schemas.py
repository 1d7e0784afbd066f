"""What goes in and out for scorecards, decisions, offers and closing the loop."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, field_validator, model_validator

from app.domain.availability.schemas import AwareDatetime
from app.domain.types import (
    TEXT,
    Day,
    Integer,
    LongText,
    Name,
    PublicModel,
    ShortText,
    StrictModel,
    Trimmed,
)

Recommendation = Literal["strong_yes", "yes", "no", "definitely_not", "no_decision"]
Rating = Literal["strong_no", "no", "mixed", "yes", "strong_yes"]
DecisionKind = Literal["advance", "reject", "offer"]
OfferStatus = Literal["draft", "approved", "sent", "accepted", "declined", "rescinded"]
Reasons = Annotated[str, StringConstraints(min_length=1, max_length=20000, pattern=TEXT), Trimmed]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class ScorecardWrite(StrictModel):
    """A draft may be partial; submitting needs a recommendation and written reasons."""

    recommendation: Recommendation | None = None
    ratings: dict[Name, Rating | None] = Field(
        default_factory=dict, description="Per skill of the agreed intake; null means not assessed"
    )
    reasons: Reasons | None = Field(default=None, description="Why: more than a yes or no")
    submit: StrictBool = Field(default=False, description="Submit now (otherwise kept as a draft)")

    @model_validator(mode="after")
    def _reasoned(self) -> ScorecardWrite:
        if self.submit and self.recommendation is None:
            raise ValueError("a submitted scorecard needs a recommendation")
        if self.submit and not self.reasons:
            raise ValueError("a recommendation needs written reasons: more than a yes or no")
        return self


class ScorecardRevisionPublic(PublicModel):
    revision: int
    recommendation: Recommendation
    ratings: dict[str, str | None]
    reasons: str
    submitted_by_id: uuid.UUID | None
    created_at: datetime


class ScorecardPublic(PublicModel):
    id: uuid.UUID
    interview_id: uuid.UUID
    application_id: uuid.UUID
    interviewer_id: uuid.UUID
    status: Literal["draft", "submitted"]
    recommendation: Recommendation | None
    ratings: dict[str, str | None]
    reasons: str | None
    submitted_at: datetime | None
    first_submitted_at: datetime | None
    revision: int
    due_at: datetime
    version: int
    created_at: datetime
    updated_at: datetime


class OverdueFeedback(PublicModel):
    interview_id: uuid.UUID
    interviewer_id: uuid.UUID
    interviewer_name: str
    due_at: datetime
    hours_overdue: float


class SkillRatings(PublicModel):
    skill: str
    ratings: dict[str, int] = Field(description="How many interviewers gave each rating")


class ScorecardSummary(PublicModel):
    application_id: uuid.UUID
    scorecards: list[ScorecardPublic]
    recommendations: dict[str, int]
    skills: list[SkillRatings]
    overdue: list[OverdueFeedback]
    pending: int


class RejectionReasonCreate(StrictModel):
    code: Code
    label: ShortText


class RejectionReasonUpdate(StrictModel):
    label: ShortText | None = None
    is_active: StrictBool | None = None


class RejectionReasonPublic(PublicModel):
    id: uuid.UUID
    code: str
    label: str
    is_active: bool


class DecisionCreate(StrictModel):
    decision: DecisionKind
    rejection_reason_id: uuid.UUID | None = Field(default=None, description="Required to reject")
    note: LongText = Field(description="Every decision needs a reason")

    @model_validator(mode="after")
    def _reject_reason(self) -> DecisionCreate:
        if self.decision == "reject" and self.rejection_reason_id is None:
            raise ValueError(
                "a rejection needs rejection_reason_id from the organization's catalogue"
            )
        if self.decision != "reject" and self.rejection_reason_id is not None:
            raise ValueError("rejection_reason_id is only for a rejection")
        return self


class DecisionPublic(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID
    decision: DecisionKind
    rejection_reason_id: uuid.UUID | None
    note: str
    decided_by_id: uuid.UUID | None
    created_at: datetime


class Compensation(StrictModel):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    base_salary: Integer = Field(ge=0, le=100_000_000)
    bonus: Integer | None = Field(default=None, ge=0, le=100_000_000)
    equity: ShortText | None = None
    notes: LongText | None = None


class OfferCreate(StrictModel):
    application_id: uuid.UUID
    compensation: Compensation
    start_date: Day | None = None
    expires_at: AwareDatetime | None = None
    note: LongText | None = None


class OfferUpdate(StrictModel):
    compensation: Compensation | None = None
    start_date: Day | None = None
    expires_at: AwareDatetime | None = None
    note: LongText | None = None


class OfferTransition(StrictModel):
    to: Literal["approved", "sent", "accepted", "declined", "rescinded"]
    reason: LongText | None = None


class OfferPublic(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID
    role_id: uuid.UUID
    status: OfferStatus
    compensation: Compensation
    start_date: date | None
    expires_at: datetime | None
    note: str | None
    created_by_id: uuid.UUID | None
    approved_by_id: uuid.UUID | None
    approved_at: datetime | None
    sent_at: datetime | None
    responded_at: datetime | None
    status_reason: str | None
    version: int
    created_at: datetime


class OutcomeMessageUpdate(StrictModel):
    send_at: AwareDatetime | None = None
    personal_note: LongText | None = None

    @field_validator("send_at", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class OutcomeMessagePublic(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID
    kind: Literal["rejection", "offer"]
    status: Literal["scheduled", "sent", "cancelled"]
    send_at: datetime
    personal_note: str | None
    offer_id: uuid.UUID | None
    sent_at: datetime | None
    created_at: datetime


class WaitingCandidate(PublicModel):
    application_id: uuid.UUID
    candidate_id: uuid.UUID
    candidate_name: str
    role_id: uuid.UUID
    role_title: str
    last_interview_at: datetime
    days_waiting: float
    deadline: datetime
    at_risk: bool


class CloseTheLoop(PublicModel):
    waiting: int
    at_risk: int
    deadline_days: int
    candidates: list[WaitingCandidate]


class StageTime(PublicModel):
    stage: str
    applications: int
    average_days: float


class InterviewerFeedbackTime(PublicModel):
    interviewer_id: uuid.UUID
    interviewer_name: str
    submitted: int
    median_hours: float | None


class RoleDashboard(PublicModel):
    role_id: uuid.UUID
    time_in_stage: list[StageTime]
    time_to_feedback: list[InterviewerFeedbackTime]
    overdue_scorecards: int
    offers_out: int
    offers_accepted: int
    offers_declined: int
    acceptance_rate: float | None
