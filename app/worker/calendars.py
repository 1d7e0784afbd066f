"""The worker's calendar side: match organization-wide mailboxes, keep push channels open,
read calendars that are due, and write interviews to people's calendars.

Each kind of work is leased, done with no transaction open and recorded in a new one (see
app/domain/calendars). Different calendars are read concurrently, a few at a time; one
calendar is only ever read by the worker holding its lease, so its pages stay in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable

import httpx

from app.db import Database
from app.domain.calendars import discovery, push, sync, writes
from app.settings import Settings
from app.worker.metrics import metrics

log = logging.getLogger("hireloop.worker.calendars")

CONCURRENCY = 8


async def _step(name: str, work: Awaitable[object]) -> bool:
    """One kind of work; its failure is logged and never keeps the others from running."""
    try:
        return bool(await work)
    except Exception:
        log.exception("calendar %s failed; the other calendar work goes on", name)
        return False


async def round_(db: Database, http: httpx.AsyncClient, settings: Settings, worker: str) -> bool:
    """One round; True when it found work (so the next round runs at once)."""
    lease = float(settings.worker_lease_seconds) * 4
    found = await _step("mailbox matching", discovery.discover_due(db, http, settings, worker))
    found = await _step("channel renewal", push.ensure_channels(db, http, settings)) or found
    found = await _step("channel closing", push.stop_channels(db, http, settings, worker)) or found
    calendar_ids = await sync.claim(db, worker, lease, CONCURRENCY)
    write_ids = await writes.claim(db, worker, lease, CONCURRENCY * 2)
    limit = asyncio.Semaphore(CONCURRENCY)

    async def bounded(work: object) -> object:
        async with limit:
            return await work  # type: ignore[misc]

    async def read(calendar_id: uuid.UUID) -> None:
        started = time.perf_counter()
        try:
            pages = await sync.sync_calendar(db, http, settings, worker, calendar_id)
        except Exception:
            metrics.outcome("calendar_read", "failed", time.perf_counter() - started)
            log.exception("reading calendar %s failed", calendar_id)
            return
        # A read the provider refused is logged (WARNING) and retried by sync.py.
        metrics.outcome("calendar_read", "read" if pages else "none", time.perf_counter() - started)

    async def write(write_id: uuid.UUID) -> None:
        started = time.perf_counter()
        try:
            written = await writes.write_one(db, http, settings, worker, write_id)
        except Exception:
            metrics.outcome("calendar_write", "failed", time.perf_counter() - started)
            log.exception("interview write %s failed", write_id)
            return
        outcome = "written" if written else "not_written"
        metrics.outcome("calendar_write", outcome, time.perf_counter() - started)

    await asyncio.gather(
        *(bounded(read(c)) for c in calendar_ids),
        *(bounded(write(w)) for w in write_ids),
    )
    return found or bool(calendar_ids) or bool(write_ids)
