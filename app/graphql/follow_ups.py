"""Follow-up questions to candidates (REST: app/api/v1/follow_ups.py).

The candidate's answer is plain text here: a GraphQL consumer renders it, escaped as its own
context needs (HTML, Slack, terminal); nothing in it is markup.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import strawberry

from app.domain.follow_ups import service
from app.domain.follow_ups.schemas import (
    FollowUpAnswerPublic,
    FollowUpCreate,
    FollowUpCreated,
    FollowUpPublic,
)
from app.errors import NotFound
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import given, mutate
from app.graphql.types.node import Node
from app.graphql.types.pipeline import Application, described

Info = strawberry.Info[Context, None]


@strawberry.type(description="The candidate's answer to a follow-up, as plain text")
@described(FollowUpAnswerPublic)
class FollowUpAnswer:
    text: str
    link: str | None
    document_id: strawberry.ID | None = strawberry.field(
        description="The document they attached, if any (a Document's global id; it is kept "
        "with the candidate's documents)"
    )
    document_filename: str | None
    answered_at: dt.datetime


@strawberry.type(
    description="A question sent to a candidate (usually to settle a waitlist) and its answer"
)
@described(FollowUpPublic)
class FollowUp(Node):
    database_id: uuid.UUID = strawberry.field(description="The follow-up's id as REST shows it")
    question: str
    state: str = strawberry.field(graphql_type=enums.FollowUpState)
    sent_at: dt.datetime
    reminder_due_at: dt.datetime
    expires_at: dt.datetime
    reminded_at: dt.datetime | None
    closed_at: dt.datetime | None
    answer: FollowUpAnswer | None
    version: int
    decision_id: strawberry.ID | None = strawberry.field(
        description="The waitlist decision it settles (a Decision's global id, as on the "
        "slate); null when it settles none"
    )
    sent_by_id: strawberry.ID | None = strawberry.field(
        description="Who sent it (a Member's global id); null when that member was removed"
    )
    application_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_public(cls, f: FollowUpPublic) -> FollowUp:
        return cls(
            id=strawberry.ID(to_global_id("FollowUp", f.id)),
            database_id=f.id,
            question=f.question,
            state=f.state,
            sent_at=f.sent_at,
            reminder_due_at=f.reminder_due_at,
            expires_at=f.expires_at,
            reminded_at=f.reminded_at,
            closed_at=f.closed_at,
            answer=FollowUpAnswer(
                text=f.answer.text,
                link=f.answer.link,
                document_id=_global("Document", f.answer.document_id),
                document_filename=f.answer.document_filename,
                answered_at=f.answer.answered_at,
            )
            if f.answer
            else None,
            version=f.version,
            decision_id=_global("Decision", f.decision_id),
            sent_by_id=_global("Member", f.sent_by_id),
            application_id=f.application_id,
        )

    @strawberry.field(description="The application it is about; null when not yours to see")
    async def application(self, info: Info) -> Application | None:
        application = await info.context.loaders.application.load(self.application_id)
        return Application.from_public(application) if application else None


def _global(type_name: str, raw_id: uuid.UUID | None) -> strawberry.ID | None:
    return None if raw_id is None else strawberry.ID(to_global_id(type_name, raw_id))


@strawberry.input(description="A question for a candidate, emailed with a link to answer")
class SendFollowUpInput:
    application_id: strawberry.ID = strawberry.field(
        description="The application whose candidate is asked (its global id)"
    )
    question: str = strawberry.field(
        description="The question as the candidate will read it (reworded from the hiring "
        "manager's waitlist question; their internal reasons are never sent)"
    )
    decision_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The waitlist decision it settles (a Decision's global id; a plain id is "
        "taken too); default: the application's current waitlist decision",
    )


@strawberry.input(description="Withdraw an unanswered follow-up")
class WithdrawFollowUpInput:
    id: strawberry.ID = strawberry.field(description="The follow-up's global id")


@strawberry.type(description="The follow-up as saved")
class FollowUpPayload:
    follow_up: FollowUp = strawberry.field(description="The follow-up as saved")


@strawberry.type(description="The follow-up sent, and the candidate's link")
class FollowUpSentPayload:
    follow_up: FollowUp = strawberry.field(description="The follow-up as sent")
    url: str = strawberry.field(description="The candidate's link (also emailed to them)")


FollowUpResult = Annotated[
    FollowUpPayload | MutationError,
    strawberry.union("FollowUpResult", description="The follow-up, or why not"),
]
SendFollowUpResult = Annotated[
    FollowUpSentPayload | MutationError,
    strawberry.union("SendFollowUpResult", description="The follow-up sent, or why not"),
]


async def resolve_node(ctx: Context, raw_id: uuid.UUID) -> FollowUp:
    """For `node(id:)` (app/graphql/nodes.py)."""
    return FollowUp.from_public(await service.get(ctx.session, ctx.actor, raw_id))


@strawberry.type
class FollowUpQuery:
    @strawberry.field(description="A follow-up and its answer; null when it is not yours to see")
    async def follow_up(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The follow-up's global id")],
    ) -> FollowUp | None:
        try:
            return await resolve_node(info.context, parse_id(id, "FollowUp", "id"))
        except NotFound:
            return None

    @strawberry.field(description="An application's follow-ups, oldest first (a short list)")
    async def follow_ups(
        self,
        info: Info,
        application_id: Annotated[
            strawberry.ID, strawberry.argument(description="The Application's global id")
        ],
    ) -> list[FollowUp]:
        ctx = info.context
        rows = await service.list_for_application(
            ctx.session, ctx.actor, parse_id(application_id, "Application", "application_id")
        )
        return [FollowUp.from_public(f) for f in rows]


def _sent(created: FollowUpCreated) -> FollowUpSentPayload:
    return FollowUpSentPayload(follow_up=FollowUp.from_public(created), url=created.url)


def _one(follow_up: FollowUpPublic) -> FollowUpPayload:
    return FollowUpPayload(follow_up=FollowUp.from_public(follow_up))


@strawberry.type
class FollowUpMutation:
    @strawberry.mutation(
        description="Send the candidate a follow-up question (recruiters and admins)"
    )
    async def send_follow_up(
        self,
        info: Info,
        input: Annotated[
            SendFollowUpInput,
            strawberry.argument(
                description="The application, the question, and the waitlist decision it settles"
            ),
        ],
    ) -> SendFollowUpResult:
        return await mutate(
            info,
            given(input),
            # A decision's global id (type Decision, as on the slate), or its plain id.
            ids={"application_id": "Application", "decision_id": "Decision"},
            schema=FollowUpCreate,
            call=lambda s, actor, p: service.send(s, actor, p.id("application_id"), p.body),
            shape=_sent,
        )

    @strawberry.mutation(description="Withdraw an unanswered follow-up; its link then answers 410")
    async def withdraw_follow_up(
        self,
        info: Info,
        input: Annotated[
            WithdrawFollowUpInput, strawberry.argument(description="The follow-up to withdraw")
        ],
    ) -> FollowUpResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "FollowUp"},
            call=lambda s, actor, p: service.withdraw(s, actor, p.id()),
            shape=_one,
        )
