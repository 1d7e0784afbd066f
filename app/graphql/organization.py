"""The organization, its members and API keys (REST: app/api/v1/organization.py, members.py, api_keys.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import strawberry
from pydantic import BaseModel
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
    TimeRange,
)
from app.graphql import enums, prefetch
from app.graphql.context import Context
from app.graphql.errors import MutationError, validate
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import Parsed, given, mutate
from app.graphql.pagination import (
    AFTER_HELP,
    FIRST_HELP,
    cursor_of,
    page_info_of,
    page_request,
)
from app.graphql.types.connection import Connection, connection_of
from app.graphql.types.member import Member, MemberConnection, MemberEdge, Organization
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]


def _about(model: type[BaseModel], field: str) -> str | None:
    """The domain schema's description of a field, for the input field that carries it."""
    return model.model_fields[field].description


@strawberry.input(description="A span of one day on the member's own clock")
class TimeRangeInput:
    start: str = strawberry.field(description=_about(TimeRange, "start"))
    end: str = strawberry.field(description=_about(TimeRange, "end"))


@strawberry.input(description="When a member can interview on one day of the week")
class WorkingDayInput:
    day: str = strawberry.field(graphql_type=enums.Weekday, description="The day of the week")
    hours: list[TimeRangeInput] = strawberry.field(description="The spans of that day")


@strawberry.input(description="A new member of your organization (admins)")
class CreateMemberInput:
    email: str = strawberry.field(description=_about(MemberCreate, "email"))
    name: str = strawberry.field(description=_about(MemberCreate, "name"))
    permission_set: str = strawberry.field(
        graphql_type=enums.PermissionSet, description=_about(MemberCreate, "permission_set")
    )
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberCreate, "title")
    )
    bio: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberCreate, "bio")
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberCreate, "time_zone")
    )
    working_hours: list[WorkingDayInput] | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberCreate, "working_hours")
    )
    max_interviews_per_day: int | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberCreate, "max_interviews_per_day")
    )
    max_interviews_per_week: int | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberCreate, "max_interviews_per_week")
    )


@strawberry.input(description="What to change about a member; what is left out stays")
class UpdateMemberInput:
    id: strawberry.ID = strawberry.field(description="The member (their global id)")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you last read; a change since then is a conflict (null: no check)",
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberUpdate, "name")
    )
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberUpdate, "title")
    )
    bio: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberUpdate, "bio")
    )
    permission_set: str | None = strawberry.field(
        default=strawberry.UNSET,
        graphql_type=enums.PermissionSet | None,
        description=_about(MemberUpdate, "permission_set"),
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberUpdate, "time_zone")
    )
    working_hours: list[WorkingDayInput] | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberUpdate, "working_hours")
    )
    max_interviews_per_day: int | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberUpdate, "max_interviews_per_day")
    )
    max_interviews_per_week: int | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberUpdate, "max_interviews_per_week")
    )
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description=_about(MemberUpdate, "is_active")
    )


@strawberry.input(description="What to change in a member's update preferences")
class UpdatePreferencesInput:
    member_id: strawberry.ID = strawberry.field(description="The member (their global id)")
    update_cadence: str | None = strawberry.field(
        default=strawberry.UNSET,
        graphql_type=enums.Cadence | None,
        description=_about(PreferencesUpdate, "update_cadence"),
    )
    update_channel: str | None = strawberry.field(
        default=strawberry.UNSET,
        graphql_type=enums.Channel | None,
        description=_about(PreferencesUpdate, "update_channel"),
    )
    update_local_time: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(PreferencesUpdate, "update_local_time")
    )
    delegate_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The delegate's global id: a member who decides on slates and after "
        "interviews in their place while they are away; null removes it",
    )
    slack_webhook_url: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(PreferencesUpdate, "slack_webhook_url")
    )


@strawberry.input(description="A new API key for integrations")
class CreateApiKeyInput:
    name: str = strawberry.field(description=_about(ApiKeyCreate, "name"))
    member_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The member the key acts as (their global id); admins may name another "
        "member; default: yourself",
    )
    expires_in_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The key stops working this many days from now; left out: never",
    )


@strawberry.input(description="What to change (admins); what is left out stays, null clears")
class UpdateOrganizationInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(OrganizationUpdate, "name")
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(OrganizationUpdate, "time_zone")
    )
    feedback_due_hours: int | None = strawberry.field(
        default=strawberry.UNSET, description=_about(OrganizationUpdate, "feedback_due_hours")
    )
    close_the_loop_days: int | None = strawberry.field(
        default=strawberry.UNSET, description=_about(OrganizationUpdate, "close_the_loop_days")
    )
    culture_notes: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(OrganizationUpdate, "culture_notes")
    )
    slack_webhook_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Slack incoming webhook for members who chose Slack and set none of their "
        "own; null removes it",
    )
    interview_calendar: str | None = strawberry.field(
        default=strawberry.UNSET,
        graphql_type=enums.InterviewCalendar | None,
        description=_about(OrganizationUpdate, "interview_calendar"),
    )
    candidate_retention_months: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=_about(OrganizationUpdate, "candidate_retention_months"),
    )
    recruiters_may_erase: bool | None = strawberry.field(
        default=strawberry.UNSET, description=_about(OrganizationUpdate, "recruiters_may_erase")
    )
    logo_url: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(OrganizationUpdate, "logo_url")
    )
    accent_color: str | None = strawberry.field(
        default=strawberry.UNSET, description=_about(OrganizationUpdate, "accent_color")
    )
    show_recruiter_contact: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description=_about(OrganizationUpdate, "show_recruiter_contact"),
    )


@strawberry.type(description="The organization as a mutation left it")
class OrganizationPayload:
    organization: Organization = strawberry.field(description="The organization as it is now")


OrganizationResult = Annotated[
    OrganizationPayload | MutationError,
    strawberry.union(
        "OrganizationResult", description="The organization as changed, or why it was not"
    ),
]


@strawberry.type(description="The member as a mutation left them")
class MemberPayload:
    member: Member = strawberry.field(description="The member as they are now")


@strawberry.type(description="A key for integrations; the key itself is shown once, when made")
class ApiKey(Node):
    id: strawberry.ID = strawberry.field(description="The API key's global id")
    database_id: uuid.UUID = strawberry.field(description="The API key's database id")
    name: str = strawberry.field(description=_about(ApiKeyPublic, "name"))
    prefix: str = strawberry.field(description=_about(ApiKeyPublic, "prefix"))
    member_id: strawberry.ID = strawberry.field(
        description="The global id of the member the key acts as"
    )
    created_at: dt.datetime = strawberry.field(description=_about(ApiKeyPublic, "created_at"))
    last_used_at: dt.datetime | None = strawberry.field(
        description=_about(ApiKeyPublic, "last_used_at")
    )
    revoked_at: dt.datetime | None = strawberry.field(
        description=_about(ApiKeyPublic, "revoked_at")
    )
    expires_at: dt.datetime | None = strawberry.field(
        description=_about(ApiKeyPublic, "expires_at")
    )


@strawberry.type(description="The API key as a mutation left it")
class ApiKeyPayload:
    api_key: ApiKey = strawberry.field(description="The API key")
    key: str | None = strawberry.field(description="The key itself, only when it was just created")


MemberResult = Annotated[
    MemberPayload | MutationError,
    strawberry.union("MemberResult", description="The member as changed, or why it was not"),
]


ApiKeyResult = Annotated[
    ApiKeyPayload | MutationError,
    strawberry.union("ApiKeyResult", description="The API key as changed, or why it was not"),
]


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


@strawberry.type(
    description="Who is calling: the member the credentials act as, and their organization"
)
class Viewer:
    member: Member = strawberry.field(description="You")
    organization: Organization = strawberry.field(description="Your organization")


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="API keys, newest first (yours; admins see all)")
    async def api_keys(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
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

    @strawberry.field(description="Your organization and its settings")
    async def organization(self, info: Info) -> Organization:
        ctx = info.context
        return Organization.from_public(
            await organizations.get_organization(ctx.session, ctx.actor)
        )

    @strawberry.field(description="A member of your organization; null when there is none")
    async def member(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The member's global id")],
    ) -> Member | None:
        member = await info.context.loaders.member.load(parse_id(id, "Member", "id"))
        return Member.from_public(member) if member else None

    @strawberry.field(description="Your organization's active members, newest first")
    async def members(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        permission_set: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.PermissionSet | None,
                description=_about(MemberFilters, "permission_set"),
            ),
        ] = None,
        q: Annotated[
            str | None, strawberry.argument(description=_about(MemberFilters, "q"))
        ] = None,
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
        self,
        info: Info,
        input: Annotated[
            UpdateOrganizationInput,
            strawberry.argument(
                description="The settings to change; what is left out stays, null clears"
            ),
        ],
    ) -> OrganizationResult:
        return await mutate(
            info,
            given(input),
            schema=OrganizationUpdate,
            call=lambda s, actor, p: organizations.update_organization(s, actor, p.body),
            shape=lambda o: OrganizationPayload(organization=Organization.from_public(o)),
        )

    @strawberry.mutation(description="Add a member to your organization (admins)")
    async def create_member(
        self,
        info: Info,
        input: Annotated[
            CreateMemberInput,
            strawberry.argument(
                description="The new member's email, name, permission set, working hours and limits"
            ),
        ],
    ) -> MemberResult:
        return await mutate(
            info,
            _hours(given(input)),
            schema=MemberCreate,
            call=lambda s, actor, p: organizations.create_member(s, actor, p.body),
            shape=_member,
        )

    @strawberry.mutation(
        description="Change a member (admins; members change their own profile, but not their "
        "permission set, activity or interview limits)"
    )
    async def update_member(
        self,
        info: Info,
        input: Annotated[
            UpdateMemberInput,
            strawberry.argument(
                description="The member (its id and expected version) and the fields to change"
            ),
        ],
    ) -> MemberResult:
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

    @strawberry.mutation(
        description="Change how and when a member hears of changes (their own; admins: anyone's)"
    )
    async def update_preferences(
        self,
        info: Info,
        input: Annotated[
            UpdatePreferencesInput,
            strawberry.argument(
                description="The member, and how often, where and when their updates go"
            ),
        ],
    ) -> MemberResult:
        return await mutate(
            info,
            given(input),
            ids={"member_id": "Member", "delegate_id": "Member"},
            schema=PreferencesUpdate,
            call=_preferences,
            shape=_member,
        )

    @strawberry.mutation(description="Issue an API key; the key is in this answer only")
    async def create_api_key(
        self,
        info: Info,
        input: Annotated[
            CreateApiKeyInput,
            strawberry.argument(
                description="The key's name, the member it acts as, and when it expires"
            ),
        ],
    ) -> ApiKeyResult:
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
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The API key's global id")],
        grace_hours: Annotated[
            int | None, strawberry.argument(description=_about(ApiKeyRotate, "grace_hours"))
        ] = None,
    ) -> ApiKeyResult:
        return await mutate(
            info,
            {"id": id} if grace_hours is None else {"id": id, "grace_hours": grace_hours},
            ids={"id": "ApiKey"},
            schema=ApiKeyRotate,
            call=lambda s, actor, p: organizations.rotate_api_key(s, actor, p.id(), p.body),
            shape=_key,
        )

    @strawberry.mutation(description="Revoke an API key: it stops working at once")
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The API key's global id")],
    ) -> ApiKeyResult:
        return await mutate(
            info,
            {"id": id},
            ids={"id": "ApiKey"},
            call=lambda s, actor, p: organizations.revoke_api_key(s, actor, p.id()),
            shape=_key,
        )
