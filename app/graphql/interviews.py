"""Interviews and scheduling suggestions (REST: app/api/v1/interviews.py)."""

from __future__ import annotations

import datetime as dt
import uuid
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


async def resolve_interview_node(ctx: Context, raw_id: uuid.UUID) -> Interview:
    """For `node(id:)` (app/graphql/nodes.py): an interview the caller may see (interviewers:
    the ones they are on); NotFound otherwise."""
    return Interview.from_public(await interviews.get_interview(ctx.session, ctx.actor, raw_id))


@strawberry.input(
    description="One stage of a panel: the people to choose from (interviewerIds), a pool "
    "(poolId: its trained members), or both; REST's StageRequest, validated the same way"
)
class StageInput:
    name: str = strawberry.field(description="The stage's name, e.g. technical or team")
    duration_minutes: int = strawberry.field(description="How long it lasts, in minutes (15-480)")
    interviewer_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Member ids; may be left out when poolId is given"
    )
    pool_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An InterviewerPool id: its trained members are the people to choose from",
    )
    trainee_seat: bool = strawberry.field(
        default=False,
        description="Also seat one of the pool's members in training (shadowing), when one is "
        "free; needs poolId",
    )
    required: int = strawberry.field(
        default=1,
        description="How many interviewers this stage needs from the people to choose from",
    )


# The ids a StageInput carries, under the field holding the stages (`stages` in
# SuggestionInput and CreateBookingLinkInput).
STAGE_IDS = {"stages.interviewer_ids": "Member", "stages.pool_id": "InterviewerPool"}


@strawberry.input(description="What to find times for: REST's SuggestionRequest")
class SuggestionInput:
    application_id: strawberry.ID = strawberry.field(
        description="The Application's global id the panel is for"
    )
    stages: list[StageInput] = strawberry.field(description="The stages, in the order they run")
    date_from: dt.datetime = strawberry.field(description="Earliest start (with its UTC offset)")
    date_to: dt.datetime = strawberry.field(
        description="Latest end (with its UTC offset); at most 90 days after dateFrom"
    )
    min_notice_hours: int | None = strawberry.field(
        default=None,
        description="Hours from now before the first stage may start; null: the service setting",
    )
    buffer_before_minutes: int = strawberry.field(
        default=0, description="Free minutes each interviewer needs before a stage"
    )
    buffer_after_minutes: int = strawberry.field(
        default=0, description="Free minutes each interviewer needs after a stage"
    )
    max_gap_minutes: int = strawberry.field(
        default=60, description="Longest wait between two stages, in minutes"
    )
    allow_back_to_back: bool = strawberry.field(
        default=True, description="Whether a stage may start the minute the one before ends"
    )
    limit: int = strawberry.field(default=10, description="At most this many suggestions (1-50)")


@strawberry.input(description="One interview to book: REST's InterviewSlot")
class InterviewSlotInput:
    kind: str = strawberry.field(description="The stage, e.g. technical, team, hiring manager")
    start_at: dt.datetime = strawberry.field(description="When it starts (with its UTC offset)")
    end_at: dt.datetime = strawberry.field(
        description="When it ends (with its UTC offset); at most 8 hours after startAt"
    )
    interviewer_ids: list[strawberry.ID] = strawberry.field(
        description="The Member global ids of the panel, each once"
    )
    pool_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The InterviewerPool the interviewers come from (declines are replaced "
        "from it)",
    )
    trainee_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Members in training in poolId who join as an extra interviewer (their "
        "seat, shadow or reverse_shadow, follows their rounds)",
    )


@strawberry.input(description="Interviews to book for one application: REST's InterviewsCreate")
class ScheduleInterviewsInput:
    application_id: strawberry.ID = strawberry.field(
        description="The Application's global id they are for"
    )
    interviews: list[InterviewSlotInput] = strawberry.field(
        description="The interviews, one per stage (at most 6)"
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="IANA time zone for the invitations; default the candidate's",
    )
    location: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where they take place, if on site"
    )
    video_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="The video call's address, if any"
    )
    status: str | None = strawberry.field(
        default=strawberry.UNSET,
        graphql_type=enums.NewInterviewStatus | None,
        description="scheduled (the default: invitations go out) or proposed (held until "
        "confirmed)",
    )


@strawberry.input(description="A new time for an interview: REST's InterviewReschedule")
class RescheduleInterviewInput:
    id: strawberry.ID = strawberry.field(description="The Interview's global id")
    start_at: dt.datetime = strawberry.field(description="The new start (with its UTC offset)")
    end_at: dt.datetime = strawberry.field(description="The new end (with its UTC offset)")
    reason: str = strawberry.field(description="Why it moves; the interviewers read it")
    interviewer_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The Member global ids of a new panel; left out keeps the interviewers",
    )
    location: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new place; left out keeps it"
    )
    video_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new video call; left out keeps it"
    )


@strawberry.type(description="The interviews just booked")
class InterviewsPayload:
    interviews: list[Interview] = strawberry.field(
        description="One per slot asked for, in that order (at most 6)"
    )


@strawberry.type(description="The interview as it stands after the change")
class InterviewPayload:
    interview: Interview = strawberry.field(description="The interview")


InterviewsResult = Annotated[
    InterviewsPayload | MutationError,
    strawberry.union("InterviewsResult", description="The interviews scheduled, or why none was"),
]


InterviewResult = Annotated[
    InterviewPayload | MutationError,
    strawberry.union(
        "InterviewResult", description="The interview, or why the change did not happen"
    ),
]


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
        application_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Interviews of this Application (a global id)"),
        ] = None,
        member_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Interviews this Member (a global id) is on"),
        ] = None,
        status: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.InterviewStatus | None, description="Interviews in this status"
            ),
        ] = None,
        starts_after: Annotated[
            dt.datetime | None,
            strawberry.argument(description="Interviews starting at or after this time"),
        ] = None,
        starts_before: Annotated[
            dt.datetime | None,
            strawberry.argument(description="Interviews starting before this time"),
        ] = None,
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

    @strawberry.field(description="One interview; null when it is not yours to see")
    async def interview(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Interview's global id")],
    ) -> Interview | None:
        try:
            return await resolve_interview_node(info.context, parse_id(id, "Interview", "id"))
        except NotFound:
            return None

    @strawberry.field(
        description="Ranked times for one interview or a panel; when nothing fits, blockedBy says "
        "why"
    )
    async def scheduling_suggestions(
        self,
        info: Info,
        input: Annotated[
            SuggestionInput,
            strawberry.argument(
                description="The application, its stages in order, the date range and the buffers "
                "and gaps"
            ),
        ],
    ) -> SchedulingSuggestions:
        ctx = info.context
        data = to_domain_ids(
            given(input),
            {"application_id": "Application", **STAGE_IDS},
        )
        result = await scheduling.suggest(ctx.session, ctx.actor, validate(SuggestionRequest, data))
        return SchedulingSuggestions.from_public(result)


def _interview(interview: InterviewPublic) -> InterviewPayload:
    return InterviewPayload(interview=Interview.from_public(interview))


@strawberry.type
class InterviewMutation:
    @strawberry.mutation(description="Schedule interviews; a clash answers code conflict (409)")
    async def schedule_interviews(
        self,
        info: Info,
        input: Annotated[
            ScheduleInterviewsInput,
            strawberry.argument(
                description="The application and the interviews to book, with time zone, place "
                "and video"
            ),
        ],
    ) -> InterviewsResult:
        http = info.context.http
        return await mutate(
            info,
            given(input),
            ids={
                "application_id": "Application",
                "interviews.interviewer_ids": "Member",
                "interviews.pool_id": "InterviewerPool",
                "interviews.trainee_ids": "Member",
            },
            schema=InterviewsCreate,
            call=lambda s, actor, p: interviews.schedule(s, actor, p.body, http),
            shape=lambda created: InterviewsPayload(
                interviews=[Interview.from_public(i) for i in created]
            ),
        )

    @strawberry.mutation(
        description="Move an interview to a new time (and optionally a new panel or place); "
        "the interviewers get updated invitations"
    )
    async def reschedule_interview(
        self,
        info: Info,
        input: Annotated[
            RescheduleInterviewInput,
            strawberry.argument(
                description="The interview, its new start and end, why, and any new interviewers "
                "or place"
            ),
        ],
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

    @strawberry.mutation(description="Cancel an interview; the interviewers get cancellations")
    async def cancel_interview(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Interview's global id")],
        reason: Annotated[
            str, strawberry.argument(description="Why it is cancelled; the interviewers read it")
        ],
    ) -> InterviewResult:
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
        id: Annotated[strawberry.ID, strawberry.argument(description="The Interview's global id")],
        response: Annotated[
            str,
            strawberry.argument(graphql_type=enums.InterviewResponse, description="Your answer"),
        ],
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
        id: Annotated[strawberry.ID, strawberry.argument(description="The Interview's global id")],
        status: Annotated[
            str,
            strawberry.argument(
                graphql_type=enums.SettableInterviewStatus,
                description="completed or no_show after it; scheduled confirms a proposed one",
            ),
        ],
        reason: Annotated[
            str | None, strawberry.argument(description="Why, when it helps (a no-show)")
        ] = None,
    ) -> InterviewResult:
        return await mutate(
            info,
            {"id": id, "status": status, "reason": reason},
            ids={"id": "Interview"},
            schema=InterviewStatusSet,
            call=lambda s, actor, p: interviews.set_status(s, actor, p.id(), p.body),
            shape=_interview,
        )
