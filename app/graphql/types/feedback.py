"""Scorecards, decisions, offers, closing the loop and the recruiter's dashboard."""

from __future__ import annotations

import strawberry
from strawberry.experimental import pydantic as strawberry_pydantic
from strawberry.scalars import JSON

from app.domain.feedback import schemas
from app.graphql import enums
from app.graphql.types.node import PageInfo


@strawberry_pydantic.type(model=schemas.ScorecardPublic, all_fields=True)
class Scorecard:
    status: str
    recommendation: enums.Recommendation | None  # type: ignore[valid-type]
    ratings: JSON


@strawberry_pydantic.type(model=schemas.OverdueFeedback, all_fields=True)
class OverdueFeedback:
    pass


@strawberry_pydantic.type(model=schemas.SkillRatings, all_fields=True)
class SkillRatings:
    ratings: JSON


@strawberry_pydantic.type(model=schemas.ScorecardSummary, all_fields=True)
class ScorecardSummary:
    recommendations: JSON


@strawberry_pydantic.type(model=schemas.DecisionPublic, all_fields=True)
class HiringDecision:
    decision: enums.DecisionKind  # type: ignore[valid-type]


@strawberry_pydantic.type(model=schemas.Compensation, all_fields=True)
class Compensation:
    pass


@strawberry_pydantic.type(model=schemas.OfferPublic, all_fields=True)
class Offer:
    status: enums.OfferStatus  # type: ignore[valid-type]


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


@strawberry_pydantic.type(model=schemas.OutcomeMessagePublic, all_fields=True)
class OutcomeMessage:
    kind: str
    status: str
