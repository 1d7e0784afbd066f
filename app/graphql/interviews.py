"""Interviews and scheduling suggestions (REST: app/api/v1/interviews.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from app.domain.interviews import scheduling
from app.domain.interviews import service as interviews
from app.domain.interviews.schemas import (
    InterviewCancel,
    InterviewFilters,
    InterviewPublic,
    InterviewReschedule,
    InterviewResponseSet,
    InterviewsCreate,
    InterviewStatusSet,
    SuggestionRequest,
)
from app.errors import NotFound
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.errors import MutationError, validate
from app.graphql.ids import parse_id
from app.graphql.mutate import given, mutate, to_domain_ids
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_request
from app.graphql.types.connection import connection_of
from app.graphql.types.interviews import (
    Interview,
    InterviewConnection,
    InterviewEdge,
    SchedulingSuggestions,
)

Info = strawberry.Info[Context, None]


@strawberry.input
class StageInput:
    name: str
    duration_minutes: int
    interviewer_ids: list[strawberry.ID]
    required: int = 1


@strawberry.input
class SuggestionInput:
    application_id: strawberry.ID
    stages: list[StageInput]
    date_from: dt.datetime
    date_to: dt.datetime
    min_notice_hours: int | None = None
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    max_gap_minutes: int = 60
    allow_back_to_back: bool = True
    limit: int = 10


@strawberry.input
class InterviewSlotInput:
    kind: str
    start_at: dt.datetime
    end_at: dt.datetime
    interviewer_ids: list[strawberry.ID]


@strawberry.input
class ScheduleInterviewsInput:
    application_id: strawberry.ID
    interviews: list[InterviewSlotInput]
    time_zone: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    video_url: str | None = strawberry.UNSET
    status: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.InterviewStatus | None
    )


@strawberry.input
class RescheduleInterviewInput:
    id: strawberry.ID
    start_at: dt.datetime
    end_at: dt.datetime
    reason: str
    interviewer_ids: list[strawberry.ID] | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    video_url: str | None = strawberry.UNSET


@strawberry.type
class InterviewsPayload:
    interviews: list[Interview]


@strawberry.type
class InterviewPayload:
    interview: Interview


InterviewsResult = Annotated[
    InterviewsPayload | MutationError, strawberry.union("InterviewsResult")
]


InterviewResult = Annotated[InterviewPayload | MutationError, strawberry.union("InterviewResult")]


@strawberry.type
class InterviewQuery:
    @strawberry.field(
        description="Interviews you may see, newest first (interviewers: the ones they are on)"
    )
    async def interviews(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        application_id: strawberry.ID | None = None,
        member_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Interviews this member is on")
        ] = None,
        status: Annotated[
            str | None, strawberry.argument(graphql_type=enums.InterviewStatus | None)
        ] = None,
        starts_after: dt.datetime | None = None,
        starts_before: dt.datetime | None = None,
    ) -> InterviewConnection:
        ctx = info.context
        filters = validate(
            InterviewFilters,
            {
                "application_id": parse_id(application_id, "Application", "applicationId")
                if application_id
                else None,
                "member_id": parse_id(member_id, "Member", "memberId") if member_id else None,
                "status": getattr(status, "value", status),
                "starts_after": starts_after,
                "starts_before": starts_before,
            },
        )
        page = await interviews.list_interviews(
            ctx.session, ctx.actor, filters, page_request(first, after, ctx.max_first)
        )
        found = connection_of(page, after, Interview.from_public)
        return InterviewConnection(
            edges=[InterviewEdge(cursor=e.cursor, node=e.node) for e in found.edges],
            page_info=found.page_info,
        )

    @strawberry.field
    async def interview(self, info: Info, id: strawberry.ID) -> Interview | None:
        ctx = info.context
        try:
            found = await interviews.get_interview(
                ctx.session, ctx.actor, parse_id(id, "Interview", "id")
            )
        except NotFound:
            return None
        return Interview.from_public(found)

    @strawberry.field(
        description="Ranked times for one interview or a panel; when nothing fits, blockedBy says why"
    )
    async def scheduling_suggestions(
        self, info: Info, input: SuggestionInput
    ) -> SchedulingSuggestions:
        ctx = info.context
        data = to_domain_ids(
            given(input),
            {"application_id": "Application", "stages.interviewer_ids": "Member"},
        )
        result = await scheduling.suggest(ctx.session, ctx.actor, validate(SuggestionRequest, data))
        return SchedulingSuggestions.from_pydantic(result)


def _interview(interview: InterviewPublic) -> InterviewPayload:
    return InterviewPayload(interview=Interview.from_public(interview))


@strawberry.type
class InterviewMutation:
    @strawberry.mutation(description="Schedule interviews; a clash answers code conflict (409)")
    async def schedule_interviews(
        self, info: Info, input: ScheduleInterviewsInput
    ) -> InterviewsResult:
        http = info.context.http
        return await mutate(
            info,
            given(input),
            ids={"application_id": "Application", "interviews.interviewer_ids": "Member"},
            schema=InterviewsCreate,
            call=lambda s, actor, p: interviews.schedule(s, actor, p.body, http),
            shape=lambda created: InterviewsPayload(
                interviews=[Interview.from_public(i) for i in created]
            ),
        )

    @strawberry.mutation
    async def reschedule_interview(
        self, info: Info, input: RescheduleInterviewInput
    ) -> InterviewResult:
        http = info.context.http
        return await mutate(
            info,
            given(input),
            ids={"id": "Interview", "interviewer_ids": "Member"},
            schema=InterviewReschedule,
            call=lambda s, actor, p: interviews.reschedule(s, actor, p.id(), p.body, http),
            shape=_interview,
        )

    @strawberry.mutation
    async def cancel_interview(self, info: Info, id: strawberry.ID, reason: str) -> InterviewResult:
        return await mutate(
            info,
            {"id": id, "reason": reason},
            ids={"id": "Interview"},
            schema=InterviewCancel,
            call=lambda s, actor, p: interviews.cancel(s, actor, p.id(), p.body),
            shape=_interview,
        )

    @strawberry.mutation(
        description="An interviewer answers: accepted, declined, tentative or needs_action"
    )
    async def respond_to_interview(
        self,
        info: Info,
        id: strawberry.ID,
        response: Annotated[str, strawberry.argument(graphql_type=enums.InterviewResponse)],
    ) -> InterviewResult:
        return await mutate(
            info,
            {"id": id, "response": response},
            ids={"id": "Interview"},
            schema=InterviewResponseSet,
            call=lambda s, actor, p: interviews.respond(s, actor, p.id(), p.body),
            shape=_interview,
        )

    @strawberry.mutation(
        description="Record completed or no_show (or confirm a proposed interview)"
    )
    async def set_interview_status(
        self,
        info: Info,
        id: strawberry.ID,
        status: Annotated[str, strawberry.argument(graphql_type=enums.InterviewStatus)],
        reason: str | None = None,
    ) -> InterviewResult:
        return await mutate(
            info,
            {"id": id, "status": status, "reason": reason},
            ids={"id": "Interview"},
            schema=InterviewStatusSet,
            call=lambda s, actor, p: interviews.set_status(s, actor, p.id(), p.body),
            shape=_interview,
        )
