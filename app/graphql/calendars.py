"""Calendar connections and members' calendars (REST: app/api/v1/calendars.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from app.core.actor import Actor
from app.domain.calendars import connections as calendar_connections
from app.domain.calendars import oauth as calendar_oauth
from app.domain.calendars.schemas import (
    CREDENTIALS_HELP,
    CalendarConnectionCreate,
    CalendarConnectionPublic,
    CalendarConnectionUpdate,
    MemberCalendarUpdate,
    OAuthStart,
)
from app.errors import NotFound
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import NoBody, Parsed, given, mutate
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, cursor_of, page_info_of, page_request
from app.graphql.types.calendars import (
    CalendarConnection,
    CalendarConnectionConnection,
    CalendarConnectionEdge,
    MemberCalendar,
    OAuthStarted,
)

Info = strawberry.Info[Context, None]
First = Annotated[int, strawberry.argument(description=FIRST_HELP)]
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]
ConnectionArg = Annotated[
    strawberry.ID,
    strawberry.argument(description="The CalendarConnection (its global id, or its database id)"),
]


def _help(model: type[BaseModel], name: str) -> str | None:
    """A field's description as the domain schema gives it (one wording for REST and GraphQL)."""
    return model.model_fields[name].description


@strawberry.input(description="The same fields as REST's CalendarConnectionCreate")
class CreateCalendarConnectionInput:
    provider: str = strawberry.field(
        graphql_type=enums.CalendarProvider, description="google, microsoft or caldav"
    )
    scope: str | None = strawberry.field(
        graphql_type=enums.CalendarScope | None,
        default=strawberry.UNSET,
        description="organization or member; left out: organization for google and microsoft, "
        "member for caldav",
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(CalendarConnectionCreate, "name")
    )
    member_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whose account a member connection is (admins only; left out: your own)",
    )
    credentials: JSON | None = strawberry.field(
        default=strawberry.UNSET,
        description="Name to value. "
        + CREDENTIALS_HELP.replace("oauth/start", "startCalendarOAuth"),
    )
    base_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The provider's API root when not its default (a sovereign cloud, a proxy)",
    )
    invitations: str | None = strawberry.field(
        graphql_type=enums.Invitations | None,
        default=strawberry.UNSET,
        description="hireloop (the default) or provider",
    )
    video: bool | None = strawberry.field(
        default=strawberry.UNSET, description=_help(CalendarConnectionCreate, "video")
    )


@strawberry.input(description="What to change; what is left out stays")
class UpdateCalendarConnectionInput:
    id: strawberry.ID = strawberry.field(description="The CalendarConnection to change")
    expected_version: int | None = strawberry.field(
        default=None, description="Like If-Match in REST"
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(CalendarConnectionUpdate, "name")
    )
    credentials: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="All of them, replacing the stored ones"
    )
    invitations: str | None = strawberry.field(
        default=strawberry.UNSET,
        graphql_type=enums.Invitations | None,
        description=_help(CalendarConnectionUpdate, "invitations"),
    )
    video: bool | None = strawberry.field(
        default=strawberry.UNSET, description=_help(CalendarConnectionUpdate, "video")
    )
    status: str | None = strawberry.field(
        graphql_type=enums.ConnectionStatus | None,
        default=strawberry.UNSET,
        description="active or paused; a connection that needs reauthorization takes new "
        "credentials to be active again",
    )


@strawberry.input(description="What to change; what is left out stays")
class UpdateMemberCalendarInput:
    id: strawberry.ID = strawberry.field(
        description="The MemberCalendar (its global id, or its database id)"
    )
    busy: bool | None = strawberry.field(
        default=strawberry.UNSET, description=_help(MemberCalendarUpdate, "busy")
    )
    receives_interviews: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="true makes this the one calendar that receives the member's interviews",
    )


@strawberry.input(description="Which account to connect, and what to ask the member for")
class StartCalendarOAuthInput:
    provider: str = strawberry.field(
        graphql_type=enums.CalendarProvider, description="google or microsoft"
    )
    access: str | None = strawberry.field(
        graphql_type=enums.Access | None,
        default=strawberry.UNSET,
        description="read_write (the default) or free_busy: what to ask the member for",
    )
    login_hint: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(OAuthStart, "login_hint")
    )


@strawberry.type(description="The calendar connection as it now is")
class CalendarConnectionPayload:
    calendar_connection: CalendarConnection = strawberry.field(description="The connection")


@strawberry.type(description="Which calendar connection was deleted")
class CalendarConnectionDeletedPayload:
    deleted_id: strawberry.ID = strawberry.field(description="The deleted connection's id")


@strawberry.type(description="The calendar as it now is")
class MemberCalendarPayload:
    member_calendar: MemberCalendar = strawberry.field(description="The calendar")


@strawberry.type(description="Where to send the member to grant access")
class OAuthStartedPayload:
    oauth: OAuthStarted = strawberry.field(description="The consent URL and until when it works")


CalendarConnectionResult = Annotated[
    CalendarConnectionPayload | MutationError,
    strawberry.union(
        "CalendarConnectionResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]


CalendarConnectionDeletedResult = Annotated[
    CalendarConnectionDeletedPayload | MutationError,
    strawberry.union(
        "CalendarConnectionDeletedResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]


MemberCalendarResult = Annotated[
    MemberCalendarPayload | MutationError,
    strawberry.union(
        "MemberCalendarResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]


OAuthStartedResult = Annotated[
    OAuthStartedPayload | MutationError,
    strawberry.union(
        "OAuthStartedResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]


async def resolve_member_calendar_node(ctx: Context, raw_id: uuid.UUID) -> MemberCalendar:
    """For `node(id:)` (app/graphql/nodes.py): a calendar of a member of the caller's
    organization."""
    return MemberCalendar.from_public(
        await calendar_connections.get_member_calendar(ctx.session, ctx.actor, raw_id)
    )


@strawberry.type
class CalendarQuery:
    @strawberry.field(
        description="Calendar connections with their health, newest first (members see their "
        "own and the organization's)"
    )
    async def calendar_connections(
        self, info: Info, first: First = 50, after: After = None
    ) -> CalendarConnectionConnection:
        ctx = info.context
        page = await calendar_connections.list_connections(
            ctx.session, ctx.actor, page_request(first, after, ctx.max_first)
        )
        return CalendarConnectionConnection(
            edges=[
                CalendarConnectionEdge(cursor=cursor_of(c), node=CalendarConnection.from_public(c))
                for c in page.items
            ],
            page_info=page_info_of(page, after),
        )

    @strawberry.field(description="One calendar connection with its health; null when not found")
    async def calendar_connection(self, info: Info, id: ConnectionArg) -> CalendarConnection | None:
        ctx = info.context
        try:
            found = await calendar_connections.get_connection(
                ctx.session, ctx.actor, parse_id(id, "CalendarConnection", "id")
            )
        except NotFound:
            return None
        return CalendarConnection.from_public(found)


def _connection(connection: CalendarConnectionPublic) -> CalendarConnectionPayload:
    return CalendarConnectionPayload(calendar_connection=CalendarConnection.from_public(connection))


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="Connect a calendar account: organization-wide (admins) or a member's own "
        "CalDAV; the credentials are tried with a real read first and never shown again"
    )
    async def create_calendar_connection(
        self,
        info: Info,
        input: Annotated[
            CreateCalendarConnectionInput,
            strawberry.argument(
                description="The provider, scope, name, member and credentials, and who sends "
                "invitations"
            ),
        ],
    ) -> CalendarConnectionResult:
        http = info.context.http
        # The service reads the provider before its first statement, so no transaction is open
        # during that call (the session begins lazily).
        return await mutate(
            info,
            given(input),
            ids={"member_id": "Member"},
            schema=CalendarConnectionCreate,
            call=lambda s, actor, p: calendar_connections.create_connection(s, actor, p.body, http),
            shape=_connection,
        )

    @strawberry.mutation(
        description="Rename, replace credentials, pause or resume, choose who invites and video"
    )
    async def update_calendar_connection(
        self,
        info: Info,
        input: Annotated[
            UpdateCalendarConnectionInput,
            strawberry.argument(
                description="The connection (its id and expected version) and the fields to change"
            ),
        ],
    ) -> CalendarConnectionResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "CalendarConnection"},
            schema=CalendarConnectionUpdate,
            call=lambda s, actor, p: calendar_connections.update_connection(
                s, actor, p.id(), p.body, p.version
            ),
            shape=_connection,
        )

    @strawberry.mutation(
        description="Disconnect: its calendars and mirrored busy time go; interviews stay"
    )
    async def delete_calendar_connection(
        self, info: Info, id: ConnectionArg
    ) -> CalendarConnectionDeletedResult:
        async def delete(s: AsyncSession, actor: Actor, p: Parsed[NoBody]) -> uuid.UUID:
            await calendar_connections.delete_connection(s, actor, p.id())
            return p.id()

        return await mutate(
            info,
            {"id": id},
            ids={"id": "CalendarConnection"},
            call=delete,
            shape=lambda deleted: CalendarConnectionDeletedPayload(
                deleted_id=strawberry.ID(to_global_id("CalendarConnection", deleted))
            ),
        )

    @strawberry.mutation(
        description="Choose whether a calendar counts as busy and whether it receives interviews"
    )
    async def update_member_calendar(
        self,
        info: Info,
        input: Annotated[
            UpdateMemberCalendarInput,
            strawberry.argument(
                description="The member's calendar, whether it counts as busy and receives "
                "interviews"
            ),
        ],
    ) -> MemberCalendarResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "MemberCalendar"},
            schema=MemberCalendarUpdate,
            call=lambda s, actor, p: calendar_connections.update_member_calendar(
                s, actor, p.id(), p.body
            ),
            shape=lambda c: MemberCalendarPayload(member_calendar=MemberCalendar.from_public(c)),
        )

    @strawberry.mutation(
        name="startCalendarOAuth",
        description="Start connecting your own Google or Microsoft calendar: answers the "
        "provider's consent URL (OAuth 2.0 with PKCE; the state is bound to you and used once)",
    )
    async def start_calendar_oauth(
        self,
        info: Info,
        input: Annotated[
            StartCalendarOAuthInput,
            strawberry.argument(
                description="The provider, the access to ask for, and the account to preselect"
            ),
        ],
    ) -> OAuthStartedResult:
        return await mutate(
            info,
            given(input),
            schema=OAuthStart,
            call=lambda s, actor, p: calendar_oauth.start(s, actor, p.body),
            shape=lambda started: OAuthStartedPayload(oauth=OAuthStarted.from_pydantic(started)),
        )
