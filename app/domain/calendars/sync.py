"""Busy time in: each member calendar read from its provider and mirrored into busy_blocks.

Every read has the one shape of background work: the calendar is claimed with a lease (the
claim commits), the provider is read with no transaction open and no row lock held, and each
page is recorded in a new short transaction together with the token the next read starts
from. A worker killed mid-read leaves the last committed page and token: the next claim goes
on from there, and since blocks are upserted on (calendar, UID, occurrence), a page read twice
is mirrored once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import Database, settings_of
from app.domain.calendars import repository
from app.domain.calendars.connections import grant_for, store_rotated
from app.domain.calendars.models import CalendarConnection, MemberCalendar
from app.domain.events import service as events
from app.domain.interviews import replacement
from app.domain.interviews import repository as interviews_repo
from app.domain.organizations import repository as members_repo
from app.integrations.calendars.base import (
    CalendarError,
    ChangePage,
    Grant,
    NeedsReauth,
    RemoteEvent,
    SyncTokenInvalid,
    loggable,
)
from app.integrations.calendars.registry import adapter_for
from app.integrations.retry import doubling
from app.settings import Settings

log = logging.getLogger("hireloop.worker.calendars")

OUR_UID_SUFFIX = "@hireloop"  # interviews (and holds) we wrote: counted from our own tables
MAX_PAGES_PER_CLAIM = 50
FAILURES_BEFORE_EVENT = 3


@dataclass(frozen=True)
class Claimed:
    calendar_id: uuid.UUID
    organization_id: uuid.UUID
    member_id: uuid.UUID
    connection_id: uuid.UUID
    provider: str
    remote_id: str
    sync_token: str | None
    page_token: str | None
    full_read_started_at: datetime | None
    grant: Grant


async def claim(db: Database, worker: str, lease_seconds: float, limit: int) -> list[uuid.UUID]:
    async with db.transaction() as session:
        return await repository.claim_due_calendars(session, worker, lease_seconds, limit)


async def _load(
    db: Database, settings: Settings, worker: str, calendar_id: uuid.UUID
) -> Claimed | None:
    async with db.transaction() as session:
        found = await repository.calendar_with_connection(session, calendar_id)
        if found is None:
            return None
        calendar, connection = found
        if calendar.claimed_by != worker or connection.status != "active":
            return None
        return Claimed(
            calendar_id=calendar.id,
            organization_id=calendar.organization_id,
            member_id=calendar.member_id,
            connection_id=connection.id,
            provider=connection.provider,
            remote_id=calendar.remote_id,
            sync_token=calendar.sync_token,
            page_token=calendar.page_token,
            full_read_started_at=calendar.full_read_started_at,
            grant=grant_for(settings, connection, calendar.subject),
        )


async def sync_calendar(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, calendar_id: uuid.UUID
) -> int:
    """Read one claimed calendar to the end of its changes; returns the pages recorded."""
    claimed = await _load(db, settings, worker, calendar_id)
    if claimed is None:
        return 0
    adapter = adapter_for(claimed.provider)
    now = utcnow()
    window_start, window_end = (
        now - timedelta(days=1),
        now + timedelta(days=settings.calendar_horizon_days),
    )
    token, page_token = claimed.sync_token, claimed.page_token
    pages = 0
    try:
        await adapter.authorize(http, claimed.grant, settings)
        while pages < MAX_PAGES_PER_CLAIM:
            page = await adapter.read_changes(
                http,
                claimed.grant,
                claimed.remote_id,
                sync_token=token,
                page=page_token,
                window_start=window_start,
                window_end=window_end,
                settings=settings,
            )
            pages += 1
            done = await _record_page(db, settings, worker, claimed, page)
            if done or page.next_page is None:
                break
            page_token = page.next_page
    except SyncTokenInvalid:
        log.warning("calendar %s: sync token refused; reading it in full", calendar_id)
        await _restart_full(db, worker, calendar_id)
    except NeedsReauth as exc:
        log.warning("calendar connection %s needs reauthorization", claimed.connection_id)
        await _needs_reauth(db, worker, claimed, str(exc))
    except CalendarError as exc:
        log.warning("calendar %s: read failed: %s", calendar_id, loggable(exc))
        await _failed(db, worker, claimed, str(exc), exc.transient, exc.retry_after)
    return pages


def _block_rows(claimed: Claimed, events_: list[RemoteEvent]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for e in events_:
        if e.uid.endswith(OUR_UID_SUFFIX) or not e.blocks or e.end <= e.start:
            continue
        key = (e.uid[:1000], (e.recurrence_id or "")[:64])
        rows[key] = {
            "id": uuid.uuid4(),
            "organization_id": claimed.organization_id,
            "member_id": claimed.member_id,
            "start_at": e.start,
            "end_at": e.end,
            "source": "calendar",
            "calendar_id": claimed.calendar_id,
            "uid": key[0],
            "recurrence_id": key[1],
            "remote_id": (e.remote_id or "")[:1000] or None,
            "tentative": e.tentative,
            "synced_at": utcnow(),
            "created_at": utcnow(),
        }
    return list(rows.values())


async def _record_page(
    db: Database, settings: Settings, worker: str, claimed: Claimed, page: ChangePage
) -> bool:
    """Record one page; returns True when this worker no longer holds the calendar."""
    async with db.transaction() as session:
        calendar = await repository.get_calendar_for_update(
            session, claimed.organization_id, claimed.calendar_id
        )
        if calendar is None or calendar.claimed_by != worker:
            return True
        for removed in page.removed:
            await repository.remove_blocks(
                session, calendar.id, removed.uid, removed.recurrence_id, removed.remote_id
            )
        # An event that stopped blocking (now free, declined or cancelled) leaves the mirror.
        for e in page.events:
            if not e.blocks:
                await repository.remove_blocks(
                    session, calendar.id, e.uid[:1000], e.recurrence_id or "", None
                )
        await repository.upsert_blocks(session, _block_rows(claimed, page.events))
        await _responses_to_interviews(session, claimed, page.events)
        if page.next_page is not None:
            calendar.page_token = page.next_page
            # A long read keeps its lease page by page.
            calendar.claimed_until = utcnow() + timedelta(
                seconds=float(settings.worker_lease_seconds) * 4
            )
        else:
            if page.full and calendar.full_read_started_at is not None:
                await repository.drop_unseen_blocks(
                    session, calendar.id, calendar.full_read_started_at
                )
            calendar.page_token = None
            calendar.sync_token = page.sync_token
            calendar.full_read_started_at = None
            calendar.last_synced_at = utcnow()
            calendar.next_sync_at = None
            calendar.claimed_until = calendar.claimed_by = None
            calendar.failures, calendar.last_error = 0, None
        if claimed.grant.changed:
            connection = await repository.get_connection_by_id(session, claimed.connection_id)
            if connection is not None:
                store_rotated(settings, connection, claimed.grant)
                claimed.grant.changed = False
    return False


async def _responses_to_interviews(
    session: AsyncSession, claimed: Claimed, remote: list[RemoteEvent]
) -> None:
    """An interviewer's accept or decline made in their own calendar, on an interview we
    wrote there, becomes their answer to the interview (and a decline, interview.declined)."""
    ours = [e for e in remote if e.uid.endswith(OUR_UID_SUFFIX)]
    if not ours:
        return
    member = await members_repo.get_member(session, claimed.organization_id, claimed.member_id)
    if member is None:
        return
    answer = {"accepted": "accepted", "declined": "declined", "tentative": "tentative"}
    for e in ours:
        own = e.self_response or e.responses.get(member.email.lower())
        if own not in answer:
            continue
        interview = await interviews_repo.get_by_ical_uid(session, claimed.organization_id, e.uid)
        if interview is None or interview.status not in ("scheduled", "proposed"):
            continue
        participant = await interviews_repo.participant(session, interview.id, member.id)
        if participant is None or participant.response == answer[own]:
            continue
        participant.response, participant.responded_at = answer[own], utcnow()
        actor = Actor(
            member_id=member.id,
            organization_id=member.organization_id,
            permission_set=PermissionSet(member.permission_set),
            email=member.email,
            name=member.name,
        )
        data = {"interview_id": str(interview.id), "member_id": str(member.id)}
        events.record(
            session,
            member.organization_id,
            actor,
            "interview.responded",
            "interview",
            interview.id,
            {**data, "response": answer[own]},
        )
        if own == "declined":
            events.record(
                session,
                member.organization_id,
                actor,
                "interview.declined",
                "interview",
                interview.id,
                {**data, "via": "calendar"},
            )
            if participant.seat == "interviewer":
                await replacement.after_decline(session, actor, interview, member.id)


async def _restart_full(db: Database, worker: str, calendar_id: uuid.UUID) -> None:
    async with db.transaction() as session:
        calendar = await repository.get_calendar(session, calendar_id)
        if calendar is None or calendar.claimed_by != worker:
            return
        calendar.sync_token = calendar.page_token = None
        calendar.full_read_started_at = None
        calendar.next_sync_at = utcnow()
        calendar.claimed_until = calendar.claimed_by = None


async def _needs_reauth(db: Database, worker: str, claimed: Claimed, reason: str) -> None:
    async with db.transaction() as session:
        connection = await repository.get_connection_for_update(
            session, claimed.organization_id, claimed.connection_id
        )
        calendar = await repository.get_calendar(session, claimed.calendar_id)
        if calendar is not None and calendar.claimed_by == worker:
            calendar.claimed_until = calendar.claimed_by = None
            calendar.last_error, calendar.last_error_at = reason[:1000], utcnow()
        if connection is None or connection.status == "needs_reauth":
            return
        mark_needs_reauth(session, connection, reason)


def mark_needs_reauth(session: AsyncSession, connection: CalendarConnection, reason: str) -> None:
    connection.status, connection.status_reason = "needs_reauth", reason[:500]
    connection.version += 1
    connection.updated_at = utcnow()
    events.record(
        session,
        connection.organization_id,
        None,
        "calendar.needs_reauth",
        "calendar_connection",
        connection.id,
        {"connection_id": str(connection.id), "provider": connection.provider},
    )


# 15 s doubling to an hour, each wait jittered over its half to its whole
# (app/integrations/retry.py, shared by every kind of background work).
BACKOFF = doubling(15, 3600)


def backoff(failures: int, retry_after: float | None) -> timedelta:
    """When to try a failed calendar task again: what the provider asked for, else
    exponential from 15 s to an hour, with jitter."""
    return timedelta(seconds=BACKOFF.wait(max(1, failures), retry_after=retry_after) or 0.0)


async def _failed(
    db: Database,
    worker: str,
    claimed: Claimed,
    reason: str,
    transient: bool,
    retry_after: float | None,
) -> None:
    async with db.transaction() as session:
        calendar = await repository.get_calendar(session, claimed.calendar_id)
        if calendar is None or calendar.claimed_by != worker:
            return
        calendar.failures += 1
        calendar.last_error, calendar.last_error_at = reason[:1000], utcnow()
        calendar.claimed_until = calendar.claimed_by = None
        calendar.next_sync_at = utcnow() + backoff(
            calendar.failures if transient else calendar.failures + 4, retry_after
        )
        await repository.note_error(session, claimed.connection_id, "sync", reason)
        if calendar.failures == FAILURES_BEFORE_EVENT or (not transient and calendar.failures == 1):
            _sync_failed_event(session, claimed, calendar, reason)


def _sync_failed_event(
    session: AsyncSession, claimed: Claimed, calendar: MemberCalendar, reason: str
) -> None:
    events.record(
        session,
        claimed.organization_id,
        None,
        "calendar.sync_failed",
        "calendar_connection",
        claimed.connection_id,
        {
            "connection_id": str(claimed.connection_id),
            "provider": claimed.provider,
            "calendar_id": str(calendar.id),
            "member_id": str(calendar.member_id),
            "failures": calendar.failures,
        },
    )


async def reconcile(session: AsyncSession) -> int:
    """Periodic: calendars that must be read again. What nothing pushes for (CalDAV, or a
    calendar whose channel could not be opened) is read every `calendar_poll_minutes`; what a
    channel keeps current is still read every `calendar_reconcile_hours`, repairing whatever
    a lost push left behind. Both reads are incremental."""
    settings = settings_of(session)
    now = utcnow()
    polled = await repository.reconcile_stale(
        session, now - timedelta(minutes=settings.calendar_poll_minutes), pushed=False
    )
    pushed = await repository.reconcile_stale(
        session, now - timedelta(hours=settings.calendar_reconcile_hours), pushed=True
    )
    return polled + pushed
