"""The worker's ATS side: apply vendor events from the inbox, push our changes to vendors, and
advance imports page by page.

Each unit of work has one shape: it is leased (SKIP LOCKED + claimed_until) in a short
transaction; what it needs is read in another short one; the vendor is called with no
transaction open and no row locked; the outcome is recorded in a new transaction, and only if
the row still carries this worker's claim (a worker whose lease ran out during the call, and
whose work was taken over, records nothing). A worker killed at any point loses nothing (its
lease runs out and the work is done again) and any number of workers share the work.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Database
from app.domain.integrations import apply, pushes, repository, sync
from app.domain.integrations.models import Connection, InboundEvent, SyncRun
from app.errors import DomainError
from app.integrations.ats.base import (
    ApplicationSeen,
    Change,
    Credentials,
    Hired,
    Inbound,
    Push,
    RefreshesApplications,
    Rejected,
    StageChanged,
    VendorError,
    VendorPage,
)
from app.integrations.ats.registry import adapter_for
from app.settings import Settings
from app.worker.metrics import metrics

T = TypeVar("T")

log = logging.getLogger("hireloop.worker.ats")

MAX_ATTEMPTS = 8


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    return timedelta(seconds=min(3600, 5 * 2 ** (attempts - 1)))


@dataclass(frozen=True)
class _Ask:
    """Changes that must be checked with the vendor before they are applied."""

    adapter: RefreshesApplications
    changes: list[Change]
    credentials: Credentials


async def _claimed(
    session: AsyncSession, worker: str, event_id: uuid.UUID
) -> tuple[InboundEvent, Connection] | None:
    event = await repository.get_inbound_for_update(session, event_id)
    if event is None or event.status != "pending" or event.claimed_by != worker:
        return None
    connection = await repository.get_connection_by_id(session, event.connection_id)
    assert connection is not None
    return event, connection


def _plan(
    session: AsyncSession, event: InboundEvent, connection: Connection
) -> list[Change] | _Ask | Exception:
    """What a vendor event means: its changes, ready to apply, or what the vendor must be
    asked first (vendors whose webhooks carry ids only, Lever: each application's current
    state and its posting's title)."""
    adapter = adapter_for(connection.provider)
    changes = adapter.parse(Inbound(event.vendor_event_id, event.event_type, event.payload))
    if not isinstance(adapter, RefreshesApplications) or not any(
        isinstance(c, ApplicationSeen | StageChanged | Rejected | Hired) for c in changes
    ):
        return changes
    try:
        return _Ask(adapter, changes, sync.credentials_of(session, connection))
    except Exception as exc:
        return exc


async def _ask(http: httpx.AsyncClient, settings: Settings, ask: _Ask) -> list[Change] | Exception:
    """The changes with the vendor's current state; called with no transaction open."""
    fresh: list[Change] = []
    try:
        for change in ask.changes:
            if isinstance(change, ApplicationSeen | StageChanged | Rejected | Hired):
                current = await ask.adapter.fetch_application(
                    http, ask.credentials, change.application.external_id, settings
                )
                # The vendor's current state is the truth, whatever the event said it was.
                fresh.append(ApplicationSeen(current))
            else:
                fresh.append(change)
    except Exception as exc:
        return exc
    return fresh


async def apply_one(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, event_id: uuid.UUID
) -> str | None:
    """Apply one vendor event; returns its outcome (applied, ignored, retrying, failed), or
    None when it was no longer this worker's to apply (apply_due claimed it).

    An event whose changes need no vendor call is applied and recorded in one transaction. One
    the vendor must be asked about first is read in a short transaction, the vendor is asked
    with no transaction open and no row locked, and it is applied and recorded in a new one."""
    async with db.transaction() as session:
        claimed = await _claimed(session, worker, event_id)
        if claimed is None:
            return None
        plan = _plan(session, *claimed)
        if not isinstance(plan, _Ask):
            return await _apply_and_record(session, *claimed, plan)
    fetched = await _ask(http, settings, plan)
    async with db.transaction() as session:
        claimed = await _claimed(session, worker, event_id)
        if claimed is None:
            return None
        return await _apply_and_record(session, *claimed, fetched)


async def _apply_and_record(
    session: AsyncSession,
    event: InboundEvent,
    connection: Connection,
    fetched: list[Change] | Exception,
) -> str:
    error: str | None = None
    transient = False
    retry_after: float | None = None
    try:
        if isinstance(fetched, Exception):
            raise fetched
        async with session.begin_nested():
            status, outcome = await _apply(session, connection, fetched)
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
        return status
    await repository.note_error(session, connection.id, "inbound", error)
    if transient and event.attempts < MAX_ATTEMPTS:
        event.next_attempt_at = utcnow() + _backoff(event.attempts, retry_after)
        event.outcome = f"retrying: {error}"[:1000]
        result = "retrying"
    else:
        event.status, event.outcome, event.processed_at = "failed", error[:1000], utcnow()
        result = "failed"
    log.warning(
        "vendor event %s (%s %s, connection %s, organization %s) attempt %d failed: %s; %s",
        event.id,
        connection.provider,
        event.vendor_event_id,
        connection.id,
        event.organization_id,
        event.attempts,
        error[:300],
        f"retrying at {event.next_attempt_at.isoformat()}" if result == "retrying" else "given up",
    )
    return result


async def _apply(
    session: AsyncSession, connection: Connection, changes: list[Change]
) -> tuple[str, str]:
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
        started = time.perf_counter()
        outcome = await apply_one(db, http, settings, worker, event_id)
        if outcome is not None:
            metrics.outcome("ats_inbound_event", outcome, time.perf_counter() - started)
    return len(ids)


# What a worker keeps of its lease for recording the outcome after a vendor call (at most a
# fifth of what is left, for short leases).
RECORD_MARGIN_S = 5.0


async def _within_lease(call: Callable[[], Awaitable[T]], until: datetime | None) -> T:
    """Make a vendor call (with its own retries and Retry-After waits) end before the claim's
    lease does, less a margin to record it. A call cut short is a transient failure, retried
    later; one that ran on would be taken over by another worker and sent twice."""
    remaining = None if until is None else (until - utcnow()).total_seconds()
    budget = None if remaining is None else remaining - min(RECORD_MARGIN_S, remaining / 5)
    if budget is not None and budget <= 0:
        raise VendorError("the lease ran out before the vendor could be called", transient=True)
    try:
        async with asyncio.timeout(budget):
            return await call()
    except TimeoutError as exc:
        raise VendorError(
            f"the vendor did not answer within this worker's lease ({budget:.0f} s)",
            transient=True,
        ) from exc


@dataclass(frozen=True)
class _Claim:
    """A lease as it was when its work was read. The outcome is recorded only if the row still
    carries it: a worker whose lease ran out while it waited for the vendor, and whose work
    another worker took over (a new `claimed_by`, a new `claimed_until`) or finished (the claim
    cleared), records nothing over that worker's outcome."""

    worker: str
    until: datetime | None

    def held_by(self, claimed_by: str | None, claimed_until: datetime | None) -> bool:
        return claimed_by == self.worker and claimed_until == self.until


@dataclass(frozen=True)
class _PushToSend:
    provider: str
    credentials: Credentials
    change: Push
    claim: _Claim


async def push_one(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, push_id: uuid.UUID
) -> str | None:
    """Push one change to the vendor; returns its outcome (done, skipped, retrying, failed), or
    None when it was no longer this worker's to push. Claim (push_due), build the push in a
    short transaction (_push_to_send), send it with no transaction open and no row locked
    (here), record the outcome in a new transaction if the claim still holds
    (_record_push)."""
    to_send = await _push_to_send(db, worker, push_id)
    if to_send is None or isinstance(to_send, str):
        return to_send
    # No transaction is open from here on: the vendor may be slow, or answer 429.
    failure: VendorError | None = None
    try:
        await _within_lease(
            lambda: adapter_for(to_send.provider).push(
                http, to_send.credentials, to_send.change, settings
            ),
            to_send.claim.until,
        )
    except VendorError as exc:
        failure = exc
    return await _record_push(db, worker, push_id, to_send.claim, failure)


async def _push_to_send(db: Database, worker: str, push_id: uuid.UUID) -> _PushToSend | str | None:
    """The claimed push built from the records as they are now, with what sending it needs;
    "skipped" (recorded here) when there is nothing to send; None when it is not this
    worker's. The push's row is locked only until this short transaction ends."""
    async with db.transaction() as session:
        push = await repository.get_push_for_update(session, push_id)
        if push is None or push.status != "pending" or push.claimed_by != worker:
            return None
        connection = await repository.get_connection_by_id(session, push.connection_id)
        assert connection is not None
        try:
            change = await pushes.build(session, connection, push)
        except pushes.Skip as exc:
            push.attempts += 1
            push.claimed_until = push.claimed_by = None
            push.status, push.last_error, push.done_at = "skipped", str(exc)[:1000], utcnow()
            return "skipped"
        return _PushToSend(
            connection.provider,
            sync.credentials_of(session, connection),
            change,
            _Claim(worker, push.claimed_until),
        )


async def _record_push(
    db: Database, worker: str, push_id: uuid.UUID, claim: _Claim, failure: VendorError | None
) -> str | None:
    async with db.transaction() as session:
        push = await repository.get_push_for_update(session, push_id)
        if push is None:
            return None  # its connection was deleted meanwhile
        if push.status != "pending" or not claim.held_by(push.claimed_by, push.claimed_until):
            log.warning(
                "ATS push %s: the lease of worker %s ran out during the call and the push was "
                "taken over; its outcome (%s) is not recorded",
                push_id,
                worker,
                "done" if failure is None else str(failure)[:300],
            )
            return None
        connection = await repository.get_connection_by_id(session, push.connection_id)
        assert connection is not None
        push.attempts += 1
        push.claimed_until = push.claimed_by = None
        if failure is None:
            push.status, push.done_at, push.last_error = "done", utcnow(), None
            return "done"
        # Never retry what the vendor refused (4xx other than 429): it would refuse again.
        await repository.note_error(session, connection.id, "push", str(failure))
        if failure.transient and push.attempts < MAX_ATTEMPTS:
            push.next_attempt_at = utcnow() + _backoff(push.attempts, failure.retry_after)
            push.last_error = str(failure)[:1000]
            result = "retrying"
        else:
            push.status, push.last_error, push.done_at = "failed", str(failure)[:1000], utcnow()
            result = "failed"
        log.warning(
            "ATS push %s (%s, event %s, connection %s, organization %s) attempt %d failed: %s; %s",
            push.id,
            push.kind,
            push.event_id,
            connection.id,
            push.organization_id,
            push.attempts,
            str(failure)[:300],
            f"retrying at {push.next_attempt_at.isoformat()}"
            if result == "retrying"
            else "given up",
        )
        return result


async def push_due(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, limit: int = 50
) -> int:
    async with db.transaction() as session:
        ids = await repository.claim_pushes(session, worker, limit, settings.worker_lease_seconds)
    for push_id in ids:
        started = time.perf_counter()
        outcome = await push_one(db, http, settings, worker, push_id)
        if outcome is not None:
            metrics.outcome("ats_push", outcome, time.perf_counter() - started)
    return len(ids)


async def sync_step(db: Database, http: httpx.AsyncClient, settings: Settings, worker: str) -> bool:
    """Import one page of one sync; True when there was a page to import."""
    async with db.transaction() as session:
        run = await repository.claim_sync(session, worker, settings.worker_lease_seconds)
    if run is None:
        return False
    started = time.perf_counter()
    outcome = await _sync_page(db, http, settings, worker, run.id)
    if outcome is not None:
        metrics.outcome("ats_sync_page", outcome, time.perf_counter() - started)
    return outcome is not None


async def _sync_page(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, run_id: uuid.UUID
) -> str | None:
    """One page of a claimed sync: imported, finished, retrying or failed (None: no longer
    this worker's). The sync's position is read in a short transaction, the page is asked for
    with no transaction open and no row locked, and it is imported with the new position in a
    new transaction, only if this worker's claim and the position are still as read."""
    async with db.transaction() as session:
        run = await session.get(SyncRun, run_id, populate_existing=True)
        if run is None or run.status != "running" or run.claimed_by != worker:
            return None
        connection = await repository.get_connection_by_id(session, run.connection_id)
        assert connection is not None
        claim, position = _Claim(worker, run.claimed_until), sync.Position.of(run)
        provider, credentials = connection.provider, sync.credentials_of(session, connection)
    # No transaction is open from here on: the vendor may be slow, or answer 429.
    page: VendorPage | VendorError
    try:
        page = await _within_lease(
            lambda: sync.read_page(http, settings, provider, credentials, position), claim.until
        )
    except VendorError as exc:
        page = exc
    async with db.transaction() as session:
        locked = await repository.get_sync_for_update(session, run_id, worker)
        if (
            locked is None
            or locked.status != "running"
            or not claim.held_by(locked.claimed_by, locked.claimed_until)
            or sync.Position.of(locked) != position
        ):
            # The lease ran out while the vendor was asked and another worker took the sync
            # over (or moved it on, or it was deleted with its connection).
            log.warning(
                "ATS sync %s: no longer claimed by worker %s as it was before the %s page was "
                "read; the page is not imported by this worker",
                run_id,
                worker,
                position.resource,
            )
            return None
        connection = await repository.get_connection_by_id(session, locked.connection_id)
        assert connection is not None
        try:
            if isinstance(page, VendorError):
                raise page
            async with session.begin_nested():
                finished = await sync.import_page(session, locked, connection, page)
        except VendorError as exc:
            await repository.note_error(session, connection.id, "sync", str(exc))
            if exc.transient:
                sync.keep_error(locked, str(exc))
                # Hand the sync back; the lease end is when it may be tried again.
                wait = exc.retry_after if exc.retry_after is not None else 5.0
                locked.claimed_until = utcnow() + timedelta(seconds=wait)
                locked.claimed_by = None
                _sync_failed(
                    locked.id, connection, locked.resource, str(exc), f"retrying in {wait:g} s"
                )
                return "retrying"
            sync.fail(session, locked, str(exc))
            _sync_failed(locked.id, connection, locked.resource, str(exc), "given up")
            return "failed"
        except apply.NotApplicable as exc:
            sync.fail(session, locked, str(exc))
            _sync_failed(locked.id, connection, locked.resource, str(exc), "given up")
            return "failed"
        if not finished:
            # Keep the lease for the next page; a dead worker's lease simply runs out.
            locked.claimed_until = utcnow() + timedelta(seconds=settings.worker_lease_seconds)
            return "imported"
    return "finished"


def _sync_failed(
    run_id: uuid.UUID, connection: Connection, resource: str, error: str, then: str
) -> None:
    log.warning(
        "ATS sync %s (%s page, connection %s, organization %s) failed: %s; %s",
        run_id,
        resource,
        connection.id,
        connection.organization_id,
        error[:300],
        then,
    )


async def reconcile(session: AsyncSession) -> int:
    """Periodic: an incremental sync for every active connection synced before, so a missed
    webhook is repaired by the next reconciliation."""
    connections = await repository.connections_to_reconcile(session)
    for connection in connections:
        sync.start_reconciliation(session, connection)
    return len(connections)
