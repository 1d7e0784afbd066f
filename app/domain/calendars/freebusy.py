"""Just before a booking commits, ask the interviewers' providers whether they are still free.

The mirror may be seconds (a push on its way) or minutes (CalDAV polling) behind: a meeting
added a minute ago must not be double-booked. The interviewers' busy calendars are read from
the database, that read is ended (no transaction stays open while a provider is called), the
providers are asked in chunks sized to each API's limits (the adapters chunk), and anyone now
busy turns the booking into a 409 naming them, before anything is written.

A provider that cannot answer at that moment does not block the booking: its calendar is then
as current as the mirror, and the suggestion that led here already named it if it was failing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.db import end_read, settings_of
from app.domain.calendars import repository
from app.domain.calendars.connections import grant_for
from app.domain.organizations import repository as members_repo
from app.errors import Conflict
from app.integrations.calendars.base import BusyInterval, CalendarError, Grant, loggable
from app.integrations.calendars.registry import adapter_for
from app.settings import Settings

log = logging.getLogger("hireloop.calendars")


@dataclass(frozen=True)
class Slot:
    member_ids: Sequence[uuid.UUID]
    start: datetime
    end: datetime
    # The interview being moved: its current time is ours, not a conflict.
    own: tuple[datetime, datetime] | None = None
    # Times our own tentative events hold for a member (a booking link's holds), as
    # (member, start, end): providers report them as busy, yet they keep the time for this very
    # booking. Free/busy answers carry no event ids, so they are recognised by their times.
    held: tuple[tuple[uuid.UUID, datetime, datetime], ...] = ()


async def recheck(
    session: AsyncSession, actor: Actor, slots: Sequence[Slot], http: httpx.AsyncClient
) -> None:
    member_ids = list({m for s in slots for m in s.member_ids})
    if not member_ids or not slots:
        return
    settings = settings_of(session)
    rows = await repository.calendars_of_members(session, actor.organization_id, member_ids)
    calendars = [c for c, _ in rows if c.busy]
    if not calendars:
        return
    connections = {
        c.connection_id: await repository.get_connection_by_id(session, c.connection_id)
        for c in calendars
    }
    members = await members_repo.get_members(session, actor.organization_id, member_ids)
    names = {m.id: m.name for m in members}
    # (provider) -> key -> (grant, remote calendar ids); key is "<member>|<connection>".
    asks: dict[str, dict[str, tuple[Grant, list[str]]]] = defaultdict(dict)
    for calendar in calendars:
        connection = connections[calendar.connection_id]
        if connection is None or connection.status != "active":
            continue
        key = f"{calendar.member_id}|{connection.id}"
        if key not in asks[connection.provider]:
            asks[connection.provider][key] = (grant_for(settings, connection, calendar.subject), [])
        asks[connection.provider][key][1].append(calendar.remote_id)
    if not asks:
        return
    # Nothing has been written yet; no transaction stays open while the providers are called.
    await end_read(session)
    start = min(s.start for s in slots)
    end = max(s.end for s in slots)
    answers = await asyncio.gather(
        *(_ask(http, settings, provider, keyed, start, end) for provider, keyed in asks.items())
    )
    busy: dict[uuid.UUID, list[BusyInterval]] = defaultdict(list)
    for answer in answers:
        for key, intervals in answer.items():
            busy[uuid.UUID(key.split("|")[0])].extend(intervals)
    problems = []
    for slot in slots:
        for member_id in slot.member_ids:
            for interval in busy.get(member_id, []):
                if (
                    interval.start < slot.end
                    and slot.start < interval.end
                    and not _own(interval, slot.own)
                    and not _held(interval, member_id, slot)
                ):
                    kind = "a tentative event" if interval.tentative else "an event"
                    problems.append(
                        f"{names.get(member_id, member_id)} is no longer free then: their calendar "
                        f"shows {kind} from {interval.start.isoformat()} to {interval.end.isoformat()}"
                    )
                    break
    if problems:
        raise Conflict("Not everyone is free: " + "; ".join(problems), problems=problems)


def _own(interval: BusyInterval, own: tuple[datetime, datetime] | None) -> bool:
    return own is not None and interval.start >= own[0] and interval.end <= own[1]


def _held(interval: BusyInterval, member_id: uuid.UUID, slot: Slot) -> bool:
    """Whether the interval is only our own holds, as far as the slot is concerned: a
    tentative interval (as CalDAV and Microsoft mark our tentative events) once the member's held
    times are taken out of it no longer meets the slot; a provider that does not mark tentative
    time (Google) must report exactly a held time. Anything else someone else put there."""
    ranges = sorted((s, e) for m, s, e in slot.held if m == member_id)
    if not ranges:
        return False
    if not interval.tentative:
        return (interval.start, interval.end) in ranges
    left = [(interval.start, interval.end)]
    for start, end in ranges:
        left = [
            piece
            for a, b in left
            for piece in ((a, min(b, start)), (max(a, end), b))
            if piece[0] < piece[1]
        ]
    return not any(a < slot.end and slot.start < b for a, b in left)


async def _ask(
    http: httpx.AsyncClient,
    settings: Settings,
    provider: str,
    keyed: dict[str, tuple[Grant, list[str]]],
    start: datetime,
    end: datetime,
) -> dict[str, list[BusyInterval]]:
    adapter = adapter_for(provider)
    ready: dict[str, tuple[Grant, list[str]]] = {}
    for key, (grant, ids) in keyed.items():
        try:
            await adapter.authorize(http, grant, settings)
        except CalendarError as exc:
            log.warning(
                "free/busy: a %s account could not be authorized: %s", provider, loggable(exc)
            )
            continue
        ready[key] = (grant, ids)
    if not ready:
        return {}
    try:
        result = await adapter.free_busy(http, ready, start, end, settings)
    except CalendarError as exc:
        log.warning("free/busy from %s failed; booking on the mirror: %s", provider, loggable(exc))
        return {}
    return {key: intervals for key, intervals in result.busy.items() if intervals is not None}
