"""Slates and fit checks (REST: app/api/v1/calibration.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import strawberry
from pydantic import BaseModel

from app.domain.calibration import fit, slates
from app.domain.calibration.schemas import (
    DecisionCreate,
    DecisionReasons,
    SlateCreate,
    SlateItemCreate,
    SlatePublic,
    SlateSend,
    SlateUpdate,
)
from app.errors import NotFound
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.errors import MutationError
from app.graphql.ids import id_help, parse_id
from app.graphql.mutate import given, mutate
from app.graphql.types.calibration import Decision, FitCheck, Slate

Info = strawberry.Info[Context, None]


def _help(model: type[BaseModel], name: str) -> str | None:
    """An input field's description: the domain schema's (what REST's OpenAPI shows)."""
    return model.model_fields[name].description


@strawberry.input(description=SlateItemCreate.__doc__)
class SlateItemInput:
    application_id: strawberry.ID = strawberry.field(
        description="The Application to the slate's role (global id)"
    )
    question: str | None = strawberry.field(
        default=None, description=_help(SlateItemCreate, "question")
    )


@strawberry.input(description=SlateCreate.__doc__)
class CreateSlateInput:
    role_id: strawberry.ID = strawberry.field(description="The Role (global id)")
    items: list[SlateItemInput] = strawberry.field(description=_help(SlateCreate, "items"))
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(SlateCreate, "note")
    )
    due_at: dt.datetime | None = strawberry.field(
        default=strawberry.UNSET, description=_help(SlateCreate, "due_at")
    )


@strawberry.input(description=SlateUpdate.__doc__)
class UpdateSlateInput:
    id: strawberry.ID = strawberry.field(description="The Slate (global id)")
    items: list[SlateItemInput] | None = strawberry.field(
        default=strawberry.UNSET, description=_help(SlateUpdate, "items")
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(SlateUpdate, "note")
    )
    due_at: dt.datetime | None = strawberry.field(
        default=strawberry.UNSET, description=_help(SlateUpdate, "due_at")
    )


@strawberry.input(description=SlateSend.__doc__)
class SendSlateInput:
    id: strawberry.ID = strawberry.field(description="The Slate (global id)")
    due_at: dt.datetime = strawberry.field(description=_help(SlateSend, "due_at"))


@strawberry.input(description=DecisionReasons.__doc__)
class DecisionReasonsInput:
    missing_skills: list[str] | None = strawberry.field(
        default=None, description=_help(DecisionReasons, "missing_skills")
    )
    red_flags: list[str] | None = strawberry.field(
        default=None, description=_help(DecisionReasons, "red_flags")
    )
    categories: list[str] | None = strawberry.field(
        default=None,
        graphql_type=list[enums.ReasonCategory] | None,  # type: ignore[valid-type]
        description=_help(DecisionReasons, "categories"),
    )
    note: str | None = strawberry.field(default=None, description=_help(DecisionReasons, "note"))


@strawberry.input(description=DecisionCreate.__doc__)
class DecideSlateItemInput:
    slate_id: strawberry.ID = strawberry.field(description="The Slate (global id)")
    item_id: strawberry.ID = strawberry.field(description="The SlateItem (global id)")
    decision: str = strawberry.field(
        graphql_type=enums.SlateDecision, description=_help(DecisionCreate, "decision")
    )
    reasons: DecisionReasonsInput = strawberry.field(description=_help(DecisionCreate, "reasons"))
    waitlist_question: str | None = strawberry.field(
        default=None, description=_help(DecisionCreate, "waitlist_question")
    )
    answer: str | None = strawberry.field(default=None, description=_help(DecisionCreate, "answer"))
    revision: bool = strawberry.field(default=False, description=_help(DecisionCreate, "revision"))


@strawberry.type(description="The slate a mutation made or changed")
class SlatePayload:
    slate: Slate = strawberry.field(description="The slate as the mutation left it")


SlateResult = Annotated[
    SlatePayload | MutationError,
    strawberry.union("SlateResult", description="The slate, or why the change did not happen"),
]


async def resolve_decision_node(ctx: Context, raw_id: uuid.UUID) -> Decision:
    """For `node(id:)` (app/graphql/nodes.py): a decision, current or revised, seen as its slate
    is."""
    return Decision.from_public(await slates.get_decision(ctx.session, ctx.actor, raw_id))


@strawberry.type
class CalibrationQuery:
    @strawberry.field(description="A slate by its global id; null when it is not yours to see")
    async def slate(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Slate"))],
    ) -> Slate | None:
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
        self,
        info: Info,
        role_id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Role"))],
        candidate_id: Annotated[
            strawberry.ID, strawberry.argument(description=id_help("Candidate"))
        ],
    ) -> FitCheck:
        ctx = info.context
        result = await fit.fit_check(
            ctx.session,
            ctx.actor,
            parse_id(role_id, "Role", "role_id"),
            parse_id(candidate_id, "Candidate", "candidate_id"),
        )
        return FitCheck.from_public(result)


def _slate(slate: SlatePublic) -> SlatePayload:
    return SlatePayload(slate=Slate.from_public(slate))


@strawberry.type
class CalibrationMutation:
    @strawberry.mutation(description="Put a few candidates of a role on a new draft slate")
    async def create_slate(
        self,
        info: Info,
        input: Annotated[
            CreateSlateInput,
            strawberry.argument(
                description="The role, its candidates in order, a note and when a decision is due"
            ),
        ],
    ) -> SlateResult:
        return await mutate(
            info,
            given(input),
            ids={"role_id": "Role", "items.application_id": "Application"},
            schema=SlateCreate,
            call=lambda s, actor, p: slates.create_slate(s, actor, p.body),
            shape=_slate,
        )

    @strawberry.mutation(description="Change a draft slate: its candidates, note or due time")
    async def update_slate(
        self,
        info: Info,
        input: Annotated[
            UpdateSlateInput,
            strawberry.argument(
                description="The draft slate and its new candidates, note or due time"
            ),
        ],
    ) -> SlateResult:
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
    async def send_slate(
        self,
        info: Info,
        input: Annotated[
            SendSlateInput,
            strawberry.argument(description="The slate to send and when a decision is due"),
        ],
    ) -> SlateResult:
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
    async def decide_slate_item(
        self,
        info: Info,
        input: Annotated[
            DecideSlateItemInput,
            strawberry.argument(
                description="The slate, the candidate's item, the decision and its reasons"
            ),
        ],
    ) -> SlateResult:
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
