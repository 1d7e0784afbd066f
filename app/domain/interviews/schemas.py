"""What goes in and out for slot finding, interviews, prep and the panel packet."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from app.domain.availability.schemas import AwareDatetime
from app.domain.candidates.schemas import DocumentKind
from app.domain.roles.schemas import Workplace
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
# The statuses a booking may start in, and those a person may set by hand.
NewInterviewStatus = Literal["scheduled", "proposed"]
SettableInterviewStatus = Literal["completed", "no_show", "scheduled"]
ParticipantSeat = Literal["interviewer", "shadow", "reverse_shadow"]


class StageRequest(StrictModel):
    """One stage of a panel to staff: how long it lasts and who may run it."""

    name: ShortText = Field(description="The stage's name, e.g. technical or team")
    duration_minutes: Integer = Field(ge=15, le=480, description="How long it lasts, in minutes")
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
        default=1,
        ge=1,
        le=10,
        description="How many interviewers this stage needs from the people to choose from",
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
    """What to find times for: an application's panel (one or more stages) within a range."""

    application_id: uuid.UUID = Field(description="The application the panel is for")
    stages: list[StageRequest] = Field(
        min_length=1, max_length=6, description="The stages, in the order they run"
    )
    date_from: AwareDatetime = Field(description="Earliest start (with its UTC offset)")
    date_to: AwareDatetime = Field(
        description="Latest end (with its UTC offset); at most 90 days after date_from"
    )
    min_notice_hours: Integer | None = Field(
        default=None,
        ge=0,
        le=24 * 30,
        description="Hours from now before the first stage may start; default: the service setting",
    )
    buffer_before_minutes: Integer = Field(
        default=0, ge=0, le=120, description="Free minutes each interviewer needs before a stage"
    )
    buffer_after_minutes: Integer = Field(
        default=0, ge=0, le=120, description="Free minutes each interviewer needs after a stage"
    )
    max_gap_minutes: Integer = Field(
        default=60, ge=0, le=480, description="Longest wait between two stages, in minutes"
    )
    allow_back_to_back: StrictBool = Field(
        default=True, description="Whether a stage may start the minute the one before ends"
    )
    limit: Integer = Field(default=10, ge=1, le=50, description="At most this many suggestions")

    @model_validator(mode="after")
    def _range(self) -> SuggestionRequest:
        if self.date_to <= self.date_from:
            raise ValueError("date_to must be after date_from")
        if self.date_to - self.date_from > timedelta(days=90):
            raise ValueError("the range may span at most 90 days")
        return self


class SuggestedInterviewer(PublicModel):
    """A member seated on a suggested stage, with the stage's times in their own time zone."""

    member_id: uuid.UUID = Field(description="The member")
    name: str = Field(description="The member's name")
    time_zone: str = Field(description="The member's IANA time zone")
    local_start: datetime = Field(description="When the stage starts, in the member's time zone")
    local_end: datetime = Field(description="When the stage ends, in the member's time zone")


class SuggestedStage(PublicModel):
    """One stage of a suggested time: when it runs and who sits on it."""

    name: str = Field(description="The stage's name, as the request gave it")
    start_at: datetime = Field(description="When the stage starts (UTC)")
    end_at: datetime = Field(description="When the stage ends (UTC)")
    interviewers: list[SuggestedInterviewer] = Field(description="The interviewers seated")
    trainees: list[SuggestedInterviewer] = Field(
        default_factory=list, description="Members in training seated as an extra interviewer"
    )
    pool_id: uuid.UUID | None = Field(
        default=None,
        description="The interviewer pool the stage was staffed from; null when the request "
        "listed the people",
    )


class SuggestionPublic(PublicModel):
    """One suggested time for the whole panel, ranked against the others."""

    rank: int = Field(description="1 for the best suggestion")
    score: float = Field(description="Higher is better; the rank follows it")
    start_at: datetime = Field(description="When the first stage starts (UTC)")
    end_at: datetime = Field(description="When the last stage ends (UTC)")
    candidate_time_zone: str = Field(description="The candidate's IANA time zone")
    candidate_local_start: datetime = Field(
        description="When the first stage starts, in the candidate's time zone"
    )
    candidate_local_end: datetime = Field(
        description="When the last stage ends, in the candidate's time zone"
    )
    stages: list[SuggestedStage] = Field(description="The stages, in the order they run")
    reasons: list[str] = Field(description="Why this one ranks where it does")


class SuggestionsPublic(PublicModel):
    """The ranked times found for a panel, or why none fits."""

    suggestions: list[SuggestionPublic] = Field(description="Best first; empty when nothing fits")
    blocked_by: list[str] = Field(description="When nothing fits: what made every time impossible")
    considered: int = Field(description="How many candidate times were weighed")


class InterviewSlot(StrictModel):
    """One interview to book: its kind, time and panel."""

    kind: ShortText = Field(description="The stage, e.g. technical, team, hiring manager")
    start_at: AwareDatetime = Field(description="When it starts (with its UTC offset)")
    end_at: AwareDatetime = Field(
        description="When it ends (with its UTC offset); at most 8 hours after start_at"
    )
    interviewer_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=10, description="The members on the panel, each once"
    )
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
    """Interviews to book for one application, with what their invitations say."""

    application_id: uuid.UUID = Field(description="The application they are for")
    interviews: list[InterviewSlot] = Field(
        min_length=1, max_length=6, description="The interviews, one per stage"
    )
    time_zone: TimeZone | None = Field(
        default=None, description="For invitations; default the candidate's"
    )
    location: ShortText | None = Field(
        default=None, description="Where they take place, if on site"
    )
    video_url: Url | None = Field(default=None, description="The video call's address, if any")
    status: NewInterviewStatus = Field(
        default="scheduled",
        description="scheduled (invitations go out) or proposed (held until confirmed)",
    )


class InterviewReschedule(StrictModel):
    """A new time for an interview, and optionally a new panel or place."""

    start_at: AwareDatetime = Field(description="The new start (with its UTC offset)")
    end_at: AwareDatetime = Field(description="The new end (with its UTC offset)")
    interviewer_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="The new panel; null keeps the interviewers it has",
    )
    location: ShortText | None = Field(default=None, description="A new place; null keeps it")
    video_url: Url | None = Field(default=None, description="A new video call; null keeps it")
    reason: LongText = Field(description="Why it moves; the interviewers read it")

    @model_validator(mode="after")
    def _ordered(self) -> InterviewReschedule:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class InterviewCancel(StrictModel):
    """Why an interview is cancelled."""

    reason: LongText = Field(description="Why it is cancelled; the interviewers read it")


class InterviewResponseSet(StrictModel):
    """An interviewer's answer to an invitation."""

    response: Response = Field(description="The answer: accepted, declined, tentative or none yet")


class InterviewStatusSet(StrictModel):
    """A status set by hand: how the interview went, or a proposed one confirmed."""

    status: SettableInterviewStatus = Field(
        description="completed or no_show after it; scheduled confirms a proposed interview"
    )
    reason: LongText | None = Field(default=None, description="Why, when it helps (a no-show)")


class ParticipantPublic(PublicModel):
    """One member on an interview's panel, and their answer to the invitation."""

    member_id: uuid.UUID = Field(description="The member")
    response: Response = Field(description="Their answer to the invitation")
    responded_at: datetime | None = Field(description="When they answered (UTC); null: not yet")
    seat: ParticipantSeat = Field(
        default="interviewer",
        description="interviewer, or a trainee's extra seat: shadow (watches) or reverse_shadow "
        "(leads while watched)",
    )


class InterviewPublic(PublicModel):
    """An interview of an application: when, where, who, and how it stands."""

    id: uuid.UUID = Field(description="The interview's id")
    application_id: uuid.UUID = Field(description="The application it is for")
    role_id: uuid.UUID = Field(description="The application's role")
    kind: str = Field(description="The stage, e.g. technical, team, hiring manager")
    start_at: datetime = Field(description="When it starts (UTC)")
    end_at: datetime = Field(description="When it ends (UTC)")
    time_zone: str = Field(description="The IANA time zone its invitations show")
    location: str | None = Field(description="Where it takes place; null when not on site")
    video_url: str | None = Field(description="The video call's address; null when there is none")
    status: InterviewStatus = Field(description="Where it stands")
    status_reason: str | None = Field(
        description="Why it was last cancelled, moved or marked; null when no reason was given"
    )
    organizer_id: uuid.UUID | None = Field(
        description="The member who booked it; null when the candidate booked it or the member "
        "was removed"
    )
    ical_uid: str = Field(description="The calendar event's UID, the same in every invitation")
    ical_sequence: int = Field(description="Raised by each change, so calendars take the newest")
    interviewers: list[ParticipantPublic] = Field(description="The panel, trainees included")
    pool_id: uuid.UUID | None = Field(
        default=None,
        description="The interviewer pool it was booked from; null when booked without one",
    )
    replacements: int = Field(
        default=0, description="How many times an interviewer was replaced from the pool"
    )
    version: int = Field(description="Raised by each change; send it back to update safely")
    created_at: datetime = Field(description="When it was booked (UTC)")
    updated_at: datetime = Field(description="When it last changed (UTC)")


class InterviewFilters(StrictModel):
    """Which interviews to list; every filter given must match."""

    application_id: uuid.UUID | None = Field(
        default=None, description="Interviews of this application"
    )
    member_id: uuid.UUID | None = Field(default=None, description="Interviews this member is on")
    status: InterviewStatus | None = Field(default=None, description="Interviews in this status")
    starts_after: Timestamp | None = Field(
        default=None, description="Interviews starting at or after this time"
    )
    starts_before: Timestamp | None = Field(
        default=None, description="Interviews starting before this time"
    )


class PrepInterviewer(PublicModel):
    """An interviewer as the candidate sees them in their preparation page."""

    name: str = Field(description="The interviewer's name")
    title: str | None = Field(description="Their title; null when not set")
    bio: str | None = Field(description="What they wrote about themselves; null when not set")


class PrepStage(PublicModel):
    """One interview as the candidate sees it, in their time zone."""

    kind: str = Field(description="The stage, e.g. technical or team")
    local_start: datetime = Field(description="When it starts, in the candidate's time zone")
    local_end: datetime = Field(description="When it ends, in the candidate's time zone")
    interviewers: list[PrepInterviewer] = Field(description="Who they will meet")


class PrepRole(PublicModel):
    """The role as the candidate may read it before their interviews."""

    title: str = Field(description="The role's title")
    team: str | None = Field(description="The team; null when not set")
    location: str | None = Field(description="Where the role is based; null when not set")
    workplace: Workplace = Field(description="onsite, hybrid or remote")
    summary: str | None = Field(description="The intake's summary; null before an intake")
    skills: list[str] = Field(description="The skills the role needs")
    qualifications: list[str] = Field(description="The qualifications it asks for")
    success_metrics: list[str] = Field(description="How success in the role is measured")
    suitability_evidence: list[str] = Field(description="What shows a candidate suits the role")


class CandidatePrep(PublicModel):
    """What the candidate may read: nothing internal (no must-not-haves, pay notes or red flags)."""

    candidate_name: str = Field(description="The candidate's name")
    organization_name: str = Field(description="The organization they interview with")
    role: PrepRole = Field(description="The role, as the candidate may read it")
    time_zone: str = Field(description="The candidate's IANA time zone; times are shown in it")
    stages: list[PrepStage] = Field(description="Their interviews, in order")
    location: str | None = Field(description="Where they take place; null when not on site")
    video_url: str | None = Field(description="The video call's address; null when there is none")
    culture_notes: str | None = Field(
        description="What the organization tells candidates about working there; null when unset"
    )


class PacketDocument(PublicModel):
    """A candidate's document as the panel reads it in the packet."""

    id: uuid.UUID = Field(description="The document's id")
    kind: DocumentKind = Field(description="What the document is")
    filename: str = Field(description="The file's name as uploaded")
    content_type: str = Field(description="The file's media type, e.g. application/pdf")
    size_bytes: int = Field(description="The file's size, in bytes")
    download_url: str = Field(
        description="Where the panel downloads the bytes (REST, authorised like the packet)"
    )


class PacketIntake(PublicModel):
    """The role's current intake, as far as the panel needs it."""

    revision: int = Field(description="The intake revision's number")
    summary: str | None = Field(description="The intake's summary; null when it has none")
    must_have_skills: list[str] = Field(description="Skills the role must have")
    nice_to_have_skills: list[str] = Field(description="Skills that help")
    screening_questions: list[str] = Field(description="The intake's screening questions")
    success_metrics: list[str] = Field(description="How success in the role is measured")


class PacketInterview(PublicModel):
    """One of the application's interviews, as the panel sees it in the packet."""

    id: uuid.UUID = Field(description="The interview's id")
    kind: str = Field(description="The stage, e.g. technical or team")
    start_at: datetime = Field(description="When it starts (UTC)")
    end_at: datetime = Field(description="When it ends (UTC)")
    status: InterviewStatus = Field(description="Where it stands")
    interviewer_ids: list[uuid.UUID] = Field(description="The members on its panel")


class PacketFollowUp(PublicModel):
    """A follow-up the candidate answered: the recruiter's question and the answer, as text."""

    follow_up_id: uuid.UUID = Field(description="The follow-up")
    question: str = Field(description="The recruiter's question")
    answer: str | None = Field(description="The candidate's answer as text; null when none")
    link: str | None = Field(description="A link the candidate answered with; null when none")
    document_id: uuid.UUID | None = Field(
        description="A document the candidate answered with; null when none"
    )
    answered_at: datetime | None = Field(description="When the candidate answered (UTC)")


class PanelPacket(PublicModel):
    """Everything the panel needs about a candidate for one application, in one place."""

    application_id: uuid.UUID = Field(description="The application")
    role_id: uuid.UUID = Field(description="The application's role")
    role_title: str = Field(description="The role's title")
    candidate_id: uuid.UUID = Field(description="The candidate")
    candidate_name: str = Field(description="The candidate's name")
    current_title: str | None = Field(
        description="The candidate's current title; null when unknown"
    )
    current_company: str | None = Field(
        description="Where the candidate works now; null when unknown"
    )
    years_experience: int | None = Field(
        description="The candidate's years of experience; null when unknown"
    )
    skills: list[str] = Field(description="The candidate's skills")
    links: dict[str, object] = Field(description="The candidate's links by name (github, ...)")
    screening_notes: str | None = Field(description="The recruiter's screening notes")
    recruiter_assessment: str | None = Field(description="The recruiter's assessment")
    documents: list[PacketDocument] = Field(
        description="The candidate's documents the panel reads (resume, portfolio, ...)"
    )
    intake: PacketIntake | None = Field(description="The role's current intake; null before one")
    interviews: list[PacketInterview] = Field(description="The application's interviews")
    scorecards: list[dict[str, object]] = Field(
        default_factory=list, description="Submitted scorecards of earlier interviews"
    )
    follow_ups: list[PacketFollowUp] = Field(
        default_factory=list, description="The candidate's answers to follow-up questions"
    )
