"""Booking links, the recruiter's side (REST: app/api/v1/bookings.py).

The candidate's side (view, book, move, cancel through the token) has no account behind it, so
it is REST and the server-rendered pages only, like the availability link."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import strawberry

from app.domain.bookings import policy, service
from app.domain.bookings.schemas import (
    BookingLinkCreate,
    BookingLinkCreated,
    BookingLinkPublic,
    BookingOption,
    BookingPolicyPublic,
    BookingPolicyUpdate,
)
from app.errors import NotFound
from app.graphql.context import Context
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id, to_global_id
from app.graphql.interviews import StageInput
from app.graphql.mutate import given, mutate

Info = strawberry.Info[Context, None]


@strawberry.type(description="One stage of an offered option")
class BookingOptionStage:
    name: str
    start_at: dt.datetime
    end_at: dt.datetime
    local_start: dt.datetime = strawberry.field(description="In the candidate's time zone")
    local_end: dt.datetime
    interviewer_ids: list[uuid.UUID]
    interviewer_names: list[str]
    trainee_ids: list[uuid.UUID] = strawberry.field(
        description="Interviewers in training who join as an extra seat"
    )
    trainee_names: list[str]


@strawberry.type(
    name="BookingOption", description="A time for the whole panel offered through a booking link"
)
class BookingOptionType:
    key: str = strawberry.field(description="What the candidate sends back to pick it")
    rank: int
    start_at: dt.datetime
    end_at: dt.datetime
    local_start: dt.datetime
    local_end: dt.datetime
    stages: list[BookingOptionStage]

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
                    interviewer_ids=s.interviewer_ids,
                    interviewer_names=s.interviewer_names,
                    trainee_ids=s.trainee_ids,
                    trainee_names=s.trainee_names,
                )
                for s in o.stages
            ],
        )


@strawberry.type(description="An offered option held on one interviewer's time")
class BookingHold:
    database_id: uuid.UUID
    option_key: str
    member_id: uuid.UUID
    start_at: dt.datetime
    end_at: dt.datetime
    expires_at: dt.datetime
    released_at: dt.datetime | None
    release_reason: str | None = strawberry.field(
        description="booked, reoffered, expired or withdrawn"
    )
    calendar_written: bool


@strawberry.type(description="A link through which a candidate books a whole panel")
class BookingLink:
    id: strawberry.ID = strawberry.field(description="Global id; also accepted as the UUID")
    database_id: uuid.UUID
    application_id: uuid.UUID
    status: str = strawberry.field(description="open, booked, cancelled, withdrawn or expired")
    time_zone: str
    expires_at: dt.datetime
    holds_expire_at: dt.datetime
    booked_at: dt.datetime | None
    changes: int
    interview_ids: list[uuid.UUID]
    options: list[BookingOptionType]
    holds: list[BookingHold]
    created_at: dt.datetime

    @classmethod
    def from_public(cls, link: BookingLinkPublic) -> BookingLink:
        return cls(
            id=strawberry.ID(to_global_id("BookingLink", link.id)),
            database_id=link.id,
            application_id=link.application_id,
            status=link.status,
            time_zone=link.time_zone,
            expires_at=link.expires_at,
            holds_expire_at=link.holds_expire_at,
            booked_at=link.booked_at,
            changes=link.changes,
            interview_ids=link.interview_ids,
            options=[BookingOptionType.from_public(o) for o in link.options],
            holds=[
                BookingHold(
                    database_id=h.id,
                    option_key=h.option_key,
                    member_id=h.member_id,
                    start_at=h.start_at,
                    end_at=h.end_at,
                    expires_at=h.expires_at,
                    released_at=h.released_at,
                    release_reason=h.release_reason,
                    calendar_written=h.calendar_written,
                )
                for h in link.holds
            ],
            created_at=link.created_at,
        )


@strawberry.type(description="The deployment's booking policy values")
class BookingPolicyDefaults:
    notice_hours: int
    horizon_days: int
    options: int
    link_hours: int
    hold_hours: int
    change_notice_hours: int
    max_changes: int


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
        description="The fields this organization set (snake_case names, as in REST)"
    )
    defaults: BookingPolicyDefaults

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
            organization_set=p.organization_set,
            defaults=BookingPolicyDefaults(**p.defaults),
        )


@strawberry.input(description="A field left out stays; null returns it to the deployment's default")
class UpdateBookingPolicyInput:
    notice_hours: int | None = strawberry.UNSET
    horizon_days: int | None = strawberry.UNSET
    options: int | None = strawberry.UNSET
    link_hours: int | None = strawberry.UNSET
    hold_hours: int | None = strawberry.UNSET
    change_notice_hours: int | None = strawberry.UNSET
    max_changes: int | None = strawberry.UNSET


@strawberry.type
class BookingPolicyPayload:
    booking_policy: BookingPolicy


BookingPolicyResult = Annotated[
    BookingPolicyPayload | MutationError, strawberry.union("BookingPolicyResult")
]


@strawberry.input
class CreateBookingLinkInput:
    application_id: strawberry.ID
    stages: list[StageInput]
    time_zone: str | None = strawberry.UNSET
    buffer_before_minutes: int | None = strawberry.UNSET
    buffer_after_minutes: int | None = strawberry.UNSET
    max_gap_minutes: int | None = strawberry.UNSET
    allow_back_to_back: bool | None = strawberry.UNSET
    expires_in_hours: int | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    video_url: str | None = strawberry.UNSET


@strawberry.input
class WithdrawBookingLinkInput:
    id: strawberry.ID


@strawberry.type
class BookingLinkPayload:
    booking_link: BookingLink


@strawberry.type
class BookingLinkCreatedPayload:
    booking_link: BookingLink
    token: str = strawberry.field(description="Shown once")
    url: str
    page_url: str


BookingLinkResult = Annotated[
    BookingLinkPayload | MutationError, strawberry.union("BookingLinkResult")
]
CreateBookingLinkResult = Annotated[
    BookingLinkCreatedPayload | MutationError, strawberry.union("CreateBookingLinkResult")
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
    async def booking_link(self, info: Info, id: strawberry.ID) -> BookingLink | None:
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
        self, info: Info, input: CreateBookingLinkInput
    ) -> CreateBookingLinkResult:
        data = {k: v for k, v in given(input).items() if v is not None}
        return await mutate(
            info,
            data,
            ids={"application_id": "Application", "stages.interviewer_ids": "Member"},
            schema=BookingLinkCreate,
            call=lambda s, actor, p: service.create_link(s, actor, p.body),
            shape=_created,
        )

    @strawberry.mutation(description="Take an open offer back; its holds are released")
    async def withdraw_booking_link(
        self, info: Info, input: WithdrawBookingLinkInput
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
        self, info: Info, input: UpdateBookingPolicyInput
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
