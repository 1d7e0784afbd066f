"""ATS connections (admins): manage them, receive the vendor's webhooks, start and watch syncs."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.api.deps import (
    CurrentActor,
    IfMatch,
    Paging,
    ReadSession,
    WriteSession,
    etag,
)
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, PATCH_RESPONSES, WRITE_RESPONSES
from app.domain.integrations import connections, sync
from app.domain.integrations.schemas import (
    ConnectionCreate,
    ConnectionPublic,
    ConnectionUpdate,
    InboundEventPublic,
    SyncPublic,
    SyncStart,
)

router = APIRouter(prefix="/integrations", tags=["integrations"], responses=COMMON_RESPONSES)


@router.post(
    "",
    status_code=201,
    summary="Connect an ATS (admins); credentials and secret are never shown again",
    responses=WRITE_RESPONSES,
)
async def create_ats_connection(
    data: ConnectionCreate, actor: CurrentActor, session: WriteSession
) -> ConnectionPublic:
    return await connections.create_connection(session, actor, data)


@router.get("", summary="List connections with their health")
async def list_ats_connections(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[ConnectionPublic]:
    return PagePublic.of(await connections.list_connections(session, actor, page))


@router.get("/{connection_id}", summary="One connection with its health")
async def read_ats_connection(
    connection_id: uuid.UUID, actor: CurrentActor, session: ReadSession, response: Response
) -> ConnectionPublic:
    connection = await connections.get_connection(session, actor, connection_id)
    response.headers["ETag"] = etag(connection.version)
    return connection


@router.patch(
    "/{connection_id}",
    summary="Change the name, credentials, secret, base URL or maps",
    responses=PATCH_RESPONSES,
)
async def update_ats_connection(
    connection_id: uuid.UUID,
    data: ConnectionUpdate,
    actor: CurrentActor,
    session: WriteSession,
    version: IfMatch,
    response: Response,
) -> ConnectionPublic:
    connection = await connections.update_connection(session, actor, connection_id, data, version)
    response.headers["ETag"] = etag(connection.version)
    return connection


@router.post(
    "/{connection_id}/pause",
    summary="Pause: webhooks are still stored, nothing is applied, pushed or synced",
    responses=WRITE_RESPONSES,
)
async def pause_ats_connection(
    connection_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> ConnectionPublic:
    return await connections.set_status(session, actor, connection_id, "paused")


@router.post(
    "/{connection_id}/resume",
    summary="Resume: what was stored while paused is applied",
    responses=WRITE_RESPONSES,
)
async def resume_ats_connection(
    connection_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> ConnectionPublic:
    return await connections.set_status(session, actor, connection_id, "active")


@router.delete(
    "/{connection_id}",
    status_code=204,
    summary="Delete the connection (our records stay)",
    responses=WRITE_RESPONSES,
)
async def delete_ats_connection(
    connection_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> Response:
    await connections.delete_connection(session, actor, connection_id)
    return Response(status_code=204)


@router.get("/{connection_id}/events", summary="Vendor events received, with their outcome")
async def list_ats_inbound_events(
    connection_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    page: Paging,
    status: Annotated[
        Literal["pending", "applied", "ignored", "failed"] | None,
        Query(description="Only this outcome"),
    ] = None,
) -> PagePublic[InboundEventPublic]:
    return PagePublic.of(await sync.list_inbound(session, actor, connection_id, status, page))


@router.post(
    "/{connection_id}/sync",
    status_code=202,
    summary="Start a full import (or a reconciliation) from the vendor",
    responses=WRITE_RESPONSES,
)
async def start_ats_sync(
    connection_id: uuid.UUID,
    actor: CurrentActor,
    session: WriteSession,
    kind: Annotated[
        Literal["full", "incremental"],
        Query(
            description="full: every job, candidate and application; incremental: what changed since the last sync"
        ),
    ] = "full",
) -> SyncPublic:
    return await sync.start(session, actor, connection_id, SyncStart(kind=kind))


@router.get("/{connection_id}/sync", summary="Progress of the latest sync")
async def read_ats_sync(
    connection_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> SyncPublic:
    return await sync.latest(session, actor, connection_id)
