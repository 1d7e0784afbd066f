"""The organization, its members and API keys (REST: app/api/v1/organization.py, members.py, api_keys.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import (
    ApiKeyCreate,
    ApiKeyPublic,
    ApiKeyRotate,
    MemberCreate,
    MemberFilters,
    MemberPublic,
    MemberUpdate,
    OrganizationUpdate,
    PreferencesUpdate,
)
from app.graphql import enums, prefetch
from app.graphql.context import Context
from app.graphql.errors import MutationError, validate
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import Parsed, given, mutate
from app.graphql.pagination import cursor_of, page_info_of, page_request
from app.graphql.types.connection import Connection, connection_of
from app.graphql.types.member import Member, MemberConnection, MemberEdge, Organization
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]


@strawberry.input
class TimeRangeInput:
    start: str
    end: str


@strawberry.input
class WorkingDayInput:
    day: str = strawberry.field(graphql_type=enums.Weekday)
    hours: list[TimeRangeInput]


@strawberry.input
class CreateMemberInput:
    email: str
    name: str
    permission_set: str = strawberry.field(graphql_type=enums.PermissionSet)
    title: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    working_hours: list[WorkingDayInput] | None = strawberry.UNSET
    max_interviews_per_day: int | None = strawberry.UNSET
    max_interviews_per_week: int | None = strawberry.UNSET


@strawberry.input
class UpdateMemberInput:
    id: strawberry.ID
    expected_version: int | None = None
    name: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    permission_set: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.PermissionSet | None
    )
    time_zone: str | None = strawberry.UNSET
    working_hours: list[WorkingDayInput] | None = strawberry.UNSET
    max_interviews_per_day: int | None = strawberry.UNSET
    max_interviews_per_week: int | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input
class UpdatePreferencesInput:
    member_id: strawberry.ID
    update_cadence: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.Cadence | None
    )
    update_channel: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.Channel | None
    )
    update_local_time: str | None = strawberry.field(
        default=strawberry.UNSET, description="HH:MM on the member's clock"
    )
    delegate_id: strawberry.ID | None = strawberry.UNSET
    slack_webhook_url: str | None = strawberry.UNSET


@strawberry.input
class CreateApiKeyInput:
    name: str
    member_id: strawberry.ID | None = strawberry.UNSET
    expires_in_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The key stops working this many days from now; left out: never",
    )


@strawberry.input(description="What to change (admins); what is left out stays, null clears")
class UpdateOrganizationInput:
    name: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    feedback_due_hours: int | None = strawberry.UNSET
    close_the_loop_days: int | None = strawberry.UNSET
    culture_notes: str | None = strawberry.UNSET
    slack_webhook_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Slack incoming webhook for members who chose Slack and set none of their "
        "own; null removes it",
    )
    interview_calendar: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.InterviewCalendar | None
    )
    candidate_retention_months: int | None = strawberry.UNSET
    recruiters_may_erase: bool | None = strawberry.UNSET
    logo_url: str | None = strawberry.UNSET
    accent_color: str | None = strawberry.UNSET
    show_recruiter_contact: bool | None = strawberry.UNSET


@strawberry.type
class OrganizationPayload:
    organization: Organization


OrganizationResult = Annotated[
    OrganizationPayload | MutationError, strawberry.union("OrganizationResult")
]


@strawberry.type
class MemberPayload:
    member: Member


@strawberry.type(description="A key for integrations; the key itself is shown once, when made")
class ApiKey(Node):
    database_id: uuid.UUID
    name: str
    prefix: str
    member_id: strawberry.ID = strawberry.field(description="The member the key acts as")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    expires_at: dt.datetime | None = strawberry.field(description="null: never")


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey
    key: str | None = strawberry.field(description="The key itself, only when it was just created")


MemberResult = Annotated[MemberPayload | MutationError, strawberry.union("MemberResult")]


ApiKeyResult = Annotated[ApiKeyPayload | MutationError, strawberry.union("ApiKeyResult")]


def _hours(data: dict[str, Any]) -> dict[str, Any]:
    hours = data.get("working_hours")
    if hours is not None:
        data["working_hours"] = {d["day"]: d["hours"] for d in hours}
    return data


def api_key_of(k: Any) -> ApiKey:
    return ApiKey(
        id=strawberry.ID(to_global_id("ApiKey", k.id)),
        database_id=k.id,
        name=k.name,
        prefix=k.prefix,
        member_id=strawberry.ID(to_global_id("Member", k.member_id)),
        created_at=k.created_at,
        last_used_at=k.last_used_at,
        revoked_at=k.revoked_at,
        expires_at=k.expires_at,
    )


@strawberry.type
class Viewer:
    member: Member
    organization: Organization


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="API keys, newest first (yours; admins see all)")
    async def api_keys(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[ApiKey]:
        ctx = info.context
        page = await organizations.list_api_keys(
            ctx.session, ctx.actor, page_request(first, after, ctx.max_first)
        )
        return connection_of(page, after, api_key_of)

    @strawberry.field(description="Who is calling")
    async def viewer(self, info: Info) -> Viewer:
        ctx = info.context
        member = await organizations.get_member(ctx.session, ctx.actor, ctx.actor.member_id)
        org = await organizations.get_organization(ctx.session, ctx.actor)
        return Viewer(member=Member.from_public(member), organization=Organization.from_public(org))

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        ctx = info.context
        return Organization.from_public(
            await organizations.get_organization(ctx.session, ctx.actor)
        )

    @strawberry.field
    async def member(self, info: Info, id: strawberry.ID) -> Member | None:
        member = await info.context.loaders.member.load(parse_id(id, "Member", "id"))
        return Member.from_public(member) if member else None

    @strawberry.field
    async def members(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        permission_set: Annotated[
            str | None, strawberry.argument(graphql_type=enums.PermissionSet | None)
        ] = None,
        q: str | None = None,
    ) -> MemberConnection:
        ctx = info.context
        filters = validate(MemberFilters, {"permission_set": permission_set, "q": q})
        page = await organizations.list_members(
            ctx.session, ctx.actor, filters, page_request(first, after, ctx.max_first)
        )
        if "calendars" in prefetch.selected(info, "edges", "node"):
            await ctx.loaders.calendars_by_member.load_many([m.id for m in page.items])
        return MemberConnection(
            edges=[MemberEdge(cursor=cursor_of(m), node=Member.from_public(m)) for m in page.items],
            page_info=page_info_of(page, after),
        )


def _member(member: MemberPublic) -> MemberPayload:
    return MemberPayload(member=Member.from_public(member))


def _key(key: ApiKeyPublic) -> ApiKeyPayload:
    return ApiKeyPayload(api_key=api_key_of(key), key=getattr(key, "key", None))


async def _preferences(
    session: AsyncSession, actor: Actor, p: Parsed[PreferencesUpdate]
) -> MemberPublic:
    await organizations.update_preferences(session, actor, p.id("member_id"), p.body)
    return await organizations.get_member(session, actor, p.id("member_id"))


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation(description="Change your organization's settings (admins)")
    async def update_organization(
        self, info: Info, input: UpdateOrganizationInput
    ) -> OrganizationResult:
        return await mutate(
            info,
            given(input),
            schema=OrganizationUpdate,
            call=lambda s, actor, p: organizations.update_organization(s, actor, p.body),
            shape=lambda o: OrganizationPayload(organization=Organization.from_public(o)),
        )

    @strawberry.mutation
    async def create_member(self, info: Info, input: CreateMemberInput) -> MemberResult:
        return await mutate(
            info,
            _hours(given(input)),
            schema=MemberCreate,
            call=lambda s, actor, p: organizations.create_member(s, actor, p.body),
            shape=_member,
        )

    @strawberry.mutation
    async def update_member(self, info: Info, input: UpdateMemberInput) -> MemberResult:
        return await mutate(
            info,
            _hours(given(input)),
            ids={"id": "Member"},
            schema=MemberUpdate,
            call=lambda s, actor, p: organizations.update_member(
                s, actor, p.id(), p.body, p.version
            ),
            shape=_member,
        )

    @strawberry.mutation
    async def update_preferences(self, info: Info, input: UpdatePreferencesInput) -> MemberResult:
        return await mutate(
            info,
            given(input),
            ids={"member_id": "Member", "delegate_id": "Member"},
            schema=PreferencesUpdate,
            call=_preferences,
            shape=_member,
        )

    @strawberry.mutation(description="Issue an API key; the key is in this answer only")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> ApiKeyResult:
        return await mutate(
            info,
            given(input),
            ids={"member_id": "Member"},
            schema=ApiKeyCreate,
            call=lambda s, actor, p: organizations.create_api_key(s, actor, p.body),
            shape=_key,
        )

    @strawberry.mutation(
        description="Replace an API key: the new key is in this answer only; the old one keeps "
        "working for graceHours (default 24)"
    )
    async def rotate_api_key(
        self, info: Info, id: strawberry.ID, grace_hours: int | None = None
    ) -> ApiKeyResult:
        return await mutate(
            info,
            {"id": id} if grace_hours is None else {"id": id, "grace_hours": grace_hours},
            ids={"id": "ApiKey"},
            schema=ApiKeyRotate,
            call=lambda s, actor, p: organizations.rotate_api_key(s, actor, p.id(), p.body),
            shape=_key,
        )

    @strawberry.mutation
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> ApiKeyResult:
        return await mutate(
            info,
            {"id": id},
            ids={"id": "ApiKey"},
            call=lambda s, actor, p: organizations.revoke_api_key(s, actor, p.id()),
            shape=_key,
        )
