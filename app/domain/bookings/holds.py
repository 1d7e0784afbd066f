"""Holds: the offered options of an open booking link kept free for the candidate.

Placed in the link's transaction (busy time at once; the tentative calendar event is a leased
write done later by the worker, with no transaction open), and released the same way: the busy
time goes in the releasing transaction, the calendar event is deleted by the worker. The
interviewers are locked in id order before holds are added, as a booking does, so a hold and a
booking of the same people queue instead of deadlocking."""

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
from app.core.actor import Actor
from app.db import Database
from app.domain.bookings import repository
from app.domain.bookings.models import BookingHold, BookingLink
from app.domain.calendars import leases
from app.domain.calendars import repository as calendars_repo
from app.domain.calendars.connections import grant_for, store_rotated
from app.domain.events import service as events
from app.domain.interviews import repository as interviews_repo
from app.integrations.calendars.base import (
    CalendarError,
    EventChanged,
    EventGone,
    EventHandle,
    EventWrite,
    Grant,
    NeedsReauth,
    loggable,
)
from app.integrations.calendars.registry import adapter_for
from app.settings import Settings

log = logging.getLogger("hireloop.worker.calendars")


async def place(
    session: AsyncSession,
    actor: Actor | None,
    link: BookingLink,
    options: Sequence[dict[str, Any]],
) -> list[BookingHold]:
    """Hold every interviewer (and trainee) of every offered option until the link's holds
    lapse."""
    wanted = [
        (str(o["key"]), uuid.UUID(str(m)), _at(s["start_at"]), _at(s["end_at"]))
        for o in options
        for s in _stages(o)
        for m in (*s["interviewer_ids"], *s.get("trainee_ids", []))
    ]
    member_ids = sorted({m for _, m, _, _ in wanted})
    await interviews_repo.lock_members(session, link.organization_id, member_ids)
    calendars = {
        c.member_id: c
        for c in await calendars_repo.interview_calendars(session, link.organization_id, member_ids)
        if c.can_write
    }
    now = utcnow()
    holds = []
    for key, member_id, start, end in wanted:
        calendar = calendars.get(member_id)
        hold = BookingHold(
            organization_id=link.organization_id,
            link_id=link.id,
            option_key=key,
            member_id=member_id,
            start_at=start,
            end_at=end,
            expires_at=link.holds_expire_at,
            calendar_id=calendar.id if calendar else None,
            action="put" if calendar else None,
            pending=calendar is not None,
            next_attempt_at=now,
        )
        session.add(hold)
        holds.append(hold)
    await session.flush()
    for hold in holds:
        repository.add_busy(session, hold)
    await session.flush()
    if holds:
        events.record(
            session,
            link.organization_id,
            actor,
            "hold.placed",
            "booking_link",
            link.id,
            {
                "link_id": str(link.id),
                "application_id": str(link.application_id),
                "hold_ids": [str(h.id) for h in holds],
                "member_ids": [str(m) for m in member_ids],
                "expires_at": link.holds_expire_at.isoformat(),
            },
        )
    return holds


async def release(
    session: AsyncSession, actor: Actor | None, link: BookingLink, reason: str
) -> list[BookingHold]:
    """Free the link's held time now; their calendar events are deleted by the worker."""
    holds = list(await repository.live_holds(session, link.id))
    if not holds:
        return []
    now = utcnow()
    await repository.drop_busy(session, holds)
    for hold in holds:
        hold.released_at, hold.release_reason = now, reason
        if hold.calendar_id is None:
            continue
        in_flight = hold.claimed_until is not None and hold.claimed_until > now
        hold.action = "delete"
        # Never written and nobody writing it: nothing to remove from the calendar.
        hold.pending = hold.remote_id is not None or in_flight
        hold.attempts, hold.failed, hold.next_attempt_at = 0, False, now
    await session.flush()
    events.record(
        session,
        link.organization_id,
        actor,
        "hold.released",
        "booking_link",
        link.id,
        {
            "link_id": str(link.id),
            "application_id": str(link.application_id),
            "hold_ids": [str(h.id) for h in holds],
            "reason": reason,
        },
    )
    return holds


def _stages(option: dict[str, Any]) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = option["stages"]
    return stages


def _at(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


# --- the tentative events, written by the worker -----------------------------------------


async def claim(
    session: AsyncSession, worker: str, lease_seconds: float, limit: int
) -> list[uuid.UUID]:
    return await repository.claim_due_writes(session, worker, lease_seconds, limit)


@dataclass(frozen=True)
class _Job:
    hold_id: uuid.UUID
    connection_id: uuid.UUID
    provider: str
    calendar_remote_id: str
    action: str
    handle: EventHandle | None
    event: EventWrite
    grant: Grant


def hold_uid(hold_id: uuid.UUID) -> str:
    """Ends like every UID we write, so the calendar sync does not mirror it back as busy."""
    return f"hold-{hold_id}@hireloop"


async def _load(db: Database, settings: Settings, worker: str, hold_id: uuid.UUID) -> _Job | None:
    async with db.transaction() as session:
        hold = await repository.get_hold(session, hold_id)
        if hold is None or hold.claimed_by != worker or not hold.pending:
            return None
        found = (
            await calendars_repo.calendar_with_connection(session, hold.calendar_id)
            if hold.calendar_id
            else None
        )
        if found is None or hold.action is None:
            hold.pending, hold.claimed_until, hold.claimed_by = False, None, None
            return None
        calendar, connection = found
        if connection.status != "active":
            hold.claimed_until = hold.claimed_by = None
            hold.next_attempt_at = utcnow() + timedelta(minutes=15)
            return None
        return _Job(
            hold_id=hold.id,
            connection_id=connection.id,
            provider=connection.provider,
            calendar_remote_id=calendar.remote_id,
            action=hold.action,
            handle=EventHandle(hold.remote_id, hold.etag) if hold.remote_id else None,
            event=EventWrite(
                uid=hold_uid(hold.id),
                sequence=0,
                summary="Hold: interview being booked by a candidate",
                description=(
                    "Held while a candidate chooses among offered interview times. "
                    "It disappears when they book, or when the offer lapses."
                ),
                start=hold.start_at,
                end=hold.end_at,
                status="tentative",
            ),
            grant=grant_for(settings, connection, calendar.subject),
        )


async def write_one(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, hold_id: uuid.UUID
) -> bool:
    """Put or delete one claimed hold's tentative event; True when recorded as done."""
    job = await _load(db, settings, worker, hold_id)
    if job is None:
        return False
    adapter = adapter_for(job.provider)
    handle = job.handle
    try:
        await adapter.authorize(http, job.grant, settings)
        if job.action == "delete":
            if handle is not None:
                try:
                    await adapter.delete_event(
                        http, job.grant, job.calendar_remote_id, handle, settings
                    )
                except EventChanged:
                    await adapter.delete_event(
                        http,
                        job.grant,
                        job.calendar_remote_id,
                        EventHandle(handle.remote_id, None),
                        settings,
                    )
                except EventGone:
                    pass
            handle = None
        else:
            try:
                handle = await adapter.put_event(
                    http, job.grant, job.calendar_remote_id, job.event, handle, settings
                )
            except (EventChanged, EventGone):
                handle = await adapter.put_event(
                    http, job.grant, job.calendar_remote_id, job.event, None, settings
                )
    except NeedsReauth as exc:
        log.warning("hold write %s failed: its calendar connection needs reauthorization", hold_id)
        await _give_back(db, job, worker, str(exc), reauth=True)
        return False
    except CalendarError as exc:
        log.warning("hold write %s failed: %s", hold_id, loggable(exc))
        await _give_back(
            db, job, worker, str(exc), transient=exc.transient, retry_after=exc.retry_after
        )
        return False
    async with db.transaction() as session:
        hold = await repository.get_hold_for_update(session, job.hold_id)
        if hold is None or hold.claimed_by != worker:
            return False
        hold.remote_id = handle.remote_id[:1000] if handle else None
        hold.etag = ((handle.etag or "")[:300] or None) if handle else None
        hold.claimed_until = hold.claimed_by = None
        hold.attempts, hold.last_error, hold.failed = 0, None, False
        # Released while we wrote it: the delete stays pending for the next round.
        hold.pending = hold.action != job.action
        if job.grant.changed:
            connection = await calendars_repo.get_connection_by_id(session, job.connection_id)
            if connection is not None:
                store_rotated(settings, connection, job.grant)
    return True


async def _give_back(
    db: Database,
    job: _Job,
    worker: str,
    reason: str,
    *,
    transient: bool = False,
    retry_after: float | None = None,
    reauth: bool = False,
) -> None:
    async with db.transaction() as session:
        await leases.give_back(
            session,
            await repository.get_hold_for_update(session, job.hold_id),
            worker,
            job.connection_id,
            reason,
            transient=transient,
            retry_after=retry_after,
            reauth=reauth,
        )
