"""The worker's ATS side: apply vendor events from the inbox, push our changes to vendors, and
advance imports page by page.

Each unit of work is leased (SKIP LOCKED + claimed_until), done in its own transaction and
recorded with its outcome, so a worker killed at any point loses nothing and any number of
workers share the work.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Database
from app.domain.integrations import apply, pushes, repository, sync
from app.domain.integrations.models import Connection, InboundEvent
from app.errors import DomainError
from app.integrations.ats.base import (
    ApplicationSeen,
    Change,
    Hired,
    Inbound,
    RefreshesApplications,
    Rejected,
    StageChanged,
    VendorError,
)
from app.integrations.ats.registry import adapter_for
from app.settings import Settings

log = logging.getLogger("hireloop.worker.ats")

MAX_ATTEMPTS = 8


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    return timedelta(seconds=min(3600, 5 * 2 ** (attempts - 1)))


async def _refreshed(
    session: AsyncSession,
    http: httpx.AsyncClient,
    settings: Settings,
    connection: Connection,
    changes: list[Change],
) -> list[Change]:
    """For vendors whose webhooks carry ids only, read each application's current state."""
    adapter = adapter_for(connection.provider)
    if not isinstance(adapter, RefreshesApplications):
        return changes
    credentials = sync.credentials_of(session, connection)
    fresh: list[Change] = []
    for change in changes:
        if isinstance(change, ApplicationSeen | StageChanged | Rejected | Hired):
            current = await adapter.fetch_application(
                http, credentials, change.application.external_id, settings
            )
            # The vendor's current state is the truth, whatever the event said it was.
            fresh.append(ApplicationSeen(current))
        else:
            fresh.append(change)
    return fresh


async def apply_one(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, event_id: uuid.UUID
) -> None:
    error: str | None = None
    transient = False
    retry_after: float | None = None
    async with db.transaction() as session:
        event = await repository.get_inbound_for_update(session, event_id)
        if event is None or event.status != "pending" or event.claimed_by != worker:
            return
        connection = await repository.get_connection_by_id(session, event.connection_id)
        assert connection is not None
        try:
            async with session.begin_nested():
                status, outcome = await _apply(session, http, settings, connection, event)
        except VendorError as exc:
            error, transient, retry_after = str(exc), exc.transient, exc.retry_after
        except (apply.NotApplicable, DomainError) as exc:
            error = str(exc)
        except Exception as exc:
            log.exception("applying vendor event %s failed", event.id)
            error, transient = f"{type(exc).__name__}: {exc}", True
        event.attempts += 1
        event.claimed_until = event.claimed_by = None
        if error is None:
            event.status, event.outcome, event.processed_at = status, outcome, utcnow()
            return
        await repository.note_error(session, connection.id, "inbound", error)
        if transient and event.attempts < MAX_ATTEMPTS:
            event.next_attempt_at = utcnow() + _backoff(event.attempts, retry_after)
            event.outcome = f"retrying: {error}"[:1000]
        else:
            event.status, event.outcome, event.processed_at = "failed", error[:1000], utcnow()


async def _apply(
    session: AsyncSession,
    http: httpx.AsyncClient,
    settings: Settings,
    connection: Connection,
    event: InboundEvent,
) -> tuple[str, str]:
    adapter = adapter_for(connection.provider)
    changes = adapter.parse(Inbound(event.vendor_event_id, event.event_type, event.payload))
    changes = await _refreshed(session, http, settings, connection, changes)
    actor = await apply.acting_for(session, connection)
    apply.mark_origin(session, connection)
    result = apply.Applied()
    acted = [await apply.apply_change(session, actor, connection, c, result) for c in changes]
    notes = "; ".join(result.notes or [])
    if not any(acted):
        return "ignored", notes or "nothing to apply"
    summary = f"created {result.created}, updated {result.updated}"
    return "applied", f"{summary}; {notes}" if notes else summary


async def apply_due(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, limit: int = 50
) -> int:
    async with db.transaction() as session:
        ids = await repository.claim_inbound(session, worker, limit, settings.worker_lease_seconds)
    for event_id in ids:
        await apply_one(db, http, settings, worker, event_id)
    return len(ids)


async def push_one(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, push_id: uuid.UUID
) -> None:
    async with db.transaction() as session:
        push = await repository.get_push_for_update(session, push_id)
        if push is None or push.status != "pending" or push.claimed_by != worker:
            return
        connection = await repository.get_connection_by_id(session, push.connection_id)
        assert connection is not None
        push.attempts += 1
        push.claimed_until = push.claimed_by = None
        try:
            change = await pushes.build(session, connection, push)
            await adapter_for(connection.provider).push(
                http, sync.credentials_of(session, connection), change, settings
            )
        except pushes.Skip as exc:
            push.status, push.last_error, push.done_at = "skipped", str(exc)[:1000], utcnow()
        except VendorError as exc:
            # Never retry what the vendor refused (4xx other than 429): it would refuse again.
            await repository.note_error(session, connection.id, "push", str(exc))
            if exc.transient and push.attempts < MAX_ATTEMPTS:
                push.next_attempt_at = utcnow() + _backoff(push.attempts, exc.retry_after)
                push.last_error = str(exc)[:1000]
            else:
                push.status, push.last_error, push.done_at = "failed", str(exc)[:1000], utcnow()
        else:
            push.status, push.done_at, push.last_error = "done", utcnow(), None


async def push_due(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, limit: int = 50
) -> int:
    async with db.transaction() as session:
        ids = await repository.claim_pushes(session, worker, limit, settings.worker_lease_seconds)
    for push_id in ids:
        await push_one(db, http, settings, worker, push_id)
    return len(ids)


async def sync_step(db: Database, http: httpx.AsyncClient, settings: Settings, worker: str) -> bool:
    """Import one page of one sync; True when there was a page to import."""
    async with db.transaction() as session:
        run = await repository.claim_sync(session, worker, settings.worker_lease_seconds)
    if run is None:
        return False
    async with db.transaction() as session:
        locked = await repository.get_sync_for_update(session, run.id, worker)
        if locked is None:
            return False
        connection = await repository.get_connection_by_id(session, locked.connection_id)
        assert connection is not None
        try:
            async with session.begin_nested():
                finished = await sync.run_page(session, http, settings, locked, connection)
        except VendorError as exc:
            await repository.note_error(session, connection.id, "sync", str(exc))
            if exc.transient:
                sync.keep_error(locked, str(exc))
                # Hand the sync back; the lease end is when it may be tried again.
                wait = exc.retry_after if exc.retry_after is not None else 5.0
                locked.claimed_until = utcnow() + timedelta(seconds=wait)
                locked.claimed_by = None
                return True
            sync.fail(session, locked, str(exc))
            return True
        except apply.NotApplicable as exc:
            sync.fail(session, locked, str(exc))
            return True
        if not finished:
            # Keep the lease for the next page; a dead worker's lease simply runs out.
            locked.claimed_until = utcnow() + timedelta(seconds=settings.worker_lease_seconds)
    return True


async def reconcile(session: AsyncSession) -> int:
    """Periodic: an incremental sync for every active connection synced before, so a missed
    webhook is repaired by the next reconciliation."""
    connections = await repository.connections_to_reconcile(session)
    for connection in connections:
        sync.start_reconciliation(session, connection)
    return len(connections)
