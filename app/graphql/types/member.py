from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Sequence
from typing import Annotated, Any

import strawberry

from app.domain.calendars.schemas import MemberCalendarPublic
from app.domain.feedback import closing
from app.domain.organizations.schemas import MemberPublic, OrganizationPublic
from app.errors import InvalidInput
from app.graphql import enums
from app.graphql.derive import derived, values
from app.graphql.ids import parse_id, to_global_id
from app.graphql.loaders import MISSING, peek
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, NESTED_FIRST, check_first, nested_page
from app.graphql.types.calendars import MemberCalendar, MemberCalendarConnection, MemberCalendarEdge
from app.graphql.types.feedback import CloseTheLoop
from app.graphql.types.node import Node, PageInfo


@strawberry.type
class TimeRange:
    start: str
    end: str


@strawberry.type
class WorkingDay:
    day: str = strawberry.field(graphql_type=enums.Weekday)
    hours: list[TimeRange]


@strawberry.type
class UpdatePreferences:
    cadence: str
    channel: str
    local_time: str = strawberry.field(description="HH:MM on the member's own clock")
    delegate_id: strawberry.ID | None


@strawberry.type
@derived(
    MemberPublic,
    skip={
        "organization_id": "Always the caller's own (viewer.organization)",
        "update_cadence": "Under preferences { updateCadence }",
        "update_channel": "Under preferences { updateChannel }",
        "update_local_time": "Under preferences { updateLocalTime }",
        "delegate_id": "Under preferences { delegateId }",
    },
)
class Member(Node):
    database_id: uuid.UUID
    email: str
    name: str
    title: str | None
    bio: str | None
    permission_set: str = strawberry.field(graphql_type=enums.PermissionSet)
    time_zone: str
    max_interviews_per_day: int | None
    max_interviews_per_week: int | None
    is_active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    member: strawberry.Private[MemberPublic]

    @classmethod
    def from_public(cls, m: MemberPublic) -> Member:
        return cls(
            id=strawberry.ID(to_global_id("Member", m.id)),
            database_id=m.id,
            email=m.email,
            name=m.name,
            title=m.title,
            bio=m.bio,
            permission_set=m.permission_set,
            time_zone=m.time_zone,
            max_interviews_per_day=m.max_interviews_per_day,
            max_interviews_per_week=m.max_interviews_per_week,
            is_active=m.is_active,
            version=m.version,
            created_at=m.created_at,
            updated_at=m.updated_at,
            member=m,
            **values(cls, m),
        )

    @strawberry.field(
        description="Weekly working hours in the member's own time zone (a list: one entry a day)"
    )
    def working_hours(self) -> list[WorkingDay]:
        return [
            WorkingDay(day=day, hours=[TimeRange(start=r["start"], end=r["end"]) for r in ranges])
            for day, ranges in self.member.working_hours.items()
        ]

    @strawberry.field(
        description="The member's connected calendars (primary first): which count as busy, "
        "which one receives interviews, and each one's sync health"
    )
    def calendars(
        self,
        info: strawberry.Info[Any, None],
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = NESTED_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> MemberCalendarConnection:
        # Synchronous when the page prefetched them (Query.members), batched per request otherwise.
        max_first: int = info.context.max_first
        check_first(first, max_first)
        loader = info.context.loaders.calendars_by_member
        found = peek(loader, self.database_id)
        if found is MISSING:
            return _calendars(loader.load(self.database_id), first, after, max_first)  # type: ignore[return-value]
        return _calendar_connection(found or [], first, after, max_first)  # type: ignore[arg-type]

    @strawberry.field
    def preferences(self) -> UpdatePreferences:
        m = self.member
        return UpdatePreferences(
            cadence=m.update_cadence,
            channel=m.update_channel,
            local_time=m.update_local_time.strftime("%H:%M"),
            delegate_id=strawberry.ID(to_global_id("Member", m.delegate_id))
            if m.delegate_id
            else None,
        )


def _calendar_connection(
    rows: Sequence[MemberCalendarPublic], first: int, after: str | None, max_first: int
) -> MemberCalendarConnection:
    edges, page_info = nested_page(
        rows,
        first,
        after,
        max_first,
        lambda cursor, c: MemberCalendarEdge(cursor=cursor, node=MemberCalendar.from_public(c)),
    )
    return MemberCalendarConnection(edges=edges, page_info=page_info)


async def _calendars(
    pending: Awaitable[list[MemberCalendarPublic] | None],
    first: int,
    after: str | None,
    max_first: int,
) -> MemberCalendarConnection:
    return _calendar_connection(await pending or [], first, after, max_first)


@strawberry.type
class MemberEdge:
    cursor: str
    node: Member


@strawberry.type
class MemberConnection:
    edges: list[MemberEdge]
    page_info: PageInfo


@strawberry.type
@derived(OrganizationPublic, skip={})
class Organization(Node):
    database_id: uuid.UUID
    name: str
    time_zone: str
    feedback_due_hours: int
    close_the_loop_days: int
    culture_notes: str | None
    interview_calendar: str = strawberry.field(
        graphql_type=enums.InterviewCalendar,
        description="Where interviews are written in connected calendars: interviewers or organizer",
    )

    @classmethod
    def from_public(cls, o: OrganizationPublic) -> Organization:
        return cls(
            id=strawberry.ID(to_global_id("Organization", o.id)),
            database_id=o.id,
            name=o.name,
            time_zone=o.time_zone,
            feedback_due_hours=o.feedback_due_hours,
            close_the_loop_days=o.close_the_loop_days,
            culture_notes=o.culture_notes,
            interview_calendar=o.interview_calendar,
            **values(cls, o),
        )

    @strawberry.field(description="Interviewed candidates still waiting to hear, oldest first")
    async def close_the_loop(
        self,
        info: strawberry.Info[Any, None],
        role_id: strawberry.ID | None = None,
        limit: int = 100,
    ) -> CloseTheLoop:
        ctx = info.context
        role = parse_id(role_id, "Role", "roleId") if role_id else None
        if not 1 <= limit <= 1000:
            raise InvalidInput.for_field("limit", "must be between 1 and 1000")
        return CloseTheLoop.from_pydantic(
            await closing.close_the_loop(ctx.session, ctx.actor, role, limit)
        )
