"""What goes in and out for slates, decisions, insights and fit checks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from app.domain.types import (
    LongText,
    Name,
    PublicModel,
    ShortText,
    StrictModel,
    Timestamp,
    refuse_null,
)

Decision = Literal["approve", "reject", "waitlist"]
ReasonCategory = Literal[
    "skills", "experience", "compensation", "location", "culture", "communication", "other"
]
SlateStatus = Literal["draft", "sent", "reviewed"]


class SlateItemCreate(StrictModel):
    application_id: uuid.UUID
    question: LongText | None = Field(
        default=None, description='The recruiter\'s question, e.g. "what have I missed?"'
    )


class SlateCreate(StrictModel):
    role_id: uuid.UUID
    items: list[SlateItemCreate] = Field(min_length=1, max_length=200)
    note: LongText | None = None
    due_at: Timestamp | None = None


class SlateUpdate(StrictModel):
    items: list[SlateItemCreate] | None = Field(default=None, min_length=1, max_length=200)
    note: LongText | None = None
    due_at: Timestamp | None = None

    _required = field_validator("items", mode="before")(refuse_null)


class SlateSend(StrictModel):
    due_at: Timestamp = Field(description="When the hiring manager should have answered")


class DecisionReasons(StrictModel):
    missing_skills: list[Name] = Field(
        default_factory=list, max_length=50, description="Skills of the role's agreed intake"
    )
    red_flags: list[ShortText] = Field(default_factory=list, max_length=20)
    categories: list[ReasonCategory] = Field(default_factory=list, max_length=7)
    note: LongText | None = None


class DecisionCreate(StrictModel):
    decision: Decision
    reasons: DecisionReasons
    waitlist_question: LongText | None = Field(
        default=None, description="For a waitlist: what would settle it"
    )
    answer: LongText | None = Field(
        default=None, description="The answer to the recruiter's question"
    )
    revision: StrictBool = Field(
        default=False, description="Replace an earlier decision on this item (both are kept)"
    )

    @model_validator(mode="after")
    def _reasoned(self) -> DecisionCreate:
        r = self.reasons
        if not (r.missing_skills or r.red_flags or r.note):
            raise ValueError("a decision needs a reason: missing_skills, red_flags or a note")
        if self.decision == "waitlist" and not self.waitlist_question:
            raise ValueError(
                "a waitlist decision names the question that would settle it (waitlist_question)"
            )
        if self.decision != "waitlist" and self.waitlist_question:
            raise ValueError("waitlist_question is only for a waitlist decision")
        return self


class FollowUpSummary(PublicModel):
    """The latest follow-up sent to the candidate, and their answer (plain text) once given."""

    follow_up_id: uuid.UUID
    question: str
    state: str
    answer: str | None
    link: str | None
    document_id: uuid.UUID | None
    answered_at: datetime | None


class DecisionPublic(PublicModel):
    id: uuid.UUID
    decision: Decision
    missing_skills: list[str]
    red_flags: list[str]
    categories: list[str]
    note: str | None
    waitlist_question: str | None
    answer: str | None
    decided_by_id: uuid.UUID | None
    settled_by_follow_up_id: uuid.UUID | None = Field(
        default=None, description="The follow-up whose answer this decision was taken on"
    )
    revision: int
    is_current: bool
    created_at: datetime


class SlateItemPublic(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID
    position: int
    question: str | None
    decision: DecisionPublic | None
    follow_up: FollowUpSummary | None = Field(
        default=None, description="The latest follow-up to the candidate, with their answer"
    )


class SlatePublic(PublicModel):
    id: uuid.UUID
    role_id: uuid.UUID
    status: SlateStatus
    note: str | None
    due_at: datetime | None
    created_by_id: uuid.UUID | None
    sent_by_id: uuid.UUID | None
    sent_at: datetime | None
    reviewed_at: datetime | None
    version: int
    created_at: datetime
    items: list[SlateItemPublic]


class SlateSummaryPublic(PublicModel):
    """A slate without its items, for lists and GraphQL (items come through their own edge)."""

    id: uuid.UUID
    role_id: uuid.UUID
    status: SlateStatus
    note: str | None
    due_at: datetime | None
    created_by_id: uuid.UUID | None
    sent_by_id: uuid.UUID | None
    sent_at: datetime | None
    reviewed_at: datetime | None
    version: int
    created_at: datetime


class SlateApproval(PublicModel):
    slate_id: uuid.UUID
    sent_at: datetime | None
    decided: int
    approved: int
    approval_rate: float


class Count(PublicModel):
    value: str
    count: int


class WaitlistedItem(PublicModel):
    application_id: uuid.UUID
    slate_id: uuid.UUID
    question: str
    follow_up: FollowUpSummary | None = None


class FollowUpInsights(PublicModel):
    sent: int
    answered: int
    settled_by_answer: int = Field(
        description="Current decisions the hiring manager took on a follow-up's answer"
    )
    settled_approved: int
    settled_rejected: int
    median_hours_to_answer: float | None


class Suggestion(PublicModel):
    kind: Literal["make_must", "tighten_screening", "renegotiate", "calibration_trend"]
    message: str
    evidence: str


class RoleInsights(PublicModel):
    role_id: uuid.UUID
    slates_reviewed: int
    decisions: int
    approvals: int
    rejections: int
    waitlisted: int
    approval_rate_by_slate: list[SlateApproval]
    top_rejection_reasons: list[Count]
    most_missing_skills: list[Count]
    red_flags: list[Count]
    median_review_hours: float | None
    waitlist: list[WaitlistedItem]
    follow_ups: FollowUpInsights | None = None
    suggestions: list[Suggestion]


class SkillFit(PublicModel):
    skill: str
    status: Literal["met", "missing", "unknown"]
    explanation: str


class RedFlagFit(PublicModel):
    red_flag: str
    times_raised: int
    applies: bool
    explanation: str


class Resemblance(PublicModel):
    application_id: uuid.UUID
    candidate_name: str
    similarity: float
    shared_skills: list[str]
    rejected_for: list[str]
    explanation: str


class FitCheck(PublicModel):
    role_id: uuid.UUID
    candidate_id: uuid.UUID
    intake_revision: int | None
    must_skills: list[SkillFit]
    experience: str
    red_flags: list[RedFlagFit]
    resembles: list[Resemblance]
    summary: str
    follow_ups: list[FollowUpSummary] = Field(
        default_factory=list,
        description="Follow-up questions sent to the candidate for this role, with their answers",
    )
