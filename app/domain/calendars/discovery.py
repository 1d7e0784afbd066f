"""Organization-wide connections: match members to mailboxes by email and list their calendars.

Claimed with a lease on the connection (`discover_at` due), done with no transaction open,
recorded in a new one. Members whose mailbox cannot be read are listed as unmatched with the
provider's reason, so an admin sees who is missing and why.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import httpx

from app.clock import utcnow
from app.db import Database
from app.domain.calendars import repository
from app.domain.calendars.connections import grant_for, initial_calendar_rows
from app.domain.calendars.sync import mark_needs_reauth
from app.integrations.calendars.base import CalendarError, NeedsReauth, RemoteCalendar
from app.integrations.calendars.registry import adapter_for
from app.settings import Settings

log = logging.getLogger("hireloop.worker.calendars")


async def discover_due(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str
) -> bool:
    async with db.transaction() as session:
        connection_id = await repository.claim_discovery(session, worker, 300.0)
        if connection_id is None:
            return False
        connection = await repository.get_connection_by_id(session, connection_id)
        assert connection is not None
        members = await repository.members_by_email(session, connection.organization_id)
        existing = await repository.calendars_of_members(
            session, connection.organization_id, [m for m, _ in members]
        )
    has_interview_calendar = {c.member_id for c, _ in existing if c.receives_interviews}
    known = {c.member_id for c, _ in existing if c.connection_id == connection.id}
    adapter = adapter_for(connection.provider)
    found: dict[uuid.UUID, tuple[str, list[RemoteCalendar]]] = {}
    unmatched: list[dict[str, Any]] = []
    reauth: str | None = None
    for member_id, email in members:
        grant = grant_for(settings, connection, email)
        try:
            await adapter.authorize(http, grant, settings)
            found[member_id] = (email, await adapter.list_calendars(http, grant, settings))
        except NeedsReauth as exc:
            if member_id in known or not found:
                # The organization's own grant failing is the connection's problem; one
                # mailbox refusing is that member's.
                reauth = str(exc)
            unmatched.append(
                {"member_id": str(member_id), "email": email, "reason": str(exc)[:300]}
            )
        except CalendarError as exc:
            unmatched.append(
                {"member_id": str(member_id), "email": email, "reason": str(exc)[:300]}
            )
    async with db.transaction() as session:
        fresh = await repository.get_connection_for_update(
            session, connection.organization_id, connection.id
        )
        if fresh is None or fresh.claimed_by != worker:
            return True
        if reauth is not None and not found:
            mark_needs_reauth(session, fresh, reauth)
        for member_id, (email, calendars) in found.items():
            await repository.upsert_calendars(
                session,
                initial_calendar_rows(
                    fresh.organization_id,
                    fresh.id,
                    member_id,
                    email,
                    calendars,
                    has_interview_calendar=member_id in has_interview_calendar,
                )
                if member_id not in known
                else [
                    {**r, "busy": False, "receives_interviews": False, "next_sync_at": None}
                    for r in initial_calendar_rows(
                        fresh.organization_id,
                        fresh.id,
                        member_id,
                        email,
                        calendars,
                        has_interview_calendar=True,
                    )
                ],
            )
        fresh.unmatched = unmatched
        fresh.claimed_until = fresh.claimed_by = None
        # Members join and leave: match again later.
        fresh.discover_at = utcnow() + timedelta(hours=settings.calendar_reconcile_hours)
    log.info(
        "calendar connection %s: %d mailboxes matched, %d unmatched",
        connection.id,
        len(found),
        len(unmatched),
    )
    return True
