"""Slates and fit checks (REST: app/api/v1/calibration.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from app.domain.calibration import fit, slates
from app.domain.calibration.schemas import (
    DecisionCreate,
    SlateCreate,
    SlatePublic,
    SlateSend,
    SlateUpdate,
)
from app.errors import NotFound
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id
from app.graphql.mutate import given, mutate
from app.graphql.types.calibration import FitCheck, Slate

Info = strawberry.Info[Context, None]


@strawberry.input
class SlateItemInput:
    application_id: strawberry.ID
    question: str | None = None


@strawberry.input
class CreateSlateInput:
    role_id: strawberry.ID
    items: list[SlateItemInput]
    note: str | None = strawberry.UNSET
    due_at: dt.datetime | None = strawberry.UNSET


@strawberry.input
class UpdateSlateInput:
    id: strawberry.ID
    items: list[SlateItemInput] | None = strawberry.UNSET
    note: str | None = strawberry.UNSET
    due_at: dt.datetime | None = strawberry.UNSET


@strawberry.input
class SendSlateInput:
    id: strawberry.ID
    due_at: dt.datetime


@strawberry.input
class DecisionReasonsInput:
    missing_skills: list[str] | None = None
    red_flags: list[str] | None = None
    categories: list[str] | None = strawberry.field(
        default=None,
        graphql_type=list[enums.ReasonCategory] | None,  # type: ignore[valid-type]
    )
    note: str | None = None


@strawberry.input
class DecideSlateItemInput:
    slate_id: strawberry.ID
    item_id: strawberry.ID
    decision: str = strawberry.field(graphql_type=enums.SlateDecision)
    reasons: DecisionReasonsInput
    waitlist_question: str | None = None
    answer: str | None = None
    revision: bool = False


@strawberry.type
class SlatePayload:
    slate: Slate


SlateResult = Annotated[SlatePayload | MutationError, strawberry.union("SlateResult")]


@strawberry.type
class CalibrationQuery:
    @strawberry.field
    async def slate(self, info: Info, id: strawberry.ID) -> Slate | None:
        ctx = info.context
        try:
            return Slate.from_public(
                await slates.get_slate(ctx.session, ctx.actor, parse_id(id, "Slate", "id"))
            )
        except NotFound:
            return None

    @strawberry.field(
        description="How a candidate stands against a role's agreed intake and learned red flags"
    )
    async def fit_check(
        self, info: Info, role_id: strawberry.ID, candidate_id: strawberry.ID
    ) -> FitCheck:
        ctx = info.context
        result = await fit.fit_check(
            ctx.session,
            ctx.actor,
            parse_id(role_id, "Role", "role_id"),
            parse_id(candidate_id, "Candidate", "candidate_id"),
        )
        return FitCheck.from_pydantic(result)


def _slate(slate: SlatePublic) -> SlatePayload:
    return SlatePayload(slate=Slate.from_public(slate))


@strawberry.type
class CalibrationMutation:
    @strawberry.mutation
    async def create_slate(self, info: Info, input: CreateSlateInput) -> SlateResult:
        return await mutate(
            info,
            given(input),
            ids={"role_id": "Role", "items.application_id": "Application"},
            schema=SlateCreate,
            call=lambda s, actor, p: slates.create_slate(s, actor, p.body),
            shape=_slate,
        )

    @strawberry.mutation
    async def update_slate(self, info: Info, input: UpdateSlateInput) -> SlateResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "Slate", "items.application_id": "Application"},
            schema=SlateUpdate,
            call=lambda s, actor, p: slates.update_slate(s, actor, p.id(), p.body),
            shape=_slate,
        )

    @strawberry.mutation(
        description="Send to the hiring manager; the applications move to hm_review"
    )
    async def send_slate(self, info: Info, input: SendSlateInput) -> SlateResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "Slate"},
            schema=SlateSend,
            call=lambda s, actor, p: slates.send_slate(s, actor, p.id(), p.body),
            shape=_slate,
        )

    @strawberry.mutation(
        description="The hiring manager's decision on one candidate of a slate, with reasons"
    )
    async def decide_slate_item(self, info: Info, input: DecideSlateItemInput) -> SlateResult:
        return await mutate(
            info,
            given(input),
            ids={"slate_id": "Slate", "item_id": "SlateItem"},
            schema=DecisionCreate,
            call=lambda s, actor, p: slates.decide(
                s, actor, p.id("slate_id"), p.args["item_id"], p.body
            ),
            shape=_slate,
        )
