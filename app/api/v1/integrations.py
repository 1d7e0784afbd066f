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
    """Credentials and the webhook secret are encrypted at rest and never returned: the answer
    names which credentials are set, and webhook_url is where to point the vendor's webhooks. A
    base URL is checked against the outbound guard before it is stored."""
    return await connections.create_connection(session, actor, data)


@router.get("", summary="List connections with their health")
async def list_ats_connections(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[ConnectionPublic]:
    """Each connection carries its health (lag, pending and failed events and pushes, recent
    errors), so one read shows whether the ATS is in step. Admins and recruiters."""
    return PagePublic.of(await connections.list_connections(session, actor, page))


@router.get("/{connection_id}", summary="One connection with its health")
async def read_ats_connection(
    connection_id: uuid.UUID, actor: CurrentActor, session: ReadSession, response: Response
) -> ConnectionPublic:
    """The ETag is the connection's version: send it back as If-Match to change the connection
    without overwriting someone else's change."""
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
    """Only the fields sent change; new credentials replace the old ones whole. Stage and rejection
    maps take effect for events applied from now on."""
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
    """For a vendor outage or a migration: nothing is lost while paused, and resuming applies what
    arrived in the meantime in order."""
    return await connections.set_status(session, actor, connection_id, "paused")


@router.post(
    "/{connection_id}/resume",
    summary="Resume: what was stored while paused is applied",
    responses=WRITE_RESPONSES,
)
async def resume_ats_connection(
    connection_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> ConnectionPublic:
    """Events stored while paused are applied in the order they arrived; pushes owed to the vendor
    are sent."""
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
    """Roles, candidates and applications imported through it stay; only the link to the vendor
    (its ids, inbox and sync history) goes."""
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
    """What the vendor sent and what became of each event, to explain a record that did or did not
    change."""
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
    """Answers 202 at once: the import runs in the worker, page by page. One sync at a time per
    connection (409 while one runs); a paused connection does not sync."""
    return await sync.start(session, actor, connection_id, SyncStart(kind=kind))


@router.get("/{connection_id}/sync", summary="Progress of the latest sync")
async def read_ats_sync(
    connection_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> SyncPublic:
    """Poll this after starting a sync: pages done, records created and updated, and the last
    errors."""
    return await sync.latest(session, actor, connection_id)
