"""Interviews out: each interviewer's interview calendar holds the interview, moved and
cancelled with it.

The worker's fan-out turns `interview.scheduled`, `.rescheduled`, `.reassigned` and `.cancelled`
into one row per (interview, interviewer) saying what the calendar should hold (`put` at a sequence, or
`delete`). A write is claimed with a lease, done with no transaction open, and recorded in a
new one. Writes are idempotent at the provider (the event's id or transaction id derives from
the interview's UID; CalDAV creates with If-None-Match: *) and updates are conditional on the
ETag we last saw, so a retried or duplicated write never makes a second event.

A booking link's holds (app/domain/bookings/holds.py) are written the same way: claimed here
with the interviews' writes, and done by `holds.write_one` as tentative events.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Database
from app.domain.applications import repository as applications_repo
from app.domain.bookings import holds
from app.domain.calendars import leases, repository
from app.domain.calendars.connections import grant_for, store_rotated
from app.domain.candidates import repository as candidates_repo
from app.domain.events.repository import OutboxEvent
from app.domain.interviews import repository as interviews_repo
from app.domain.organizations import repository as organizations_repo
from app.domain.roles import repository as roles_repo
from app.integrations.calendars.base import (
    Attendee,
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

WRITTEN = (
    "interview.scheduled",
    "interview.rescheduled",
    "interview.confirmed",
    "interview.cancelled",
    # A replacement: the newcomer's calendar gets the interview, the replaced interviewer's
    # loses it (plan's "no longer holds it"), everyone else's gets the new attendee list.
    "interview.reassigned",
)


async def plan(session: AsyncSession, batch: Sequence[OutboxEvent]) -> int:
    """In the fan-out's transaction: what each calendar should now hold. Per the organization's
    `interview_calendar`, each interviewer's interview calendar holds the interview, or the
    organizer's alone does (the interviewers are its attendees); an organizer without a
    connected interview calendar falls back to the interviewers' own."""
    wanted = [e for e in batch if e.type in WRITTEN]
    if not wanted:
        return 0
    planned = 0
    by_org: dict[uuid.UUID, set[uuid.UUID]] = {}
    for e in wanted:
        by_org.setdefault(e.organization_id, set()).add(e.resource_id)
    for org_id, interview_ids in by_org.items():
        organization = await organizations_repo.get_organization(session, org_id)
        by_organizer = organization is not None and organization.interview_calendar == "organizer"
        interviews = await interviews_repo.by_ids(session, org_id, list(interview_ids))
        people = await interviews_repo.participants(session, org_id, [i.id for i in interviews])
        member_ids = {p.member_id for p in people} | {
            i.organizer_id for i in interviews if i.organizer_id is not None
        }
        calendars = {
            c.member_id: c
            for c in await repository.interview_calendars(session, org_id, list(member_ids))
        }
        for interview in interviews:
            panel = {p.member_id for p in people if p.interview_id == interview.id}
            holders = panel
            if by_organizer and interview.organizer_id in calendars:
                holders = {interview.organizer_id}
            action = "delete" if interview.status == "cancelled" else "put"
            for member_id in holders:
                calendar = calendars.get(member_id)
                if calendar is None:
                    continue
                await repository.upsert_write(
                    session,
                    _row(
                        org_id,
                        interview.id,
                        member_id,
                        calendar.id,
                        interview.ical_sequence,
                        action,
                    ),
                )
                planned += 1
            # A calendar that should no longer hold it (someone taken off the panel, or the
            # organization switched where interviews go) loses it.
            for write in await repository.writes_of_interview(session, interview.id):
                if write.member_id not in holders and write.action != "delete":
                    await repository.upsert_write(
                        session,
                        _row(
                            org_id,
                            interview.id,
                            write.member_id,
                            write.calendar_id,
                            interview.ical_sequence,
                            "delete",
                        ),
                    )
                    planned += 1
    return planned


def _row(
    org_id: uuid.UUID,
    interview_id: uuid.UUID,
    member_id: uuid.UUID,
    calendar_id: uuid.UUID,
    sequence: int,
    action: str,
) -> dict[str, object]:
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "organization_id": org_id,
        "interview_id": interview_id,
        "member_id": member_id,
        "calendar_id": calendar_id,
        "action": action,
        "sequence": sequence,
        "pending": True,
        "next_attempt_at": now,
        "updated_at": now,
    }


async def claim(db: Database, worker: str, lease_seconds: float, limit: int) -> list[uuid.UUID]:
    """Interview writes first, then booking holds' tentative events with what room is left."""
    async with db.transaction() as session:
        ids = await repository.claim_due_writes(session, worker, lease_seconds, limit)
        return ids + await holds.claim(session, worker, lease_seconds, limit - len(ids))


@dataclass(frozen=True)
class _Job:
    write_id: uuid.UUID
    organization_id: uuid.UUID
    connection_id: uuid.UUID
    provider: str
    calendar_remote_id: str
    action: str
    sequence: int
    handle: EventHandle | None
    event: EventWrite | None
    grant: Grant


async def _load(db: Database, settings: Settings, worker: str, write_id: uuid.UUID) -> _Job | None:
    async with db.transaction() as session:
        write = await repository.get_write(session, write_id)
        if write is None or write.claimed_by != worker or not write.pending:
            return None
        found = await repository.calendar_with_connection(session, write.calendar_id)
        if found is None:
            return None
        calendar, connection = found
        if connection.status != "active":
            write.claimed_until = write.claimed_by = None
            write.next_attempt_at = utcnow() + timedelta(minutes=15)
            return None
        handle = (
            EventHandle(write.remote_id, write.etag, write.video_url) if write.remote_id else None
        )
        event = None
        if write.action == "put":
            event = await _event(
                session,
                write.organization_id,
                write.interview_id,
                connection.invitations == "provider",
                connection.video,
            )
            if event is None:
                write.pending, write.claimed_until, write.claimed_by = False, None, None
                return None
        return _Job(
            write_id=write.id,
            organization_id=write.organization_id,
            connection_id=connection.id,
            provider=connection.provider,
            calendar_remote_id=calendar.remote_id,
            action=write.action,
            sequence=write.sequence,
            handle=handle,
            event=event,
            grant=grant_for(settings, connection, calendar.subject),
        )


async def _event(
    session: AsyncSession,
    org_id: uuid.UUID,
    interview_id: uuid.UUID,
    provider_invites: bool,
    video: bool,
) -> EventWrite | None:
    interviews = await interviews_repo.by_ids(session, org_id, [interview_id])
    if not interviews:
        return None
    interview = interviews[0]
    application = await applications_repo.get_application(session, org_id, interview.application_id)
    if application is None:
        return None
    candidate = await candidates_repo.get_candidate(session, org_id, application.candidate_id)
    role = await roles_repo.get_role(session, org_id, application.role_id)
    people = await interviews_repo.participants(session, org_id, [interview.id])
    ids = [p.member_id for p in people]
    if interview.organizer_id:
        ids.append(interview.organizer_id)
    members = {m.id: m for m in await organizations_repo.get_members(session, org_id, ids)}
    organizer = members.get(interview.organizer_id) if interview.organizer_id else None
    title = role.title if role else "a role"
    name = candidate.name if candidate else "a candidate"
    return EventWrite(
        uid=interview.ical_uid,
        sequence=interview.ical_sequence,
        summary=f"Interview: {name} for {title} ({interview.kind})",
        description=f"{interview.kind} interview for the {title} role.",
        start=interview.start_at,
        end=interview.end_at,
        attendees=tuple(
            Attendee(members[p.member_id].email, members[p.member_id].name)
            for p in people
            if p.member_id in members
        ),
        location=interview.location,
        organizer_email=organizer.email if organizer else None,
        video=video and not interview.video_url,
        provider_sends_invitations=provider_invites,
        status="tentative" if interview.status == "proposed" else "confirmed",
        time_zone=interview.time_zone,
    )


async def write_one(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, write_id: uuid.UUID
) -> bool:
    """Do one claimed write (an interview's, or a booking hold's); True when recorded as done."""
    job = await _load(db, settings, worker, write_id)
    if job is None:
        return await holds.write_one(db, http, settings, worker, write_id)
    adapter = adapter_for(job.provider)
    handle: EventHandle | None = job.handle
    try:
        await adapter.authorize(http, job.grant, settings)
        if job.action == "delete":
            if handle is not None:
                try:
                    await adapter.delete_event(
                        http, job.grant, job.calendar_remote_id, handle, settings
                    )
                except EventChanged:
                    # Changed in their calendar since we wrote it (an answer, a note): the
                    # interview is cancelled all the same.
                    await adapter.delete_event(
                        http,
                        job.grant,
                        job.calendar_remote_id,
                        EventHandle(handle.remote_id, None, handle.video_url),
                        settings,
                    )
                except EventGone:
                    # Already deleted in their calendar (a decline often is): the end we want.
                    pass
            handle = None
        else:
            assert job.event is not None
            try:
                handle = await adapter.put_event(
                    http, job.grant, job.calendar_remote_id, job.event, handle, settings
                )
            except EventChanged:
                # Someone touched our event in their calendar: ours is the truth for the time
                # and the panel, so write it over the version now there.
                assert handle is not None
                handle = await adapter.put_event(
                    http,
                    job.grant,
                    job.calendar_remote_id,
                    job.event,
                    EventHandle(handle.remote_id, None, handle.video_url),
                    settings,
                )
            except EventGone:
                handle = await adapter.put_event(
                    http, job.grant, job.calendar_remote_id, job.event, None, settings
                )
    except NeedsReauth as exc:
        log.warning(
            "interview write %s failed: its calendar connection needs reauthorization", write_id
        )
        await _give_back(db, job, worker, str(exc), reauth=True)
        return False
    except CalendarError as exc:
        log.warning("interview write %s failed: %s", write_id, loggable(exc))
        await _give_back(
            db, job, worker, str(exc), transient=exc.transient, retry_after=exc.retry_after
        )
        return False
    await _done(db, settings, job, worker, handle)
    return True


async def _done(
    db: Database, settings: Settings, job: _Job, worker: str, handle: EventHandle | None
) -> None:
    async with db.transaction() as session:
        write = await repository.get_write_for_update(session, job.write_id)
        if write is None or write.claimed_by != worker:
            return
        write.remote_id = handle.remote_id[:1000] if handle else None
        write.etag = (handle.etag or "")[:300] or None if handle else None
        if handle and handle.video_url:
            write.video_url = handle.video_url[:500]
            await _show_video(session, job.organization_id, write.interview_id, handle.video_url)
        write.written_sequence = job.sequence
        write.claimed_until = write.claimed_by = None
        write.attempts, write.last_error, write.failed = 0, None, False
        # A newer change planned while we wrote stays pending for the next round.
        write.pending = write.sequence != job.sequence or write.action != job.action
        write.updated_at = utcnow()
        if job.grant.changed:
            connection = await repository.get_connection_by_id(session, job.connection_id)
            if connection is not None:
                store_rotated(settings, connection, job.grant)


async def _show_video(
    session: AsyncSession, org_id: uuid.UUID, interview_id: uuid.UUID, url: str
) -> None:
    interviews = await interviews_repo.by_ids(session, org_id, [interview_id])
    if interviews and not interviews[0].video_url:
        interviews[0].video_url = url[:500]


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
            await repository.get_write_for_update(session, job.write_id),
            worker,
            job.connection_id,
            reason,
            transient=transient,
            retry_after=retry_after,
            reauth=reauth,
        )
