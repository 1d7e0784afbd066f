"""A leased calendar write that failed is given back: one rule for an interview's event
(writes.py) and a booking hold's tentative event (bookings/holds.py), so both retry, give up
and react to a revoked grant the same way."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.domain.calendars import repository
from app.domain.calendars.sync import backoff, mark_needs_reauth

MAX_ATTEMPTS = 8


class LeasedWrite(Protocol):
    """The lease and retry columns both write tables share."""

    organization_id: uuid.UUID
    pending: bool
    failed: bool
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    claimed_until: datetime | None
    claimed_by: str | None


async def give_back(
    session: AsyncSession,
    row: LeasedWrite | None,
    worker: str,
    connection_id: uuid.UUID,
    reason: str,
    *,
    transient: bool = False,
    retry_after: float | None = None,
    reauth: bool = False,
) -> None:
    """In a transaction, with `row` read for update: a transient failure is retried with
    backoff up to MAX_ATTEMPTS; a revoked grant marks the connection needs_reauth and waits an
    hour (the write is not lost: reconnecting picks it up); anything else fails for good. A
    lease that lapsed and went to another worker meanwhile is left to that worker."""
    if row is None or row.claimed_by != worker:
        return
    row.attempts += 1
    row.last_error = reason[:1000]
    row.claimed_until = row.claimed_by = None
    await repository.note_error(session, connection_id, "write", reason)
    if reauth:
        connection = await repository.get_connection_for_update(
            session, row.organization_id, connection_id
        )
        if connection is not None and connection.status != "needs_reauth":
            mark_needs_reauth(session, connection, reason)
        row.next_attempt_at = utcnow() + timedelta(hours=1)
    elif transient and row.attempts < MAX_ATTEMPTS:
        row.next_attempt_at = utcnow() + backoff(row.attempts, retry_after)
    else:
        row.pending, row.failed = False, True
