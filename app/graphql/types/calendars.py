"""Calendar connections with their health, each member's calendars, and the OAuth start.

Credentials are never a field: a connection shows only which ones are set (`credentialNames`).
"""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from pydantic import BaseModel
from strawberry.experimental import pydantic as strawberry_pydantic

from app.domain.calendars import schemas
from app.graphql import enums
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.types.node import Node, PageInfo


def _help(model: type[BaseModel], name: str) -> str | None:
    """A field's description as the domain schema gives it (one wording for REST and GraphQL)."""
    return model.model_fields[name].description


@strawberry_pydantic.type(
    model=schemas.ConnectionErrorPublic,
    all_fields=True,
    description="One recent error of a calendar connection",
)
class CalendarConnectionError:
    pass


@strawberry.type(
    description="A member an organization-wide connection found no mailbox for, and why"
)
class UnmatchedCalendarMember:
    member_id: strawberry.ID = strawberry.field(description="The Member (their global id)")
    email: str = strawberry.field(description=_help(schemas.UnmatchedMember, "email"))
    reason: str = strawberry.field(description=_help(schemas.UnmatchedMember, "reason"))


@strawberry.type(description="How a calendar connection is doing across its calendars")
class CalendarConnectionHealth:
    calendars: int = strawberry.field(
        description=_help(schemas.CalendarConnectionHealth, "calendars")
    )
    failing_calendars: int = strawberry.field(
        description=_help(schemas.CalendarConnectionHealth, "failing_calendars")
    )
    last_synced_at: dt.datetime | None = strawberry.field(
        description=_help(schemas.CalendarConnectionHealth, "last_synced_at")
    )
    lag_seconds: float | None = strawberry.field(
        description=_help(schemas.CalendarConnectionHealth, "lag_seconds")
    )
    pending_writes: int = strawberry.field(
        description=_help(schemas.CalendarConnectionHealth, "pending_writes")
    )
    failed_writes: int = strawberry.field(
        description=_help(schemas.CalendarConnectionHealth, "failed_writes")
    )
    recent_errors: list[CalendarConnectionError] = strawberry.field(
        description=_help(schemas.CalendarConnectionHealth, "recent_errors")
    )
    unmatched_members: list[UnmatchedCalendarMember] = strawberry.field(
        description=_help(schemas.CalendarConnectionHealth, "unmatched_members")
    )

    @classmethod
    def from_public(cls, h: schemas.CalendarConnectionHealth) -> CalendarConnectionHealth:
        return cls(
            calendars=h.calendars,
            failing_calendars=h.failing_calendars,
            last_synced_at=h.last_synced_at,
            lag_seconds=h.lag_seconds,
            pending_writes=h.pending_writes,
            failed_writes=h.failed_writes,
            recent_errors=[CalendarConnectionError.from_pydantic(e) for e in h.recent_errors],
            unmatched_members=[
                UnmatchedCalendarMember(
                    member_id=strawberry.ID(to_global_id("Member", u.member_id)),
                    email=u.email,
                    reason=u.reason,
                )
                for u in h.unmatched_members
            ],
        )


@strawberry.type(description="How reading one calendar goes")
@derived(schemas.CalendarHealth, skip={})
class CalendarHealth:
    @classmethod
    def from_public(cls, h: schemas.CalendarHealth) -> CalendarHealth:
        return cls(**values(cls, h))


@strawberry.type(description="A calendar account: organization-wide, or one member's own")
class CalendarConnection(Node):
    database_id: uuid.UUID = strawberry.field(description="The connection's id as REST shows it")
    provider: str = strawberry.field(
        graphql_type=enums.CalendarProvider,
        description=_help(schemas.CalendarConnectionPublic, "provider"),
    )
    scope: str = strawberry.field(
        graphql_type=enums.CalendarScope,
        description=_help(schemas.CalendarConnectionPublic, "scope"),
    )
    member_id: strawberry.ID | None = strawberry.field(
        description="Whose account a member connection is (a Member id); null: organization-wide"
    )
    name: str = strawberry.field(description=_help(schemas.CalendarConnectionPublic, "name"))
    status: str = strawberry.field(
        graphql_type=enums.ConnectionStatus,
        description=_help(schemas.CalendarConnectionPublic, "status"),
    )
    status_reason: str | None = strawberry.field(
        description=_help(schemas.CalendarConnectionPublic, "status_reason")
    )
    account_email: str | None = strawberry.field(
        description=_help(schemas.CalendarConnectionPublic, "account_email")
    )
    base_url: str | None = strawberry.field(
        description=_help(schemas.CalendarConnectionPublic, "base_url")
    )
    invitations: str = strawberry.field(
        graphql_type=enums.Invitations,
        description=_help(schemas.CalendarConnectionPublic, "invitations"),
    )
    video: bool = strawberry.field(description=_help(schemas.CalendarConnectionPublic, "video"))
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
    version: int = strawberry.field(description=_help(schemas.CalendarConnectionPublic, "version"))
    created_at: dt.datetime = strawberry.field(
        description=_help(schemas.CalendarConnectionPublic, "created_at")
    )
    updated_at: dt.datetime | None = strawberry.field(
        description=_help(schemas.CalendarConnectionPublic, "updated_at")
    )

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
            health=CalendarConnectionHealth.from_public(c.health) if c.health else None,
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


@strawberry.type(description="One calendar connection in a page, with its cursor")
class CalendarConnectionEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the items after this one")
    node: CalendarConnection = strawberry.field(description="The calendar connection")


@strawberry.type(description="A page of calendar connections (Relay)")
class CalendarConnectionConnection:
    edges: list[CalendarConnectionEdge] = strawberry.field(description="This page's items")
    page_info: PageInfo = strawberry.field(description="Where this page stands")


@strawberry.type(description="One of a member's calendars and its sync health")
class MemberCalendar(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (MemberCalendar); updateMemberCalendar also takes the database id"
    )
    database_id: uuid.UUID = strawberry.field(description="The calendar's id as REST shows it")
    connection_id: strawberry.ID = strawberry.field(description="Its CalendarConnection's id")
    member_id: strawberry.ID = strawberry.field(description="Whose calendar it is (a Member id)")
    provider: str = strawberry.field(
        graphql_type=enums.CalendarProvider,
        description=_help(schemas.MemberCalendarPublic, "provider"),
    )
    name: str = strawberry.field(description=_help(schemas.MemberCalendarPublic, "name"))
    primary: bool = strawberry.field(description=_help(schemas.MemberCalendarPublic, "primary"))
    can_write: bool = strawberry.field(description=_help(schemas.MemberCalendarPublic, "can_write"))
    busy: bool = strawberry.field(description="Counts as busy time when interviews are suggested")
    receives_interviews: bool = strawberry.field(
        description="Interviews are written to this calendar"
    )
    time_zone: str | None = strawberry.field(
        description=_help(schemas.MemberCalendarPublic, "time_zone")
    )
    health: CalendarHealth = strawberry.field(
        description=_help(schemas.MemberCalendarPublic, "health")
    )

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
            health=CalendarHealth.from_public(c.health),
        )


@strawberry_pydantic.type(
    model=schemas.OAuthStarted,
    all_fields=True,
    description="Where to send the member to grant calendar access, and until when",
)
class OAuthStarted:
    pass


@strawberry.type(description="One of a member's calendars in a page, with its cursor")
class MemberCalendarEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the items after this one")
    node: MemberCalendar = strawberry.field(description="The calendar")


@strawberry.type(description="A page of a member's calendars (Relay)")
class MemberCalendarConnection:
    edges: list[MemberCalendarEdge] = strawberry.field(description="This page's items")
    page_info: PageInfo = strawberry.field(description="Where this page stands")
