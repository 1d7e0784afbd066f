"""Scorecards, hiring decisions and offers (REST: app/api/v1/feedback.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON

from app.domain.feedback import decisions, offers, outcomes, scorecards
from app.domain.feedback.schemas import Compensation as CompensationSchema
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
from app.graphql.ids import id_help, parse_id, to_global_id
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


def _in(model: type[BaseModel], name: str, extra: str = "", **options: Any) -> Any:
    """An input field with the domain schema's description (and what GraphQL adds)."""
    description = f"{model.model_fields[name].description}{extra}"
    return strawberry.field(description=description, **options)


@strawberry.input(description="An interviewer's scorecard for one interview, as they save it")
class WriteScorecardInput:
    interview_id: strawberry.ID = strawberry.field(description="The interview the scorecard is for")
    recommendation: str | None = _in(
        ScorecardWrite, "recommendation", default=None, graphql_type=enums.Recommendation | None
    )
    ratings: JSON | None = _in(ScorecardWrite, "ratings", " (skill name to rating)", default=None)
    reasons: str | None = _in(ScorecardWrite, "reasons", default=None)
    submit: bool = _in(ScorecardWrite, "submit", default=False)


@strawberry.input(description="The hiring manager's decision on an application after interviews")
class DecideApplicationInput:
    application_id: strawberry.ID = strawberry.field(description="The application decided on")
    decision: str = _in(HiringDecisionCreate, "decision", graphql_type=enums.DecisionKind)
    note: str = _in(HiringDecisionCreate, "note")
    rejection_reason_id: strawberry.ID | None = _in(
        HiringDecisionCreate, "rejection_reason_id", " (a RejectionReason id)", default=None
    )


@strawberry.input(description="What an offer pays, in one currency")
class CompensationInput:
    currency: str = _in(CompensationSchema, "currency")
    base_salary: int = _in(CompensationSchema, "base_salary")
    bonus: int | None = _in(CompensationSchema, "bonus", default=None)
    equity: str | None = _in(CompensationSchema, "equity", default=None)
    notes: str | None = _in(CompensationSchema, "notes", default=None)


@strawberry.input(description="A new offer, drafted for an application at the offer stage")
class CreateOfferInput:
    application_id: strawberry.ID = _in(OfferCreate, "application_id", " (an Application id)")
    compensation: CompensationInput = _in(OfferCreate, "compensation")
    start_date: dt.date | None = _in(OfferCreate, "start_date", default=None)
    expires_at: dt.datetime | None = _in(OfferCreate, "expires_at", default=None)
    note: str | None = _in(OfferCreate, "note", default=None)


@strawberry.input(description="One legal step of an offer")
class MoveOfferInput:
    id: strawberry.ID = strawberry.field(description="The offer to move")
    to: str = _in(OfferTransition, "to", " (any status but draft)", graphql_type=enums.OfferStatus)
    reason: str | None = _in(OfferTransition, "reason", default=None)


@strawberry.type(description="The scorecard as saved")
class ScorecardPayload:
    scorecard: Scorecard = strawberry.field(description="The scorecard as saved")


@strawberry.type(description="The hiring decision as recorded")
class DecisionPayload:
    decision: HiringDecision = strawberry.field(description="The hiring decision recorded")


@strawberry.type(description="The offer as it now stands")
class OfferPayload:
    offer: Offer = strawberry.field(description="The offer as it now stands")


ScorecardResult = Annotated[
    ScorecardPayload | MutationError,
    strawberry.union("ScorecardResult", description="The scorecard, or why it was not saved"),
]


DecisionResult = Annotated[
    DecisionPayload | MutationError,
    strawberry.union("DecisionResult", description="The decision, or why it was not recorded"),
]


OfferResult = Annotated[
    OfferPayload | MutationError,
    strawberry.union("OfferResult", description="The offer, or why it did not change"),
]


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(
        description="Save a draft of your scorecard, submit it, or amend a submitted one"
    )
    async def write_scorecard(
        self,
        info: Info,
        input: Annotated[
            WriteScorecardInput,
            strawberry.argument(
                description="The interview, your recommendation, ratings and reasons, and whether "
                "to submit"
            ),
        ],
    ) -> ScorecardResult:
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
    async def decide_application(
        self,
        info: Info,
        input: Annotated[
            DecideApplicationInput,
            strawberry.argument(
                description="The application, the decision, a note and, for a rejection, its reason"
            ),
        ],
    ) -> DecisionResult:
        return await mutate(
            info,
            given(input),
            ids={"application_id": "Application", "rejection_reason_id": "RejectionReason"},
            schema=HiringDecisionCreate,
            call=lambda s, actor, p: decisions.decide(s, actor, p.id("application_id"), p.body),
            shape=lambda d: DecisionPayload(decision=HiringDecision.from_public(d)),
        )

    @strawberry.mutation(
        description="Draft an offer for an application at the offer stage (recruiters and admins)"
    )
    async def create_offer(
        self,
        info: Info,
        input: Annotated[
            CreateOfferInput,
            strawberry.argument(
                description="The application, the compensation, start date, expiry and a note"
            ),
        ],
    ) -> OfferResult:
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
    async def move_offer(
        self,
        info: Info,
        input: Annotated[
            MoveOfferInput,
            strawberry.argument(description="The offer, the status to move it to, and why"),
        ],
    ) -> OfferResult:
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
    database_id: uuid.UUID = strawberry.field(description="The rejection reason's id in REST")

    @classmethod
    def from_public(cls, r: RejectionReasonPublic) -> RejectionReason:
        return cls(
            id=strawberry.ID(to_global_id("RejectionReason", r.id)),
            database_id=r.id,
            **values(cls, r),
        )


@strawberry.input(description="A new entry of the organization's catalogue of rejection reasons")
class CreateRejectionReasonInput:
    code: str = _in(RejectionReasonCreate, "code")
    label: str = _in(RejectionReasonCreate, "label")


@strawberry.input(description="What to change; what is left out stays")
class UpdateRejectionReasonInput:
    id: strawberry.ID = strawberry.field(description="The rejection reason to change")
    label: str | None = _in(RejectionReasonUpdate, "label", default=strawberry.UNSET)
    is_active: bool | None = _in(RejectionReasonUpdate, "is_active", default=strawberry.UNSET)


@strawberry.input(description="Change a draft offer; what is left out stays")
class UpdateOfferInput:
    id: strawberry.ID = strawberry.field(description="The draft offer to change")
    compensation: CompensationInput | None = _in(
        OfferUpdate, "compensation", default=strawberry.UNSET
    )
    start_date: dt.date | None = _in(OfferUpdate, "start_date", default=strawberry.UNSET)
    expires_at: dt.datetime | None = _in(OfferUpdate, "expires_at", default=strawberry.UNSET)
    note: str | None = _in(OfferUpdate, "note", default=strawberry.UNSET)


@strawberry.input(description="Delay or personalise a scheduled outcome message")
class UpdateOutcomeMessageInput:
    id: strawberry.ID = strawberry.field(description="The scheduled outcome message to change")
    send_at: dt.datetime | None = _in(OutcomeMessageUpdate, "send_at", default=strawberry.UNSET)
    personal_note: str | None = _in(OutcomeMessageUpdate, "personal_note", default=strawberry.UNSET)


@strawberry.type(description="The rejection reason as saved")
class RejectionReasonPayload:
    rejection_reason: RejectionReason = strawberry.field(
        description="The rejection reason as saved"
    )


@strawberry.type(description="The outcome message as it now stands")
class OutcomeMessagePayload:
    outcome_message: OutcomeMessage = strawberry.field(
        description="The outcome message as it now stands"
    )


RejectionReasonResult = Annotated[
    RejectionReasonPayload | MutationError,
    strawberry.union(
        "RejectionReasonResult", description="The rejection reason, or why it did not change"
    ),
]
OutcomeMessageResult = Annotated[
    OutcomeMessagePayload | MutationError,
    strawberry.union(
        "OutcomeMessageResult", description="The outcome message, or why it did not change"
    ),
]


@strawberry.type
class FeedbackQuery:
    @strawberry.field(
        description="The organization's rejection reasons. A list: the catalogue is short and "
        "read whole, as REST reads it"
    )
    async def rejection_reasons(
        self,
        info: Info,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Also list the retired reasons")
        ] = False,
    ) -> list[RejectionReason]:
        ctx = info.context
        found = await decisions.list_reasons(ctx.session, ctx.actor, include_inactive)
        return [RejectionReason.from_public(r) for r in found]

    @strawberry.field(
        description="Every submitted version of one interviewer's scorecard, oldest first. A "
        "list: a scorecard is revised a few times at most"
    )
    async def scorecard_revisions(
        self,
        info: Info,
        interview_id: Annotated[
            strawberry.ID, strawberry.argument(description=id_help("Interview"))
        ],
        interviewer_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The interviewer whose scorecard it is: a Member's global id (a plain "
                "UUID is accepted too)"
            ),
        ],
    ) -> list[ScorecardRevision]:
        ctx = info.context
        found = await scorecards.scorecard_history(
            ctx.session,
            ctx.actor,
            parse_id(interview_id, "Interview", "interviewId"),
            parse_id(interviewer_id, "Member", "interviewerId"),
        )
        return [ScorecardRevision.from_public(r) for r in found]

    @strawberry.field(description="One offer; null when it is not yours to see")
    async def offer(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Offer"))],
    ) -> Offer | None:
        ctx = info.context
        try:
            found = await offers.get_offer(ctx.session, ctx.actor, parse_id(id, "Offer", "id"))
        except NotFound:
            return None
        return Offer.from_public(found)

    @strawberry.field(
        description="The outcome messages owed to an application's candidate, oldest first. A "
        "list: one per outcome the application reached, a handful at most"
    )
    async def outcome_messages(
        self,
        info: Info,
        application_id: Annotated[
            strawberry.ID, strawberry.argument(description=id_help("Application"))
        ],
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
        self,
        info: Info,
        input: Annotated[
            CreateRejectionReasonInput,
            strawberry.argument(description="The reason's code and label"),
        ],
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
        self,
        info: Info,
        input: Annotated[
            UpdateRejectionReasonInput,
            strawberry.argument(
                description="The reason, and its new label or whether it is retired"
            ),
        ],
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
    async def update_offer(
        self,
        info: Info,
        input: Annotated[
            UpdateOfferInput,
            strawberry.argument(description="The draft offer and the fields to change"),
        ],
    ) -> OfferResult:
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
        self,
        info: Info,
        input: Annotated[
            UpdateOutcomeMessageInput,
            strawberry.argument(
                description="The message, and its new send time or a personal note"
            ),
        ],
    ) -> OutcomeMessageResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "OutcomeMessage"},
            schema=OutcomeMessageUpdate,
            call=lambda s, actor, p: outcomes.update(s, actor, p.id(), p.body),
            shape=lambda m: OutcomeMessagePayload(outcome_message=OutcomeMessage.from_public(m)),
        )


# `node(id:)` for the types above (app/graphql/nodes.py): one service read, scoped by the
# caller; NotFound and PermissionDenied become null there.
async def resolve_scorecard_node(ctx: Context, raw_id: uuid.UUID) -> Scorecard | None:
    return Scorecard.from_public(await scorecards.get_scorecard(ctx.session, ctx.actor, raw_id))


async def resolve_hiring_decision_node(ctx: Context, raw_id: uuid.UUID) -> HiringDecision | None:
    return HiringDecision.from_public(await decisions.get_decision(ctx.session, ctx.actor, raw_id))


async def resolve_outcome_message_node(ctx: Context, raw_id: uuid.UUID) -> OutcomeMessage | None:
    return OutcomeMessage.from_public(await outcomes.get_message(ctx.session, ctx.actor, raw_id))
