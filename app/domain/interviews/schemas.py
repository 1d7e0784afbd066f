"""What goes in and out for slot finding, interviews, prep and the panel packet."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from app.domain.availability.schemas import AwareDatetime
from app.domain.types import (
    Integer,
    LongText,
    PublicModel,
    ShortText,
    StrictModel,
    Timestamp,
    TimeZone,
    Url,
)

InterviewStatus = Literal["proposed", "scheduled", "completed", "cancelled", "no_show"]
Response = Literal["needs_action", "accepted", "declined", "tentative"]


class StageRequest(StrictModel):
    name: ShortText
    duration_minutes: Integer = Field(ge=15, le=480)
    interviewer_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=20,
        description="The people to choose from (or give pool_id)",
    )
    pool_id: uuid.UUID | None = Field(
        default=None,
        description="An interviewer pool: its trained members are the people to choose from",
    )
    trainee_seat: StrictBool = Field(
        default=False,
        description="Also seat one of the pool's members in training (shadowing), when one is free",
    )
    required: Integer = Field(
        default=1, ge=1, le=10, description="How many of the pool this stage needs"
    )

    @model_validator(mode="after")
    def _pool_big_enough(self) -> StageRequest:
        if not self.interviewer_ids and self.pool_id is None:
            raise ValueError("give interviewer_ids or a pool_id")
        if self.trainee_seat and self.pool_id is None:
            raise ValueError("a trainee seat needs a pool_id (trainees come from a pool)")
        if self.pool_id is not None:
            return self
        if len(set(self.interviewer_ids)) < self.required:
            raise ValueError(
                f"the stage needs {self.required} interviewers but its pool has {len(set(self.interviewer_ids))}"
            )
        return self


class SuggestionRequest(StrictModel):
    application_id: uuid.UUID
    stages: list[StageRequest] = Field(min_length=1, max_length=6)
    date_from: AwareDatetime
    date_to: AwareDatetime
    min_notice_hours: Integer | None = Field(
        default=None, ge=0, le=24 * 30, description="Default: the service setting"
    )
    buffer_before_minutes: Integer = Field(default=0, ge=0, le=120)
    buffer_after_minutes: Integer = Field(default=0, ge=0, le=120)
    max_gap_minutes: Integer = Field(
        default=60, ge=0, le=480, description="Longest wait between two stages"
    )
    allow_back_to_back: StrictBool = True
    limit: Integer = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _range(self) -> SuggestionRequest:
        if self.date_to <= self.date_from:
            raise ValueError("date_to must be after date_from")
        if self.date_to - self.date_from > timedelta(days=90):
            raise ValueError("the range may span at most 90 days")
        return self


class SuggestedInterviewer(PublicModel):
    member_id: uuid.UUID
    name: str
    time_zone: str
    local_start: datetime
    local_end: datetime


class SuggestedStage(PublicModel):
    name: str
    start_at: datetime
    end_at: datetime
    interviewers: list[SuggestedInterviewer]
    trainees: list[SuggestedInterviewer] = Field(
        default_factory=list, description="Members in training seated as an extra interviewer"
    )
    pool_id: uuid.UUID | None = None


class SuggestionPublic(PublicModel):
    rank: int
    score: float
    start_at: datetime
    end_at: datetime
    candidate_time_zone: str
    candidate_local_start: datetime
    candidate_local_end: datetime
    stages: list[SuggestedStage]
    reasons: list[str] = Field(description="Why this one ranks where it does")


class SuggestionsPublic(PublicModel):
    suggestions: list[SuggestionPublic]
    blocked_by: list[str] = Field(description="When nothing fits: what made every time impossible")
    considered: int


class InterviewSlot(StrictModel):
    kind: ShortText = Field(description="The stage, e.g. technical, team, hiring manager")
    start_at: AwareDatetime
    end_at: AwareDatetime
    interviewer_ids: list[uuid.UUID] = Field(min_length=1, max_length=10)
    pool_id: uuid.UUID | None = Field(
        default=None,
        description="The pool the interviewers come from (declines are replaced from it)",
    )
    trainee_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=3,
        description="Members in training in pool_id who join as an extra interviewer",
    )

    @model_validator(mode="after")
    def _ordered(self) -> InterviewSlot:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        if self.end_at - self.start_at > timedelta(hours=8):
            raise ValueError("an interview lasts at most 8 hours")
        return self

    @field_validator("interviewer_ids")
    @classmethod
    def _unique(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(ids)) != len(ids):
            raise ValueError("an interviewer is listed twice")
        return ids


class InterviewsCreate(StrictModel):
    application_id: uuid.UUID
    interviews: list[InterviewSlot] = Field(min_length=1, max_length=6)
    time_zone: TimeZone | None = Field(
        default=None, description="For invitations; default the candidate's"
    )
    location: ShortText | None = None
    video_url: Url | None = None
    status: Literal["scheduled", "proposed"] = "scheduled"


class InterviewReschedule(StrictModel):
    start_at: AwareDatetime
    end_at: AwareDatetime
    interviewer_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=10)
    location: ShortText | None = None
    video_url: Url | None = None
    reason: LongText

    @model_validator(mode="after")
    def _ordered(self) -> InterviewReschedule:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class InterviewCancel(StrictModel):
    reason: LongText


class InterviewResponseSet(StrictModel):
    response: Response


class InterviewStatusSet(StrictModel):
    status: Literal["completed", "no_show", "scheduled"]
    reason: LongText | None = None


class ParticipantPublic(PublicModel):
    member_id: uuid.UUID
    response: Response
    responded_at: datetime | None
    seat: Literal["interviewer", "shadow", "reverse_shadow"] = "interviewer"


class InterviewPublic(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID
    role_id: uuid.UUID
    kind: str
    start_at: datetime
    end_at: datetime
    time_zone: str
    location: str | None
    video_url: str | None
    status: InterviewStatus
    status_reason: str | None
    organizer_id: uuid.UUID | None
    ical_uid: str
    ical_sequence: int
    interviewers: list[ParticipantPublic]
    pool_id: uuid.UUID | None = None
    replacements: int = 0
    version: int
    created_at: datetime
    updated_at: datetime


class InterviewFilters(StrictModel):
    application_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = Field(default=None, description="Interviews this member is on")
    status: InterviewStatus | None = None
    starts_after: Timestamp | None = None
    starts_before: Timestamp | None = None


class PrepInterviewer(PublicModel):
    name: str
    title: str | None
    bio: str | None


class PrepStage(PublicModel):
    kind: str
    local_start: datetime
    local_end: datetime
    interviewers: list[PrepInterviewer]


class PrepRole(PublicModel):
    title: str
    team: str | None
    location: str | None
    workplace: str
    summary: str | None
    skills: list[str]
    qualifications: list[str]
    success_metrics: list[str]
    suitability_evidence: list[str]


class CandidatePrep(PublicModel):
    """What the candidate may read: nothing internal (no must-not-haves, pay notes or red flags)."""

    candidate_name: str
    organization_name: str
    role: PrepRole
    time_zone: str
    stages: list[PrepStage]
    location: str | None
    video_url: str | None
    culture_notes: str | None


class PacketDocument(PublicModel):
    id: uuid.UUID
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    download_url: str


class PacketIntake(PublicModel):
    revision: int
    summary: str | None
    must_have_skills: list[str]
    nice_to_have_skills: list[str]
    screening_questions: list[str]
    success_metrics: list[str]


class PacketInterview(PublicModel):
    id: uuid.UUID
    kind: str
    start_at: datetime
    end_at: datetime
    status: InterviewStatus
    interviewer_ids: list[uuid.UUID]


class PacketFollowUp(PublicModel):
    """A follow-up the candidate answered: the recruiter's question and the answer, as text."""

    follow_up_id: uuid.UUID
    question: str
    answer: str | None
    link: str | None
    document_id: uuid.UUID | None
    answered_at: datetime | None


class PanelPacket(PublicModel):
    application_id: uuid.UUID
    role_id: uuid.UUID
    role_title: str
    candidate_id: uuid.UUID
    candidate_name: str
    current_title: str | None
    current_company: str | None
    years_experience: int | None
    skills: list[str]
    links: dict[str, object]
    screening_notes: str | None
    recruiter_assessment: str | None
    documents: list[PacketDocument]
    intake: PacketIntake | None
    interviews: list[PacketInterview]
    scorecards: list[dict[str, object]] = Field(
        default_factory=list, description="Submitted scorecards of earlier interviews"
    )
    follow_ups: list[PacketFollowUp] = Field(
        default_factory=list, description="The candidate's answers to follow-up questions"
    )
