"""Scorecards, decisions, offers, closing the loop and the recruiter's dashboard."""

from __future__ import annotations

import uuid
from typing import cast

import strawberry
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


@strawberry.type(description="One interviewer's scorecard for one interview")
@derived(schemas.ScorecardPublic, skip={})
class Scorecard:
    id: strawberry.ID
    database_id: uuid.UUID
    interview_id: strawberry.ID
    application_id: strawberry.ID
    interviewer_id: strawberry.ID = strawberry.field(description="The interviewer's Member id")
    status: str = strawberry.field(description="draft or submitted")
    ratings: JSON = strawberry.field(description="Skill name to rating; null: not assessed")

    @classmethod
    def from_public(cls, c: schemas.ScorecardPublic) -> Scorecard:
        return cls(
            id=_gid("Scorecard", c.id),
            database_id=c.id,
            interview_id=_gid("Interview", c.interview_id),
            application_id=_gid("Application", c.application_id),
            interviewer_id=_gid("Member", c.interviewer_id),
            status=c.status,
            ratings=cast(JSON, c.ratings),
            **values(cls, c),
        )


@strawberry.type(description="One submitted version of a scorecard")
@derived(schemas.ScorecardRevisionPublic, skip={})
class ScorecardRevision:
    ratings: JSON = strawberry.field(description="Skill name to rating; null: not assessed")
    submitted_by_id: strawberry.ID | None = strawberry.field(
        description="The Member who submitted this version"
    )

    @classmethod
    def from_public(cls, r: schemas.ScorecardRevisionPublic) -> ScorecardRevision:
        return cls(
            ratings=cast(JSON, r.ratings),
            submitted_by_id=_maybe("Member", r.submitted_by_id),
            **values(cls, r),
        )


@strawberry_pydantic.type(model=schemas.OverdueFeedback, all_fields=True)
class OverdueFeedback:
    pass


@strawberry_pydantic.type(model=schemas.SkillRatings, all_fields=True)
class SkillRatings:
    ratings: JSON


@strawberry.type(description="An application's scorecards, summed up")
class ScorecardSummary:
    application_id: strawberry.ID
    scorecards: list[Scorecard]
    recommendations: JSON = strawberry.field(description="How many gave each recommendation")
    skills: list[SkillRatings]
    overdue: list[OverdueFeedback]
    pending: int

    @classmethod
    def from_public(cls, s: schemas.ScorecardSummary) -> ScorecardSummary:
        return cls(
            application_id=_gid("Application", s.application_id),
            scorecards=[Scorecard.from_public(c) for c in s.scorecards],
            recommendations=cast(JSON, s.recommendations),
            skills=[SkillRatings.from_pydantic(k) for k in s.skills],
            overdue=[OverdueFeedback.from_pydantic(o) for o in s.overdue],
            pending=s.pending,
        )


@strawberry.type(description="The decision on an application after its interviews")
@derived(schemas.DecisionPublic, skip={})
class HiringDecision:
    id: strawberry.ID
    database_id: uuid.UUID
    application_id: strawberry.ID
    rejection_reason_id: strawberry.ID | None
    decided_by_id: strawberry.ID | None = strawberry.field(description="The deciding Member")

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


@strawberry_pydantic.type(model=schemas.Compensation, all_fields=True)
class Compensation:
    pass


@strawberry.type(description="An offer to a candidate, from draft to accepted or declined")
@derived(schemas.OfferPublic, skip={})
class Offer(Node):
    database_id: uuid.UUID
    application_id: strawberry.ID
    role_id: strawberry.ID
    compensation: Compensation
    created_by_id: strawberry.ID | None = strawberry.field(description="The Member who drafted it")
    approved_by_id: strawberry.ID | None = strawberry.field(
        description="The Member who approved it"
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


@strawberry.type
class OfferEdge:
    cursor: str
    node: Offer


@strawberry.type
class OfferConnection:
    edges: list[OfferEdge]
    page_info: PageInfo


@strawberry_pydantic.type(model=schemas.WaitingCandidate, all_fields=True)
class WaitingCandidate:
    pass


@strawberry_pydantic.type(model=schemas.CloseTheLoop, all_fields=True)
class CloseTheLoop:
    pass


@strawberry_pydantic.type(model=schemas.StageTime, all_fields=True)
class StageTime:
    pass


@strawberry_pydantic.type(model=schemas.InterviewerFeedbackTime, all_fields=True)
class InterviewerFeedbackTime:
    pass


@strawberry_pydantic.type(model=schemas.RoleDashboard, all_fields=True)
class RoleDashboard:
    pass


@strawberry.type(description="The message owed to a candidate about how their application ended")
@derived(schemas.OutcomeMessagePublic, skip={})
class OutcomeMessage:
    id: strawberry.ID
    database_id: uuid.UUID
    application_id: strawberry.ID
    offer_id: strawberry.ID | None
    kind: str = strawberry.field(description="rejection or offer")
    status: str = strawberry.field(description="scheduled, sent or cancelled")

    @classmethod
    def from_public(cls, m: schemas.OutcomeMessagePublic) -> OutcomeMessage:
        return cls(
            id=_gid("OutcomeMessage", m.id),
            database_id=m.id,
            application_id=_gid("Application", m.application_id),
            offer_id=_maybe("Offer", m.offer_id),
            kind=m.kind,
            status=m.status,
            **values(cls, m),
        )
