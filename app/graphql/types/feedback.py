"""Scorecards, decisions, offers, closing the loop and the recruiter's dashboard.

Plain fields are derived from the domain's public schemas (app/graphql/derive.py), with their
descriptions; ids are declared here, as global ids of the type they name.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import strawberry
from pydantic import BaseModel
from strawberry.experimental import pydantic as strawberry_pydantic
from strawberry.scalars import JSON

from app.domain.feedback import schemas
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.types.node import Node, PageInfo


def _gid(type_name: str, raw: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(to_global_id(type_name, raw))


def _maybe(type_name: str, raw: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id(type_name, raw)) if raw else None


def _about(model: type[BaseModel], name: str, extra: str = "") -> Any:
    """A hand-declared field with the public schema's description (and what GraphQL adds)."""
    return strawberry.field(description=f"{model.model_fields[name].description}{extra}")


@strawberry.type(description="One interviewer's scorecard for one interview")
@derived(schemas.ScorecardPublic, skip={})
class Scorecard(Node):
    database_id: uuid.UUID = strawberry.field(description="The scorecard's id in REST")
    interview_id: strawberry.ID = _about(schemas.ScorecardPublic, "interview_id")
    application_id: strawberry.ID = _about(schemas.ScorecardPublic, "application_id")
    interviewer_id: strawberry.ID = _about(
        schemas.ScorecardPublic, "interviewer_id", " (a Member id)"
    )
    ratings: JSON = _about(schemas.ScorecardPublic, "ratings")

    @classmethod
    def from_public(cls, c: schemas.ScorecardPublic) -> Scorecard:
        return cls(
            id=_gid("Scorecard", c.id),
            database_id=c.id,
            interview_id=_gid("Interview", c.interview_id),
            application_id=_gid("Application", c.application_id),
            interviewer_id=_gid("Member", c.interviewer_id),
            ratings=cast(JSON, c.ratings),
            **values(cls, c),
        )


@strawberry.type(description="One submitted version of a scorecard")
@derived(schemas.ScorecardRevisionPublic, skip={})
class ScorecardRevision:
    ratings: JSON = _about(schemas.ScorecardRevisionPublic, "ratings")
    submitted_by_id: strawberry.ID | None = _about(
        schemas.ScorecardRevisionPublic, "submitted_by_id", " (a Member id)"
    )

    @classmethod
    def from_public(cls, r: schemas.ScorecardRevisionPublic) -> ScorecardRevision:
        return cls(
            ratings=cast(JSON, r.ratings),
            submitted_by_id=_maybe("Member", r.submitted_by_id),
            **values(cls, r),
        )


@strawberry.type(description="An interviewer whose scorecard for an interview is past its due time")
@derived(schemas.OverdueFeedback, skip={})
class OverdueFeedback:
    interview_id: strawberry.ID = _about(schemas.OverdueFeedback, "interview_id")
    interviewer_id: strawberry.ID = _about(
        schemas.OverdueFeedback, "interviewer_id", " (a Member id)"
    )

    @classmethod
    def from_public(cls, o: schemas.OverdueFeedback) -> OverdueFeedback:
        return cls(
            interview_id=_gid("Interview", o.interview_id),
            interviewer_id=_gid("Member", o.interviewer_id),
            **values(cls, o),
        )


@strawberry.type(description="How the submitted scorecards rated one skill")
@derived(schemas.SkillRatings, skip={})
class SkillRatings:
    ratings: JSON = _about(schemas.SkillRatings, "ratings")

    @classmethod
    def from_public(cls, s: schemas.SkillRatings) -> SkillRatings:
        return cls(ratings=cast(JSON, s.ratings), **values(cls, s))


@strawberry.type(
    description="An application's submitted scorecards, their spread, and who still owes one"
)
@derived(schemas.ScorecardSummary, skip={})
class ScorecardSummary:
    application_id: strawberry.ID = _about(schemas.ScorecardSummary, "application_id")
    scorecards: list[Scorecard] = _about(schemas.ScorecardSummary, "scorecards")
    recommendations: JSON = _about(schemas.ScorecardSummary, "recommendations")
    skills: list[SkillRatings] = _about(schemas.ScorecardSummary, "skills")
    overdue: list[OverdueFeedback] = _about(schemas.ScorecardSummary, "overdue")

    @classmethod
    def from_public(cls, s: schemas.ScorecardSummary) -> ScorecardSummary:
        return cls(
            application_id=_gid("Application", s.application_id),
            scorecards=[Scorecard.from_public(c) for c in s.scorecards],
            recommendations=cast(JSON, s.recommendations),
            skills=[SkillRatings.from_public(k) for k in s.skills],
            overdue=[OverdueFeedback.from_public(o) for o in s.overdue],
            **values(cls, s),
        )


@strawberry.type(
    description="The hiring manager's decision on an application after its interviews (not a "
    "slate decision)"
)
@derived(schemas.DecisionPublic, skip={})
class HiringDecision(Node):
    database_id: uuid.UUID = strawberry.field(description="The hiring decision's id in REST")
    application_id: strawberry.ID = _about(schemas.DecisionPublic, "application_id")
    rejection_reason_id: strawberry.ID | None = _about(
        schemas.DecisionPublic, "rejection_reason_id", " (a RejectionReason id)"
    )
    decided_by_id: strawberry.ID | None = _about(
        schemas.DecisionPublic, "decided_by_id", " (a Member id)"
    )

    @classmethod
    def from_public(cls, d: schemas.DecisionPublic) -> HiringDecision:
        return cls(
            id=_gid("HiringDecision", d.id),
            database_id=d.id,
            application_id=_gid("Application", d.application_id),
            rejection_reason_id=_maybe("RejectionReason", d.rejection_reason_id),
            decided_by_id=_maybe("Member", d.decided_by_id),
            **values(cls, d),
        )


@strawberry_pydantic.type(
    model=schemas.Compensation, all_fields=True, description="What an offer pays, in one currency"
)
class Compensation:
    pass


@strawberry.type(description="An offer to a candidate, from draft to accepted or declined")
@derived(schemas.OfferPublic, skip={})
class Offer(Node):
    database_id: uuid.UUID = strawberry.field(description="The offer's id in REST")
    application_id: strawberry.ID = _about(schemas.OfferPublic, "application_id")
    role_id: strawberry.ID = _about(schemas.OfferPublic, "role_id")
    compensation: Compensation = _about(schemas.OfferPublic, "compensation")
    created_by_id: strawberry.ID | None = _about(
        schemas.OfferPublic, "created_by_id", " (a Member id)"
    )
    approved_by_id: strawberry.ID | None = _about(
        schemas.OfferPublic, "approved_by_id", " (a Member id)"
    )

    @classmethod
    def from_public(cls, o: schemas.OfferPublic) -> Offer:
        return cls(
            id=_gid("Offer", o.id),
            database_id=o.id,
            application_id=_gid("Application", o.application_id),
            role_id=_gid("Role", o.role_id),
            compensation=Compensation.from_pydantic(o.compensation),
            created_by_id=_maybe("Member", o.created_by_id),
            approved_by_id=_maybe("Member", o.approved_by_id),
            **values(cls, o),
        )


@strawberry.type(description="One offer of a page, with its cursor")
class OfferEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the offers after this one")
    node: Offer = strawberry.field(description="The offer")


@strawberry.type(description="A page of offers, newest first (Relay)")
class OfferConnection:
    edges: list[OfferEdge] = strawberry.field(description="The offers of this page")
    page_info: PageInfo = strawberry.field(description="Where this page stands")


@strawberry.type(description="An interviewed candidate who has not yet been told the outcome")
@derived(schemas.WaitingCandidate, skip={})
class WaitingCandidate:
    application_id: strawberry.ID = _about(schemas.WaitingCandidate, "application_id")
    candidate_id: strawberry.ID = _about(schemas.WaitingCandidate, "candidate_id")
    role_id: strawberry.ID = _about(schemas.WaitingCandidate, "role_id")

    @classmethod
    def from_public(cls, w: schemas.WaitingCandidate) -> WaitingCandidate:
        return cls(
            application_id=_gid("Application", w.application_id),
            candidate_id=_gid("Candidate", w.candidate_id),
            role_id=_gid("Role", w.role_id),
            **values(cls, w),
        )


@strawberry.type(
    description="Interviewed candidates not yet told the outcome, oldest first, with their deadline"
)
@derived(schemas.CloseTheLoop, skip={})
class CloseTheLoop:
    candidates: list[WaitingCandidate] = _about(schemas.CloseTheLoop, "candidates")

    # Named as strawberry's pydantic types name it: app/graphql/types/member.py calls it.
    @classmethod
    def from_pydantic(cls, c: schemas.CloseTheLoop) -> CloseTheLoop:
        return cls(
            candidates=[WaitingCandidate.from_public(w) for w in c.candidates], **values(cls, c)
        )


@strawberry.type(description="How long a role's active applications have spent at one stage")
@derived(schemas.StageTime, skip={})
class StageTime:
    @classmethod
    def from_public(cls, s: schemas.StageTime) -> StageTime:
        return cls(**values(cls, s))


@strawberry.type(description="How fast one interviewer submits scorecards for a role")
@derived(schemas.InterviewerFeedbackTime, skip={})
class InterviewerFeedbackTime:
    interviewer_id: strawberry.ID = _about(
        schemas.InterviewerFeedbackTime, "interviewer_id", " (a Member id)"
    )

    @classmethod
    def from_public(cls, t: schemas.InterviewerFeedbackTime) -> InterviewerFeedbackTime:
        return cls(interviewer_id=_gid("Member", t.interviewer_id), **values(cls, t))


@strawberry.type(
    description="The recruiter's figures for one role: time in stage, time to feedback, offers"
)
@derived(schemas.RoleDashboard, skip={})
class RoleDashboard:
    role_id: strawberry.ID = _about(schemas.RoleDashboard, "role_id")
    time_in_stage: list[StageTime] = _about(schemas.RoleDashboard, "time_in_stage")
    time_to_feedback: list[InterviewerFeedbackTime] = _about(
        schemas.RoleDashboard, "time_to_feedback"
    )

    # Named as strawberry's pydantic types name it: app/graphql/types/role.py calls it.
    @classmethod
    def from_pydantic(cls, d: schemas.RoleDashboard) -> RoleDashboard:
        return cls(
            role_id=_gid("Role", d.role_id),
            time_in_stage=[StageTime.from_public(s) for s in d.time_in_stage],
            time_to_feedback=[InterviewerFeedbackTime.from_public(t) for t in d.time_to_feedback],
            **values(cls, d),
        )


@strawberry.type(
    description="The rejection or offer message a candidate is owed, sent by the worker at its time"
)
@derived(schemas.OutcomeMessagePublic, skip={})
class OutcomeMessage(Node):
    database_id: uuid.UUID = strawberry.field(description="The outcome message's id in REST")
    application_id: strawberry.ID = _about(schemas.OutcomeMessagePublic, "application_id")
    offer_id: strawberry.ID | None = _about(schemas.OutcomeMessagePublic, "offer_id")

    @classmethod
    def from_public(cls, m: schemas.OutcomeMessagePublic) -> OutcomeMessage:
        return cls(
            id=_gid("OutcomeMessage", m.id),
            database_id=m.id,
            application_id=_gid("Application", m.application_id),
            offer_id=_maybe("Offer", m.offer_id),
            **values(cls, m),
        )
