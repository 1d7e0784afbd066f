"""Scorecards, hiring decisions and offers (REST: app/api/v1/feedback.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.domain.feedback import decisions, offers, outcomes, scorecards
from app.domain.feedback.schemas import DecisionCreate as HiringDecisionCreate
from app.domain.feedback.schemas import (
    OfferCreate,
    OfferPublic,
    OfferTransition,
    OfferUpdate,
    OutcomeMessageUpdate,
    RejectionReasonCreate,
    RejectionReasonPublic,
    RejectionReasonUpdate,
    ScorecardWrite,
)
from app.errors import NotFound
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import given, mutate
from app.graphql.types.feedback import (
    HiringDecision,
    Offer,
    OutcomeMessage,
    Scorecard,
    ScorecardRevision,
)
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]


@strawberry.input
class WriteScorecardInput:
    interview_id: strawberry.ID
    recommendation: str | None = strawberry.field(
        default=None, graphql_type=enums.Recommendation | None
    )
    ratings: JSON | None = strawberry.field(
        default=None, description="Skill name to rating, or null for not assessed"
    )
    reasons: str | None = None
    submit: bool = False


@strawberry.input
class DecideApplicationInput:
    application_id: strawberry.ID
    decision: str = strawberry.field(graphql_type=enums.DecisionKind)
    note: str
    rejection_reason_id: strawberry.ID | None = None


@strawberry.input
class CompensationInput:
    currency: str
    base_salary: int
    bonus: int | None = None
    equity: str | None = None
    notes: str | None = None


@strawberry.input
class CreateOfferInput:
    application_id: strawberry.ID
    compensation: CompensationInput
    start_date: dt.date | None = None
    expires_at: dt.datetime | None = None
    note: str | None = None


@strawberry.input
class MoveOfferInput:
    id: strawberry.ID
    to: str = strawberry.field(graphql_type=enums.OfferStatus)
    reason: str | None = None


@strawberry.type
class ScorecardPayload:
    scorecard: Scorecard


@strawberry.type
class DecisionPayload:
    decision: HiringDecision


@strawberry.type
class OfferPayload:
    offer: Offer


ScorecardResult = Annotated[ScorecardPayload | MutationError, strawberry.union("ScorecardResult")]


DecisionResult = Annotated[DecisionPayload | MutationError, strawberry.union("DecisionResult")]


OfferResult = Annotated[OfferPayload | MutationError, strawberry.union("OfferResult")]


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(
        description="Save a draft of your scorecard, submit it, or amend a submitted one"
    )
    async def write_scorecard(self, info: Info, input: WriteScorecardInput) -> ScorecardResult:
        data = given(input)
        data["ratings"] = data.get("ratings") or {}
        return await mutate(
            info,
            data,
            ids={"interview_id": "Interview"},
            schema=ScorecardWrite,
            call=lambda s, actor, p: scorecards.write_scorecard(
                s, actor, p.id("interview_id"), p.body
            ),
            shape=lambda card: ScorecardPayload(scorecard=Scorecard.from_public(card)),
        )

    @strawberry.mutation(
        description="The hiring manager decides after interviews: advance, reject or offer"
    )
    async def decide_application(self, info: Info, input: DecideApplicationInput) -> DecisionResult:
        return await mutate(
            info,
            given(input),
            ids={"application_id": "Application", "rejection_reason_id": "RejectionReason"},
            schema=HiringDecisionCreate,
            call=lambda s, actor, p: decisions.decide(s, actor, p.id("application_id"), p.body),
            shape=lambda d: DecisionPayload(decision=HiringDecision.from_public(d)),
        )

    @strawberry.mutation
    async def create_offer(self, info: Info, input: CreateOfferInput) -> OfferResult:
        return await mutate(
            info,
            given(input),
            ids={"application_id": "Application"},
            schema=OfferCreate,
            call=lambda s, actor, p: offers.create_offer(s, actor, p.body),
            shape=_offer,
        )

    @strawberry.mutation(
        description="Approve, send, record acceptance or decline, or rescind an offer"
    )
    async def move_offer(self, info: Info, input: MoveOfferInput) -> OfferResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "Offer"},
            schema=OfferTransition,
            call=lambda s, actor, p: offers.move_offer(s, actor, p.id(), p.body),
            shape=_offer,
        )


def _offer(offer: OfferPublic) -> OfferPayload:
    return OfferPayload(offer=Offer.from_public(offer))


@strawberry.type(description="One entry of the organization's catalogue of rejection reasons")
@derived(RejectionReasonPublic, skip={})
class RejectionReason(Node):
    database_id: uuid.UUID

    @classmethod
    def from_public(cls, r: RejectionReasonPublic) -> RejectionReason:
        return cls(
            id=strawberry.ID(to_global_id("RejectionReason", r.id)),
            database_id=r.id,
            **values(cls, r),
        )


@strawberry.input
class CreateRejectionReasonInput:
    code: str
    label: str


@strawberry.input(description="What to change; what is left out stays")
class UpdateRejectionReasonInput:
    id: strawberry.ID
    label: str | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input(description="Change a draft offer; what is left out stays")
class UpdateOfferInput:
    id: strawberry.ID
    compensation: CompensationInput | None = strawberry.UNSET
    start_date: dt.date | None = strawberry.UNSET
    expires_at: dt.datetime | None = strawberry.UNSET
    note: str | None = strawberry.UNSET


@strawberry.input(description="Delay or personalise a scheduled outcome message")
class UpdateOutcomeMessageInput:
    id: strawberry.ID
    send_at: dt.datetime | None = strawberry.UNSET
    personal_note: str | None = strawberry.UNSET


@strawberry.type
class RejectionReasonPayload:
    rejection_reason: RejectionReason


@strawberry.type
class OutcomeMessagePayload:
    outcome_message: OutcomeMessage


RejectionReasonResult = Annotated[
    RejectionReasonPayload | MutationError, strawberry.union("RejectionReasonResult")
]
OutcomeMessageResult = Annotated[
    OutcomeMessagePayload | MutationError, strawberry.union("OutcomeMessageResult")
]


@strawberry.type
class FeedbackQuery:
    @strawberry.field(
        description="The organization's rejection reasons. A list: the catalogue is short and "
        "read whole, as REST reads it"
    )
    async def rejection_reasons(
        self, info: Info, include_inactive: bool = False
    ) -> list[RejectionReason]:
        ctx = info.context
        found = await decisions.list_reasons(ctx.session, ctx.actor, include_inactive)
        return [RejectionReason.from_public(r) for r in found]

    @strawberry.field(
        description="Every submitted version of one interviewer's scorecard, oldest first. A "
        "list: a scorecard is revised a few times at most"
    )
    async def scorecard_revisions(
        self, info: Info, interview_id: strawberry.ID, interviewer_id: strawberry.ID
    ) -> list[ScorecardRevision]:
        ctx = info.context
        found = await scorecards.scorecard_history(
            ctx.session,
            ctx.actor,
            parse_id(interview_id, "Interview", "interviewId"),
            parse_id(interviewer_id, "Member", "interviewerId"),
        )
        return [ScorecardRevision.from_public(r) for r in found]

    @strawberry.field(description="One offer")
    async def offer(self, info: Info, id: strawberry.ID) -> Offer | None:
        ctx = info.context
        try:
            found = await offers.get_offer(ctx.session, ctx.actor, parse_id(id, "Offer", "id"))
        except NotFound:
            return None
        return Offer.from_public(found)

    @strawberry.field(
        description="The outcome messages owed to an application's candidate. A list: at most "
        "one per outcome"
    )
    async def outcome_messages(
        self, info: Info, application_id: strawberry.ID
    ) -> list[OutcomeMessage]:
        ctx = info.context
        found = await outcomes.list_for_application(
            ctx.session, ctx.actor, parse_id(application_id, "Application", "applicationId")
        )
        return [OutcomeMessage.from_public(m) for m in found]


def _reason(r: RejectionReasonPublic) -> RejectionReasonPayload:
    return RejectionReasonPayload(rejection_reason=RejectionReason.from_public(r))


@strawberry.type
class FeedbackEditsMutation:
    @strawberry.mutation(description="Add a rejection reason (admins)")
    async def create_rejection_reason(
        self, info: Info, input: CreateRejectionReasonInput
    ) -> RejectionReasonResult:
        return await mutate(
            info,
            given(input),
            schema=RejectionReasonCreate,
            call=lambda s, actor, p: decisions.create_reason(s, actor, p.body),
            shape=_reason,
        )

    @strawberry.mutation(description="Relabel or retire a rejection reason (admins)")
    async def update_rejection_reason(
        self, info: Info, input: UpdateRejectionReasonInput
    ) -> RejectionReasonResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "RejectionReason"},
            schema=RejectionReasonUpdate,
            call=lambda s, actor, p: decisions.update_reason(s, actor, p.id(), p.body),
            shape=_reason,
        )

    @strawberry.mutation(description="Change a draft offer")
    async def update_offer(self, info: Info, input: UpdateOfferInput) -> OfferResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "Offer"},
            schema=OfferUpdate,
            call=lambda s, actor, p: offers.update_offer(s, actor, p.id(), p.body),
            shape=_offer,
        )

    @strawberry.mutation(description="Delay or personalise a scheduled outcome message")
    async def update_outcome_message(
        self, info: Info, input: UpdateOutcomeMessageInput
    ) -> OutcomeMessageResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "OutcomeMessage"},
            schema=OutcomeMessageUpdate,
            call=lambda s, actor, p: outcomes.update(s, actor, p.id(), p.body),
            shape=lambda m: OutcomeMessagePayload(outcome_message=OutcomeMessage.from_public(m)),
        )
