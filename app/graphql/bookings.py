"""Booking links, the recruiter's side (REST: app/api/v1/bookings.py).

The candidate's side (view, book, move, cancel through the token) has no account behind it, so
it is REST and the server-rendered pages only, like the availability link."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import strawberry
from pydantic import BaseModel

from app.domain.bookings import policy, service
from app.domain.bookings.schemas import (
    BookingLinkCreate,
    BookingLinkCreated,
    BookingLinkPublic,
    BookingOption,
    BookingPolicyPublic,
    BookingPolicyUpdate,
    HoldPublic,
    OptionStage,
)
from app.errors import NotFound
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.errors import MutationError
from app.graphql.ids import id_help, parse_id, to_global_id
from app.graphql.interviews import STAGE_IDS, StageInput
from app.graphql.mutate import given, mutate
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]


def _help(model: type[BaseModel], name: str, extra: str = "") -> str:
    """A field's description as the domain schema gives it (and what GraphQL adds)."""
    return f"{model.model_fields[name].description}{extra}"


def _about(model: type[BaseModel], name: str, extra: str = "") -> Any:
    """A hand-declared field with the public schema's description."""
    return strawberry.field(description=_help(model, name, extra))


def _gids(type_name: str, raw: list[uuid.UUID]) -> list[strawberry.ID]:
    return [strawberry.ID(to_global_id(type_name, i)) for i in raw]


@strawberry.type(description="One interview of an offered option: its time and its interviewers")
class BookingOptionStage:
    name: str = _about(OptionStage, "name")
    start_at: dt.datetime = _about(OptionStage, "start_at")
    end_at: dt.datetime = _about(OptionStage, "end_at")
    local_start: dt.datetime = _about(OptionStage, "local_start")
    local_end: dt.datetime = _about(OptionStage, "local_end")
    interviewer_ids: list[strawberry.ID] = _about(
        OptionStage, "interviewer_ids", " (Member global ids)"
    )
    interviewer_names: list[str] = _about(OptionStage, "interviewer_names")
    trainee_ids: list[strawberry.ID] = _about(OptionStage, "trainee_ids", " (Member global ids)")
    trainee_names: list[str] = _about(OptionStage, "trainee_names")


@strawberry.type(
    name="BookingOption", description="A time for the whole panel offered through a booking link"
)
class BookingOptionType:
    key: str = _about(BookingOption, "key")
    rank: int = _about(BookingOption, "rank")
    start_at: dt.datetime = _about(BookingOption, "start_at")
    end_at: dt.datetime = _about(BookingOption, "end_at")
    local_start: dt.datetime = _about(BookingOption, "local_start")
    local_end: dt.datetime = _about(BookingOption, "local_end")
    stages: list[BookingOptionStage] = _about(BookingOption, "stages")

    @classmethod
    def from_public(cls, o: BookingOption) -> BookingOptionType:
        return cls(
            key=o.key,
            rank=o.rank,
            start_at=o.start_at,
            end_at=o.end_at,
            local_start=o.local_start,
            local_end=o.local_end,
            stages=[
                BookingOptionStage(
                    name=s.name,
                    start_at=s.start_at,
                    end_at=s.end_at,
                    local_start=s.local_start,
                    local_end=s.local_end,
                    interviewer_ids=_gids("Member", s.interviewer_ids),
                    interviewer_names=s.interviewer_names,
                    trainee_ids=_gids("Member", s.trainee_ids),
                    trainee_names=s.trainee_names,
                )
                for s in o.stages
            ],
        )


@strawberry.type(
    description="An offered option held on one interviewer's time until it is booked or let go "
    "(part of its booking link: no node of its own)"
)
class BookingHold:
    database_id: uuid.UUID = strawberry.field(description="The hold's id in REST")
    option_key: str = _about(HoldPublic, "option_key")
    member_id: strawberry.ID = _about(HoldPublic, "member_id", " (Member global id)")
    start_at: dt.datetime = _about(HoldPublic, "start_at")
    end_at: dt.datetime = _about(HoldPublic, "end_at")
    expires_at: dt.datetime = _about(HoldPublic, "expires_at")
    released_at: dt.datetime | None = _about(HoldPublic, "released_at")
    release_reason: str | None = strawberry.field(
        graphql_type=enums.HoldReleaseReason | None,
        description=_help(HoldPublic, "release_reason"),
    )
    calendar_written: bool = _about(HoldPublic, "calendar_written")

    @classmethod
    def from_public(cls, h: HoldPublic) -> BookingHold:
        return cls(
            database_id=h.id,
            option_key=h.option_key,
            member_id=strawberry.ID(to_global_id("Member", h.member_id)),
            start_at=h.start_at,
            end_at=h.end_at,
            expires_at=h.expires_at,
            released_at=h.released_at,
            release_reason=h.release_reason,
            calendar_written=h.calendar_written,
        )


@strawberry.type(description="A link through which a candidate books a whole panel")
@derived(BookingLinkPublic, skip={})
class BookingLink(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (BookingLink); bookingLink(id:) also takes the database id"
    )
    database_id: uuid.UUID = strawberry.field(description="The booking link's id in REST")
    application_id: strawberry.ID = _about(
        BookingLinkPublic, "application_id", " (Application global id)"
    )
    interview_ids: list[strawberry.ID] = _about(
        BookingLinkPublic, "interview_ids", " (Interview global ids)"
    )
    options: list[BookingOptionType] = _about(BookingLinkPublic, "options")
    holds: list[BookingHold] = _about(BookingLinkPublic, "holds")

    @classmethod
    def from_public(cls, link: BookingLinkPublic) -> BookingLink:
        return cls(
            id=strawberry.ID(to_global_id("BookingLink", link.id)),
            database_id=link.id,
            application_id=strawberry.ID(to_global_id("Application", link.application_id)),
            interview_ids=_gids("Interview", link.interview_ids),
            options=[BookingOptionType.from_public(o) for o in link.options],
            holds=[BookingHold.from_public(h) for h in link.holds],
            **values(cls, link),
        )


async def resolve_booking_link_node(ctx: Context, raw_id: uuid.UUID) -> BookingLink:
    """For `node(id:)` (app/graphql/nodes.py)."""
    return BookingLink.from_public(await service.get_link(ctx.session, ctx.actor, raw_id))


@strawberry.type(
    description="The deployment's booking policy values: what an organization that sets none "
    "follows"
)
class BookingPolicyDefaults:
    notice_hours: int = _about(BookingPolicyPublic, "notice_hours")
    horizon_days: int = _about(BookingPolicyPublic, "horizon_days")
    options: int = _about(BookingPolicyPublic, "options")
    link_hours: int = _about(BookingPolicyPublic, "link_hours")
    hold_hours: int = _about(BookingPolicyPublic, "hold_hours")
    change_notice_hours: int = _about(BookingPolicyPublic, "change_notice_hours")
    max_changes: int = _about(BookingPolicyPublic, "max_changes")


@strawberry.type(
    description="The policy booking links follow in this organization: each value is the "
    "organization's own when it set one, the deployment's default otherwise"
)
class BookingPolicy:
    notice_hours: int = strawberry.field(
        description="The earliest option offered is at least this many hours away"
    )
    horizon_days: int = strawberry.field(
        description="Options are offered up to this many days ahead"
    )
    options: int = strawberry.field(description="How many ranked options a link offers at once")
    link_hours: int = strawberry.field(
        description="How long a new link lets the candidate book, unless it says otherwise"
    )
    hold_hours: int = strawberry.field(
        description="How long offered options are held (never past the link's expiry)"
    )
    change_notice_hours: int = strawberry.field(
        description="The candidate may move or cancel until this many hours before the first "
        "interview"
    )
    max_changes: int = strawberry.field(
        description="How many times the candidate may move the panel"
    )
    organization_set: list[str] = strawberry.field(
        graphql_type=list[enums.BookingPolicyField],  # type: ignore[valid-type]
        description="The values this organization set (spelled as in REST); the others are the "
        "deployment's defaults",
    )
    defaults: BookingPolicyDefaults = _about(BookingPolicyPublic, "defaults")

    @classmethod
    def from_public(cls, p: BookingPolicyPublic) -> BookingPolicy:
        return cls(
            notice_hours=p.notice_hours,
            horizon_days=p.horizon_days,
            options=p.options,
            link_hours=p.link_hours,
            hold_hours=p.hold_hours,
            change_notice_hours=p.change_notice_hours,
            max_changes=p.max_changes,
            organization_set=list(p.organization_set),
            defaults=BookingPolicyDefaults(**p.defaults),
        )


def _unset(model: type[BaseModel], name: str, extra: str = "") -> Any:
    """An input field that may be left out, described as the public schema describes it."""
    return strawberry.field(default=strawberry.UNSET, description=_help(model, name, extra))


@strawberry.input(description="A field left out stays; null returns it to the deployment's default")
class UpdateBookingPolicyInput:
    notice_hours: int | None = _unset(BookingPolicyPublic, "notice_hours", " (0 to 720)")
    horizon_days: int | None = _unset(BookingPolicyPublic, "horizon_days", " (1 to 90)")
    options: int | None = _unset(BookingPolicyPublic, "options", " (1 to 10)")
    link_hours: int | None = _unset(BookingPolicyPublic, "link_hours", " (1 to 720)")
    hold_hours: int | None = _unset(BookingPolicyPublic, "hold_hours", " (1 to 720)")
    change_notice_hours: int | None = _unset(
        BookingPolicyPublic, "change_notice_hours", " (0 to 720)"
    )
    max_changes: int | None = _unset(BookingPolicyPublic, "max_changes", " (0 to 10)")


@strawberry.type(description="The booking policy as now in force")
class BookingPolicyPayload:
    booking_policy: BookingPolicy = strawberry.field(description="The policy after the change")


BookingPolicyResult = Annotated[
    BookingPolicyPayload | MutationError,
    strawberry.union(
        "BookingPolicyResult", description="The booking policy as now in force, or why not"
    ),
]


@strawberry.input(
    description="The panel to offer the candidate and how to fit it; a field left out or null "
    "takes its default"
)
class CreateBookingLinkInput:
    application_id: strawberry.ID = _about(
        BookingLinkCreate, "application_id", " (Application global id)"
    )
    stages: list[StageInput] = _about(BookingLinkCreate, "stages")
    time_zone: str | None = _unset(BookingLinkCreate, "time_zone")
    buffer_before_minutes: int | None = _unset(
        BookingLinkCreate, "buffer_before_minutes", " (0 to 120; default 0)"
    )
    buffer_after_minutes: int | None = _unset(
        BookingLinkCreate, "buffer_after_minutes", " (0 to 120; default 0)"
    )
    max_gap_minutes: int | None = _unset(
        BookingLinkCreate, "max_gap_minutes", " (0 to 480; default 60)"
    )
    allow_back_to_back: bool | None = _unset(
        BookingLinkCreate, "allow_back_to_back", " (default true)"
    )
    expires_in_hours: int | None = _unset(BookingLinkCreate, "expires_in_hours", " (1 to 720)")
    location: str | None = _unset(BookingLinkCreate, "location")
    video_url: str | None = _unset(BookingLinkCreate, "video_url")


@strawberry.input(description="The booking link to withdraw")
class WithdrawBookingLinkInput:
    id: strawberry.ID = strawberry.field(
        description="The BookingLink's global id (or its database id)"
    )


@strawberry.type(description="The booking link after the change")
class BookingLinkPayload:
    booking_link: BookingLink = strawberry.field(description="The link as it stands now")


@strawberry.type(description="A new booking link, with its token: the only time it is shown")
class BookingLinkCreatedPayload:
    booking_link: BookingLink = strawberry.field(description="The link as made")
    token: str = _about(BookingLinkCreated, "token")
    url: str = _about(BookingLinkCreated, "url")
    page_url: str = _about(BookingLinkCreated, "page_url")


BookingLinkResult = Annotated[
    BookingLinkPayload | MutationError,
    strawberry.union(
        "BookingLinkResult", description="The booking link after the change, or why not"
    ),
]
CreateBookingLinkResult = Annotated[
    BookingLinkCreatedPayload | MutationError,
    strawberry.union(
        "CreateBookingLinkResult", description="The new booking link with its token, or why not"
    ),
]


def _created(created: BookingLinkCreated) -> BookingLinkCreatedPayload:
    return BookingLinkCreatedPayload(
        booking_link=BookingLink.from_public(created),
        token=created.token,
        url=created.url,
        page_url=created.page_url,
    )


@strawberry.type
class BookingQuery:
    @strawberry.field(description="A booking link; null when it is not yours to see")
    async def booking_link(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=id_help("BookingLink"))],
    ) -> BookingLink | None:
        ctx = info.context
        try:
            found = await service.get_link(
                ctx.session, ctx.actor, parse_id(id, "BookingLink", "id")
            )
        except NotFound:
            return None
        return BookingLink.from_public(found)

    @strawberry.field(description="The organization's booking policy")
    async def booking_policy(self, info: Info) -> BookingPolicy:
        ctx = info.context
        return BookingPolicy.from_public(await policy.get_policy(ctx.session, ctx.actor))


@strawberry.type
class BookingMutation:
    @strawberry.mutation(
        description="Offer the candidate a few ranked options for the whole panel, held "
        "meanwhile (recruiters and admins)"
    )
    async def create_booking_link(
        self,
        info: Info,
        input: Annotated[
            CreateBookingLinkInput,
            strawberry.argument(
                description="The application, the panel's stages, and how to fit them (buffers, "
                "gaps, expiry)"
            ),
        ],
    ) -> CreateBookingLinkResult:
        data = {k: v for k, v in given(input).items() if v is not None}
        return await mutate(
            info,
            data,
            ids={"application_id": "Application", **STAGE_IDS},
            schema=BookingLinkCreate,
            call=lambda s, actor, p: service.create_link(s, actor, p.body),
            shape=_created,
        )

    @strawberry.mutation(description="Take an open offer back; its holds are released")
    async def withdraw_booking_link(
        self,
        info: Info,
        input: Annotated[
            WithdrawBookingLinkInput,
            strawberry.argument(description="The booking link to withdraw"),
        ],
    ) -> BookingLinkResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "BookingLink"},
            call=lambda s, actor, p: service.withdraw(s, actor, p.id()),
            shape=lambda link: BookingLinkPayload(booking_link=BookingLink.from_public(link)),
        )

    @strawberry.mutation(
        description="Set the organization's booking policy (admins); null returns a field to "
        "the deployment's default"
    )
    async def update_booking_policy(
        self,
        info: Info,
        input: Annotated[
            UpdateBookingPolicyInput,
            strawberry.argument(
                description="The policy values to change; null returns one to the default"
            ),
        ],
    ) -> BookingPolicyResult:
        return await mutate(
            info,
            given(input),
            schema=BookingPolicyUpdate,
            call=lambda s, actor, p: policy.update_policy(s, actor, p.body),
            shape=lambda found: BookingPolicyPayload(
                booking_policy=BookingPolicy.from_public(found)
            ),
        )
