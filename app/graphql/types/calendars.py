"""Calendar connections with their health, each member's calendars, and the OAuth start.

Credentials are never a field: a connection shows only which ones are set (`credentialNames`).
"""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from strawberry.experimental import pydantic as strawberry_pydantic

from app.domain.calendars import schemas
from app.graphql import enums
from app.graphql.ids import to_global_id
from app.graphql.types.node import Node, PageInfo


@strawberry_pydantic.type(model=schemas.ConnectionErrorPublic, all_fields=True)
class CalendarConnectionError:
    pass


@strawberry_pydantic.type(
    model=schemas.UnmatchedMember,
    all_fields=True,
    description="A member an organization-wide connection found no mailbox for, and why",
)
class UnmatchedCalendarMember:
    pass


@strawberry_pydantic.type(model=schemas.CalendarConnectionHealth, all_fields=True)
class CalendarConnectionHealth:
    pass


@strawberry_pydantic.type(model=schemas.CalendarHealth, all_fields=True)
class CalendarHealth:
    status: str  # ok, syncing, failing or never_synced
    push: str


@strawberry.type(description="A calendar account: organization-wide, or one member's own")
class CalendarConnection(Node):
    database_id: uuid.UUID
    provider: str = strawberry.field(graphql_type=enums.CalendarProvider)
    scope: str = strawberry.field(graphql_type=enums.CalendarScope)
    member_id: strawberry.ID | None = strawberry.field(
        description="Whose account a member connection is (a Member id)"
    )
    name: str
    status: str = strawberry.field(graphql_type=enums.ConnectionStatus)
    status_reason: str | None
    account_email: str | None
    base_url: str | None
    invitations: str = strawberry.field(graphql_type=enums.Invitations)
    video: bool
    access: str = strawberry.field(
        graphql_type=enums.Access,
        description="read_write or free_busy: what the account's grant allows. "
        + schemas.ACCESS_HELP,
    )
    credential_names: list[str] = strawberry.field(
        description="Which credentials are set (never their values)"
    )
    health: CalendarConnectionHealth | None = strawberry.field(
        description="Null only in the answer to createCalendarConnection"
    )
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime | None

    @classmethod
    def from_public(cls, c: schemas.CalendarConnectionPublic) -> CalendarConnection:
        return cls(
            id=strawberry.ID(to_global_id("CalendarConnection", c.id)),
            database_id=c.id,
            provider=c.provider,
            scope=c.scope,
            member_id=strawberry.ID(to_global_id("Member", c.member_id)) if c.member_id else None,
            name=c.name,
            status=c.status,
            status_reason=c.status_reason,
            account_email=c.account_email,
            base_url=c.base_url,
            invitations=c.invitations,
            video=c.video,
            access=c.access,
            credential_names=list(c.credential_names),
            health=CalendarConnectionHealth.from_pydantic(c.health) if c.health else None,
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


@strawberry.type
class CalendarConnectionEdge:
    cursor: str
    node: CalendarConnection


@strawberry.type
class CalendarConnectionConnection:
    edges: list[CalendarConnectionEdge]
    page_info: PageInfo


@strawberry.type(description="One of a member's calendars and its sync health")
class MemberCalendar:
    id: strawberry.ID = strawberry.field(
        description="Global id (MemberCalendar); updateMemberCalendar also takes the database id"
    )
    database_id: uuid.UUID
    connection_id: strawberry.ID = strawberry.field(description="Its CalendarConnection's id")
    member_id: strawberry.ID
    provider: str = strawberry.field(graphql_type=enums.CalendarProvider)
    name: str
    primary: bool
    can_write: bool
    busy: bool = strawberry.field(description="Counts as busy time when interviews are suggested")
    receives_interviews: bool = strawberry.field(
        description="Interviews are written to this calendar"
    )
    time_zone: str | None
    health: CalendarHealth

    @classmethod
    def from_public(cls, c: schemas.MemberCalendarPublic) -> MemberCalendar:
        return cls(
            id=strawberry.ID(to_global_id("MemberCalendar", c.id)),
            database_id=c.id,
            connection_id=strawberry.ID(to_global_id("CalendarConnection", c.connection_id)),
            member_id=strawberry.ID(to_global_id("Member", c.member_id)),
            provider=c.provider,
            name=c.name,
            primary=c.primary,
            can_write=c.can_write,
            busy=c.busy,
            receives_interviews=c.receives_interviews,
            time_zone=c.time_zone,
            health=CalendarHealth.from_pydantic(c.health),
        )


@strawberry_pydantic.type(model=schemas.OAuthStarted, all_fields=True)
class OAuthStarted:
    pass


@strawberry.type
class MemberCalendarEdge:
    cursor: str
    node: MemberCalendar


@strawberry.type
class MemberCalendarConnection:
    edges: list[MemberCalendarEdge]
    page_info: PageInfo
