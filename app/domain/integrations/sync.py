"""Backfill and reconciliation, and the vendor-event inbox as the API shows it.

A sync walks the vendor's jobs, then candidates, then applications, one page at a time. The
worker reads the page from the vendor with no transaction open (`read_page`), then imports it in
a transaction of its own (`import_page`): the page's records and the sync's position (resource +
the vendor's cursor) commit together, so a worker that dies mid-page leaves the position at the
last committed page, and the page is read again by whichever worker takes the sync over. Records
are matched through external refs, so a page read twice creates nothing twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.events import service as events
from app.domain.integrations import apply, batch, repository
from app.domain.integrations.connections import read_credentials
from app.domain.integrations.models import Connection, InboundEvent, SyncRun
from app.domain.integrations.schemas import InboundEventPublic, SyncPublic, SyncStart
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.repository import owned
from app.errors import Conflict, NotFound
from app.integrations.ats.base import (
    Credentials,
    VendorApplication,
    VendorCandidate,
    VendorJob,
    VendorPage,
)
from app.integrations.ats.registry import adapter_for
from app.settings import Settings

log = logging.getLogger("hireloop.ats.sync")

RESOURCES = ("jobs", "candidates", "applications")
# Reconciliation reads what changed since the last sync began, with a margin for clock skew
# between us and the vendor.
RECONCILE_MARGIN = timedelta(minutes=5)
MAX_KEPT_ERRORS = 20


async def _connection(session: AsyncSession, actor: Actor, connection_id: uuid.UUID) -> Connection:
    connection = await repository.get_connection(session, actor.organization_id, connection_id)
    if connection is None:
        raise NotFound("ATS connection", connection_id)
    return connection


async def start(
    session: AsyncSession, actor: Actor, connection_id: uuid.UUID, data: SyncStart
) -> SyncPublic:
    actor.require(PermissionSet.admin)
    connection = await _connection(session, actor, connection_id)
    if connection.status != "active":
        raise Conflict("The connection is paused; resume it before syncing")
    running = await repository.active_sync(session, connection.id)
    if running is not None:
        raise Conflict(f"A sync is already under way ({running.id})", sync_id=str(running.id))
    run = new_run(connection, data.kind)
    session.add(run)
    await session.flush()
    _record(session, actor, run, "sync.started")
    return SyncPublic.model_validate(run)


def new_run(connection: Connection, kind: str) -> SyncRun:
    since = None
    if kind == "incremental" and connection.last_sync_at is not None:
        since = connection.last_sync_at - RECONCILE_MARGIN
    return SyncRun(
        organization_id=connection.organization_id,
        connection_id=connection.id,
        kind=kind,
        # Reconciliation needs only applications: they carry their candidate and job.
        resource="jobs" if kind == "full" else "applications",
        updated_since=since,
    )


def _record(session: AsyncSession, actor: Actor | None, run: SyncRun, type: str) -> None:
    events.record(
        session,
        run.organization_id,
        actor,
        type,
        "integration_connection",
        run.connection_id,
        {
            "connection_id": str(run.connection_id),
            "sync_id": str(run.id),
            "kind": run.kind,
            "status": run.status,
            "created": run.created,
            "updated": run.updated,
            "errors": run.errors,
        },
    )


async def latest(session: AsyncSession, actor: Actor, connection_id: uuid.UUID) -> SyncPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    await _connection(session, actor, connection_id)
    run = await repository.latest_sync(session, actor.organization_id, connection_id)
    if run is None:
        raise NotFound(f"A sync of ATS connection {connection_id}")
    return SyncPublic.model_validate(run)


async def get_sync(session: AsyncSession, actor: Actor, sync_id: uuid.UUID) -> SyncPublic:
    """One sync by its id alone (GraphQL's node(id:)); 404 outside the caller's organization."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    run = await owned(session, SyncRun, actor.organization_id, sync_id)
    if run is None:
        raise NotFound("ATS sync", sync_id)
    return SyncPublic.model_validate(run)


async def get_inbound(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID
) -> InboundEventPublic:
    """One stored vendor event by its id alone (GraphQL's node(id:)); 404 outside the caller's
    organization."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    event = await owned(session, InboundEvent, actor.organization_id, event_id)
    if event is None:
        raise NotFound("ATS inbound event", event_id)
    return InboundEventPublic.model_validate(event)


async def list_inbound(
    session: AsyncSession,
    actor: Actor,
    connection_id: uuid.UUID,
    status: str | None,
    page: PageRequest,
) -> Page[InboundEventPublic]:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    await _connection(session, actor, connection_id)
    rows = await repository.list_inbound(
        session, actor.organization_id, connection_id, status, page
    )
    result = to_page(rows, page, lambda e: (e.received_at, e.id))
    return Page([InboundEventPublic.model_validate(e) for e in result.items], result.next_cursor)


def credentials_of(session: AsyncSession, connection: Connection) -> Credentials:
    return Credentials(read_credentials(session, connection), connection.base_url)


@dataclass(frozen=True)
class Position:
    """Where a sync reads next, as read before its page is asked for."""

    resource: str
    cursor: str | None
    updated_since: datetime | None

    @classmethod
    def of(cls, run: SyncRun) -> Position:
        return cls(run.resource, run.cursor, run.updated_since)


async def read_page(
    http: httpx.AsyncClient,
    settings: Settings,
    provider: str,
    credentials: Credentials,
    position: Position,
) -> VendorPage:
    """The vendor's page at this position. Called with no transaction open; raises VendorError
    when the vendor cannot be read (the caller decides when to retry)."""
    return await adapter_for(provider).list_page(
        http,
        credentials,
        position.resource,  # type: ignore[arg-type]
        position.cursor,
        position.updated_since,
        settings,
    )


async def import_page(
    session: AsyncSession, run: SyncRun, connection: Connection, page: VendorPage
) -> bool:
    """Import a page read by `read_page` and move the sync on, in the caller's transaction (with
    the sync's row locked); True when the sync is finished."""
    actor = await apply.acting_for(session, connection)
    apply.mark_origin(session, connection)
    try:
        result = await _import_page(session, actor, connection, run, page.items)
    finally:
        apply.forget_refs(session)
    run.created += result.created
    run.updated += result.updated
    run.pages_done += 1
    run.cursor = page.next_cursor
    if page.next_cursor is None:
        following = RESOURCES.index(run.resource) + 1
        if run.kind == "full" and following < len(RESOURCES):
            run.resource = RESOURCES[following]
        else:
            run.status, run.finished_at = "done", utcnow()
            run.claimed_until = run.claimed_by = None
            assert run.started_at is not None
            connection.last_sync_at = run.started_at
            _record(session, None, run, "sync.finished")
            return True
    return False


async def _import_page(
    session: AsyncSession,
    actor: Actor,
    connection: Connection,
    run: SyncRun,
    items: Sequence[VendorJob | VendorCandidate | VendorApplication],
) -> apply.Applied:
    """The page in one savepoint (the usual case: every record goes in), set-based for
    candidates and applications (batch.py); if any record fails, the page is rolled back and
    imported again one savepoint per record, so one bad record is kept as an error and does
    not stop the rest."""
    if items and not any(isinstance(item, VendorJob) for item in items):
        try:
            async with session.begin_nested():
                return await batch.import_items(
                    session,
                    actor,
                    connection,
                    [item for item in items if not isinstance(item, VendorJob)],
                )
        except Exception:
            log.debug(
                "the page did not go in as a batch; importing it record by record", exc_info=True
            )
    await apply.prefetch_refs(session, connection, _keys(items))
    result = apply.Applied()
    try:
        async with session.begin_nested():
            for item in items:
                await _import(session, actor, connection, item, result)
        return result
    except Exception:
        log.debug("a record of the page failed; importing it record by record", exc_info=True)
    await apply.prefetch_refs(session, connection, _keys(items))
    result = apply.Applied()
    for item in items:
        try:
            async with session.begin_nested():
                await _import(session, actor, connection, item, result)
        except apply.NotApplicable as exc:
            apply.forget_refs(session)
            keep_error(run, str(exc))
            log.warning(
                "ATS sync %s (connection %s): record %s not imported: %s",
                run.id,
                connection.id,
                item.external_id,
                str(exc)[:300],
            )
        except Exception as exc:  # one bad record must not stop the import
            apply.forget_refs(session)
            keep_error(run, f"{type(exc).__name__}: {exc}")
            log.warning(
                "ATS sync %s (connection %s): record %s not imported: %s",
                run.id,
                connection.id,
                item.external_id,
                type(exc).__name__,
            )
    return result


def _keys(items: Sequence[VendorJob | VendorCandidate | VendorApplication]) -> list[apply.RefKey]:
    """The links a page's records are looked up by."""
    keys: list[apply.RefKey] = []
    for item in items:
        if isinstance(item, VendorJob):
            keys.append(("role", item.external_id))
        elif isinstance(item, VendorCandidate):
            keys.append(("candidate", item.external_id))
        else:
            keys.append(("application", item.external_id))
            keys.append(("candidate", item.candidate.external_id))
            if item.job_external_id is not None:
                keys.append(("role", item.job_external_id))
    return keys


def keep_error(run: SyncRun, reason: str) -> None:
    run.errors += 1
    entry: dict[str, Any] = {
        "at": utcnow().isoformat(),
        "resource": run.resource,
        "reason": reason[:500],
    }
    run.last_errors = [entry, *run.last_errors][:MAX_KEPT_ERRORS]


async def _import(
    session: AsyncSession,
    actor: Actor,
    connection: Connection,
    item: VendorJob | VendorCandidate | VendorApplication,
    result: apply.Applied,
) -> None:
    if isinstance(item, VendorJob):
        await apply.import_job(session, actor, connection, item, result)
    elif isinstance(item, VendorCandidate):
        await apply.ensure_candidate(session, actor, connection, item, result)
    else:
        await apply.upsert_application(session, actor, connection, item, result)


def fail(session: AsyncSession, run: SyncRun, reason: str) -> None:
    keep_error(run, reason)
    run.status, run.finished_at = "failed", utcnow()
    run.claimed_until = run.claimed_by = None
    _record(session, None, run, "sync.finished")


def start_reconciliation(session: AsyncSession, connection: Connection) -> SyncRun:
    """The periodic job's incremental sync, recorded like one an admin starts."""
    run = new_run(connection, "incremental")
    session.add(run)
    _record(session, None, run, "sync.started")
    return run
