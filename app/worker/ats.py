"""The worker's ATS side: apply vendor events from the inbox, push our changes to vendors, and
advance imports page by page.

Each unit of work has one shape: it is leased (SKIP LOCKED + claimed_until) in a short
transaction; what it needs is read in another short one; the vendor is called with no
transaction open and no row locked; the outcome is recorded in a new transaction, and only if
the row still carries this worker's claim (a worker whose lease ran out during the call, and
whose work was taken over, records nothing). A worker killed at any point loses nothing (its
lease runs out and the work is done again) and any number of workers share the work.

Vendor events are claimed and applied in batches (app/domain/integrations/batch.py): one
batch costs a few statements per table however many events it holds, and the events about
one record are applied in the order they were received. Where the vendor must be asked first
(Lever), several records are asked about at once, each record's events in turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Database
from app.domain.integrations import apply, batch, pushes, repository, sync
from app.domain.integrations.models import Connection, InboundEvent
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
from app.integrations.retry import doubling
from app.settings import Settings
from app.worker.metrics import metrics

T = TypeVar("T")
U = TypeVar("U")

log = logging.getLogger("hireloop.worker.ats")

MAX_ATTEMPTS = 8


# 5 s doubling to an hour, each wait jittered over its half to its whole, or the vendor's
# Retry-After (app/integrations/retry.py); MAX_ATTEMPTS bounds the tries.
BACKOFF = doubling(5, 3600)


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    return timedelta(seconds=BACKOFF.wait(attempts, retry_after=retry_after) or 0.0)


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


def _plan_inbound(
    session: AsyncSession, inbound: Inbound, connection: Connection
) -> list[Change] | _Ask | Exception:
    """What a vendor event means: its changes, ready to apply, or what the vendor must be
    asked first (vendors whose webhooks carry ids only, Lever: each application's current
    state and its posting's title)."""
    adapter = adapter_for(connection.provider)
    changes = adapter.parse(inbound)
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


# Vendor events claimed and applied at once: one batch is a few statements per table, however
# many events it holds.
APPLY_BATCH = 500
# Vendor calls made at once for a batch's events that need one (Lever), each record's in turn.
ASK_CONCURRENCY = 8


async def apply_due(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, limit: int = APPLY_BATCH
) -> int:
    """Claim due vendor events and apply them as a batch (batch.py); how many were claimed.

    When none needs a vendor call, they are claimed, applied and recorded in one transaction
    (a worker killed meanwhile leaves them as they were, unclaimed). Otherwise the claim
    commits, the vendor is asked about those that need it with no transaction open and no row
    locked (several records at once, each record's events in turn), and all are applied and
    recorded in a new transaction, those still this worker's."""
    started = time.perf_counter()
    asks: list[tuple[uuid.UUID, _Ask]] = []
    async with db.transaction() as session:
        claimed = await repository.claim_inbound_rows(
            session, worker, limit, settings.worker_lease_seconds
        )
        if not claimed:
            return 0
        planned = await _planned(session, claimed)
        asks = [(p.event_id, p.changes) for p in planned if isinstance(p.changes, _Ask)]
        if not asks:
            outcomes = await _apply_planned(session, worker, planned, {})
    if asks:
        fetched = await _ask_all(http, settings, asks)
        async with db.transaction() as session:
            rows = await repository.lock_claimed_inbound(session, worker, [r[0] for r in claimed])
            outcomes = await _apply_planned(session, worker, await _planned(session, rows), fetched)
    each = (time.perf_counter() - started) / len(claimed)
    for outcome in outcomes:
        metrics.outcome("ats_inbound_event", outcome, each)
    return len(claimed)


@dataclass(frozen=True)
class _Planned:
    event_id: uuid.UUID
    connection: Connection
    changes: list[Change] | _Ask | Exception


async def _planned(session: AsyncSession, rows: list[tuple[Any, ...]]) -> list[_Planned]:
    """What each claimed event means (rows as the repository's claim returns them)."""
    connections: dict[uuid.UUID, Connection] = {}
    planned = []
    for event_id, connection_id, _org, vendor_id, event_type, payload, _n in rows:
        connection = connections.get(connection_id)
        if connection is None:
            connection = await repository.get_connection_by_id(session, connection_id)
            assert connection is not None
            connections[connection_id] = connection
        if isinstance(payload, str | bytes):
            payload = orjson.loads(payload)
        try:
            plan = _plan_inbound(session, Inbound(vendor_id, event_type, payload), connection)
        except Exception as exc:
            plan = exc
        planned.append(_Planned(event_id, connection, plan))
    return planned


async def _ask_all(
    http: httpx.AsyncClient, settings: Settings, asks: list[tuple[uuid.UUID, _Ask]]
) -> dict[uuid.UUID, list[Change] | Exception]:
    """Ask the vendor about many events at once, at most ASK_CONCURRENCY calls in flight; the
    events about one record are asked about in the order the vendor sent them."""
    limit = asyncio.Semaphore(ASK_CONCURRENCY)
    chains: dict[str, list[tuple[uuid.UUID, _Ask]]] = {}
    for event_id, ask in asks:
        record = next(
            (
                c.application.external_id
                for c in ask.changes
                if isinstance(c, ApplicationSeen | StageChanged | Rejected | Hired)
            ),
            str(event_id),
        )
        chains.setdefault(record, []).append((event_id, ask))
    fetched: dict[uuid.UUID, list[Change] | Exception] = {}

    async def in_turn(chain: list[tuple[uuid.UUID, _Ask]]) -> None:
        for event_id, ask in chain:
            async with limit:
                fetched[event_id] = await _ask(http, settings, ask)

    await asyncio.gather(*(in_turn(chain) for chain in chains.values()))
    return fetched


async def _apply_planned(
    session: AsyncSession,
    worker: str,
    planned: list[_Planned],
    fetched: dict[uuid.UUID, list[Change] | Exception],
) -> list[str]:
    """Apply and record the events in order: runs of one connection's usual events as one
    batch; an event of another kind (a merge, an erasure) on its own between them, so the
    events about one record keep the vendor's order."""
    outcomes: list[str] = []
    run: list[tuple[uuid.UUID, list[Change]]] = []
    run_connection: Connection | None = None

    async def flush_run() -> None:
        if run and run_connection is not None:
            outcomes.extend(await _apply_run(session, worker, run_connection, list(run)))
        run.clear()

    for p in planned:
        plan = fetched.get(p.event_id, p.changes) if isinstance(p.changes, _Ask) else p.changes
        if isinstance(plan, _Ask):  # asked about in a transaction that found it not yet due
            plan = VendorError("the vendor was not asked in time", transient=True)
        if not isinstance(plan, Exception) and batch.fits(plan):
            if run_connection is not None and run_connection.id != p.connection.id:
                await flush_run()
            run_connection = p.connection
            run.append((p.event_id, plan))
            continue
        if not isinstance(plan, Exception):
            await flush_run()  # what came before about the same records goes in first
        outcome = await _apply_single(session, worker, p.event_id, plan)
        if outcome is not None:
            outcomes.append(outcome)
    await flush_run()
    return outcomes


async def _apply_run(
    session: AsyncSession,
    worker: str,
    connection: Connection,
    run: list[tuple[uuid.UUID, list[Change]]],
) -> list[str]:
    """One connection's events as one batch; if the batch cannot go in whole, each event on its
    own (as before batches), so one bad event is recorded as failed and the rest go in."""
    try:
        async with session.begin_nested():
            actor = await apply.acting_for(session, connection)
            apply.mark_origin(session, connection)
            applied = await batch.apply_events(session, actor, connection, run)
            await repository.record_inbound_outcomes(session, applied)
        return [status for _, status, _ in applied]
    except Exception:
        log.debug("a batch of %d vendor events went in one by one", len(run), exc_info=True)
    outcomes = []
    for event_id, changes in run:
        outcome = await _apply_single(session, worker, event_id, changes)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


async def _apply_single(
    session: AsyncSession, worker: str, event_id: uuid.UUID, plan: list[Change] | Exception
) -> str | None:
    claimed = await _claimed(session, worker, event_id)
    if claimed is None:
        return None
    return await _apply_and_record(session, *claimed, plan)


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


# Pushes sent at once by one worker. Those claimed together are about different records (the
# claim takes one per record), so their order does not matter; each holds a database
# connection only for its two short transactions, never while the vendor answers.
PUSH_CONCURRENCY = 8


async def push_due(
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    worker: str,
    limit: int = 50,
    concurrency: int = PUSH_CONCURRENCY,
) -> int:
    """Claim due pushes (at most one per vendor record) and send them, `concurrency` at a
    time, so one slow vendor call (a 429's Retry-After) delays only its own record."""
    async with db.transaction() as session:
        ids = await repository.claim_pushes(session, worker, limit, settings.worker_lease_seconds)
    await bounded(
        ids, concurrency, lambda push_id: _push_measured(db, http, settings, worker, push_id)
    )
    return len(ids)


async def _push_measured(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, push_id: uuid.UUID
) -> None:
    started = time.perf_counter()
    try:
        outcome = await push_one(db, http, settings, worker, push_id)
    except Exception:
        # Recorded nothing: the lease runs out and the push is tried again, by any worker.
        log.exception("ATS push %s failed before its outcome was recorded", push_id)
        metrics.outcome("ats_push", "crashed", time.perf_counter() - started)
        return
    if outcome is not None:
        metrics.outcome("ats_push", outcome, time.perf_counter() - started)


async def bounded(items: Sequence[U], limit: int, work: Callable[[U], Awaitable[None]]) -> None:
    """`work` for every item, at most `limit` at a time; the items must be independent (about
    different records), since they finish in any order."""
    gate = asyncio.Semaphore(limit)

    async def one(item: U) -> None:
        async with gate:
            await work(item)

    await asyncio.gather(*(one(item) for item in items))


# How long one round goes on with the pages of the sync it claimed before the worker's other
# ATS work (vendor events first) gets its turn. Each page still commits on its own.
SYNC_ROUND_S = 1.0


@dataclass(frozen=True)
class _SyncRead:
    """What reading a claimed sync's next page needs, as it stood when it was read."""

    run_id: uuid.UUID
    provider: str
    credentials: Credentials
    claim: _Claim
    position: sync.Position


# Syncs one worker imports at once (each a different connection's: the claim takes one per
# connection). Each holds a database connection only while a page is imported.
SYNC_CONCURRENCY = 4


async def sync_step(
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    worker: str,
    concurrency: int = SYNC_CONCURRENCY,
) -> bool:
    """Import pages of up to `concurrency` syncs at once, each for up to SYNC_ROUND_S; True
    when there was a page to import.

    The claim and what reading the first pages needs are one short transaction; each page is
    then read with no transaction open and imported with the sync's new position in a
    transaction of its own, which also renews the lease and says where the next page starts,
    so the pages that follow need no claim of their own. One sync's pages go in one after
    another, in the vendor's order."""
    async with db.transaction() as session:
        runs = await repository.claim_syncs(
            session, worker, concurrency, settings.worker_lease_seconds
        )
        reads = []
        for run in runs:
            connection = await repository.get_connection_by_id(session, run.connection_id)
            assert connection is not None
            reads.append(
                _SyncRead(
                    run.id,
                    connection.provider,
                    sync.credentials_of(session, connection),
                    _Claim(worker, run.claimed_until),
                    sync.Position.of(run),
                )
            )
    if not reads:
        return False
    deadline = time.monotonic() + SYNC_ROUND_S
    found: list[bool] = []

    async def pages_of(read: _SyncRead) -> None:
        found.append(await _sync_pages(db, http, settings, worker, read, deadline))

    await bounded(reads, concurrency, pages_of)
    return any(found)


async def _sync_pages(
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    worker: str,
    first: _SyncRead,
    deadline: float,
) -> bool:
    """One claimed sync's pages until it ends or the round's deadline passes; True when a page
    was imported (or its failure recorded)."""
    read: _SyncRead | str | None = first
    found = False
    while isinstance(read, _SyncRead):
        started = time.perf_counter()
        try:
            read = await _sync_page(db, http, settings, worker, read)
        except Exception:
            # Nothing recorded: this worker still holds the lease and takes the page up again
            # next round (another worker once the lease runs out).
            log.exception(
                "ATS sync %s: a page failed before its outcome was recorded", first.run_id
            )
            metrics.outcome("ats_sync_page", "crashed", time.perf_counter() - started)
            return found
        if read is not None:
            found = True
            outcome = read if isinstance(read, str) else "imported"
            metrics.outcome("ats_sync_page", outcome, time.perf_counter() - started)
        if time.monotonic() > deadline:
            break
    return found


async def _sync_page(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, read: _SyncRead
) -> _SyncRead | str | None:
    """One page of a claimed sync: what reading the next one needs once it is imported, or
    finished, retrying or failed (None: no longer this worker's). The page is asked for with
    no transaction open and no row locked, and it is imported with the new position in a new
    transaction, only if this worker's claim and the position are still as read."""
    run_id, provider, credentials = read.run_id, read.provider, read.credentials
    claim, position = read.claim, read.position
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
                wait = BACKOFF.wait(1, retry_after=exc.retry_after) or 0.0
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
            return _SyncRead(
                run_id,
                provider,
                credentials,
                _Claim(worker, locked.claimed_until),
                sync.Position.of(locked),
            )
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
