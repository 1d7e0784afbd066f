from __future__ import annotations

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


@strawberry.type(description="A span of one day on the member's own clock")
class TimeRange:
    start: str = strawberry.field(description="HH:MM on the member's own clock")
    end: str = strawberry.field(description="HH:MM, after start")


@strawberry.type(description="When a member can interview on one day of the week")
class WorkingDay:
    day: str = strawberry.field(graphql_type=enums.Weekday, description="The day of the week")
    hours: list[TimeRange] = strawberry.field(
        description="The spans of that day, in order (a bounded list)"
    )


@strawberry.type(description="How and when a member hears of changes")
class UpdatePreferences:
    cadence: str = strawberry.field(
        graphql_type=enums.Cadence, description="How often they get a digest"
    )
    channel: str = strawberry.field(
        graphql_type=enums.Channel, description="Where updates go; none: no digest"
    )
    local_time: str = strawberry.field(
        description="HH:MM on the member's own clock when a daily or weekly digest goes out"
    )
    delegate_id: strawberry.ID | None = strawberry.field(
        description="The global id of the member who decides on slates and after interviews in "
        "their place while they are away; null: none"
    )


@strawberry.type(
    description="A person in your organization, with their permission set, working hours and "
    "update preferences"
)
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
    id: strawberry.ID = strawberry.field(description="The member's global id")
    database_id: uuid.UUID = strawberry.field(description="The member's database id")
    member: strawberry.Private[MemberPublic]

    @classmethod
    def from_public(cls, m: MemberPublic) -> Member:
        return cls(
            id=strawberry.ID(to_global_id("Member", m.id)),
            database_id=m.id,
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

    @strawberry.field(description="How and when the member hears of changes")
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


@strawberry.type(description="A member and their place in the list")
class MemberEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the members after this one")
    node: Member = strawberry.field(description="The member")


@strawberry.type(description="A page of members (Relay)")
class MemberConnection:
    edges: list[MemberEdge] = strawberry.field(description="The members of this page")
    page_info: PageInfo = strawberry.field(description="Where the page stands")


@strawberry.type(description="Your organization and its settings")
@derived(OrganizationPublic, skip={})
class Organization(Node):
    id: strawberry.ID = strawberry.field(description="The organization's global id")
    database_id: uuid.UUID = strawberry.field(description="The organization's database id")

    @classmethod
    def from_public(cls, o: OrganizationPublic) -> Organization:
        return cls(
            id=strawberry.ID(to_global_id("Organization", o.id)),
            database_id=o.id,
            **values(cls, o),
        )

    @strawberry.field(description="Interviewed candidates still waiting to hear, oldest first")
    async def close_the_loop(
        self,
        info: strawberry.Info[Any, None],
        role_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this role's candidates (its global id)"),
        ] = None,
        limit: Annotated[int, strawberry.argument(description="How many to list: 1 to 1000")] = 100,
    ) -> CloseTheLoop:
        ctx = info.context
        role = parse_id(role_id, "Role", "roleId") if role_id else None
        if not 1 <= limit <= 1000:
            raise InvalidInput.for_field("limit", "must be between 1 and 1000")
        return CloseTheLoop.from_pydantic(
            await closing.close_the_loop(ctx.session, ctx.actor, role, limit)
        )
