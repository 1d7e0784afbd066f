"""Shared steps for the calendar tests: what a worker does in a round, what the busy mirror
holds, and times on a test day."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import text

from app.db import Database
from app.settings import Settings
from app.worker import calendars as calendar_worker
from app.worker.outbox import dispatch_batch
from tests.conftest import Person

WORKER = "calendar-test-worker"


async def work(db: Database, http: httpx.AsyncClient, settings: Settings, rounds: int = 3) -> None:
    """What a worker does: fan out the outbox, then the calendar round, until quiet."""
    for _ in range(rounds):
        async with db.transaction() as session:
            await dispatch_batch(session)
        if not await calendar_worker.round_(db, http, settings, WORKER):
            break


async def blocks(db: Database, member: Person) -> list[tuple[datetime, datetime, bool]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT start_at, end_at, tentative FROM busy_blocks "
                "WHERE member_id = :m AND source = 'calendar' ORDER BY start_at"
            ),
            {"m": member.id},
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def make_all_due(db: Database) -> None:
    """What the poll interval does for CalDAV: every busy calendar read again."""
    async with db.transaction() as session:
        await session.execute(text("UPDATE member_calendars SET next_sync_at = now() WHERE busy"))


def at_utc(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
