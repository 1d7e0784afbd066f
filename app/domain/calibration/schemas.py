"""What goes in and out for slates, decisions, insights and fit checks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from app.domain.follow_ups.schemas import FollowUpState
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
SuggestionKind = Literal["make_must", "tighten_screening", "renegotiate", "calibration_trend"]
SkillFitStatus = Literal["met", "missing", "unknown"]


class SlateItemCreate(StrictModel):
    """One candidate to put on a slate, by their application to the role."""

    application_id: uuid.UUID = Field(description="The application to the slate's role")
    question: LongText | None = Field(
        default=None, description='The recruiter\'s question, e.g. "what have I missed?"'
    )


class SlateCreate(StrictModel):
    """A new draft slate: a few candidates for a role, in the order the recruiter puts them."""

    role_id: uuid.UUID = Field(description="The role the candidates applied to")
    items: list[SlateItemCreate] = Field(
        min_length=1, max_length=200, description="The candidates, in the order shown"
    )
    note: LongText | None = Field(default=None, description="A note to the hiring manager")
    due_at: Timestamp | None = Field(
        default=None, description="When the hiring manager should have answered (UTC)"
    )


class SlateUpdate(StrictModel):
    """Changes to a draft slate; a field left out stays as it is."""

    items: list[SlateItemCreate] | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The candidates again, replacing the slate's list",
    )
    note: LongText | None = Field(default=None, description="A note to the hiring manager")
    due_at: Timestamp | None = Field(
        default=None, description="When the hiring manager should have answered (UTC)"
    )

    _required = field_validator("items", mode="before")(refuse_null)


class SlateSend(StrictModel):
    """Sending a slate to the role's hiring manager."""

    due_at: Timestamp = Field(description="When the hiring manager should have answered")


class DecisionReasons(StrictModel):
    """Why the hiring manager decided as they did: at least missing skills, red flags or a note."""

    missing_skills: list[Name] = Field(
        default_factory=list, max_length=50, description="Skills of the role's agreed intake"
    )
    red_flags: list[ShortText] = Field(
        default_factory=list, max_length=20, description="Concerns about the candidate, in words"
    )
    categories: list[ReasonCategory] = Field(
        default_factory=list, max_length=7, description="The kinds of reason, for the insights"
    )
    note: LongText | None = Field(default=None, description="Anything else, in plain text")


class DecisionCreate(StrictModel):
    """The hiring manager's decision on one candidate of a slate, with its reasons."""

    decision: Decision = Field(
        description="Approve, reject, or waitlist until a question is settled"
    )
    reasons: DecisionReasons = Field(description="Why; a decision needs at least one reason")
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

    follow_up_id: uuid.UUID = Field(description="The follow-up")
    question: str = Field(description="The question the candidate was asked")
    state: FollowUpState = Field(description="Where the follow-up stands")
    answer: str | None = Field(description="The candidate's answer; null until they answer")
    link: str | None = Field(description="A link the candidate gave with the answer, if any")
    document_id: uuid.UUID | None = Field(
        description="A document the candidate uploaded with the answer, if any"
    )
    answered_at: datetime | None = Field(description="When the candidate answered (UTC)")


class DecisionPublic(PublicModel):
    """A hiring manager's decision on one slate item; a revision keeps the earlier one."""

    id: uuid.UUID = Field(description="The decision")
    decision: Decision = Field(description="Approve, reject, or waitlist")
    missing_skills: list[str] = Field(description="Skills of the agreed intake the candidate lacks")
    red_flags: list[str] = Field(description="Concerns about the candidate, in words")
    categories: list[ReasonCategory] = Field(description="The kinds of reason given")
    note: str | None = Field(description="Anything else the hiring manager wrote")
    waitlist_question: str | None = Field(
        description="For a waitlist: what would settle it; null otherwise"
    )
    answer: str | None = Field(description="The answer to the recruiter's question, if given")
    decided_by_id: uuid.UUID | None = Field(
        description="The member who decided; null once that member is removed"
    )
    settled_by_follow_up_id: uuid.UUID | None = Field(
        default=None, description="The follow-up whose answer this decision was taken on"
    )
    revision: int = Field(description="1 for the first decision on the item, then 2, 3, ...")
    is_current: bool = Field(description="False once a later revision replaced it")
    created_at: datetime = Field(description="When the decision was made (UTC)")


class SlateItemPublic(PublicModel):
    """One candidate on a slate, with the recruiter's question and the current decision."""

    id: uuid.UUID = Field(description="The slate item")
    application_id: uuid.UUID = Field(description="The candidate's application to the role")
    position: int = Field(description="Where the candidate stands on the slate, from 1")
    question: str | None = Field(description="The recruiter's question to the hiring manager")
    decision: DecisionPublic | None = Field(description="The current decision; null until decided")
    follow_up: FollowUpSummary | None = Field(
        default=None, description="The latest follow-up to the candidate, with their answer"
    )


class SlateSummaryPublic(PublicModel):
    """A slate without its items, for lists and GraphQL (items come through their own edge)."""

    id: uuid.UUID = Field(description="The slate")
    role_id: uuid.UUID = Field(description="The role the candidates applied to")
    status: SlateStatus = Field(description="draft until sent, then sent, then reviewed")
    note: str | None = Field(description="The recruiter's note to the hiring manager")
    due_at: datetime | None = Field(
        description="When the hiring manager should have answered (UTC)"
    )
    created_by_id: uuid.UUID | None = Field(description="The member who made the slate")
    sent_by_id: uuid.UUID | None = Field(description="The member who sent it; null while a draft")
    sent_at: datetime | None = Field(description="When it was sent (UTC); null while a draft")
    reviewed_at: datetime | None = Field(
        description="When every candidate had a decision (UTC); null until then"
    )
    version: int = Field(description="Goes up with each change (If-Match in REST)")
    created_at: datetime = Field(description="When the slate was made (UTC)")


class SlatePublic(SlateSummaryPublic):
    """A slate: a few candidates the recruiter sends early for the hiring manager's calls."""

    items: list[SlateItemPublic] = Field(description="The candidates, in order")


class SlateApproval(PublicModel):
    """How many of one slate's candidates the hiring manager approved."""

    slate_id: uuid.UUID = Field(description="The slate")
    sent_at: datetime | None = Field(description="When the slate was sent (UTC)")
    decided: int = Field(description="Candidates with a current decision")
    approved: int = Field(description="Candidates approved")
    approval_rate: float = Field(description="approved / decided, from 0 to 1; 0 when none decided")


class Count(PublicModel):
    """A value and how often it came up."""

    value: str = Field(description="The reason, skill or red flag")
    count: int = Field(description="How many current decisions gave it")


class WaitlistedItem(PublicModel):
    """A candidate the hiring manager waitlisted, and the question that would settle it."""

    application_id: uuid.UUID = Field(description="The candidate's application to the role")
    slate_id: uuid.UUID = Field(description="The slate the candidate is on")
    question: str = Field(description="What would settle the decision")
    follow_up: FollowUpSummary | None = Field(
        default=None, description="The latest follow-up to the candidate, with their answer"
    )


class FollowUpInsights(PublicModel):
    """How follow-up questions to candidates helped settle the role's decisions."""

    sent: int = Field(description="Follow-ups sent to the role's candidates")
    answered: int = Field(description="Follow-ups the candidate answered")
    settled_by_answer: int = Field(
        description="Current decisions the hiring manager took on a follow-up's answer"
    )
    settled_approved: int = Field(description="Of those, approvals")
    settled_rejected: int = Field(description="Of those, rejections")
    median_hours_to_answer: float | None = Field(
        description="Median hours from sending to the answer; null before any answer"
    )


class Suggestion(PublicModel):
    """A plain suggestion drawn from a strong pattern in the hiring manager's decisions."""

    kind: SuggestionKind = Field(
        description="make_must, tighten_screening, renegotiate or calibration_trend"
    )
    message: str = Field(description="What to do, in a sentence")
    evidence: str = Field(description="The figures the suggestion rests on")


class RoleInsights(PublicModel):
    """What the hiring manager's slate decisions teach about a role."""

    role_id: uuid.UUID = Field(description="The role")
    slates_reviewed: int = Field(description="Slates with at least one decision")
    decisions: int = Field(description="Current decisions on the role's slates")
    approvals: int = Field(description="Of those, approvals")
    rejections: int = Field(description="Of those, rejections")
    waitlisted: int = Field(description="Of those, waitlisted candidates")
    approval_rate_by_slate: list[SlateApproval] = Field(
        description="Each sent slate's approvals, oldest first"
    )
    top_rejection_reasons: list[Count] = Field(
        description='The ten most given reasons, labelled by kind ("missing skill: Go")'
    )
    most_missing_skills: list[Count] = Field(description="The ten skills most often missing")
    red_flags: list[Count] = Field(description="The ten red flags most often raised")
    median_review_hours: float | None = Field(
        description="Median hours from a slate's sending to each first decision; null before any"
    )
    waitlist: list[WaitlistedItem] = Field(description="Candidates waitlisted now")
    follow_ups: FollowUpInsights | None = Field(
        default=None, description="Follow-up questions to the role's candidates"
    )
    suggestions: list[Suggestion] = Field(description="What to change, when a pattern is strong")


class SkillFit(PublicModel):
    """How a candidate stands against one must-have skill of the agreed intake."""

    skill: str = Field(description="The intake's must-have skill")
    status: SkillFitStatus = Field(
        description="met, missing, or unknown when the profile lists no skills"
    )
    explanation: str = Field(description="Why, in a sentence")


class RedFlagFit(PublicModel):
    """Whether a red flag learned from past rejections may apply to the candidate."""

    red_flag: str = Field(description="The red flag, as the hiring manager wrote it")
    times_raised: int = Field(description="How many current decisions raised it")
    applies: bool = Field(description="Whether a close resemblance was rejected with it")
    explanation: str = Field(description="Why, in a sentence")


class Resemblance(PublicModel):
    """A rejected candidate of the role whom this candidate resembles, by shared skills."""

    application_id: uuid.UUID = Field(description="The rejected candidate's application")
    candidate_name: str = Field(description="The rejected candidate's name")
    similarity: float = Field(
        description="Likeness from 0 to 1: shared skills (70%) and closeness in years (30%)"
    )
    shared_skills: list[str] = Field(description="The skills both list, in lower case")
    rejected_for: list[str] = Field(description="The reasons the rejection gave")
    explanation: str = Field(description="Why, in a sentence")


class FitCheck(PublicModel):
    """How a candidate stands against a role's agreed intake and its learned red flags."""

    role_id: uuid.UUID = Field(description="The role")
    candidate_id: uuid.UUID = Field(description="The candidate")
    intake_revision: int | None = Field(
        description="The agreed intake revision checked against; null without one"
    )
    must_skills: list[SkillFit] = Field(description="Each must-have skill of the intake")
    experience: str = Field(description="How the candidate's years compare, in a sentence")
    red_flags: list[RedFlagFit] = Field(description="Each red flag learned from past decisions")
    resembles: list[Resemblance] = Field(description="Rejected candidates of the role alike")
    summary: str = Field(description="The whole check, in a few sentences")
    follow_ups: list[FollowUpSummary] = Field(
        default_factory=list,
        description="Follow-up questions sent to the candidate for this role, with their answers",
    )
