"""Periodic jobs, run by whichever worker claims each due time first.

Every job is also safe to run twice (unique keys or idempotent updates), so a worker whose lease
ran out mid-run and a worker that took over cannot record anything twice."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Database
from app.domain.bookings import service as bookings
from app.domain.calendars import sync as calendar_sync
from app.domain.feedback import closing, scorecards
from app.domain.idempotency import repository as idempotency
from app.domain.interviews import service as interviews
from app.domain.jobs import repository
from app.domain.notifications import jobs as notification_jobs
from app.domain.privacy import retention
from app.worker import ats

log = logging.getLogger("hireloop.worker.periodic")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[AsyncSession], Awaitable[object]]


JOBS: tuple[Job, ...] = (
    Job("interviews.complete_past", timedelta(minutes=1), interviews.complete_past_interviews),
    Job("feedback.reminders", timedelta(minutes=1), scorecards.feedback_reminders),
    Job("closing.flag_at_risk", timedelta(minutes=5), closing.flag_at_risk),
    Job("idempotency.purge", timedelta(minutes=10), idempotency.purge_expired),
    Job("ats.reconcile", timedelta(minutes=15), ats.reconcile),
    Job("calendars.reconcile", timedelta(minutes=1), calendar_sync.reconcile),
    Job("bookings.expire", timedelta(minutes=1), bookings.expire_due),
    Job("privacy.retention", timedelta(hours=1), retention.anonymise_expired),
    Job("privacy.purge", timedelta(hours=1), retention.purge),
    *(Job(j.name, j.every, j.run) for j in notification_jobs.JOBS),
)


def next_due(due: datetime, every: timedelta, now: datetime) -> datetime:
    """The first due time after now on this job's grid: a worker that was down for an hour runs
    a minutely job once, not sixty times."""
    if due > now:
        return due + every
    skipped = math.floor((now - due) / every) + 1
    return due + skipped * every


async def run_due_jobs(
    db: Database, worker: str, lease_seconds: float, jobs: tuple[Job, ...] = JOBS
) -> int:
    """Run every job that is due and not claimed by another worker; returns how many ran."""
    async with db.transaction() as session:
        await repository.ensure(session, [j.name for j in jobs])
    ran = 0
    for job in jobs:
        async with db.transaction() as session:
            due = await repository.claim(session, job.name, worker, lease_seconds)
        if due is None:
            continue
        error = None
        try:
            async with db.transaction() as session:
                await job.run(session)
        except Exception as exc:
            # The next due time retries; the failure is kept on the job's row and logged.
            log.exception("periodic job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"[:500]
        async with db.transaction() as session:
            await repository.finish(
                session, job.name, worker, next_due(due, job.every, utcnow()), error
            )
        ran += 1
    return ran
