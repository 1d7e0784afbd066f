"""Push from the providers: channels opened and renewed by the worker, notifications received
by a public route that verifies them, marks the calendar due and answers at once; the worker
then reads the calendar's changes.

The secret token a channel was opened with is kept only as an HMAC under the service's key, and a
push's token is compared as its HMAC, so a leaked database row cannot forge a push, and a push with a wrong
token (or for an unknown channel) is refused before anything is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from app import crypto
from app.clock import utcnow
from app.db import Database
from app.domain.calendars import repository
from app.domain.calendars.connections import grant_for, oauth_values
from app.errors import InvalidInput, Unauthenticated
from app.integrations.calendars.base import (
    CalendarError,
    Channel,
    Grant,
    PushAnswer,
    PushingCalendarAdapter,
    PushRefused,
    loggable,
)
from app.integrations.calendars.registry import adapter_for, pushing_adapter_for
from app.settings import Settings

log = logging.getLogger("hireloop.worker.calendars")


@cache
def _channel_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"hireloop/calendar-channel/v1" + secret_key.encode()).digest()


def token_hash(settings: Settings, token: str) -> str:
    return hmac.new(_channel_key(settings.secret_key), token.encode(), hashlib.sha256).hexdigest()


async def receive(
    rows: AsyncConnection,
    settings: Settings,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    query: Mapping[str, str],
) -> PushAnswer:
    """Verify a push and make its calendars due: one statement on a plain connection that checks
    every notice's token and, only when all are genuine, marks the calendars due and wakes the
    workers. Providers may push hundreds a second; the work waits for the worker."""
    if provider not in ("google", "microsoft"):
        raise InvalidInput.for_field("provider", "pushes come only from Google or Microsoft")
    adapter = pushing_adapter_for(provider)
    assert adapter is not None
    try:
        answer, notices = adapter.parse_push(headers, body, query)
    except PushRefused as exc:
        raise InvalidInput(f"Not a {provider} push: {exc}") from exc
    if not notices:
        return answer  # a handshake
    # One HMAC per notice whatever it names; the comparison and the update are one statement.
    presented = [
        (
            notice.channel_id,
            token_hash(settings, notice.token or ""),
            notice.kind in ("reauthorize", "removed"),
        )
        for notice in notices
    ]
    if any(notice.token is None for notice in notices) or not await repository.receive_push(
        rows, provider, presented
    ):
        raise Unauthenticated("Unknown push channel or wrong channel token")
    return answer


def _retry_channel_at(settings: Settings) -> datetime:
    """A channel that could not be opened is tried again in half an hour (the renewal window
    plus 30 minutes makes it due then); polling covers the calendar meanwhile."""
    return utcnow() + timedelta(hours=settings.calendar_channel_renew_hours, minutes=30)


async def ensure_channels(
    db: Database, http: httpx.AsyncClient, settings: Settings, limit: int = 20
) -> int:
    """Open channels for busy calendars of pushing providers that lack one, and replace those
    that expire within `calendar_channel_renew_hours`."""
    renew_before = utcnow() + timedelta(hours=settings.calendar_channel_renew_hours)
    async with db.transaction() as session:
        ids = await repository.calendars_needing_channels(session, renew_before, limit)
        jobs = []
        for calendar_id in ids:
            found = await repository.calendar_with_connection(session, calendar_id)
            if found is None:
                continue
            calendar, connection = found
            old = (
                Channel(
                    calendar.channel_id, calendar.channel_resource_id, calendar.channel_expires_at
                )
                if calendar.channel_id and calendar.channel_expires_at
                else None
            )
            try:
                grant = grant_for(settings, connection, calendar.subject)
            except Exception as exc:
                # Credentials that cannot even be read: the connection's problem, shown in
                # its health; the channel waits, and polling keeps the calendar read.
                await repository.note_error(session, connection.id, "push channel", loggable(exc))
                await repository.set_channel(
                    session, calendar.id, None, None, None, _retry_channel_at(settings)
                )
                continue
            jobs.append((calendar, connection, grant, old))
    opened = 0
    for calendar, connection, grant, old in jobs:
        adapter = adapter_for(connection.provider)
        if not isinstance(adapter, PushingCalendarAdapter):
            continue
        token = secrets.token_urlsafe(32)
        callback = f"{settings.public_url.rstrip('/')}/api/v1/calendar-push/{connection.provider}"
        try:
            await adapter.authorize(http, grant, settings)
            channel = await adapter.watch(
                http,
                grant,
                calendar.remote_id,
                callback_url=callback,
                channel_id=uuid.uuid4().hex,
                token=token,
                settings=settings,
            )
        except CalendarError as exc:
            log.warning(
                "calendar %s: opening a push channel failed: %s", calendar.id, loggable(exc)
            )
            async with db.transaction() as session:
                await repository.note_error(session, connection.id, "push channel", str(exc))
                # Polling covers it meanwhile; try again after the renewal window.
                await repository.set_channel(
                    session, calendar.id, None, None, None, _retry_channel_at(settings)
                )
            continue
        async with db.transaction() as session:
            await repository.set_channel(
                session,
                calendar.id,
                channel.id,
                channel.resource_id,
                token_hash(settings, token),
                channel.expires_at,
            )
        opened += 1
        if old is not None:
            try:
                await adapter.unwatch(http, grant, old, settings)
            except CalendarError as exc:
                log.info(
                    "calendar %s: closing the old channel failed: %s", calendar.id, loggable(exc)
                )
    return opened


MAX_STOP_ATTEMPTS = 5


async def stop_channels(
    db: Database, http: httpx.AsyncClient, settings: Settings, worker: str, limit: int = 20
) -> int:
    """Close the channels of calendars no longer read (disconnected, or not busy any more)."""
    async with db.transaction() as session:
        stops = await repository.claim_channel_stops(
            session, worker, float(settings.worker_lease_seconds), limit
        )
        jobs = [
            (
                stop.id,
                stop.provider,
                Grant(
                    provider=stop.provider,  # type: ignore[arg-type]
                    values={
                        **(
                            orjson.loads(
                                crypto.decrypt(settings.secret_key, stop.credentials_encrypted)
                            )
                            if stop.credentials_encrypted
                            else {}
                        ),
                        **(oauth_values(settings, stop.provider) if stop.scope == "member" else {}),
                    },
                    subject=stop.subject if stop.scope == "organization" else None,
                    base_url=stop.base_url,
                ),
                Channel(stop.channel_id, stop.resource_id, stop.expires_at),
            )
            for stop in stops
        ]
    for stop_id, provider, grant, channel in jobs:
        adapter = adapter_for(provider)
        error: str | None = None
        if isinstance(adapter, PushingCalendarAdapter) and channel.expires_at > utcnow():
            try:
                await adapter.authorize(http, grant, settings)
                await adapter.unwatch(http, grant, channel, settings)
            except CalendarError as exc:
                error = loggable(exc)
        async with db.transaction() as session:
            stop = await repository.get_channel_stop(session, stop_id)
            if stop is None or stop.claimed_by != worker:
                continue
            stop.attempts += 1
            if error is None or stop.attempts >= MAX_STOP_ATTEMPTS or stop.expires_at <= utcnow():
                if error is not None:
                    log.warning(
                        "closing push channel %s failed; it expires by itself: %s",
                        stop.channel_id,
                        error,
                    )
                await session.delete(stop)
            else:
                stop.claimed_until = stop.claimed_by = None
                stop.next_attempt_at = utcnow() + timedelta(minutes=5 * stop.attempts)
    return len(jobs)
