"""Connected systems (ATS): connections, their inbound events and syncs, a role's ids in them
(REST: app/api/v1/integrations.py; the vendor's own webhooks stay REST-only, see parity.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

import strawberry
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.experimental import pydantic as strawberry_pydantic
from strawberry.scalars import JSON

from app.core.actor import Actor
from app.domain.integrations import connections, sync
from app.domain.integrations import service as integrations
from app.domain.integrations.schemas import (
    ConnectionCreate,
    ConnectionErrorPublic,
    ConnectionHealth,
    ConnectionPublic,
    ConnectionUpdate,
    ExternalRefLink,
    InboundEventPublic,
    ManualErasure,
    SyncPublic,
    SyncStart,
)
from app.domain.pagination import encode_cursor
from app.errors import NotFound
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import NoBody, Parsed, given, mutate
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_request
from app.graphql.types.connection import Connection, connection_of
from app.graphql.types.node import Node
from app.graphql.types.role import ExternalRef

Info = strawberry.Info[Context, None]
First = Annotated[int, strawberry.argument(description=FIRST_HELP)]
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]
ConnectionArg = Annotated[
    strawberry.ID,
    strawberry.argument(description="The AtsConnection (its global id, or its database id)"),
]


def _gid(type_name: str, raw: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(to_global_id(type_name, raw))


@strawberry_pydantic.type(
    model=ConnectionErrorPublic,
    all_fields=True,
    description="One recent error of an ATS connection",
)
class AtsConnectionError:
    pass


@strawberry_pydantic.type(
    model=ManualErasure,
    all_fields=True,
    description="A candidate erased in Hireloop whom the vendor's API cannot erase: to erase "
    "by hand in the vendor",
)
class AtsManualErasure:
    pass


@strawberry_pydantic.type(
    model=ConnectionHealth,
    all_fields=True,
    description="How an ATS connection is doing: what waits, what failed, when it last heard",
)
class AtsConnectionHealth:
    pass


@strawberry.type(description="A connected applicant tracking system (Greenhouse, Lever, Ashby)")
@derived(ConnectionPublic, skip={})
class AtsConnection(Node):
    database_id: uuid.UUID = strawberry.field(description="The connection's id as REST shows it")
    stage_map: JSON = strawberry.field(description="Vendor stage name -> our stage")
    rejection_map: JSON = strawberry.field(
        description="Vendor rejection reason name -> our rejection reason code"
    )
    health: AtsConnectionHealth | None = strawberry.field(
        description="Null only in the answer to createAtsConnection"
    )

    @classmethod
    def from_public(cls, c: ConnectionPublic) -> AtsConnection:
        return cls(
            id=_gid("AtsConnection", c.id),
            database_id=c.id,
            stage_map=cast(JSON, c.stage_map),
            rejection_map=cast(JSON, c.rejection_map),
            health=AtsConnectionHealth.from_pydantic(c.health) if c.health else None,
            **values(cls, c),
        )


@strawberry.type(description="An import from the vendor (full or incremental) and its progress")
@derived(SyncPublic, skip={})
class AtsSync(Node):
    database_id: uuid.UUID = strawberry.field(description="The sync's id as REST shows it")
    connection_id: strawberry.ID = strawberry.field(
        description="The AtsConnection it imports from (its global id)"
    )
    last_errors: JSON = strawberry.field(
        description="The last 20 errors, each with at, resource and reason"
    )

    @classmethod
    def from_public(cls, s: SyncPublic) -> AtsSync:
        return cls(
            id=_gid("AtsSync", s.id),
            database_id=s.id,
            connection_id=_gid("AtsConnection", s.connection_id),
            last_errors=cast(JSON, s.last_errors),
            **values(cls, s),
        )


@strawberry.type(description="A vendor event received, and what became of it")
@derived(InboundEventPublic, skip={})
class AtsInboundEvent(Node):
    database_id: uuid.UUID = strawberry.field(description="The event's id as REST shows it")
    connection_id: strawberry.ID = strawberry.field(
        description="The AtsConnection it arrived through (its global id)"
    )

    @classmethod
    def from_public(cls, e: InboundEventPublic) -> AtsInboundEvent:
        return cls(
            id=_gid("AtsInboundEvent", e.id),
            database_id=e.id,
            connection_id=_gid("AtsConnection", e.connection_id),
            **values(cls, e),
        )


def _help(model: type[BaseModel], name: str) -> str | None:
    """A field's description as the domain schema gives it (one wording for REST and GraphQL)."""
    return model.model_fields[name].description


@strawberry.input(description="The same fields as REST's ConnectionCreate")
class CreateAtsConnectionInput:
    provider: str = strawberry.field(
        graphql_type=enums.AtsProvider, description=_help(ConnectionCreate, "provider")
    )
    name: str = strawberry.field(description=_help(ConnectionCreate, "name"))
    credentials: JSON | None = strawberry.field(
        default=strawberry.UNSET,
        description="API credentials by name, encrypted at rest and never shown again",
    )
    webhook_secret: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionCreate, "webhook_secret")
    )
    base_url: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionCreate, "base_url")
    )
    stage_map: JSON | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionCreate, "stage_map")
    )
    rejection_map: JSON | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionCreate, "rejection_map")
    )


@strawberry.input(description="What to change; what is left out stays")
class UpdateAtsConnectionInput:
    id: strawberry.ID = strawberry.field(description="The AtsConnection to change")
    expected_version: int | None = strawberry.field(
        default=None, description="Like If-Match in REST"
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionUpdate, "name")
    )
    credentials: JSON | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionUpdate, "credentials")
    )
    webhook_secret: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionUpdate, "webhook_secret")
    )
    base_url: str | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionUpdate, "base_url")
    )
    stage_map: JSON | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionUpdate, "stage_map")
    )
    rejection_map: JSON | None = strawberry.field(
        default=strawberry.UNSET, description=_help(ConnectionUpdate, "rejection_map")
    )


@strawberry.input(description="A role's id in an ATS connection, to link the two")
class LinkRoleExternalRefInput:
    role_id: strawberry.ID = strawberry.field(description="The Role to link")
    connection_id: strawberry.ID = strawberry.field(description="The AtsConnection")
    external_id: str = strawberry.field(description="The role's id in the vendor (its job's)")


@strawberry.type(description="The link just made")
class ExternalRefPayload:
    external_ref: ExternalRef = strawberry.field(description="The role's id in the vendor")


@strawberry.type(description="The ATS connection as it now is")
class AtsConnectionPayload:
    ats_connection: AtsConnection = strawberry.field(description="The connection")


@strawberry.type(description="Which ATS connection was deleted")
class AtsConnectionDeletedPayload:
    deleted_id: strawberry.ID = strawberry.field(description="The deleted connection's id")


@strawberry.type(description="The sync just started")
class AtsSyncPayload:
    sync: AtsSync = strawberry.field(description="The sync, pending until a worker begins it")


ExternalRefResult = Annotated[
    ExternalRefPayload | MutationError,
    strawberry.union(
        "ExternalRefResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]
AtsConnectionResult = Annotated[
    AtsConnectionPayload | MutationError,
    strawberry.union(
        "AtsConnectionResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]
AtsConnectionDeletedResult = Annotated[
    AtsConnectionDeletedPayload | MutationError,
    strawberry.union(
        "AtsConnectionDeletedResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]
AtsSyncResult = Annotated[
    AtsSyncPayload | MutationError,
    strawberry.union(
        "AtsSyncResult", description="The payload, or a MutationError saying why nothing changed"
    ),
]


def _connection_id(value: strawberry.ID) -> uuid.UUID:
    return parse_id(value, "AtsConnection", "connectionId")


async def resolve_sync_node(ctx: Context, raw_id: uuid.UUID) -> AtsSync:
    """For `node(id:)` (app/graphql/nodes.py): a sync of the caller's organization."""
    return AtsSync.from_public(await sync.get_sync(ctx.session, ctx.actor, raw_id))


async def resolve_inbound_event_node(ctx: Context, raw_id: uuid.UUID) -> AtsInboundEvent:
    """For `node(id:)` (app/graphql/nodes.py): a vendor event of the caller's organization."""
    return AtsInboundEvent.from_public(await sync.get_inbound(ctx.session, ctx.actor, raw_id))


@strawberry.type
class IntegrationsQuery:
    @strawberry.field(description="ATS connections with their health, oldest first")
    async def ats_connections(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[AtsConnection]:
        ctx = info.context
        page = await connections.list_connections(
            ctx.session, ctx.actor, page_request(first, after, ctx.max_first)
        )
        return connection_of(page, after, AtsConnection.from_public)

    @strawberry.field(description="One ATS connection with its health; null when not found")
    async def ats_connection(self, info: Info, id: ConnectionArg) -> AtsConnection | None:
        ctx = info.context
        try:
            found = await connections.get_connection(
                ctx.session, ctx.actor, parse_id(id, "AtsConnection", "id")
            )
        except NotFound:
            return None
        return AtsConnection.from_public(found)

    @strawberry.field(
        description="Vendor events a connection received, with their outcome, newest first"
    )
    async def ats_inbound_events(
        self,
        info: Info,
        connection_id: ConnectionArg,
        status: Annotated[
            str | None,
            strawberry.argument(graphql_type=enums.InboundStatus | None, description="Only this"),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[AtsInboundEvent]:
        ctx = info.context
        page = await sync.list_inbound(
            ctx.session,
            ctx.actor,
            _connection_id(connection_id),
            getattr(status, "value", status),
            page_request(first, after, ctx.max_first),
        )
        return connection_of(page, after, AtsInboundEvent.from_public, cursor=_inbound_cursor)

    @strawberry.field(description="Progress of a connection's latest sync; null before the first")
    async def ats_sync(self, info: Info, connection_id: ConnectionArg) -> AtsSync | None:
        ctx = info.context
        connection = _connection_id(connection_id)
        # A connection that is not the caller's is an error (as in REST), not "no sync yet".
        await connections.get_connection(ctx.session, ctx.actor, connection)
        try:
            return AtsSync.from_public(await sync.latest(ctx.session, ctx.actor, connection))
        except NotFound:
            return None


def _inbound_cursor(e: InboundEventPublic) -> str:
    # The inbox is kept in the order events arrived in.
    return encode_cursor(e.received_at, e.id)


def _payload(c: ConnectionPublic) -> AtsConnectionPayload:
    return AtsConnectionPayload(ats_connection=AtsConnection.from_public(c))


async def _delete(s: AsyncSession, actor: Actor, p: Parsed[NoBody]) -> uuid.UUID:
    await connections.delete_connection(s, actor, p.id())
    return p.id()


CONNECTION = {"id": "AtsConnection"}


@strawberry.type
class IntegrationsMutation:
    @strawberry.mutation(
        description="Connect an ATS (admins); credentials and secret are never shown again"
    )
    async def create_ats_connection(
        self,
        info: Info,
        input: Annotated[
            CreateAtsConnectionInput,
            strawberry.argument(
                description="The vendor, a name, credentials, webhook secret, base URL and maps"
            ),
        ],
    ) -> AtsConnectionResult:
        return await mutate(
            info,
            given(input),
            schema=ConnectionCreate,
            call=lambda s, actor, p: connections.create_connection(s, actor, p.body),
            shape=_payload,
        )

    @strawberry.mutation(description="Change the name, credentials, secret, base URL or maps")
    async def update_ats_connection(
        self,
        info: Info,
        input: Annotated[
            UpdateAtsConnectionInput,
            strawberry.argument(
                description="The connection (its id and expected version) and the fields to change"
            ),
        ],
    ) -> AtsConnectionResult:
        return await mutate(
            info,
            given(input),
            ids=CONNECTION,
            schema=ConnectionUpdate,
            call=lambda s, actor, p: connections.update_connection(
                s, actor, p.id(), p.body, p.version
            ),
            shape=_payload,
        )

    @strawberry.mutation(
        description="Pause: vendor webhooks are still stored; nothing is applied, pushed or synced"
    )
    async def pause_ats_connection(self, info: Info, id: ConnectionArg) -> AtsConnectionResult:
        return await mutate(
            info,
            {"id": id},
            ids=CONNECTION,
            call=lambda s, actor, p: connections.set_status(s, actor, p.id(), "paused"),
            shape=_payload,
        )

    @strawberry.mutation(description="Resume: what was stored while paused is applied")
    async def resume_ats_connection(self, info: Info, id: ConnectionArg) -> AtsConnectionResult:
        return await mutate(
            info,
            {"id": id},
            ids=CONNECTION,
            call=lambda s, actor, p: connections.set_status(s, actor, p.id(), "active"),
            shape=_payload,
        )

    @strawberry.mutation(description="Delete the connection (our records stay)")
    async def delete_ats_connection(
        self, info: Info, id: ConnectionArg
    ) -> AtsConnectionDeletedResult:
        return await mutate(
            info,
            {"id": id},
            ids=CONNECTION,
            call=_delete,
            shape=lambda deleted: AtsConnectionDeletedPayload(
                deleted_id=_gid("AtsConnection", deleted)
            ),
        )

    @strawberry.mutation(description="Start a full import (or an incremental one) from the vendor")
    async def start_ats_sync(
        self,
        info: Info,
        connection_id: ConnectionArg,
        kind: Annotated[
            str,
            strawberry.argument(
                graphql_type=enums.SyncKind,
                description="full: every job, candidate and application; incremental: what "
                "changed since the last sync",
            ),
        ] = "full",
    ) -> AtsSyncResult:
        return await mutate(
            info,
            {"connection_id": connection_id, "kind": getattr(kind, "value", kind)},
            ids={"connection_id": "AtsConnection"},
            schema=SyncStart,
            call=lambda s, actor, p: sync.start(s, actor, p.id("connection_id"), p.body),
            shape=lambda run: AtsSyncPayload(sync=AtsSync.from_public(run)),
        )

    @strawberry.mutation(
        description="Link a role to its job in an ATS connection (recruiters and admins), so "
        "the vendor's events about that job reach the role"
    )
    async def link_role_external_ref(
        self,
        info: Info,
        input: Annotated[
            LinkRoleExternalRefInput,
            strawberry.argument(
                description="The role, the ATS connection, and the role's id in that ATS"
            ),
        ],
    ) -> ExternalRefResult:
        return await mutate(
            info,
            given(input),
            ids={"role_id": "Role", "connection_id": "AtsConnection"},
            schema=ExternalRefLink,
            call=lambda s, actor, p: integrations.link_role(s, actor, p.id("role_id"), p.body),
            shape=lambda ref: ExternalRefPayload(
                external_ref=ExternalRef.of(ref.connection_id, ref.external_id)
            ),
        )
