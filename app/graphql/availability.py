"""Availability: members' date overrides and busy blocks, candidates' offered windows and links
(REST: app/api/v1/availability.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.domain.availability import service
from app.domain.availability.schemas import (
    AvailabilityLinkCreate,
    AvailabilityLinkPublic,
    BusyBlockCreate,
    BusyBlockPublic,
    OverridePublic,
    OverrideSet,
    WindowPublic,
    WindowsSet,
)
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.errors import MutationError
from app.graphql.ids import id_help, parse_id, to_global_id
from app.graphql.mutate import NoBody, Parsed, given, mutate
from app.graphql.organization import TimeRangeInput
from app.graphql.types.member import TimeRange
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]


def _gid(type_name: str, raw: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(to_global_id(type_name, raw))


@strawberry.type(description="One day's hours in place of the weekly ones (none: a day off)")
@derived(OverridePublic, skip={})
class AvailabilityOverride(Node):
    id: strawberry.ID = strawberry.field(description="Global id (AvailabilityOverride)")
    database_id: uuid.UUID = strawberry.field(description="The override's id in REST")
    member_id: strawberry.ID = strawberry.field(
        description="The Member whose hours it sets (global id)"
    )
    hours: list[TimeRange] = strawberry.field(
        description="HH:MM ranges on the member's clock; empty: a day off"
    )

    @classmethod
    def from_public(cls, o: OverridePublic) -> AvailabilityOverride:
        return cls(
            id=_gid("AvailabilityOverride", o.id),
            database_id=o.id,
            member_id=_gid("Member", o.member_id),
            hours=[TimeRange(start=h["start"], end=h["end"]) for h in o.hours],
            **values(cls, o),
        )


@strawberry.type(description="Time a member is busy (entered by hand or read from a calendar)")
@derived(BusyBlockPublic, skip={})
class BusyBlock(Node):
    id: strawberry.ID = strawberry.field(description="Global id (BusyBlock)")
    database_id: uuid.UUID = strawberry.field(description="The busy block's id in REST")
    member_id: strawberry.ID = strawberry.field(description="The Member who is busy (global id)")

    @classmethod
    def from_public(cls, b: BusyBlockPublic) -> BusyBlock:
        return cls(
            id=_gid("BusyBlock", b.id),
            database_id=b.id,
            member_id=_gid("Member", b.member_id),
            **values(cls, b),
        )


@strawberry.type(
    description="A window the candidate offered (or the recruiter entered for them); a new set "
    "of windows replaces the earlier ones, ids and all"
)
@derived(WindowPublic, skip={})
class CandidateWindow(Node):
    id: strawberry.ID = strawberry.field(description="Global id (CandidateWindow)")
    database_id: uuid.UUID = strawberry.field(description="The window's id in REST")

    @classmethod
    def from_public(cls, w: WindowPublic) -> CandidateWindow:
        return cls(id=_gid("CandidateWindow", w.id), database_id=w.id, **values(cls, w))


@strawberry.type(description="A single-use, expiring link a candidate offers windows through")
@derived(AvailabilityLinkPublic, skip={})
class AvailabilityLink(Node):
    id: strawberry.ID = strawberry.field(description="Global id (AvailabilityLink)")
    database_id: uuid.UUID = strawberry.field(description="The availability link's id in REST")
    application_id: strawberry.ID = strawberry.field(
        description="The Application the windows are for (global id)"
    )

    @classmethod
    def from_public(cls, link: AvailabilityLinkPublic) -> AvailabilityLink:
        return cls(
            id=_gid("AvailabilityLink", link.id),
            database_id=link.id,
            application_id=_gid("Application", link.application_id),
            **values(cls, link),
        )


@strawberry.input(description="One day's hours for a member; no hours: a day off")
class SetAvailabilityOverrideInput:
    member_id: strawberry.ID = strawberry.field(description="The Member whose hours to set")
    day: dt.date = strawberry.field(description="The date, on the member's own calendar")
    hours: list[TimeRangeInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="HH:MM ranges in the member's time zone; empty or left out: a day off",
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description="Why, for the people who schedule"
    )


@strawberry.input(description="Busy time for a member (syncs upsert by source and external id)")
class AddBusyBlockInput:
    member_id: strawberry.ID = strawberry.field(description="The Member who is busy")
    start_at: dt.datetime = strawberry.field(description="Where it begins, with a time zone offset")
    end_at: dt.datetime = strawberry.field(
        description="Where it ends (after the start, at most 90 days later), with an offset"
    )
    source: str | None = strawberry.field(
        default=strawberry.UNSET,
        graphql_type=enums.BusySource | None,
        description="Where the busy time comes from; left out: manual",
    )
    external_id: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The event's id in the source's calendar; with the source, what a sync "
        "upserts by",
    )
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description="What the time is taken by"
    )


@strawberry.input(description="A window of time the candidate can meet in")
class WindowInput:
    start_at: dt.datetime = strawberry.field(description="When it opens, with a time zone offset")
    end_at: dt.datetime = strawberry.field(
        description="When it closes (after it opens, at most 90 days later), with an offset"
    )


@strawberry.input(description="The candidate's offered windows; they replace earlier ones")
class SetCandidateWindowsInput:
    application_id: strawberry.ID = strawberry.field(
        description="The Application the windows are for"
    )
    time_zone: str = strawberry.field(description="The candidate's time zone (IANA name)")
    windows: list[WindowInput] = strawberry.field(description="One to 50 windows; none may overlap")


@strawberry.input(description="A request for an availability link to send a candidate")
class CreateAvailabilityLinkInput:
    application_id: strawberry.ID = strawberry.field(
        description="The Application the windows are for"
    )
    time_zone: str = strawberry.field(description="The candidate's time zone, shown on the page")
    expires_in_hours: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="How long the link works, in hours (1 to 720); default: the service setting",
    )


@strawberry.type(description="The date override as set")
class AvailabilityOverridePayload:
    override: AvailabilityOverride = strawberry.field(description="The override as stored")


@strawberry.type(description="Which date override was removed")
class AvailabilityOverrideDeletedPayload:
    member_id: strawberry.ID = strawberry.field(
        description="The Member whose override it was (global id)"
    )
    day: dt.date = strawberry.field(description="The day that follows the weekly hours again")


@strawberry.type(description="The busy block as added")
class BusyBlockPayload:
    busy_block: BusyBlock = strawberry.field(description="The busy block as stored")


@strawberry.type(description="Which busy block was removed")
class BusyBlockDeletedPayload:
    deleted_id: strawberry.ID = strawberry.field(description="The removed BusyBlock's global id")


@strawberry.type(description="The candidate's windows as now set")
class CandidateWindowsPayload:
    windows: list[CandidateWindow] = strawberry.field(
        description="All of the application's windows now, earliest first"
    )


@strawberry.type(description="A new availability link, to send the candidate")
class AvailabilityLinkPayload:
    link: AvailabilityLink = strawberry.field(description="The link, with its address")


AvailabilityOverrideResult = Annotated[
    AvailabilityOverridePayload | MutationError,
    strawberry.union(
        "AvailabilityOverrideResult", description="The date override as set, or why not"
    ),
]
AvailabilityOverrideDeletedResult = Annotated[
    AvailabilityOverrideDeletedPayload | MutationError,
    strawberry.union(
        "AvailabilityOverrideDeletedResult",
        description="Which date override was removed, or why not",
    ),
]
BusyBlockResult = Annotated[
    BusyBlockPayload | MutationError,
    strawberry.union("BusyBlockResult", description="The busy block as added, or why not"),
]
BusyBlockDeletedResult = Annotated[
    BusyBlockDeletedPayload | MutationError,
    strawberry.union(
        "BusyBlockDeletedResult", description="Which busy block was removed, or why not"
    ),
]
CandidateWindowsResult = Annotated[
    CandidateWindowsPayload | MutationError,
    strawberry.union(
        "CandidateWindowsResult", description="The candidate's windows as set, or why not"
    ),
]
AvailabilityLinkResult = Annotated[
    AvailabilityLinkPayload | MutationError,
    strawberry.union("AvailabilityLinkResult", description="The new availability link, or why not"),
]


@strawberry.type
class AvailabilityQuery:
    @strawberry.field(
        description="A member's date overrides from one day to another (inclusive), earliest "
        "first: at most one a day over at most a year, so a bounded list"
    )
    async def availability_overrides(
        self,
        info: Info,
        member_id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Member"))],
        from_: Annotated[
            dt.date, strawberry.argument(name="from", description="The first day (inclusive)")
        ],
        to: Annotated[
            dt.date,
            strawberry.argument(description="The last day (inclusive), at most a year after from"),
        ],
    ) -> list[AvailabilityOverride]:
        ctx = info.context
        rows = await service.list_overrides(
            ctx.session, ctx.actor, parse_id(member_id, "Member", "memberId"), from_, to
        )
        return [AvailabilityOverride.from_public(o) for o in rows]

    @strawberry.field(
        description="A member's busy time overlapping a range, earliest first: the range is "
        "required and spans at most 90 days, so the list is bounded"
    )
    async def busy_blocks(
        self,
        info: Info,
        member_id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Member"))],
        from_: Annotated[
            dt.datetime,
            strawberry.argument(name="from", description="The range's start, with an offset"),
        ],
        to: Annotated[
            dt.datetime,
            strawberry.argument(
                description="The range's end, with an offset: after from, at most 90 days later"
            ),
        ],
    ) -> list[BusyBlock]:
        ctx = info.context
        rows = await service.list_busy_blocks(
            ctx.session, ctx.actor, parse_id(member_id, "Member", "memberId"), from_, to
        )
        return [BusyBlock.from_public(b) for b in rows]

    @strawberry.field(
        description="The windows the candidate offered for an application, earliest first "
        "(at most 50: each set replaces the last)"
    )
    async def candidate_windows(
        self,
        info: Info,
        application_id: Annotated[
            strawberry.ID, strawberry.argument(description=id_help("Application"))
        ],
    ) -> list[CandidateWindow]:
        ctx = info.context
        rows = await service.candidate_windows(
            ctx.session, ctx.actor, parse_id(application_id, "Application", "applicationId")
        )
        return [CandidateWindow.from_public(w) for w in rows]


async def resolve_override_node(ctx: Context, raw_id: uuid.UUID) -> AvailabilityOverride:
    """For `node(id:)` (app/graphql/nodes.py)."""
    return AvailabilityOverride.from_public(
        await service.get_override(ctx.session, ctx.actor, raw_id)
    )


async def resolve_busy_block_node(ctx: Context, raw_id: uuid.UUID) -> BusyBlock:
    """For `node(id:)` (app/graphql/nodes.py)."""
    return BusyBlock.from_public(await service.get_busy_block(ctx.session, ctx.actor, raw_id))


async def resolve_candidate_window_node(ctx: Context, raw_id: uuid.UUID) -> CandidateWindow:
    """For `node(id:)` (app/graphql/nodes.py)."""
    return CandidateWindow.from_public(await service.get_window(ctx.session, ctx.actor, raw_id))


async def resolve_availability_link_node(ctx: Context, raw_id: uuid.UUID) -> AvailabilityLink:
    """For `node(id:)` (app/graphql/nodes.py)."""
    return AvailabilityLink.from_public(await service.get_link(ctx.session, ctx.actor, raw_id))


async def _delete_override(
    s: AsyncSession, actor: Actor, p: Parsed[NoBody]
) -> AvailabilityOverrideDeletedPayload:
    member_id = p.id("member_id")
    await service.delete_override(s, actor, member_id, p.args["day"])
    return AvailabilityOverrideDeletedPayload(
        member_id=_gid("Member", member_id), day=p.args["day"]
    )


async def _delete_busy(s: AsyncSession, actor: Actor, p: Parsed[NoBody]) -> uuid.UUID:
    await service.delete_busy_block(s, actor, p.id("member_id"), p.id("id"))
    return p.id("id")


@strawberry.type
class AvailabilityMutation:
    @strawberry.mutation(
        description="Set one day's hours (none: a day off), in the member's time zone"
    )
    async def set_availability_override(
        self,
        info: Info,
        input: Annotated[
            SetAvailabilityOverrideInput,
            strawberry.argument(
                description="The member, the day, its hours (none: a day off) and a note"
            ),
        ],
    ) -> AvailabilityOverrideResult:
        return await mutate(
            info,
            given(input),
            ids={"member_id": "Member"},
            schema=OverrideSet,
            call=lambda s, actor, p: service.set_override(s, actor, p.id("member_id"), p.body),
            shape=lambda o: AvailabilityOverridePayload(
                override=AvailabilityOverride.from_public(o)
            ),
        )

    @strawberry.mutation(description="Back to the weekly hours on that day")
    async def delete_availability_override(
        self,
        info: Info,
        member_id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Member"))],
        day: Annotated[
            dt.date, strawberry.argument(description="The day whose override to remove")
        ],
    ) -> AvailabilityOverrideDeletedResult:
        return await mutate(
            info,
            {"member_id": member_id, "day": day},
            ids={"member_id": "Member"},
            call=_delete_override,
            shape=lambda deleted: deleted,
        )

    @strawberry.mutation(description="Add busy time (calendar syncs upsert by source and id)")
    async def add_busy_block(
        self,
        info: Info,
        input: Annotated[
            AddBusyBlockInput,
            strawberry.argument(
                description="The member, the busy time's start and end, its source and external id"
            ),
        ],
    ) -> BusyBlockResult:
        return await mutate(
            info,
            given(input),
            ids={"member_id": "Member"},
            schema=BusyBlockCreate,
            call=lambda s, actor, p: service.add_busy_block(s, actor, p.id("member_id"), p.body),
            shape=lambda b: BusyBlockPayload(busy_block=BusyBlock.from_public(b)),
        )

    @strawberry.mutation(description="Remove busy time")
    async def delete_busy_block(
        self,
        info: Info,
        member_id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Member"))],
        id: Annotated[strawberry.ID, strawberry.argument(description=id_help("BusyBlock"))],
    ) -> BusyBlockDeletedResult:
        return await mutate(
            info,
            {"member_id": member_id, "id": id},
            ids={"member_id": "Member", "id": "BusyBlock"},
            call=_delete_busy,
            shape=lambda deleted: BusyBlockDeletedPayload(deleted_id=_gid("BusyBlock", deleted)),
        )

    @strawberry.mutation(
        description="Set the candidate's offered windows (they replace earlier ones)"
    )
    async def set_candidate_windows(
        self,
        info: Info,
        input: Annotated[
            SetCandidateWindowsInput,
            strawberry.argument(
                description="The application, the candidate's time zone and their windows"
            ),
        ],
    ) -> CandidateWindowsResult:
        return await mutate(
            info,
            given(input),
            ids={"application_id": "Application"},
            schema=WindowsSet,
            call=lambda s, actor, p: service.set_candidate_windows(
                s, actor, p.id("application_id"), p.body
            ),
            shape=lambda rows: CandidateWindowsPayload(
                windows=[CandidateWindow.from_public(w) for w in rows]
            ),
        )

    @strawberry.mutation(
        description="A single-use, expiring link for the candidate to offer windows without an "
        "account"
    )
    async def create_availability_link(
        self,
        info: Info,
        input: Annotated[
            CreateAvailabilityLinkInput,
            strawberry.argument(
                description="The application, the candidate's time zone and how long the link lasts"
            ),
        ],
    ) -> AvailabilityLinkResult:
        return await mutate(
            info,
            given(input),
            ids={"application_id": "Application"},
            schema=AvailabilityLinkCreate,
            call=lambda s, actor, p: service.create_link(s, actor, p.id("application_id"), p.body),
            shape=lambda link: AvailabilityLinkPayload(link=AvailabilityLink.from_public(link)),
        )
