"""What goes in and out for scorecards, decisions, offers and closing the loop."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, field_validator, model_validator

from app.domain.applications.pipeline import Stage
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
# The statuses an offer can be moved to (it starts as a draft).
OfferMove = Literal["approved", "sent", "accepted", "declined", "rescinded"]
ScorecardStatus = Literal["draft", "submitted"]
OutcomeKind = Literal["rejection", "offer"]
OutcomeStatus = Literal["scheduled", "sent", "cancelled"]
Reasons = Annotated[str, StringConstraints(min_length=1, max_length=20000, pattern=TEXT), Trimmed]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class ScorecardWrite(StrictModel):
    """An interviewer's scorecard as they save it: a draft may be partial; submitting needs a
    recommendation and written reasons."""

    recommendation: Recommendation | None = Field(
        default=None, description="The interviewer's overall recommendation; needed to submit"
    )
    ratings: dict[Name, Rating | None] = Field(
        default_factory=dict, description="Per skill of the agreed intake; null means not assessed"
    )
    reasons: Reasons | None = Field(
        default=None, description="Why: more than a yes or no; needed to submit"
    )
    submit: StrictBool = Field(default=False, description="Submit now (otherwise kept as a draft)")

    @model_validator(mode="after")
    def _reasoned(self) -> ScorecardWrite:
        if self.submit and self.recommendation is None:
            raise ValueError("a submitted scorecard needs a recommendation")
        if self.submit and not self.reasons:
            raise ValueError("a recommendation needs written reasons: more than a yes or no")
        return self


class ScorecardRevisionPublic(PublicModel):
    """One submitted version of a scorecard, kept when the interviewer amends it."""

    revision: int = Field(description="1 for the first submission, one more for each amendment")
    recommendation: Recommendation = Field(description="The recommendation of this version")
    ratings: dict[str, Rating | None] = Field(
        description="Skill name to rating in this version; null means not assessed"
    )
    reasons: str = Field(description="The interviewer's written reasons in this version")
    submitted_by_id: uuid.UUID | None = Field(
        description="The member who submitted this version; null once they are removed"
    )
    created_at: datetime = Field(description="When this version was submitted (UTC)")


class ScorecardPublic(PublicModel):
    """One interviewer's scorecard for one interview, as a draft or submitted."""

    id: uuid.UUID = Field(description="The scorecard's id")
    interview_id: uuid.UUID = Field(description="The interview it is for")
    application_id: uuid.UUID = Field(description="The application the interview belongs to")
    interviewer_id: uuid.UUID = Field(description="The member who interviewed and writes it")
    status: ScorecardStatus = Field(
        description="draft while only its interviewer sees it; submitted once it counts"
    )
    recommendation: Recommendation | None = Field(
        description="The overall recommendation; null on a draft that has none yet"
    )
    ratings: dict[str, Rating | None] = Field(
        description="Skill name to rating; null means not assessed"
    )
    reasons: str | None = Field(
        description="The interviewer's written reasons; null on a draft that has none yet"
    )
    submitted_at: datetime | None = Field(
        description="When it was last submitted (UTC); null while a draft"
    )
    first_submitted_at: datetime | None = Field(
        description="When it was first submitted (UTC), which the feedback clock measures; null "
        "while a draft"
    )
    revision: int = Field(description="How many times it has been submitted (0 for a draft)")
    due_at: datetime = Field(
        description="When feedback is due (UTC): the interview's end plus the organization's "
        "feedback due hours"
    )
    version: int = Field(description="Goes up by one with every change")
    created_at: datetime = Field(description="When it was first saved (UTC)")
    updated_at: datetime = Field(description="When it last changed (UTC)")


class OverdueFeedback(PublicModel):
    """An interviewer whose scorecard for an interview is past its due time."""

    interview_id: uuid.UUID = Field(description="The interview the scorecard is owed for")
    interviewer_id: uuid.UUID = Field(description="The interviewer who owes it")
    interviewer_name: str = Field(description="The interviewer's name")
    due_at: datetime = Field(description="When the scorecard was due (UTC)")
    hours_overdue: float = Field(description="Hours since it was due, to one decimal")


class SkillRatings(PublicModel):
    """How the submitted scorecards rated one skill."""

    skill: str = Field(description="A skill of the role's agreed intake")
    ratings: dict[Rating, int] = Field(description="How many interviewers gave each rating")


class ScorecardSummary(PublicModel):
    """An application's submitted scorecards, their spread, and who still owes one."""

    application_id: uuid.UUID = Field(description="The application summed up")
    scorecards: list[ScorecardPublic] = Field(
        description="The submitted scorecards, in the order they were submitted"
    )
    recommendations: dict[Recommendation, int] = Field(
        description="How many scorecards gave each recommendation; every recommendation is listed, 0 "
        "when none gave it"
    )
    skills: list[SkillRatings] = Field(description="Each rated skill, by name")
    overdue: list[OverdueFeedback] = Field(description="Scorecards owed and past their due time")
    pending: int = Field(description="Scorecards owed and not yet due")


class RejectionReasonCreate(StrictModel):
    """A new entry of the organization's catalogue of rejection reasons."""

    code: Code = Field(
        description="A short stable code, lower case letters, digits and underscores, unique in "
        "the organization"
    )
    label: ShortText = Field(description="What people read")


class RejectionReasonUpdate(StrictModel):
    """What to change on a rejection reason; what is left out stays."""

    label: ShortText | None = Field(default=None, description="A new label")
    is_active: StrictBool | None = Field(
        default=None,
        description="false retires the reason: past decisions keep it, new ones cannot give it",
    )


class RejectionReasonPublic(PublicModel):
    """One entry of the organization's catalogue of reasons a hiring decision may give."""

    id: uuid.UUID = Field(description="The rejection reason's id")
    code: str = Field(description="A short stable code, unique in the organization")
    label: str = Field(description="What people read")
    is_active: bool = Field(description="Whether new rejections may give it")


class DecisionCreate(StrictModel):
    """The hiring manager's decision on an application after its interviews."""

    decision: DecisionKind = Field(
        description="advance to another round, reject, or offer (moves the application to offer)"
    )
    rejection_reason_id: uuid.UUID | None = Field(
        default=None,
        description="An active reason of the organization's catalogue; required to reject, "
        "only to reject",
    )
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
    """A hiring decision on an application after its interviews (not a slate decision)."""

    id: uuid.UUID = Field(description="The hiring decision's id")
    application_id: uuid.UUID = Field(description="The application decided on")
    decision: DecisionKind = Field(description="What was decided")
    rejection_reason_id: uuid.UUID | None = Field(
        description="The reason given for a rejection; null for advance and offer"
    )
    note: str = Field(description="The decider's reason, in their words")
    decided_by_id: uuid.UUID | None = Field(
        description="The member who decided (the hiring manager or their delegate); null once "
        "they are removed"
    )
    created_at: datetime = Field(description="When it was decided (UTC)")


class Compensation(StrictModel):
    """What an offer pays, in one currency."""

    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, such as EUR")
    base_salary: Integer = Field(
        ge=0, le=100_000_000, description="Yearly base salary, in whole units of the currency"
    )
    bonus: Integer | None = Field(
        default=None,
        ge=0,
        le=100_000_000,
        description="Yearly target bonus, in whole units of the currency; null for none",
    )
    equity: ShortText | None = Field(
        default=None, description="The equity offered, as written for the candidate"
    )
    notes: LongText | None = Field(default=None, description="Anything else about the pay")


class OfferCreate(StrictModel):
    """A new offer, drafted for an application at the offer stage."""

    application_id: uuid.UUID = Field(description="The application at the offer stage")
    compensation: Compensation = Field(description="What the offer pays")
    start_date: Day | None = Field(default=None, description="The proposed first day")
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the offer lapses: in the future, with a time zone"
    )
    note: LongText | None = Field(
        default=None, description="A note on the offer for the hiring team"
    )


class OfferUpdate(StrictModel):
    """What to change on a draft offer; what is left out stays."""

    compensation: Compensation | None = Field(
        default=None, description="What the offer pays, whole"
    )
    start_date: Day | None = Field(default=None, description="The proposed first day")
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the offer lapses: in the future, with a time zone"
    )
    note: LongText | None = Field(
        default=None, description="A note on the offer for the hiring team"
    )


class OfferTransition(StrictModel):
    """One legal step of an offer: approve, send, record the answer, or rescind."""

    to: OfferMove = Field(description="The status to move the offer to")
    reason: LongText | None = Field(
        default=None, description="Why; kept as the offer's status reason"
    )


class OfferPublic(PublicModel):
    """An offer to a candidate, from draft to accepted, declined or rescinded."""

    id: uuid.UUID = Field(description="The offer's id")
    application_id: uuid.UUID = Field(description="The application it is for")
    role_id: uuid.UUID = Field(description="The application's role")
    status: OfferStatus = Field(description="Where the offer stands")
    compensation: Compensation = Field(description="What the offer pays")
    start_date: date | None = Field(description="The proposed first day; null when not set")
    expires_at: datetime | None = Field(description="When the offer lapses (UTC); null for never")
    note: str | None = Field(description="A note on the offer for the hiring team")
    created_by_id: uuid.UUID | None = Field(
        description="The member who drafted it; null once they are removed"
    )
    approved_by_id: uuid.UUID | None = Field(
        description="The member who approved it; null until approved"
    )
    approved_at: datetime | None = Field(description="When it was approved (UTC)")
    sent_at: datetime | None = Field(description="When it was sent to the candidate (UTC)")
    responded_at: datetime | None = Field(
        description="When the candidate's answer was recorded (UTC)"
    )
    status_reason: str | None = Field(description="Why it reached its status, when given")
    version: int = Field(description="Goes up by one with every change")
    created_at: datetime = Field(description="When it was drafted (UTC)")


class OutcomeMessageUpdate(StrictModel):
    """What to change on a scheduled outcome message; what is left out stays."""

    send_at: AwareDatetime | None = Field(
        default=None, description="When to send it: in the future, with a time zone; not null"
    )
    personal_note: LongText | None = Field(
        default=None, description="A few words of the recruiter's own, added to the message"
    )

    @field_validator("send_at", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class OutcomeMessagePublic(PublicModel):
    """The rejection or offer message a candidate is owed, sent by the worker at its time."""

    id: uuid.UUID = Field(description="The outcome message's id")
    application_id: uuid.UUID = Field(description="The application whose outcome it tells")
    kind: OutcomeKind = Field(description="Whether it tells a rejection or an offer")
    status: OutcomeStatus = Field(
        description="scheduled until sent; cancelled when the application reopens or a newer "
        "outcome replaces it"
    )
    send_at: datetime = Field(description="When the worker sends it (UTC)")
    personal_note: str | None = Field(description="The recruiter's own words added, if any")
    offer_id: uuid.UUID | None = Field(description="The offer it carries; null for a rejection")
    sent_at: datetime | None = Field(description="When it was sent (UTC); null until then")
    created_at: datetime = Field(description="When it was scheduled (UTC)")


class WaitingCandidate(PublicModel):
    """An interviewed candidate who has not yet been told the outcome."""

    application_id: uuid.UUID = Field(description="The candidate's application")
    candidate_id: uuid.UUID = Field(description="The candidate")
    candidate_name: str = Field(description="The candidate's name")
    role_id: uuid.UUID = Field(description="The application's role")
    role_title: str = Field(description="The role's title")
    last_interview_at: datetime = Field(
        description="When their last completed interview ended (UTC)"
    )
    days_waiting: float = Field(description="Days since then, to one decimal")
    deadline: datetime = Field(
        description="When they must have heard (UTC): the last interview plus the organization's "
        "close-the-loop days"
    )
    at_risk: bool = Field(
        description="Whether the deadline is past or within the warning days of it"
    )


class CloseTheLoop(PublicModel):
    """Interviewed candidates not yet told the outcome, oldest first, with their deadline."""

    waiting: int = Field(description="How many candidates are waiting, all of them")
    at_risk: int = Field(description="How many of them are at risk")
    deadline_days: int = Field(description="The organization's close-the-loop days")
    candidates: list[WaitingCandidate] = Field(
        description="The waiting candidates, oldest first, up to the limit asked"
    )


class StageTime(PublicModel):
    """How long a role's active applications have spent at one stage."""

    stage: Stage = Field(description="The pipeline stage")
    applications: int = Field(description="How many active applications are at it")
    average_days: float = Field(
        description="Their average days since they reached it, to two decimals"
    )


class InterviewerFeedbackTime(PublicModel):
    """How fast one interviewer submits scorecards for a role."""

    interviewer_id: uuid.UUID = Field(description="The interviewer")
    interviewer_name: str = Field(description="The interviewer's name")
    submitted: int = Field(description="How many scorecards they have submitted for the role")
    median_hours: float | None = Field(
        description="Median hours from an interview's end to their first submission; null when none"
    )


class RoleDashboard(PublicModel):
    """The recruiter's figures for one role: time in stage, time to feedback, offers."""

    role_id: uuid.UUID = Field(description="The role")
    time_in_stage: list[StageTime] = Field(description="Each stage with active applications")
    time_to_feedback: list[InterviewerFeedbackTime] = Field(
        description="Each interviewer who has submitted a scorecard for the role"
    )
    overdue_scorecards: int = Field(description="Scorecards owed and past their due time")
    offers_out: int = Field(description="Offers sent and not yet answered")
    offers_accepted: int = Field(description="Offers accepted")
    offers_declined: int = Field(description="Offers declined")
    acceptance_rate: float | None = Field(
        description="Accepted out of accepted and declined, 0 to 1; null when none answered"
    )
